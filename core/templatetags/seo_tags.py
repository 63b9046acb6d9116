"""What search engines and link previews read: canonical URL, Open Graph, JSON-LD."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.http import escape_leading_slashes, urlencode
from django.utils.safestring import mark_safe

from core import structured_data

register = template.Library()


class CaptureNode(template.Node):
    def __init__(self, nodelist, name):
        self.nodelist = nodelist  # the attribute {% extends %} searches for blocks
        self.name = name

    def render(self, context):
        # The output is already escaped; only the whitespace of the template is tidied.
        text = " ".join(self.nodelist.render(context).split())
        context[self.name] = mark_safe(text)  # noqa: S308 - rendered with autoescape above
        return ""


@register.tag
def capture(parser, token):
    """{% capture as name %}…{% endcapture %}: render once, use as often as needed (the
    page's title and description feed <title>, the meta description and Open Graph)."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Usage: {% capture as name %}…{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """The page's one address, absolute.

    A detail page's is its object's own URL (so a staff preview points to the public page).
    A list page's is its path without the query: filters and sorting make endless variants
    of the same records, so they all point to the unfiltered list. Pages 2, 3, … of the
    unfiltered list show other records and keep their `?page=`.
    """
    request = context.get("request")
    if request is None:  # a page rendered without a request (the plain 500 page)
        return ""
    obj = context.get("object")
    # A path starting "//" (a request for //elsewhere.example/…) would read as another host.
    path = (
        obj.get_absolute_url()
        if hasattr(obj, "get_absolute_url")
        else escape_leading_slashes(request.path)
    )
    page_obj = context.get("page_obj")
    filtered = any(
        value for key, values in request.GET.lists() if key != "page" for value in values
    )
    if page_obj is not None and page_obj.number > 1 and not filtered:
        path = f"{path}?{urlencode({'page': page_obj.number})}"
    return request.build_absolute_uri(path)


@register.simple_tag(takes_context=True)
def og_image(context, *cities):
    """Open Graph image tags for the first of the cities that has a picture."""
    request = context.get("request")
    city = next((city for city in cities if city is not None and city.image), None)
    if request is None or city is None:
        return ""
    picture = city.picture
    properties = [("og:image", request.build_absolute_uri(picture.src))]
    if picture.width:
        properties += [("og:image:width", picture.width), ("og:image:height", picture.height)]
    if city.image_alt:
        properties.append(("og:image:alt", city.image_alt))
    return format_html_join("\n  ", '<meta property="{}" content="{}">', properties)


@register.simple_tag
def json_ld(data):
    """A JSON-LD data block: escaped like json_script, but with no id. A data block is
    never executed, so the strict script-src of the CSP does not apply to it."""
    return format_html(
        '<script type="application/ld+json">{}</script>', structured_data.dumps(data)
    )


@register.simple_tag(takes_context=True)
def partnership_json_ld(context, partnership, *activity_lists):
    activities = [activity for activities in activity_lists for activity in activities]
    return json_ld(structured_data.partnership_page(partnership, activities, context["request"]))


@register.simple_tag(takes_context=True)
def city_json_ld(context, city):
    return json_ld(structured_data.city_page(city, context["request"]))


def _paging(context):
    paginator = context.get("paginator")
    return {
        "page_obj": context.get("page_obj"),
        "total": paginator.count if paginator is not None else None,
    }


@register.simple_tag(takes_context=True)
def list_json_ld(context, objects, page):
    """An ItemList of the records on this page of a list (`page`: the URL pattern of theirs)."""
    return json_ld(structured_data.item_list(objects, page, context["request"], **_paging(context)))


@register.simple_tag(takes_context=True)
def activity_list_json_ld(context, activities):
    return json_ld(
        structured_data.activity_list(activities, context["request"], **_paging(context))
    )
