"""Uploaded pictures that cannot hurt: checked, re-encoded, renamed, and served responsively.

An upload is refused, with a message that says why, when

- the file is larger than MAX_IMAGE_UPLOAD_BYTES;
- its content is not a JPEG, PNG or WebP picture (judged by what Pillow reads in the file,
  never by its name or the browser's content type), or its name's extension says otherwise;
- the picture has more than MAX_IMAGE_PIXELS pixels, read from the header before any pixel is
  decoded (a 17 kB PNG can declare 144 megapixels, which Pillow's own, higher limit lets pass);
- it is truncated or damaged (verified, then decoded in full);
- it cannot be processed at all (the process doing it crashed or took too long).

An accepted picture is decoded, turned upright (EXIF orientation), converted to sRGB, and encoded
again in its own format: only pixels survive, no EXIF (GPS position, camera serial), no text
chunks, no colour profile, nothing appended after the image data. That pixel work happens once,
while the upload is checked, in a short-lived process of its own (core/picture_process.py says
why), whose file waits in a temporary folder until `store()`: nothing the uploader sent is ever
stored or served as it came. It is stored under a random name (`cities/<uuid>.jpg`), never the
uploader's, through the field's storage. A stored picture the transaction then does not commit
is removed again (`remove_unless_committed()`).

The narrower renditions (`cities/<uuid>-480w.jpg`, one per IMAGE_RENDITION_WIDTHS entry
narrower than the picture) are made later, by a task (cities/tasks.py, docs/tasks.md) calling
`make_renditions()`, which reads the stored picture through the storage API too. Until they
exist, pages show the picture itself, its size capped to the widest rendition's
(`picture()`). The model keeps the picture's size and the renditions' widths, so a page builds
its `srcset` without touching the database or the file system again.

The storage may be a remote object store (docs/deploy.md, "Object storage"): everything here goes
through the storage API, addresses are computed without asking the store, and a store that fails
while a picture is stored refuses the upload (`StoreUnavailable`, a form error in the admin)
instead of failing the page.
"""

import contextlib
import functools
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
import weakref
from dataclasses import dataclass
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image

from core import picture_process
from core.picture_process import rendition_height

logger = logging.getLogger(__name__)

# The picture process's longest run: a 40-megapixel PNG takes a few seconds alone, and some
# times that while others are processed on the same cores.
PROCESS_TIMEOUT = 120
# This interpreter, on the module only (no Django): exec'd, never forked from a threaded worker.
PROCESS_COMMAND = [sys.executable, "-m", picture_process.__name__]
# Where that finds the package, whatever the current directory.
PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Format:
    pillow_name: str
    extension: str  # the one stored files get
    extensions: frozenset  # those an upload's name may end in
    mime_type: str
    label: str  # "a JPEG picture", for messages
    save_options: dict


FORMATS = {
    "JPEG": Format(
        "JPEG",
        ".jpg",
        frozenset({".jpg", ".jpeg", ".jfif"}),
        "image/jpeg",
        _("a JPEG picture"),
        {"quality": 85, "optimize": True, "progressive": True},
    ),
    "PNG": Format("PNG", ".png", frozenset({".png"}), "image/png", _("a PNG picture"), {}),
    "WEBP": Format(
        "WEBP", ".webp", frozenset({".webp"}), "image/webp", _("a WebP picture"), {"quality": 85}
    ),
}
# Pillow reads a JPEG with a multi-picture index (some cameras and phones) as MPO.
PILLOW_ALIASES = {"MPO": "JPEG"}
ACCEPTED_EXTENSIONS = sorted(ext for fmt in FORMATS.values() for ext in fmt.extensions)

# How refused formats are named in messages; others read "an image in the XYZ format".
OTHER_FORMATS = {
    "GIF": _("a GIF image"),
    "BMP": _("a BMP image"),
    "DIB": _("a BMP image"),
    "TIFF": _("a TIFF image"),
    "ICO": _("an icon file (ICO)"),
    "ICNS": _("an icon file (ICNS)"),
    "AVIF": _("an AVIF image"),
    "EPS": _("a PostScript (EPS) file"),
    "PSD": _("a Photoshop file (PSD)"),
    "JPEG2000": _("a JPEG 2000 image"),
}

CHECKED = "_twinning_checked_picture"  # where an upload keeps its check result

STORE_UNAVAILABLE = _(
    "The picture could not be stored: the file store is unavailable. Nothing was saved; try "
    "again later."
)


