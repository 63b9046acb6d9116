"""Sign-in (password, then the second factor), two-factor set-up, invitations and the page
where an invited person sets their password. The addresses are under the admin's
(twinning/urls.py)."""

import time

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import admin, messages
from django.contrib.auth import BACKEND_SESSION_KEY, REDIRECT_FIELD_NAME, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView, PasswordResetConfirmView
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user
from django_otp import login as otp_login

from cities.models import City

from . import twofactor
from .forms import AppCodeForm, InvitationForm, StaffAuthenticationForm, TokenForm
from .invitations import invite, may_invite
from .tokens import invitation_token

# Between the password and the second factor: who gave the right password, with which backend,
# and when. Nobody is signed in until the code is right too.
PENDING_SESSION_KEY = "accounts_pending_sign_in"
PENDING_SECONDS = 300


def admin_context(request, title):
    return {**admin.site.each_context(request), "title": title, "subtitle": None}


def safe_next(request, default="admin:index"):
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(default)


def with_next(url, target):
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: target})}"


class StaffLoginView(LoginView):
    """The admin's sign-in page, with reasons (forms.StaffAuthenticationForm) and a second step
    for whoever has set up two-factor sign-in."""

    form_class = StaffAuthenticationForm
    template_name = "admin/login.html"

    def dispatch(self, request, *args, **kwargs):
        if request.method == "GET" and admin.site.has_permission(request):
            return HttpResponseRedirect(safe_next(request))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = {
            **super().get_context_data(**kwargs),
            **admin_context(self.request, _("Log in")),
            "app_path": self.request.get_full_path(),
            "username": self.request.user.get_username(),
        }
        if not context.get(REDIRECT_FIELD_NAME):
            context[REDIRECT_FIELD_NAME] = reverse("admin:index")
        return context

    def form_valid(self, form):
        user = form.get_user()
        if not twofactor.has_device(user):
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[PENDING_SESSION_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "at": time.time(),
        }
        return HttpResponseRedirect(with_next(reverse("two_factor_verify"), self.get_success_url()))


