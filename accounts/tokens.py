"""The link in an invitation: Django's password-reset token, with a salt of its own (a reset
link is no invitation link, and the other way round) and a longer validity.

Like a reset link it stops working once used: the token is made from the password hash and the
last sign-in, and both change when the invited person sets a password.
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "accounts.tokens.InvitationTokenGenerator"

    @property
    def timeout(self):
        return settings.INVITATION_TIMEOUT_DAYS * 24 * 3600

    def check_token(self, user, token):
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        return (self._num_seconds(self._now()) - ts) <= self.timeout


invitation_token = InvitationTokenGenerator()
