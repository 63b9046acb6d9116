"""The admin site's names, set once for every app's admin.

They say whose workplace it is and nothing about the software behind it.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Twinning staff")
admin.site.site_title = _("Twinning staff")
admin.site.index_title = _("Twinning staff")
