"""Decode, clean and re-encode an uploaded picture, or make its renditions, in a process of its own.

Run as `python -m core.picture_process` by core/images.py, never imported by a worker for
its pixels: a 40-megapixel picture takes 160 MB of raster per copy, and a gunicorn worker that
decoded it in its threads grew by 300–930 MB and kept up to 580 MB (the allocator does not give
it back). Decoding at a reduced size (JPEG `draft()`, `reduce()`) would not do: the original is
re-encoded at its full size. A process that exits returns everything it used (about 220 MB at
40 megapixels), and a crash or a runaway decoder takes only itself down; the worker now grows by
10–20 MB per upload. Measured with faults/uploads.py (docs/reliability.md). It is exec'd
(subprocess), never forked: the workers are threaded.

Two jobs, one per caller: the upload's check cleans the picture (`"original": true`, no widths:
the request waits for it, and no uncleaned byte is ever stored); the renditions task
(cities/tasks.py) makes the narrower copies of the stored, already clean picture (`"original":
false` and the widths), off the request path.

Input on stdin: one line of JSON ({"format", "save_options", "widths", "folder", "original"}),
then the file's bytes, already checked by header (format, size, pixel count). Output on stdout:
one line of JSON, either {"width", "height", "renditions"} with the files written into `folder`
(`picture` if asked for, and one per rendition width, named by the width), or
{"refused": "damaged"} or {"refused": "too_many_pixels"}. Anything else (a traceback, a
non-zero exit) is a failure.

Only Pillow and the standard library are imported: no Django, so the process starts in a tenth
of a second.
"""

import contextlib
import io
import json
import os
import sys
import warnings
from pathlib import Path

from PIL import Image, ImageOps

try:
    from PIL import ImageCms
except ImportError:  # Pillow built without LittleCMS: colour profiles are dropped, not applied
    ImageCms = None

# Below the web workers: pages keep being served while a picture is being worked on.
NICENESS = 10


def rendition_height(width, height, rendition_width):
    return max(1, round(height * rendition_width / width))


def process(data, pillow_name, save_options, widths, folder, original=True):
    """Write the cleaned picture (if `original`) and its renditions into `folder`; return what
    the parent needs."""
    folder = Path(folder)
    try:
        with Image.open(io.BytesIO(data), formats=[pillow_name]) as image:
            image.verify()
        image = decode_for_web(data, pillow_name)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Only if MAX_IMAGE_PIXELS is set above Pillow's own limit.
        return {"refused": "too_many_pixels"}
    except Exception:  # whatever Pillow finds wrong with the data: truncated, damaged
        return {"refused": "damaged"}
    del data
    widths = sorted({width for width in widths if 0 < width < image.width})
    if original:
        image.save(folder / "picture", pillow_name, **save_options)
    for width in widths:
        size = (width, rendition_height(image.width, image.height, width))
        # reducing_gap: halve by whole factors first (fast, little memory), then resample.
        smaller = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        smaller.save(folder / str(width), pillow_name, **save_options)
    return {"width": image.width, "height": image.height, "renditions": widths}


def decode_for_web(data, pillow_name):
    """The picture's pixels only: upright, in sRGB, in a mode its format stores, no metadata.

    Decoded in full (which also finds a truncated file); rotated in place, so that an upright
    picture is never copied.
    """
    image = Image.open(io.BytesIO(data), formats=[pillow_name])
    image.load()
    profile = image.info.get("icc_profile")
    with contextlib.suppress(Exception):  # unreadable EXIF: keep the pixels as they are
        ImageOps.exif_transpose(image, in_place=True)
    image = to_srgb(image, profile)
    image = to_web_mode(image, pillow_name)
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


def to_web_mode(image, pillow_name):
    if pillow_name == "JPEG":
        keep, transparent = ("RGB", "L"), "RGB"
    elif pillow_name == "PNG":
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


def main():
    os.nice(NICENESS)
    warnings.simplefilter("error", Image.DecompressionBombWarning)  # refused, as in the tests
    job = json.loads(sys.stdin.buffer.readline())
    data = sys.stdin.buffer.read()
    result = process(
        data,
        job["format"],
        job["save_options"],
        job["widths"],
        job["folder"],
        job.get("original", True),
    )
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
