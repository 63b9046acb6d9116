"""E-mail to staff through a real SMTP server of the test's own (aiosmtpd on a free loopback
port: the `smtp_server` fixture of tests/conftest.py), sent by the task after the commit; the
settings that choose the backend, read in a process of their own from a controlled
environment."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction

from core.mail import send_staff_email

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_sent_after_the_commit_with_text_and_html(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        to = send_staff_email(
            ["publisher@hamburg.example", "", None, "editor@hamburg.example"],
            "Submitted for review:\nHamburg – Marseille",
            "Please review the changes.",
            html="<p>Please review the <b>changes</b>.</p>",
        )
        assert smtp_server.inbox.messages == []  # nothing before the commit

    assert to == ["publisher@hamburg.example", "editor@hamburg.example"]
    [(envelope_to, message)] = smtp_server.inbox.messages
    assert envelope_to == to
    assert message["Subject"] == "Submitted for review: Hamburg – Marseille"
    assert message["From"] == "Twinning <desk@twinning.example>"
    assert message["To"] == "publisher@hamburg.example, editor@hamburg.example"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert text.strip() == "Please review the changes."
    assert html.strip() == "<p>Please review the <b>changes</b>.</p>"


def test_nothing_is_sent_when_the_transaction_rolls_back(
    smtp_server, django_capture_on_commit_callbacks
):
    class Undone(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Undone),
        transaction.atomic(),
    ):
        send_staff_email(["publisher@hamburg.example"], "Returned", "With a comment.")
        raise Undone

    assert callbacks == []
    assert smtp_server.inbox.messages == []


def test_no_address_no_message(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert send_staff_email(["", None], "Published", "Live now.") == []
    assert callbacks == []


def test_a_refusing_server_is_retried_then_an_error_is_logged(
    smtp_server, django_capture_on_commit_callbacks, caplog
):
    smtp_server.stop()  # the port now refuses connections

    with (
        caplog.at_level(logging.INFO, logger="core.mail"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        send_staff_email(["publisher@dresden.example"], "Submitted for review", "Body.")

    records = [record for record in caplog.records if record.name == "core.mail"]
    retries = [record for record in records if record.levelno == logging.WARNING]
    errors = [record for record in records if record.levelno == logging.ERROR]
    assert len(retries) == 5  # MAX_RETRIES
    [error] = errors
    assert "publisher@dresden.example" in error.getMessage()
    assert "Submitted for review" in error.getMessage()
    assert "6 tries" in error.getMessage()
    assert smtp_server.inbox.messages == []


def settings_in_a_process(**environment):
    """The e-mail settings twinning/settings.py makes of `environment`, and nothing else."""
    code = (
        "import json, runpy; s = runpy.run_path('twinning/settings.py'); "
        "print(json.dumps({k: s[k] for k in s if k.startswith('EMAIL_')}))"
    )
    base = {"PATH": os.environ["PATH"], "SECRET_KEY": "x" * 50}
    completed = subprocess.run(  # noqa: S603 (this interpreter, our settings)
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, **environment},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_the_settings_choose_the_backend():
    console = settings_in_a_process(DEBUG="1")
    assert console["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"

    production = settings_in_a_process()
    assert production["EMAIL_BACKEND"] == "core.mail.LogOnlyBackend"

    smtp = settings_in_a_process(
        DEBUG="1", EMAIL_HOST="mail.example.org", EMAIL_USE_TLS="1", EMAIL_HOST_USER="desk"
    )
    assert smtp["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert smtp["EMAIL_HOST"] == "mail.example.org"
    assert smtp["EMAIL_PORT"] == 587
    assert smtp["EMAIL_USE_TLS"] is True
    assert smtp["EMAIL_HOST_USER"] == "desk"
    assert smtp["EMAIL_TIMEOUT"] == 10


def test_production_without_a_mail_server_logs_instead_of_sending(
    settings, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = "core.mail.LogOnlyBackend"
    with django_capture_on_commit_callbacks(execute=True):
        send_staff_email(["publisher@hamburg.example"], "Published", "Secret link.")

    [warning] = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert "publisher@hamburg.example" in warning.getMessage()
    assert "EMAIL_HOST is not set" in warning.getMessage()
    assert "Secret link" not in warning.getMessage()


def test_a_worker_finds_the_task():
    """What a worker does when it starts: autodiscovery registers the e-mail task by name."""
    code = (
        "import django; django.setup(); from twinning.celery import app; "
        "app.loader.import_default_modules(); print('core.mail.send_email' in app.tasks)"
    )
    completed = subprocess.run(  # noqa: S603 (this interpreter, our settings)
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "twinning.settings",
        },
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert completed.stdout.strip().splitlines()[-1] == "True"
