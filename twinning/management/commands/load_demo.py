"""Load the demo data: the Dresden–Hangzhou and Berlin–Beijing case studies.

Like Wagtail bakerydemo's `load_initial_data`: demo media (a `media/` folder next to the
fixtures, if there is one) is copied into the media storage (MEDIA_ROOT, or the object store:
docs/deploy.md), then the fixtures are loaded with
`loaddata`. The fixtures use fixed primary keys, so a second run updates the same rows in place
and changes nothing.

Everything happens in one transaction. `loaddata` saves rows raw, skipping model validation, so
afterwards every loaded object goes through `full_clean()` (choices such as the country code,
range validators, date order, the models' own rules); any problem, like a broken file or a row
the database refuses, rolls the whole load back and is reported naming the file or record.
"""

import contextlib
from pathlib import Path

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import CASCADE
from django.db.models.signals import post_save, pre_save
from django.utils import translation

from core.translated import ORIGINAL, STAMPS, stamp, translated_fields
from partnerships.scheduling import backfill_review_dates

# Found through settings.FIXTURE_DIRS; loaded together, so their order does not matter.
DEMO_FIXTURES = [
    "demo_cities",
    "demo_focus_areas",
    "demo_dresden_hangzhou",
    "demo_berlin_beijing",
]
MEDIA_DIR_NAME = "media"


class InvalidDemoData(Exception):
    def __init__(self, problems):
        super().__init__("\n".join(problems))
        self.problems = problems


class DemoClash(Exception):
    """A fixture row would overwrite a different record stored at the same primary key."""


def identity(obj):
    """What makes a row the same record: its slug, and the parent it belongs to.

    The demo uses fixed primary keys; a row already stored at one of them is the demo's own
    (perhaps edited) record only if these agree. Anything else would be silently overwritten.
    """
    fields = obj._meta.concrete_fields
    return tuple(
        getattr(obj, f.attname)
        for f in fields
        if (f.name == "slug" and f.unique)
        or (f.many_to_one and f.remote_field.on_delete is CASCADE)
    )


def snapshot(obj):
    """An object's stored field values and many-to-many links, to tell whether a load changed it."""
    fields = tuple(getattr(obj, f.attname) for f in obj._meta.concrete_fields)
    links = tuple(
        frozenset(getattr(obj, f.name).values_list("pk", flat=True)) for f in obj._meta.many_to_many
    )
    return fields, links


def stamp_translations(loaded, using):
    """The demo's translations were made from its English text: record them as current."""
    for model, pks in loaded.items():
        if not translated_fields(model):
            continue
        for obj in model._base_manager.using(using).filter(pk__in=list(pks)):
            if stamp(obj):
                model._base_manager.using(using).filter(pk=obj.pk).update(
                    **{STAMPS: getattr(obj, STAMPS)}
                )


class LoadRecorder:
    """Notes every object `loaddata` saves, and how it was before (None: it is new)."""

    def __init__(self, using):
        self.using = using
        self.loaded = {}  # model -> {pk: snapshot before the load, or None}, in load order
        self.new = self.changed = self.unchanged = 0

    def pre_save(self, sender, instance, raw=False, using=None, **kwargs):
        if not raw or using != self.using:
            return
        pks = self.loaded.setdefault(sender, {})
        if instance.pk is not None and instance.pk not in pks:
            current = sender._base_manager.using(using).filter(pk=instance.pk).first()
            if current is not None and identity(current) != identity(instance):
                raise DemoClash(
                    f"{sender._meta.label} pk={instance.pk} already holds “{current}”, which is "
                    "not the demo's record; loading would overwrite it. Load the demo into a "
                    "database without other data at the demo's ids."
                )
            pks[instance.pk] = None if current is None else snapshot(current)

    def post_save(self, sender, instance, raw=False, using=None, **kwargs):
        if raw and using == self.using:
            self.loaded.setdefault(sender, {}).setdefault(instance.pk, None)

    def tally(self):
        """Count the loaded objects that are new, changed and unchanged."""
        for model, before in self.loaded.items():
            current = model._base_manager.using(self.using).in_bulk(list(before))
            for pk, old in before.items():
                if old is None:
                    self.new += 1
                elif pk in current and snapshot(current[pk]) == old:
                    self.unchanged += 1
                else:
                    self.changed += 1

    def __enter__(self):
        pre_save.connect(self.pre_save, weak=False, dispatch_uid=f"load_demo_pre_{id(self)}")
        post_save.connect(self.post_save, weak=False, dispatch_uid=f"load_demo_post_{id(self)}")
        return self

    def __exit__(self, *exc_info):
        pre_save.disconnect(dispatch_uid=f"load_demo_pre_{id(self)}")
        post_save.disconnect(dispatch_uid=f"load_demo_post_{id(self)}")
        return False

    @property
    def total(self):
        return sum(len(pks) for pks in self.loaded.values())