class StoreUnavailable(Exception):
    """The storage failed while a picture was stored; whatever was written is removed again."""


class Processed:
    """The cleaned picture, in a temporary folder until stored or dropped.

    The folder goes with the object (garbage collection, or `discard()`), so an upload that is
    checked but never saved (another field of the form was wrong) leaves nothing behind.
    """

    def __init__(self, folder, width, height):
        self.folder, self.width, self.height = folder, width, height
        self.discard = weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)

    def path(self):
        return Path(self.folder) / "picture"


@dataclass(frozen=True)
class CheckedPicture:
    format: Format
    width: int
    height: int
    processed: Processed


# --- Checks -----------------------------------------------------------------------------------


def check_file_size(size):
    """Refuse files above MAX_IMAGE_UPLOAD_BYTES, naming both sizes."""
    limit = settings.MAX_IMAGE_UPLOAD_BYTES
    if size <= limit:
        return
    size_text, limit_text = filesizeformat(size), filesizeformat(limit)
    if size_text == limit_text:  # "5.0 MB; at most 5.0 MB" would not say what is wrong
        size_text = gettext("%(bytes)s bytes") % {"bytes": intcomma(size)}
        limit_text = gettext("%(bytes)s bytes (%(size)s)") % {
            "bytes": intcomma(limit),
            "size": limit_text,
        }
    raise ValidationError(
        _("The image is %(size)s; images may be at most %(limit)s."),
        code="image_too_large",
        params={"size": size_text, "limit": limit_text},
    )


def check_upload(upload):
    """Check an uploaded file (a Django File); return a CheckedPicture or raise ValidationError.

    The result, or the refusal, is kept on the upload, so the form and the model (and the admin,
    before its transaction: PictureAdminMixin) check it only once.
    """
    checked = getattr(upload, CHECKED, None)
    if isinstance(checked, ValidationError):
        raise ValidationError(checked.error_list)
    if checked is not None:
        return checked
    try:
        check_file_size(upload.size)
        upload.seek(0)
        data = upload.read(settings.MAX_IMAGE_UPLOAD_BYTES + 1)
        check_file_size(len(data))
        checked = check_picture(data, upload.name or "")
    except ValidationError as error:
        setattr(upload, CHECKED, error)
        raise
    setattr(upload, CHECKED, checked)
    return checked


def check_picture(data, filename):
    """Check the bytes of a picture and its file name; return a CheckedPicture."""
    header = read_header(data)
    if header is None:
        fmt = looks_like(data)
        if fmt is not None:  # the right signature, but not even the header can be read
            raise damaged(fmt)
        kind = describe_unreadable(data)
        if kind is None:
            raise ValidationError(
                _(
                    "This file is not a picture, or it is damaged. Upload a JPEG, PNG or WebP "
                    "picture."
                ),
                code="not_an_image",
            )
        raise ValidationError(
            _("This file is %(kind)s, not a picture. Upload a JPEG, PNG or WebP picture."),
            code="not_an_image",
            params={"kind": kind},
        )
    with header:
        pillow_name = PILLOW_ALIASES.get(header.format, header.format)
        width, height = header.size
    fmt = FORMATS.get(pillow_name)
    if fmt is None:
        kind = OTHER_FORMATS.get(pillow_name) or gettext("an image in the %(format)s format") % {
            "format": pillow_name
        }
        raise ValidationError(
            _("This file is %(kind)s. Only JPEG, PNG and WebP pictures are accepted."),
            code="unsupported_image_format",
            params={"kind": kind},
        )
    extension = os.path.splitext(filename)[1].lower()
    if extension not in fmt.extensions:
        raise ValidationError(
            _(
                "This file is %(kind)s, but its name ends in “%(extension)s”. Rename it to end "
                "in “%(expected)s” and upload it again."
            )
            if extension
            else _(
                "This file is %(kind)s, but its name has no extension. Rename it to end in "
                "“%(expected)s” and upload it again."
            ),
            code="image_extension_mismatch",
            params={"kind": fmt.label, "extension": extension, "expected": fmt.extension},
        )
    check_pixels(width, height)
    return CheckedPicture(fmt, width, height, process(data, fmt))


def check_pixels(width, height):
    limit = settings.MAX_IMAGE_PIXELS
    if width * height > limit:
        raise ValidationError(
            _(
                "This picture is %(width)s × %(height)s pixels (%(megapixels)s megapixels); "
                "pictures may have at most %(limit)s megapixels. Scale it down and upload it "
                "again."
            ),
            code="image_too_many_pixels",
            params={
                "width": intcomma(width),
                "height": intcomma(height),
                "megapixels": _megapixels(width * height),
                "limit": _megapixels(limit),
            },
        )


