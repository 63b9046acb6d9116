"""Each staff member's own e-mail settings: review e-mails on or off, and their language
(partnerships/notifications.py sends them). The page changes the signed-in user's settings
only: no address or form field names another user."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cities.models import City

from ..models import NotificationPreferences
from ..permissions import can_publish


class NotificationPreferencesForm(forms.ModelForm):
    class Meta:
        model = NotificationPreferences
        fields = ["review_emails", "language"]


@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    """GET: the user's settings; POST: save them. Wrapped in admin_view (twinning/urls.py):
    staff only, sign-in first, CSRF-protected."""
    preferences = NotificationPreferences.objects.of(request.user)
    data = request.POST if request.method == "POST" else None
    form = NotificationPreferencesForm(data, instance=preferences)
    if request.method == "POST" and form.is_valid():
        # update_or_create, not form.save(): two tabs saving at once make one row, not an error.
        NotificationPreferences.objects.update_or_create(
            user=request.user, defaults=form.cleaned_data
        )
        messages.success(request, _("Your e-mail settings were saved."))
        return HttpResponseRedirect(reverse("notification_preferences"))
    context = {
        **admin.site.each_context(request),
        "title": _("E-mail notifications"),
        "form": form,
        "publisher": can_publish(request.user),
        "cities": list(City.objects.filter(staff=request.user).order_by("name_en")),
    }
    return TemplateResponse(request, "admin/partnerships/notification_preferences.html", context)
