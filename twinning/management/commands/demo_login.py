"""Make sure the demo staff superuser exists and print how to log in.

The password is random (`secrets`), never a fixed one. It is remembered in `var/demo-login.txt`
(mode 0600; `var/` is git-ignored, the path can be changed with the DEMO_LOGIN_FILE setting) so
later runs print the same login. A new random password is set when the user is created, when the
file is missing, or when the stored password no longer works.
"""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse

USERNAME = "demo-admin"
SERVER = "http://127.0.0.1:8000"


def login_file():
    return Path(getattr(settings, "DEMO_LOGIN_FILE", settings.BASE_DIR / "var" / "demo-login.txt"))


def read_password(path):
    """The password stored in `path`, or None."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() == "password" and value.strip():
            return value.strip()
    return None


def write_password(path, username, password):
    """Store the login, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)  # also when the file existed with other permissions
        handle.write(
            "# Demo admin login, written by `manage.py demo_login`. Do not commit.\n"
            f"username: {username}\npassword: {password}\n"
        )


class Command(BaseCommand):
    help = (
        f"Make sure the demo superuser “{USERNAME}” exists and print the admin address and its "
        "login (a random password, remembered in var/demo-login.txt)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            help=f"The admin address to print (default: {SERVER}/admin/, from the URLconf).",
        )

    def handle(self, *args, url=None, **options):
        User = get_user_model()
        path = login_file()
        stored = read_password(path)
        new_password = None
        with transaction.atomic():
            user = (
                User._default_manager.select_for_update()
                .filter(**{User.USERNAME_FIELD: USERNAME})
                .first()
            )
            created = user is None
            if created:
                user = User(**{User.USERNAME_FIELD: USERNAME})
            needs_save = created or not (user.is_active and user.is_staff and user.is_superuser)
            user.is_active = user.is_staff = user.is_superuser = True
            if created or not stored or not user.check_password(stored):
                new_password = secrets.token_urlsafe(18)
                user.set_password(new_password)
                write_password(path, USERNAME, new_password)
                needs_save = True
            if needs_save:
                user.save()
        password = new_password or stored

        self.stdout.write(f"Admin:    {url or SERVER + reverse('admin:index')}")
        self.stdout.write(f"Username: {USERNAME}")
        self.stdout.write(f"Password: {password}")
        if created:
            note = f"Created the superuser “{USERNAME}”; its password is stored in {path}."
        elif new_password:
            note = f"Set a new random password for “{USERNAME}”; it is stored in {path}."
        else:
            note = f"The login is unchanged (stored in {path})."
        self.stdout.write(self.style.SUCCESS(note))
