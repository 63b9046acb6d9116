"""The visitor's address, for sign-in lockouts.

Behind N reverse proxies that each append the address they received the request from to
X-Forwarded-For (nginx: `$proxy_add_x_forwarded_for`), the visitor's real address is the N-th
entry from the right. Anything further left was sent by the visitor and could be made up.
"""

from django.conf import settings


def client_ip(request):
    remote_addr = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote_addr
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote_addr  # not through all the proxies: trust only the direct peer
    return forwarded[-proxies]