def _megapixels(pixels):
    value = pixels / 1_000_000
    return intcomma(round(value)) if value >= 10 else f"{value:.1f}".rstrip("0").rstrip(".")


def read_header(data):
    """Pillow's reading of the file's header (format and size, no pixels), or None.

    The same detection as `Image.open()`, minus its decompression-bomb check: that check only
    warns up to twice Pillow's limit (about 179 megapixels) and does not tell the size. The
    pixel count is checked against MAX_IMAGE_PIXELS right after, before anything is decoded.
    """
    Image.init()
    prefix = data[:16]
    for name in Image.ID:
        factory, accept = Image.OPEN[name]
        if accept is not None:
            verdict = accept(prefix)
            if not verdict or isinstance(verdict, str):
                continue
        try:
            header = factory(io.BytesIO(data), "")
        except Exception:  # not this format (SyntaxError, struct.error, …)
            header = None
        if header is not None:
            return header
    return None


def looks_like(data):
    """The accepted format whose signature `data` starts with, if any."""
    if data.startswith(b"\xff\xd8\xff"):
        return FORMATS["JPEG"]
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return FORMATS["PNG"]
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return FORMATS["WEBP"]
    return None


def damaged(fmt):
    return ValidationError(
        _(
            "This file is %(kind)s, but it is damaged or incomplete: it cannot be read to "
            "the end. Upload the complete file."
        ),
        code="image_damaged",
        params={"kind": fmt.label},
    )


def describe_unreadable(data):
    """What a file Pillow cannot read seems to be ("an HTML document"), or None."""
    head = data[:4096]
    lowered = head.lower()
    text = lowered.lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"<svg" in lowered:
        return _("an SVG drawing (which can carry scripts)")
    if text.startswith((b"<!doctype html", b"<html")) or any(
        tag in lowered for tag in (b"<script", b"<body", b"<head", b"<iframe")
    ):
        return _("an HTML document")
    if text.startswith(b"<?xml"):
        return _("an XML document")
    if head.startswith(b"%PDF-"):
        return _("a PDF document")
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        return _("a HEIC picture (the format iPhones save photos in); save it as JPEG")
    if head.startswith(b"PK\x03\x04"):
        return _("a ZIP archive or an office document")
    if b"\x00" not in head:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return _("a text file")
    return None


class PictureProcessFailed(RuntimeError):
    """The picture process crashed, took too long or answered nonsense."""


def run_process(job, data):
    """The picture process's answer (a dict) to `job` on `data`; PictureProcessFailed if none.

    The process is started fresh (exec, never fork: the gunicorn workers are threaded) and exits
    when done, so the raster's memory goes back to the system instead of staying with the worker.
    """
    try:
        completed = subprocess.run(  # noqa: S603 (this interpreter, our module, no shell)
            PROCESS_COMMAND,
            input=json.dumps(job).encode() + b"\n" + data,
            capture_output=True,
            timeout=PROCESS_TIMEOUT,
            cwd=PROJECT_DIR,
            check=False,
        )
        failure = f"exit status {completed.returncode}: {completed.stderr[-2000:]!r}"
        result = json.loads(completed.stdout) if completed.returncode == 0 else None
    except (subprocess.TimeoutExpired, OSError, ValueError) as error:  # too slow, not started, …
        failure, result = repr(error), None
    if not isinstance(result, dict) or "refused" not in result and "width" not in result:
        raise PictureProcessFailed(failure)
    return result


def process(data, fmt):
    """Decode, clean and re-encode the picture in another process; return a Processed.

    Refuses a damaged picture, and one the process could not handle. The renditions are not
    made here: the request waits only for what makes the picture safe to store.
    """
    folder = tempfile.mkdtemp(prefix="twinning-picture-")
    job = {
        "format": fmt.pillow_name,
        "save_options": fmt.save_options,
        "widths": [],
        "folder": folder,
        "original": True,
    }
    try:
        result = run_process(job, data)
    except PictureProcessFailed as failure:
        shutil.rmtree(folder, ignore_errors=True)
        logger.error("The picture process failed: %s", failure)
        raise ValidationError(
            _(
                "The picture could not be processed. Try again; if it fails again, scale it "
                "down or save it anew, and upload it again."
            ),
            code="image_not_processed",
        ) from None
    if result.get("refused") == "too_many_pixels":
        shutil.rmtree(folder, ignore_errors=True)
        raise ValidationError(
            _("This picture has too many pixels. Scale it down and upload it again."),
            code="image_too_many_pixels",
        )
    if "refused" in result:
        shutil.rmtree(folder, ignore_errors=True)
        raise damaged(fmt)
    return Processed(folder, result["width"], result["height"])