def pending_user(request):
    pending = request.session.get(PENDING_SESSION_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        return None, None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending["backend"]


@sensitive_post_parameters("token")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def verify(request):
    """The second step: a code from the app, or a recovery code (each works once).

    A wrong code counts as a failed sign-in for django-axes, like a wrong password, so the
    lockout covers both; a locked-out account gets the lockout page here too.
    """
    if request.user.is_authenticated and request.user.is_verified():
        return HttpResponseRedirect(safe_next(request))
    user, backend = pending_user(request)
    if user is None and request.user.is_authenticated:
        twofactor.note_device(request, request.user)  # a device removed meanwhile: no code
        if twofactor.session_has_device(request):
            user, backend = request.user, request.session.get(BACKEND_SESSION_KEY)
    if user is None:
        return HttpResponseRedirect(with_next(reverse("admin:login"), safe_next(request)))
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        credentials = {get_user_model().USERNAME_FIELD: user.get_username()}
        if AxesProxyHandler.is_locked(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials
        elif form.is_valid():
            device = match(user, form.cleaned_data["token"])
            if device is not None:
                request.session.pop(PENDING_SESSION_KEY, None)
                if request.user.pk != user.pk:
                    auth_login(request, user, backend=backend)
                otp_login(request, device)
                if device.name == twofactor.RECOVERY_DEVICE_NAME:
                    left = twofactor.remaining_recovery_codes(user)
                    messages.warning(
                        request,
                        ngettext(
                            "You signed in with a recovery code; %(count)d is left. Make new "
                            "ones on the two-factor page.",
                            "You signed in with a recovery code; %(count)d are left. Make new "
                            "ones on the two-factor page.",
                            left,
                        )
                        % {"count": left},
                    )
                return HttpResponseRedirect(safe_next(request))
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            form.add_error("token", _("This code is not right, or was used already."))
    context = {
        **admin_context(request, _("Two-factor sign-in")),
        "form": form,
        "next": safe_next(request),
    }
    return TemplateResponse(request, "admin/accounts/verify.html", context)


def match(user, token):
    """The user's device that accepts `token`, or None. The devices are locked while a code is
    checked (django-otp's for_verify: a code counts once, even from two requests at a time),
    which needs a transaction on PostgreSQL."""
    token = twofactor.normalize(token)
    with transaction.atomic():
        for device in devices_for_user(user, for_verify=True):
            if device.verify_token(token):
                return device
    return None


@never_cache
@require_http_methods(["GET", "POST"])
def setup(request):
    """Set up an authenticator app (QR code, then a code from it), then recovery codes.

    Wrapped in admin_view: a signed-in staff member. Someone who has set it up already must
    have signed in with it to change it.
    """
    user = request.user
    if twofactor.has_device(user) and not user.is_verified():
        return HttpResponseRedirect(with_next(reverse("two_factor_verify"), request.path))
    if request.method == "POST" and request.POST.get("action") == "recovery-codes":
        if not twofactor.has_app(user):
            raise PermissionDenied
        return show_codes(request, twofactor.new_recovery_codes(user))
    device = twofactor.pending_app(user)
    form = AppCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if twofactor.confirm_app(device, twofactor.normalize(form.cleaned_data["token"])):
            otp_login(request, device)
            twofactor.note_device(request, user)
            return show_codes(request, twofactor.new_recovery_codes(user))
        form.add_error("token", _("This code is not right. Check the time on your phone."))
    context = {
        **admin_context(request, _("Two-factor sign-in")),
        "form": form,
        "qr_code": twofactor.qr_code_data_uri(device),
        "secret": twofactor.secret_for_typing(device),
        "active": twofactor.has_app(user),
        "required": twofactor.is_required(user),
        "recovery_codes_left": twofactor.remaining_recovery_codes(user),
        "next": safe_next(request),
    }
    return TemplateResponse(request, "admin/accounts/setup.html", context)


def show_codes(request, codes):
    context = {
        **admin_context(request, _("Your recovery codes")),
        "codes": codes,
        "next": safe_next(request),
    }
    return TemplateResponse(request, "admin/accounts/recovery_codes.html", context)


@require_http_methods(["GET", "POST"])
def invite_staff(request):
    """One form: e-mail, role and cities. Wrapped in admin_view (twinning/urls.py)."""
    if not may_invite(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = InvitationForm(request.POST, inviter=request.user)
    else:
        initial = {}
        city_ids = [pk for pk in request.GET.getlist("city") if pk.isdigit()]
        if city_ids:
            initial["cities"] = city_ids
        form = InvitationForm(initial=initial, inviter=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user, created = invite(
            request.user,
            data["email"],
            data["role"],
            list(data["cities"]),
            first_name=data["first_name"],
            last_name=data["last_name"],
        )
        message = (
            _("%(email)s was invited: the e-mail with a link to set a password is on its way.")
            if created or not user.has_usable_password()
            else _("%(email)s now works on these cities too; they were told by e-mail.")
        )
        messages.success(request, message % {"email": user.email})
        return HttpResponseRedirect(reverse("staff_invite"))
    context = {
        **admin_context(request, _("Invite staff")),
        "form": form,
        "media": form.media,
        "unrestricted": request.user.is_superuser,
        "own_cities": list(City.objects.filter(staff=request.user).order_by("name_en")),
    }
    return TemplateResponse(request, "admin/accounts/invite.html", context)


class WelcomeView(PasswordResetConfirmView):
    """The invitation's link: set a password, signed in at once, then on to two-factor set-up."""

    token_generator = invitation_token
    template_name = "admin/accounts/welcome.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    reset_url_token = "set-password"  # noqa: S105 (a path segment, not a secret)
    title = gettext_lazy("Set your password")

    def get_success_url(self):
        return reverse("two_factor_setup")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **admin.site.each_context(self.request)}


welcome = WelcomeView.as_view()
login = StaffLoginView.as_view()
