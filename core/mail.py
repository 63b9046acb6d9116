"""E-mail to staff, sent by a task after the transaction commits (docs/tasks.md, docs/deploy.md).

`send_staff_email()` never blocks a save and never fails one: the message goes to the task
queue once the transaction commits (nothing is sent for a transaction rolled back), and the task
retries a server that refuses or does not answer with growing pauses, then gives up with an
ERROR naming the recipients and the subject, for the operators.
"""

import functools
import logging
import smtplib

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend

from core import tasks

logger = logging.getLogger(__name__)

# 30 s, 1, 2, 4, 8 min (each plus up to a quarter more): a mail server restarting, or briefly
# down, gets about a quarter of an hour before the message is given up.
MAX_RETRIES = 5
BACKOFF_SECONDS = 30

backoff = functools.partial(tasks.backoff, first_seconds=BACKOFF_SECONDS)


def send_staff_email(recipients, subject, body, *, html=None):
    """Send `body` (and `html` as its alternative) to `recipients` once this transaction commits.

    Recipients without an address (a staff member who never gave one) are left out; with none
    left nothing is sent. Returns the addresses the message will go to.
    """
    if isinstance(recipients, str):
        recipients = [recipients]
    addresses = list(dict.fromkeys(address.strip() for address in recipients if address))
    addresses = [address for address in addresses if address]
    if not addresses:
        return []
    # A header cannot hold a line break (Django refuses it): one line, whatever was given.
    subject = " ".join(str(subject).split())
    tasks.enqueue(send_email, addresses, subject, body, html=html)
    return addresses


@shared_task(bind=True, max_retries=MAX_RETRIES)
def send_email(self, recipients, subject, body, html=None):
    """Send one message through settings.EMAIL_BACKEND; retried while the server fails."""
    message = EmailMultiAlternatives(subject, body, to=recipients)
    if html:
        message.attach_alternative(html, "text/html")
    try:
        sent = message.send()
    except (smtplib.SMTPException, OSError) as error:
        if self.request.retries >= self.max_retries:
            logger.error(
                "E-mail %r to %s not sent after %d tries: %r",
                subject,
                ", ".join(recipients),
                self.request.retries + 1,
                error,
            )
            return False
        countdown = backoff(self.request.retries)
        logger.warning(
            "E-mail %r to %s failed (%r); trying again in %.0f s",
            subject,
            ", ".join(recipients),
            error,
            countdown,
        )
        raise self.retry(exc=error, countdown=countdown) from error
    if sent:
        logger.info("E-mail %r sent to %s", subject, ", ".join(recipients))
    return bool(sent)


class LogOnlyBackend(BaseEmailBackend):
    """Production without EMAIL_HOST (settings.py): nothing is sent, each message is a WARNING.

    Only the recipients and the subject are logged, never the body.
    """

    def send_messages(self, email_messages):
        for message in email_messages:
            logger.warning(
                "E-mail %r to %s not sent: EMAIL_HOST is not set",
                message.subject,
                ", ".join(message.recipients()),
            )
        return 0