# --- Form and model fields ---------------------------------------------------------------------


def validate_picture(value):
    """Model-field validator: a new upload is checked in full; a stored file must exist."""
    if not value:
        return
    if getattr(value, "_committed", False):
        try:
            exists = value.storage.exists(value.name)
        except Exception:  # an unreachable store must not block editing the rest of the form
            logger.warning("Could not check that %s is stored", value.name, exc_info=True)
            return
        if not exists:
            raise ValidationError(
                _(
                    "The picture file “%(name)s” is missing from the media folder. Upload the "
                    "picture again, or clear it."
                ),
                code="image_missing",
                params={"name": value.name},
            )
        return
    check_upload(getattr(value, "file", value))


class PictureFormField(forms.ImageField):
    """Checks the upload with `check_upload` instead of Django's bare `Image.open()`."""

    default_validators = []  # the extension is checked against the content in to_python

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        checked = check_upload(upload)
        upload.content_type = checked.format.mime_type
        return upload

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if "accept" in attrs:
            mime_types = [fmt.mime_type for fmt in FORMATS.values()]
            attrs["accept"] = ",".join([*mime_types, *ACCEPTED_EXTENSIONS])
        return attrs


class PictureField(models.ImageField):
    """An ImageField checked by this module, in forms and in `full_clean()` alike.

    Storing the picture is the model's job (`store()`), and so is asking for its renditions.
    """

    default_validators = [validate_picture]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PictureFormField, **kwargs})


