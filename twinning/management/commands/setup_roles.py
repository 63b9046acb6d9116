from django.core.management.base import BaseCommand, CommandError

from twinning.roles import ROLES, setup_roles


class Command(BaseCommand):
    help = "Create or correct the staff roles (groups Editor and Publisher). Safe to run again."

    def handle(self, *args, **options):
        try:
            result = setup_roles()
        except LookupError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] < 1:
            return
        for name, created in result.items():
            verb = "Created" if created else "Checked"
            self.stdout.write(f"{verb} the role “{name}” ({len(ROLES[name])} kinds of record).")
