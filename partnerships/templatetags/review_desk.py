"""The admin home page: the staff member's review desk (partnerships/desk.py)."""

from django import template

from partnerships.desk import desk

register = template.Library()


@register.inclusion_tag("admin/partnerships/includes/review_desk.html", takes_context=True)
def review_desk(context):
    return desk(context["request"].user)