class PictureAdminMixin:
    """Checks and processes a POST's uploaded pictures before the admin's transaction begins.

    The admin (and django-reversion around it) keeps one transaction open from a POST's first
    query to its end. Processing a 40-megapixel picture in it held the database's locks for
    seconds, and SQLite refused the other writers ("database is locked", a lost edit). The form
    finds the result, or the refusal, kept on the upload.
    """

    def add_view(self, request, form_url="", extra_context=None):
        if request.method == "POST" and self.has_add_permission(request):
            self.process_pictures(request)
        try:
            return self.unless_store_unavailable(
                request, super().add_view, request, form_url, extra_context
            )
        finally:
            discard_processed(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST" and self.has_change_permission(request):
            self.process_pictures(request)
        try:
            return self.unless_store_unavailable(
                request, super().change_view, request, object_id, form_url, extra_context
            )
        finally:
            discard_processed(request)

    def unless_store_unavailable(self, request, view, *args):
        """The view; if the store failed while saving (the admin's transaction rolled back,
        nothing written), the form again, with the refusal next to the picture."""
        try:
            return view(*args)
        except StoreUnavailable:
            refusal = ValidationError(STORE_UNAVAILABLE, code="store_unavailable")
            for field in self.model._meta.fields:
                upload = request.FILES.get(field.name) if isinstance(field, PictureField) else None
                if upload is not None:
                    setattr(upload, CHECKED, refusal)
            return view(*args)

    def process_pictures(self, request):
        for field in self.model._meta.fields:
            upload = request.FILES.get(field.name) if isinstance(field, PictureField) else None
            if upload is not None:
                with contextlib.suppress(ValidationError):  # shown by the form, next to the field
                    check_upload(upload)


def discard_processed(request):
    """Remove the temporary files of a request's processed pictures once the admin is done
    with it: stored by then, or refused (another field was wrong, someone else had saved). The
    finalizer on Processed would do it only when the garbage collector gets round to it."""
    for upload in request.FILES.values():
        checked = getattr(upload, CHECKED, None)
        if isinstance(checked, CheckedPicture):
            checked.processed.discard()


def generated_name(folder, filename):
    """A random name in `folder`, keeping only a known picture extension of `filename`."""
    extension = os.path.splitext(filename)[1].lower()
    if extension not in ACCEPTED_EXTENSIONS:
        extension = ""
    return f"{folder}/{uuid.uuid4().hex}{extension}"


# --- Storing ------------------------------------------------------------------------------------


def rendition_name(name, width):
    """Where the rendition `width` pixels wide of the stored picture `name` is kept."""
    root, extension = os.path.splitext(name)
    return f"{root}-{width}w{extension}"


class RenditionsState(models.TextChoices):
    """How far a stored picture's renditions are (the model keeps it next to the picture)."""

    PENDING = "pending", _("renditions pending")
    READY = "ready", _("renditions ready")
    FAILED = "failed", _("renditions failed")


def rendition_widths(width):
    """The configured rendition widths narrower than a picture `width` pixels wide."""
    return sorted({w for w in settings.IMAGE_RENDITION_WIDTHS if 0 < w < width})


@dataclass(frozen=True)
class StoredPicture:
    width: int
    height: int

    @property
    def renditions_state(self):
        """Pending when there are renditions to make; a narrow picture needs none."""
        return RenditionsState.PENDING if rendition_widths(self.width) else RenditionsState.READY


def store(field_file):
    """Store a new upload held by `field_file`, as cleaned when it was checked.

    The picture is stored under a generated name (the field's `upload_to`) through the field's
    storage; its renditions are the task's (`make_renditions()`). Returns a StoredPicture; on any
    failure StoreUnavailable is raised, whatever the storage raised (a refused connection, a
    timeout, an error answer, a full disk). Either way the temporary file is gone afterwards,
    and the upload would be checked anew if stored again.
    """
    upload = field_file.file
    checked = check_upload(upload)
    processed = checked.processed
    try:
        with processed.path().open("rb") as file:
            field_file.save(f"picture{checked.format.extension}", File(file), save=False)
    except Exception as error:  # the storage's own save removes a half-written file
        logger.error("The picture could not be stored", exc_info=True)
        raise StoreUnavailable(str(error)) from error
    finally:
        processed.discard()
        delattr(upload, CHECKED)
    return StoredPicture(processed.width, processed.height)


class RenditionsRefused(Exception):
    """The stored picture cannot be made into renditions, and trying again will not change it."""


def make_renditions(storage, name):
    """Make the renditions of the stored picture `name` and store them next to it; return their
    widths, narrowest first.

    Only the storage API is used (the media may be on object storage). Idempotent: a rendition
    an earlier, interrupted run left is replaced under the same name, never kept beside a second
    copy. Raises RenditionsRefused when the picture is missing or cannot be read; other errors
    (the storage, the picture process) may pass when tried again.
    """
    fmt = next(
        (f for f in FORMATS.values() if os.path.splitext(name)[1].lower() == f.extension), None
    )
    if fmt is None:
        raise RenditionsRefused(f"{name} is not a picture stored by this module")
    if not storage.exists(name):
        raise RenditionsRefused(f"{name} is missing from the storage")
    with storage.open(name, "rb") as file:
        data = file.read()
    folder = tempfile.mkdtemp(prefix="twinning-renditions-")
    try:
        job = {
            "format": fmt.pillow_name,
            "save_options": fmt.save_options,
            "widths": list(settings.IMAGE_RENDITION_WIDTHS),
            "folder": folder,
            "original": False,
        }
        result = run_process(job, data)
        del data
        if "refused" in result:
            raise RenditionsRefused(f"{name} cannot be decoded ({result['refused']})")
        widths = result["renditions"]
        for width in widths:
            target = rendition_name(name, width)
            storage.delete(target)  # storages rename rather than overwrite
            with (Path(folder) / str(width)).open("rb") as file:
                saved = storage.save(target, File(file))
            if saved != target:  # written meanwhile by another run: keep one copy, try again
                storage.delete(saved)
                raise OSError(f"{target} was stored as {saved}")
        return widths
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_unless_committed(storage, name, widths, using, on_commit=None):
    """Remove the stored picture `name` and its renditions unless the transaction commits.

    Django has no hook for a rollback, but a rollback (of the transaction, or of the savepoint
    the files were stored in) drops the callbacks registered in it: the one registered here
    holds a finalizer that removes the files when it is dropped, and disarms it when called.
    `on_commit`, if given, is called after the commit too (a single callback for the caller).
    Robust: a callback before it that fails (logged) must not drop it, or a committed picture
    would lose its files; callbacks of other code should be robust for the same reason.
    """
    remove = functools.partial(delete_quietly, storage, name, widths)
    transaction.on_commit(_KeepOnCommit(remove, on_commit), using=using, robust=True)


class _KeepOnCommit:
    def __init__(self, remove, then):
        self.then = then
        self.remove = weakref.finalize(self, remove)

    def __call__(self):
        self.remove.detach()
        if self.then is not None:
            self.then()


def delete_stored(storage, name, widths=()):
    """Remove a stored picture and its renditions (those in `widths` and the configured ones)."""
    for width in {*widths, *settings.IMAGE_RENDITION_WIDTHS}:
        storage.delete(rendition_name(name, width))
    storage.delete(name)


def delete_quietly(storage, name, widths=()):
    """`delete_stored` where a failure can only be logged (a finalizer after a rollback): the
    files are left behind, the store being unavailable."""
    try:
        delete_stored(storage, name, widths)
    except Exception:
        logger.error("Could not remove the stored picture %s", name, exc_info=True)


# --- Showing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Picture:
    """What an <img> needs: `src`, `srcset` (may be empty) and the size of `src`."""

    src: str
    srcset: str
    width: int | None
    height: int | None


def picture(field_file, width, height, renditions):
    """The <img> attributes for a stored picture; None without one. No file-system access.

    The `srcset` lists the renditions and the picture itself unless it is wider than the
    widest configured rendition (a 40-megapixel original is not sent to a visitor once its
    renditions exist); `src` is the widest entry, for browsers without `srcset`. Until then
    (renditions pending or failed) it is the picture alone, no `srcset` naming files that are
    not there, and its width and height attributes capped to the widest rendition's.
    """
    if not field_file:
        return None
    if not width or not height:  # stored without this module (fixtures): the file as it is
        return Picture(field_file.url, "", None, None)
    storage, name = field_file.storage, field_file.name
    candidates = [
        (w, storage.url(rendition_name(name, w))) for w in sorted(renditions) if w < width
    ]
    if not candidates or width <= max(settings.IMAGE_RENDITION_WIDTHS, default=width):
        candidates.append((width, field_file.url))
    src_width, src = candidates[-1]
    srcset = ", ".join(f"{url} {w}w" for w, url in candidates) if len(candidates) > 1 else ""
    shown = min(src_width, max(settings.IMAGE_RENDITION_WIDTHS, default=src_width))
    return Picture(src, srcset, shown, rendition_height(width, height, shown))


# --- Renditions on a worker (cities/tasks.py, partnerships/tasks.py) ------------------------

# A storage that does not answer gets about ten minutes to come back: 10, 20, 40, 80, 160,
# 320 s (each plus up to a quarter more, so that many waiting tasks do not retry at once).
RENDITIONS_MAX_RETRIES = 6
RENDITIONS_BACKOFF_SECONDS = 10


def renditions_task(task, showing, name, on_replaced=None):
    """What a renditions task does: make the renditions of the picture `name` for the records
    `showing` (a queryset of those that must still show it, with `image_renditions` and
    `image_renditions_state`), then mark them ready — or failed, when the picture is refused or
    the last try fails. Returns the widths, or None.

    Idempotent: run again (a worker killed mid-task gives it back to the queue), it writes the
    same files under the same names and sets the same values. It never touches a newer picture:
    the records must still show `name` when it starts and when it records the result; when they
    no longer do, `on_replaced(storage, widths)` may remove what was made.
    """
    from core import tasks
    from core.page_cache import bump_content_version

    if not showing.exists():
        logger.info("%s no longer shown: its renditions are not needed", name)
        return None
    logger.info("Making the renditions of %s", name)
    storage = showing.model._meta.get_field("image").storage
    try:
        widths = make_renditions(storage, name)
    except RenditionsRefused as error:
        return _renditions_failed(showing, name, error)
    except Exception as error:  # the storage or the picture process: may pass on another try
        if task.request.retries >= task.max_retries:
            return _renditions_failed(showing, name, error)
        countdown = tasks.backoff(task.request.retries, RENDITIONS_BACKOFF_SECONDS)
        logger.warning(
            "Renditions of %s failed (%r); trying again in %.0f s", name, error, countdown
        )
        raise task.retry(exc=error, countdown=countdown) from error
    if not showing.update(image_renditions=widths, image_renditions_state=RenditionsState.READY):
        if on_replaced is not None:
            on_replaced(storage, widths)
        return None
    bump_content_version()  # an update sends no signal; cached pages would keep the original
    logger.info("Renditions of %s made: %s", name, widths)
    return widths


def _renditions_failed(showing, name, error):
    """Give up: staff see the state in the admin, operators the ERROR."""
    from core.page_cache import bump_content_version

    logger.error("Renditions of %s could not be made: %s", name, error)
    showing.update(image_renditions_state=RenditionsState.FAILED)
    bump_content_version()
    return None
