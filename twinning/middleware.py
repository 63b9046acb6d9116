from django.conf import settings

from twinning.text_hygiene import has_control_bytes, strip_control_bytes


class AdminNoIndexMiddleware:
    """Ask search engines not to index anything under the admin (``X-Robots-Tag: noindex``).

    It goes by the path, so the sign-in page, the lockout page and the admin's own 404s are
    covered as well as the pages behind the sign-in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith(f"/{settings.ADMIN_URL}"):
            response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response


# Text responses that are UTF-8 and can carry stored text; binary responses are never touched.
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")
TEXT_SUFFIXES = ("+json", "+xml")


def is_text(response):
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    return (
        content_type.startswith(TEXT_TYPES) or content_type.endswith(TEXT_SUFFIXES)
    ) and response.charset.lower().replace("_", "-") in ("utf-8", "utf8")


class StripControlCharactersMiddleware:
    """Remove control characters from every rendered text response (pages, the admin).

    The last net behind the validation at every door: a title stored before the checks existed
    (or written by hand) would otherwise reach every page that shows it, and HTML forbids them.
    Feeds, calendars and exports clean their own text where they are written; streamed
    responses (the list exports) are not held in memory to be searched here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.streaming and is_text(response) and has_control_bytes(response.content):
            response.content = strip_control_bytes(response.content)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response
