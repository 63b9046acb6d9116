from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cities.models import City
from cities.permissions import cities_in_scope, is_unrestricted

from .invitations import ROLE_CHOICES, existing_account, role_of


class StaffAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in, saying why an account cannot sign in.

    Only after the right password is a reason given (no staff access, deactivated), so the page
    tells nobody more about an account than Django's own does. A wrong password, an unknown name
    and an account without a password (an invitation not yet taken up) all get the same message,
    which mentions the invitation link.
    """

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": _(
            "Please enter the correct %(username)s and password for a staff account. Note that "
            "both fields may be case-sensitive. Invited and no password yet? Use the link in "
            "your invitation e-mail to set one."
        ),
        "no_staff_access": _(
            "This account has no staff access. Ask an administrator, or a publisher of your "
            "city, to invite you as an editor or publisher."
        ),
        "deactivated": _("This account is deactivated. Ask an administrator to reactivate it."),
    }

    def confirm_login_allowed(self, user):
        if user.is_active and not user.is_staff:
            raise ValidationError(self.error_messages["no_staff_access"], code="no_staff_access")
        super().confirm_login_allowed(user)

    def get_invalid_login_error(self):
        if self._is_deactivated_with_right_password():
            return ValidationError(self.error_messages["deactivated"], code="deactivated")
        return super().get_invalid_login_error()

    def _is_deactivated_with_right_password(self):
        if self.request is not None and getattr(self.request, "axes_locked_out", False):
            return False  # locked out: no password is looked at
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return False
        user_model = get_user_model()
        user = user_model._default_manager.filter(
            **{user_model.USERNAME_FIELD: username}, is_active=False
        ).first()
        return user is not None and user.has_usable_password() and user.check_password(password)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "none"}
        ),
    )


class AppCodeForm(forms.Form):
    token = forms.CharField(
        label=_("Code from the app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)
    cities = forms.ModelMultipleChoiceField(
        label=_("Cities"),
        queryset=City.objects.none(),
        widget=FilteredSelectMultiple(_("cities"), is_stacked=False),
        help_text=_("The cities this person works on: their partnerships come with them."),
    )

    def __init__(self, *args, inviter, **kwargs):
        super().__init__(*args, **kwargs)
        self.inviter = inviter
        # Offered: the inviter's own cities; a city of someone else's is "not a valid choice".
        self.fields["cities"].queryset = cities_in_scope(inviter, City.objects.all()).order_by(
            "name_en"
        )

    def clean_email(self):
        return get_user_model().objects.normalize_email(self.cleaned_data["email"]).strip()

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email")
        if not email:
            return cleaned
        user = existing_account(email)
        if user is None:
            return cleaned
        if user.is_superuser:
            raise ValidationError(
                _("%(email)s is an administrator already: they work on every city."),
                params={"email": email},
            )
        if not is_unrestricted(self.inviter):
            if not user.is_active:
                raise ValidationError(
                    _("The account of %(email)s is deactivated: ask an administrator."),
                    params={"email": email},
                )
            current = role_of(user)
            role = cleaned.get("role")
            if current and role and current != role:
                raise ValidationError(
                    _(
                        "%(email)s is a staff member with another role already: ask an "
                        "administrator to change it."
                    ),
                    params={"email": email},
                )
        return cleaned
