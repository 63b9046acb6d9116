"""The admin site, set once for every app's admin: its names, and two of its addresses kept to
what a staff member may see.

The names say whose workplace it is and nothing about the software behind it.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.http import Http404
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Twinning staff")
admin.site.site_title = _("Twinning staff")
admin.site.index_title = _("Twinning staff")


def view_on_site(request, content_type_id, object_id):
    """Django's "view on site" redirect (admin/r/…), for records the user may see in the admin.

    The address it redirects to names the record (a draft's slug), so for anyone but a
    superuser it answers 404 for records outside their scope and for models without an admin.
    """
    if not request.user.is_superuser:
        try:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
        except ContentType.DoesNotExist:
            raise Http404 from None
        model_admin = admin.site._registry.get(model)
        if model_admin is None:
            raise Http404
        obj = model_admin.get_object(request, unquote(str(object_id)))
        if obj is None or not model_admin.has_view_or_change_permission(request, obj):
            raise Http404
    return shortcut(request, content_type_id, object_id)
