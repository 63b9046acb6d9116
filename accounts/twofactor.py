"""Two-factor sign-in (django-otp): an authenticator app (TOTP) and single-use recovery codes.

Required (settings.TWO_FACTOR_REQUIRED, on unless turned off) for superusers and publishers:
they set it up before they can use the admin. Offered to editors. Whoever has set it up gives a
code from the app, or a recovery code, after the password at every sign-in.
"""

import base64
import io

from django.conf import settings
from django.db import transaction
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

from partnerships.permissions import can_publish

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "app"
RECOVERY_DEVICE_NAME = "recovery"


def is_required(user):
    """Whether `user` must set up two-factor sign-in before using the admin."""
    if not settings.TWO_FACTOR_REQUIRED or not (user.is_active and user.is_staff):
        return False
    return user.is_superuser or can_publish(user)


def has_device(user):
    return user_has_device(user, confirmed=True)


# Whether the signed-in user has set up two-factor sign-in, noted in the session when they sign
# in (and changed by set-up), so that the admin's pages do not look it up on every request.
HAS_DEVICE_SESSION_KEY = "accounts_has_two_factor"


def note_device(request, user):
    request.session[HAS_DEVICE_SESSION_KEY] = has_device(user)


def session_has_device(request):
    noted = request.session.get(HAS_DEVICE_SESSION_KEY)
    if noted is None:  # a session from before this was noted
        note_device(request, request.user)
        noted = request.session[HAS_DEVICE_SESSION_KEY]
    return noted


def on_sign_in(sender, request, user, **kwargs):
    """user_logged_in: note whether the user has a device (AccountsConfig.ready connects it)."""
    if request is not None and hasattr(request, "session"):
        note_device(request, user)


def has_app(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_app(user):
    """The authenticator being set up: a new secret, kept until it is confirmed by a code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def qr_code_data_uri(device):
    """The device's otpauth:// address as an SVG QR code (made here: no outside service)."""
    out = io.BytesIO()
    write_qrcode_image(device.config_url, out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def secret_for_typing(device):
    """The secret in base32, in groups of four, for an app without a camera."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def confirm_app(device, token):
    """Confirm the pending `device` with a code from the app; True if it matched.

    Any other authenticator of the user is removed: one app per person.
    """
    if not device.verify_token(token):
        return False
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


@transaction.atomic
def new_recovery_codes(user):
    """Replace the user's recovery codes with RECOVERY_CODE_COUNT new ones; return them."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def remaining_recovery_codes(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def normalize(token):
    return "".join(str(token).split()).lower()
