"""What each staff member wants to hear about by e-mail (partnerships/notifications.py).

A staff member without a row gets every review e-mail in the site's language: the row is made
the first time they save their choice on the notifications page.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationPreferencesQuerySet(models.QuerySet):
    def of(self, user):
        """The user's preferences; unsaved defaults when they never chose."""
        try:
            return user.notification_preferences
        except NotificationPreferences.DoesNotExist:
            return NotificationPreferences(user=user)


class NotificationPreferences(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    review_emails = models.BooleanField(
        _("review e-mails"),
        default=True,
        help_text=_(
            "E-mail me when a partnership of my cities is submitted for review (publishers), "
            "and when one I submitted is published or returned."
        ),
    )
    language = models.CharField(
        _("language of the e-mails"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Empty: the site's language."),
    )

    objects = NotificationPreferencesQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return str(self.user)

    @property
    def email_language(self):
        return self.language or settings.LANGUAGE_CODE
