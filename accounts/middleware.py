"""Two-factor sign-in, enforced: in the admin, a staff member who has set it up but not given
a code this session is sent to give one; one who must have it (superusers and publishers,
accounts/twofactor.py) and has not set it up is sent to set it up. After
django_otp.middleware.OTPMiddleware."""

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from . import twofactor

# Pages of the admin that must stay open on the way to (or out of) the second factor.
OPEN_NAMES = [
    "admin:login",
    "admin:logout",
    "two_factor_verify",
    "two_factor_setup",
    "admin:jsi18n",
]


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        redirect = self.redirect_for(request)
        return redirect or self.get_response(request)

    def redirect_for(self, request):
        if not request.path.startswith(f"/{settings.ADMIN_URL}"):
            return None
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return None
        if user.is_verified():
            return None
        if request.path in {reverse(name) for name in OPEN_NAMES}:
            return None
        if request.path.startswith(f"/{settings.ADMIN_URL}welcome/"):
            return None
        if twofactor.session_has_device(request):
            target = "two_factor_verify"
        elif twofactor.is_required(user):
            target = "two_factor_setup"
        else:
            return None
        next_url = request.get_full_path() if request.method == "GET" else reverse("admin:index")
        return HttpResponseRedirect(
            f"{reverse(target)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"
        )
