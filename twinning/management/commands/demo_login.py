"""Make sure the demo's staff accounts exist and print how to log in.

- `demo-admin`, a superuser;
- for each demo city that is loaded, `<city>-editor` (role Editor) and `<city>-publisher`
  (role Publisher), each assigned to that city only.

Passwords are random (`secrets`), never fixed ones. They are remembered in
`var/demo-login.txt` (mode 0600; `var/` is git-ignored; the path can be changed with the
DEMO_LOGIN_FILE setting) so later runs print the same logins. A new random password is set
when an account is created, when its line is missing from the file, or when the stored
password no longer works.
"""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse

from cities.models import City
from twinning.roles import EDITOR, PUBLISHER, setup_roles

USERNAME = "demo-admin"
SERVER = "http://127.0.0.1:8000"
DEMO_CITY_SLUGS = ["dresden", "hangzhou", "berlin", "beijing"]


@dataclass(frozen=True)
class Account:
    username: str
    role: str | None = None  # None: the superuser
    city: City | None = None


def login_file():
    return Path(getattr(settings, "DEMO_LOGIN_FILE", settings.BASE_DIR / "var" / "demo-login.txt"))


def read_passwords(path):
    """{username: password} as stored in `path`; empty if there is no readable file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        return {}
    stored = {}
    for line in lines:
        if line.startswith("#"):
            continue
        username, _, password = line.partition(":")
        if username.strip() and password.strip():
            stored[username.strip()] = password.strip()
    return stored


def write_passwords(path, passwords):
    """Store the logins, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)  # also when the file existed with other permissions
        handle.write("# Demo staff logins, written by `manage.py demo_login`. Do not commit.\n")
        handle.writelines(f"{username}: {password}\n" for username, password in passwords.items())


def demo_accounts():
    accounts = [Account(USERNAME)]
    cities = City.objects.in_bulk(DEMO_CITY_SLUGS, field_name="slug")
    for slug in DEMO_CITY_SLUGS:
        if slug in cities:
            accounts.append(Account(f"{slug}-editor", EDITOR, cities[slug]))
            accounts.append(Account(f"{slug}-publisher", PUBLISHER, cities[slug]))
    return accounts


class Command(BaseCommand):
    help = (
        f"Make sure the demo superuser “{USERNAME}” and an editor and a publisher per demo city "
        "exist, and print the admin address and their logins (random passwords, remembered "
        "in var/demo-login.txt)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            help=f"The admin address to print (default: {SERVER}/admin/, from the URLconf).",
        )

    def handle(self, *args, url=None, **options):
        path = login_file()
        stored = read_passwords(path)
        passwords, created, renewed = {}, [], []
        with transaction.atomic():
            accounts = demo_accounts()
            if any(account.role for account in accounts):
                setup_roles()
            for account in accounts:
                password, was_created, is_new = self.ensure(account, stored.get(account.username))
                passwords[account.username] = password
                if was_created:
                    created.append(account.username)
                elif is_new:
                    renewed.append(account.username)
            if passwords != stored:
                write_passwords(path, passwords)

        self.stdout.write(f"Admin:    {url or SERVER + reverse('admin:index')}")
        self.stdout.write(f"Username: {USERNAME}")
        self.stdout.write(f"Password: {passwords[USERNAME]}")
        staff = [account for account in accounts if account.role]
        if staff:
            self.stdout.write("Staff who may work only on their own city:")
            for account in staff:
                self.stdout.write(
                    f"  {account.city.name:<10} {account.role:<10} "
                    f"{account.username:<20} {passwords[account.username]}"
                )
        if created:
            note = f"Created {', '.join(created)}; passwords are stored in {path}."
        elif renewed:
            note = f"Set a new random password for {', '.join(renewed)}; stored in {path}."
        else:
            note = f"The logins are unchanged (stored in {path})."
        self.stdout.write(self.style.SUCCESS(note))

    def ensure(self, account, stored_password):
        """Create or repair one account; return (password, created?, new password?)."""
        User = get_user_model()
        user = (
            User._default_manager.select_for_update()
            .filter(**{User.USERNAME_FIELD: account.username})
            .first()
        )
        created = user is None
        if created:
            user = User(**{User.USERNAME_FIELD: account.username})
        is_superuser = account.role is None
        needs_save = created or not (
            user.is_active and user.is_staff and user.is_superuser == is_superuser
        )
        user.is_active = user.is_staff = True
        user.is_superuser = is_superuser
        password = stored_password
        if created or not stored_password or not user.check_password(stored_password):
            password = secrets.token_urlsafe(18)
            user.set_password(password)
            needs_save = True
        if needs_save:
            user.save()
        if account.role:
            user.groups.set([Group.objects.get(name=account.role)])
            user.assigned_cities.set([account.city])
        return password, created, password != stored_password
