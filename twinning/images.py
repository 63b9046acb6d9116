"""Uploaded pictures that cannot hurt: checked, re-encoded, renamed, and served responsively.

An upload is refused, with a message that says why, when

- the file is larger than MAX_IMAGE_UPLOAD_BYTES;
- its content is not a JPEG, PNG or WebP picture (judged by what Pillow reads in the file,
  never by its name or the browser's content type), or its name's extension says otherwise;
- the picture has more than MAX_IMAGE_PIXELS pixels, read from the header before any pixel is
  decoded (a 17 kB PNG can declare 144 megapixels, which Pillow's own, higher limit lets pass);
- it is truncated or damaged (verified, then decoded in full).

An accepted picture is decoded, turned upright (EXIF orientation), converted to sRGB, and encoded
again in its own format: only pixels survive, no EXIF (GPS position, camera serial), no text
chunks, no colour profile, nothing appended after the image data. It is stored under a random
name (`cities/<uuid>.jpg`), never the uploader's, with narrower renditions next to it
(`cities/<uuid>-480w.jpg`, one per IMAGE_RENDITION_WIDTHS entry narrower than the picture).
The model keeps the picture's size and the renditions' widths, so a page builds its `srcset`
without touching the database or the file system again (`picture()`).
"""

import io
import os
import uuid
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

try:
    from PIL import ImageCms
except ImportError:  # Pillow built without LittleCMS: colour profiles are dropped, not applied
    ImageCms = None


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


@dataclass(frozen=True)
class CheckedPicture:
    format: Format
    width: int
    height: int


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

    The result is kept on the upload, so the form and the model check it only once.
    """
    checked = getattr(upload, CHECKED, None)
    if checked is not None:
        return checked
    check_file_size(upload.size)
    upload.seek(0)
    data = upload.read(settings.MAX_IMAGE_UPLOAD_BYTES + 1)
    check_file_size(len(data))
    checked = check_picture(data, upload.name or "")
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
    check_decodes(data, fmt)
    return CheckedPicture(fmt, width, height)


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


def check_decodes(data, fmt):
    """Refuse a truncated or damaged file: verify it, then decode every pixel."""
    try:
        with Image.open(io.BytesIO(data), formats=[fmt.pillow_name]) as image:
            image.verify()
        with Image.open(io.BytesIO(data), formats=[fmt.pillow_name]) as image:
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        # Only if MAX_IMAGE_PIXELS is set above Pillow's own limit.
        raise ValidationError(
            _("This picture has too many pixels. Scale it down and upload it again."),
            code="image_too_many_pixels",
        ) from error
    except Exception as error:  # whatever Pillow finds wrong with the data
        raise damaged(fmt) from error


# --- Form and model fields ---------------------------------------------------------------------


def validate_picture(value):
    """Model-field validator: a new upload is checked in full; a stored file must exist."""
    if not value:
        return
    if getattr(value, "_committed", False):
        if not value.storage.exists(value.name):
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

    Storing the picture (re-encoding, renditions) is the model's job: see `store()`.
    """

    default_validators = [validate_picture]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PictureFormField, **kwargs})


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


def rendition_height(width, height, rendition_width):
    return max(1, round(height * rendition_width / width))


@dataclass(frozen=True)
class StoredPicture:
    width: int
    height: int
    renditions: list  # the widths stored next to the picture, narrowest first


def store(field_file):
    """Re-encode a new upload held by `field_file`, store it and its renditions.

    The file is stored under a generated name (the field's `upload_to`). Returns a
    StoredPicture; on any failure, files written so far are removed again.
    """
    upload = field_file.file
    checked = check_upload(upload)
    upload.seek(0)
    data = upload.read()
    fmt = checked.format
    image = decode_for_web(data, fmt)
    widths = sorted({width for width in settings.IMAGE_RENDITION_WIDTHS if 0 < width < image.width})
    storage = field_file.storage
    written = []
    try:
        field_file.save(f"picture{fmt.extension}", ContentFile(encode(image, fmt)), save=False)
        written.append(field_file.name)
        for width in widths:
            size = (width, rendition_height(image.width, image.height, width))
            smaller = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
            name = storage.save(
                rendition_name(field_file.name, width), ContentFile(encode(smaller, fmt))
            )
            written.append(name)
    except BaseException:
        for name in written:
            storage.delete(name)
        raise
    return StoredPicture(image.width, image.height, widths)


def decode_for_web(data, fmt):
    """The picture's pixels only: upright, in sRGB, in a mode its format stores, no metadata."""
    with Image.open(io.BytesIO(data), formats=[fmt.pillow_name]) as source:
        source.load()
        profile = source.info.get("icc_profile")
        try:
            image = ImageOps.exif_transpose(source)
        except Exception:  # unreadable EXIF: keep the pixels as they are
            image = source.copy()
    image = to_srgb(image, profile)
    image = to_web_mode(image, fmt)
    image.info = {}  # EXIF, XMP, text chunks, colour profile, comments: nothing is written
    return image


def to_srgb(image, profile):
    if not profile or ImageCms is None or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        return ImageCms.profileToProfile(
            image,
            ImageCms.ImageCmsProfile(io.BytesIO(profile)),
            ImageCms.createProfile("sRGB"),
            outputMode="RGBA" if image.mode == "RGBA" else "RGB",
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a broken or mismatched profile: the pixels as they are


def to_web_mode(image, fmt):
    if fmt.pillow_name == "JPEG":
        keep, transparent = ("RGB", "L"), "RGB"
    elif fmt.pillow_name == "PNG":
        keep, transparent = ("RGB", "RGBA", "L", "LA"), "RGBA"
    else:
        keep, transparent = ("RGB", "RGBA"), "RGBA"
    if image.mode in keep:
        return image
    if image.mode.startswith("I"):  # 16-bit greyscale: scale to 8 bits
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
        return image if "L" in keep else image.convert("RGB")
    if image.has_transparency_data:
        return image.convert(transparent)
    return image.convert("RGB")


def encode(image, fmt):
    buffer = io.BytesIO()
    image.save(buffer, fmt.pillow_name, **fmt.save_options)
    return buffer.getvalue()


def delete_stored(storage, name, widths=()):
    """Remove a stored picture and its renditions (those in `widths` and the configured ones)."""
    for width in {*widths, *settings.IMAGE_RENDITION_WIDTHS}:
        storage.delete(rendition_name(name, width))
    storage.delete(name)


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
    widest configured rendition (a 40-megapixel original is never sent to a visitor); `src`
    is the widest entry, for browsers without `srcset`.
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
    return Picture(src, srcset, src_width, rendition_height(width, height, src_width))