def validate_loaded(loaded, using):
    """`full_clean()` every loaded object; return the problems, each naming its record."""
    problems = []
    for model, pks in loaded.items():
        objects = model._base_manager.using(using).in_bulk(list(pks))
        for pk in pks:
            obj = objects[pk]
            where = f"{model._meta.label} pk={pk}"
            with contextlib.suppress(Exception):  # a broken relation is still reported below
                where = f"{where} ({obj})"
            stored = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}
            try:
                obj.full_clean()
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    label = "record" if field == NON_FIELD_ERRORS else field
                    problems.extend(f"{where}: {label}: {message}" for message in messages)
                continue
            except OSError as exc:  # e.g. an image whose file is missing from MEDIA_ROOT
                problems.append(f"{where}: {exc}")
                continue
            # clean() normalises some values (a month-precise date to the 1st of the month,
            # an empty slug): the fixture must already hold the normalised value.
            for name, value in stored.items():
                cleaned = getattr(obj, name)
                if cleaned != value:
                    problems.append(
                        f"{where}: {name}: stored as {value!r}, but validation makes it "
                        f"{cleaned!r}; write the normalised value in the fixture"
                    )
    return problems


def describe(exc):
    """The error's message with its causes' (a JSON syntax error hides behind an empty one)."""
    parts = []
    while exc is not None:
        text = str(exc).strip().rstrip(":").strip()
        if text and not any(text in part for part in parts):
            parts.append(text)
        exc = exc.__cause__
    return ": ".join(parts) or "unknown error"


class Command(BaseCommand):
    help = (
        "Load the demo data (the Dresden–Hangzhou and Berlin–Beijing case studies) and its "
        "media. Safe to run again: it updates the same records in place."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fixture",
            action="append",
            dest="fixtures",
            metavar="PATH",
            help=(
                "Load this fixture file instead of the demo fixtures (repeatable). Media is "
                f"copied from a '{MEDIA_DIR_NAME}' folder next to it, if there is one."
            ),
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database to load into (default: %(default)s).",
        )

    # Under the original language: the fixtures' "name", "title", … are the English columns.
    @translation.override(ORIGINAL)
    def handle(self, *args, fixtures=None, database=DEFAULT_DB_ALIAS, verbosity=1, **options):
        if fixtures:
            labels = [str(Path(path).resolve()) for path in fixtures]
            media_dirs = [Path(path).resolve().parent / MEDIA_DIR_NAME for path in fixtures]
        else:
            labels = list(DEMO_FIXTURES)
            media_dirs = [Path(folder) / MEDIA_DIR_NAME for folder in settings.FIXTURE_DIRS]

        copied, created = [], []
        try:
            self.copy_media(media_dirs, copied, created)
        except Exception as exc:  # e.g. the object store is unreachable
            for name in created:
                with contextlib.suppress(Exception):
                    default_storage.delete(name)
            raise CommandError(
                f"The demo media could not be stored: {describe(exc)}\nNothing was loaded."
            ) from exc
        try:
            with LoadRecorder(database) as recorder, transaction.atomic(using=database):
                call_command("loaddata", *labels, database=database, verbosity=0)
                problems = validate_loaded(recorder.loaded, database)
                if problems:
                    raise InvalidDemoData(problems)
                # loaddata saves rows raw, past the model code that keeps search documents.
                call_command("update_search_index", database=database, verbosity=0)
                call_command("refresh_vitality", database=database, verbosity=0)
                # …and past publish(), which gives a published partnership its review date.
                backfill_review_dates(database)
                stamp_translations(recorder.loaded, database)
                recorder.tally()
        except Exception as exc:
            for name in created:  # leave the media storage as it was, too
                default_storage.delete(name)
            if isinstance(exc, InvalidDemoData):
                detail = "\n".join(f"  - {problem}" for problem in exc.problems)
                message = f"The demo data is invalid:\n{detail}"
            else:
                message = f"The demo data could not be loaded: {describe(exc)}"
            raise CommandError(
                f"{message}\nNothing was loaded; the database is unchanged."
            ) from exc

        # The demo's staff accounts (demo_login) need the roles; they belong to any site.
        call_command("setup_roles", verbosity=0, stdout=self.stdout)
        if verbosity >= 1:
            self.report(recorder, copied)

    def copy_media(self, media_dirs, copied, created):
        """Copy demo media into the media storage, under the names the fixtures use, noting
        the names copied and those that are new."""
        for source_dir in media_dirs:
            if not source_dir.is_dir():
                continue
            for source in sorted(source_dir.rglob("*")):
                if not source.is_file():
                    continue
                name, data = source.relative_to(source_dir).as_posix(), source.read_bytes()
                is_new = not default_storage.exists(name)
                if not is_new:
                    with default_storage.open(name) as current:
                        if current.read() == data:
                            continue
                    # Replaced in place: a storage saves a taken name under another one.
                    default_storage.delete(name)
                saved = default_storage.save(name, ContentFile(data))
                if saved != name:
                    raise CommandError(f"{name} was stored as {saved}; the fixtures name {name}.")
                copied.append(name)
                if is_new:
                    created.append(name)

    def report(self, recorder, copied):
        self.stdout.write(
            f"Loaded {recorder.total} demo records "
            f"({recorder.new} new, {recorder.changed} changed, {recorder.unchanged} unchanged):"
        )
        for model, pks in sorted(recorder.loaded.items(), key=lambda item: item[0]._meta.label):
            self.stdout.write(f"  {model._meta.label:<32} {len(pks):>4}")
        if copied:
            self.stdout.write(f"Copied {len(copied)} media file(s) into the media storage.")
        self.stdout.write(self.style.SUCCESS("The demo data is ready."))
