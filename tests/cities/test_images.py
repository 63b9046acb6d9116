"""Uploaded city pictures (core/images.py): refusals, re-encoding, names, renditions, srcset.

Test pictures are built in memory with Pillow; the decompression bombs are written by hand
(row by row through zlib), since Pillow would need the whole raster in memory to write them.
"""

import functools
import gc
import io
import os
import re
import resource
import struct
import sys
import tempfile
import zlib
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from PIL import ExifTags, Image
from pytest_django.asserts import assertContains, assertNotContains

from cities.models import City
from core import images
from tests.twinning.test_query_counts import MAX_QUERIES

from .test_admin import ADD, change_url, city_form_data

pytestmark = pytest.mark.django_db

GENERATED_NAME = re.compile(r"^cities/[0-9a-f]{32}\.(jpg|png|webp)$")


# --- Test pictures ------------------------------------------------------------------------------


def picture(fmt="JPEG", size=(64, 48), color="steelblue", mode="RGB", **options):
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, fmt, **options)
    return buffer.getvalue()


def noisy_jpeg(size=(200, 150)):
    """A JPEG whose image data is most of the file (noise barely compresses)."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(buffer, "JPEG")
    return buffer.getvalue()


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_of_rows(width, height, header, row_at):
    """A PNG written row by row through zlib: the raster is never in memory."""
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row_at(y)) for y in range(height)) + compressor.flush()
    header = struct.pack(">II", width, height) + header
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


@functools.cache
def png_bomb(width, height):
    """A valid 1-bit PNG of width × height blank pixels: a few kilobytes for many megapixels."""
    row = bytes(1 + (width + 7) // 8)  # filter byte, then the row's bits
    return png_of_rows(width, height, bytes([1, 0, 0, 0, 0]), lambda y: row)


TOP, BOTTOM = (200, 40, 40), (30, 60, 200)


@functools.cache
def two_colour_png(width, height):
    """An 8-bit RGB PNG, TOP in its upper half and BOTTOM in its lower: a real picture to decode,
    of a few hundred kilobytes for 40 megapixels (like the 155 kB one of issue 16)."""
    top, bottom = b"\x00" + bytes(TOP) * width, b"\x00" + bytes(BOTTOM) * width
    return png_of_rows(
        width, height, bytes([8, 2, 0, 0, 0]), lambda y: top if y < height // 2 else bottom
    )


def jpeg_with_gps():
    """A 60 × 40 JPEG taken "on its side" (orientation 6), with a camera make and a position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (51.0, 3.0, 0.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (13.0, 44.0, 0.0),
        }
    )
    return picture("JPEG", size=(60, 40), exif=exif)


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def post_picture(client, city, picture_upload, image_alt, **fields):
    """The city's change form saved with a new picture and otherwise as it is."""
    fields = {"latitude": "51.05", "longitude": "13.74", **fields}
    return client.post(
        change_url(city),
        city_form_data(
            name=city.name, slug=city.slug, image=picture_upload, image_alt=image_alt, **fields
        ),
    )


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script></svg>"
)

# (file name, content, words the message must contain)
REFUSED = {
    "decompression-bomb": (
        "bomb.png",
        lambda: png_bomb(20_000, 20_000),
        "This picture is 20,000 × 20,000 pixels (400 megapixels); "
        "pictures may have at most 40 megapixels.",
    ),
    "144-megapixels-in-17-kB": (
        "huge.png",
        lambda: png_bomb(12_000, 12_000),
        "This picture is 12,000 × 12,000 pixels (144 megapixels); "
        "pictures may have at most 40 megapixels.",
    ),
    "html-renamed-jpg": (
        "photo.jpg",
        lambda: HTML,
        "This file is an HTML document, not a picture.",
    ),
    "svg-with-script-named-png": (
        "logo.png",
        lambda: SVG,
        "This file is an SVG drawing (which can carry scripts), not a picture.",
    ),
    "truncated-jpeg": (
        "cut.jpg",
        lambda: noisy_jpeg()[:2000],
        "This file is a JPEG picture, but it is damaged or incomplete",
    ),
    "png-named-jpg": (
        "photo.jpg",
        lambda: picture("PNG"),
        "This file is a PNG picture, but its name ends in “.jpg”. Rename it to end in “.png”",
    ),
    "gif": (
        "animation.gif",
        lambda: picture("GIF"),
        "This file is a GIF image. Only JPEG, PNG and WebP pictures are accepted.",
    ),
    "text": ("notes.png", lambda: b"just some text", "This file is a text file, not a picture."),
}


def stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def open_stored(name):
    with default_storage.open(name) as file:
        return file.read()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`make(...)` followed by its commit: the renditions task (eager in tests) runs after it."""

    def run(make, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            made = make(*args, **kwargs)
        made.refresh_from_db()
        return made

    return run


def refusal(name, data):
    with pytest.raises(ValidationError) as excinfo:
        City(name="X", slug="x", country="DE", image=upload(name, data), image_alt="X").full_clean()
    return excinfo.value.message_dict


# --- Refusals ---------------------------------------------------------------------------------


class TestPillowAloneIsNotEnough:
    def test_144_megapixels_in_17_kb_pass_pillows_check_with_a_warning(self):
        data = png_bomb(12_000, 12_000)
        assert len(data) < 18_000
        with pytest.warns(Image.DecompressionBombWarning):
            assert Image.open(io.BytesIO(data)).size == (12_000, 12_000)

    def test_the_bomb_is_a_real_png(self):
        with pytest.raises(Image.DecompressionBombError):
            Image.open(io.BytesIO(png_bomb(20_000, 20_000)))


class TestRefusals:
    @pytest.mark.parametrize("case", list(REFUSED))
    def test_refused_by_full_clean(self, case):
        name, content, message = REFUSED[case]
        errors = refusal(name, content())
        assert list(errors) == ["image"]
        assert message in errors["image"][0]

    def test_pixels_are_counted_before_anything_is_decoded(self, monkeypatch):
        def decode(*args):
            raise AssertionError("decoded")

        monkeypatch.setattr(images, "process", decode)
        monkeypatch.setattr(Image.Image, "load", decode)
        with pytest.raises(ValidationError, match="144 megapixels"):
            images.check_picture(png_bomb(12_000, 12_000), "huge.png")

    def test_one_byte_too_large(self, settings):
        data = picture("PNG")
        settings.MAX_IMAGE_UPLOAD_BYTES = len(data) - 1
        errors = refusal("photo.png", data)
        assert errors["image"] == [
            f"The image is {filesizeformat(len(data))}; "
            f"images may be at most {filesizeformat(len(data) - 1)}."
        ]
        settings.MAX_IMAGE_UPLOAD_BYTES = len(data)
        City(
            name="X", slug="x", country="DE", image=upload("photo.png", data), image_alt="X"
        ).full_clean()

    def test_one_byte_too_large_at_the_real_cap(self, settings):
        limit = settings.MAX_IMAGE_UPLOAD_BYTES
        with pytest.raises(ValidationError) as excinfo:
            images.check_file_size(limit + 1)
        assert excinfo.value.messages == [
            f"The image is {limit + 1:,} bytes; "
            f"images may be at most {limit:,} bytes ({filesizeformat(limit)})."
        ]
        images.check_file_size(limit)

    def test_pixel_cap_is_a_setting(self, settings):
        settings.MAX_IMAGE_PIXELS = 100
        images.check_picture(picture("PNG", size=(10, 10)), "ok.png")
        with pytest.raises(ValidationError, match="11 × 10 pixels"):
            images.check_picture(picture("PNG", size=(11, 10)), "big.png")

    def test_a_file_without_extension(self):
        errors = refusal("photo", picture("JPEG"))
        assert "its name has no extension. Rename it to end in “.jpg”" in errors["image"][0]

    @pytest.mark.parametrize(
        ("name", "fmt"),
        [("a.jpg", "JPEG"), ("a.JPEG", "JPEG"), ("a.png", "PNG"), ("a.webp", "WEBP")],
    )
    def test_accepted(self, name, fmt):
        City(
            name="X", slug="x", country="DE", image=upload(name, picture(fmt)), image_alt="X"
        ).full_clean()

    def test_a_jpeg_with_trailing_payload_is_accepted_and_cleaned(self):
        data = picture("JPEG") + b"<script>alert(1)</script>"
        city = City.objects.create(
            name="X", slug="x", country="DE", image=upload("a.jpg", data), image_alt="X"
        )
        assert b"<script>" not in open_stored(city.image.name)

    def test_save_without_full_clean_still_checks(self, settings):
        with pytest.raises(ValidationError):
            City.objects.create(name="X", slug="x", country="DE", image=upload("a.jpg", HTML))
        assert not City.objects.exists()
        assert stored_files(settings) == []


class TestAdminRefusals:
    """Each refusal is an error next to the picture field, and nothing is saved or stored."""

    @pytest.mark.parametrize("case", [*REFUSED, "one-byte-too-large"])
    def test_add_form(self, admin_client, settings, case):
        if case == "one-byte-too-large":
            data = picture("PNG")
            settings.MAX_IMAGE_UPLOAD_BYTES = len(data) - 1
            name, message = "photo.png", f"The image is {filesizeformat(len(data))}"
        else:
            name, content, message = REFUSED[case]
            data = content()
        response = admin_client.post(
            ADD, city_form_data(image=upload(name, data), image_alt="A picture")
        )
        assert response.status_code == 200
        form = response.context["adminform"].form
        assert list(form.errors) == ["image"]
        assert message in form.errors["image"][0]
        assertContains(response, message)
        assert not City.objects.exists()
        assert stored_files(settings) == []

    def test_error_is_shown_next_to_the_field(self, admin_client):
        response = admin_client.post(
            ADD, city_form_data(image=upload("photo.jpg", HTML), image_alt="A picture")
        )
        html = response.content.decode()
        field_row = html[html.index('class="form-row errors field-image') :]
        field_row = field_row[: field_row.index('name="image"')]
        assert "This file is an HTML document, not a picture." in field_row

    @pytest.mark.parametrize("case", ["144-megapixels-in-17-kB", "png-named-jpg", "gif"])
    def test_change_form_keeps_the_current_picture(
        self, admin_client, settings, make_city, django_capture_on_commit_callbacks, case
    ):
        city = make_city(image=upload("old.jpg", picture("JPEG")), image_alt="Old picture")
        before = stored_files(settings)
        name, content, message = REFUSED[case]
        with django_capture_on_commit_callbacks(execute=True):
            response = post_picture(admin_client, city, upload(name, content()), "New picture")
        assert response.status_code == 200
        assert message in response.context["adminform"].form.errors["image"][0]
        city.refresh_from_db()
        assert city.image_alt == "Old picture"
        assert stored_files(settings) == before

    def test_file_input_accepts_only_the_three_formats(self, admin_client):
        response = admin_client.get(ADD)
        assertContains(response, 'accept="image/jpeg,image/png,image/webp,')


# --- What is stored ---------------------------------------------------------------------------


class TestStoredPicture:
    def test_no_exif_at_all_and_orientation_applied(self):
        data = jpeg_with_gps()
        assert b"PhoneMaker" in data
        city = City.objects.create(
            name="X", slug="x", country="DE", image=upload("IMG_0001.jpg", data), image_alt="X"
        )
        stored = open_stored(city.image.name)
        assert b"Exif" not in stored
        assert b"PhoneMaker" not in stored
        with Image.open(io.BytesIO(stored)) as image:
            assert image.format == "JPEG"
            assert "exif" not in image.info
            assert not image.getexif()
            assert image.size == (40, 60)  # turned upright
        assert (city.image_width, city.image_height) == (40, 60)

    def test_png_text_and_colour_profile_are_dropped(self):
        from PIL import ImageCms, PngImagePlugin

        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", "secret note")
        srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        data = picture("PNG", mode="RGBA", color=(0, 0, 255, 128), pnginfo=info, icc_profile=srgb)
        city = City.objects.create(
            name="X", slug="x", country="DE", image=upload("a.png", data), image_alt="X"
        )
        stored = open_stored(city.image.name)
        assert b"secret note" not in stored
        with Image.open(io.BytesIO(stored)) as image:
            assert image.format == "PNG"
            assert image.mode == "RGBA"  # transparency kept
            assert set(image.info) <= {"dpi", "gamma", "srgb"}
            assert "icc_profile" not in image.info

    def test_multi_picture_jpeg_is_stored_as_a_plain_jpeg(self):
        buffer = io.BytesIO()
        first, second = Image.new("RGB", (40, 30), "red"), Image.new("RGB", (40, 30), "blue")
        first.save(buffer, "MPO", save_all=True, append_images=[second])
        with Image.open(io.BytesIO(buffer.getvalue())) as image:
            assert image.format == "MPO"
        city = City.objects.create(
            name="X",
            slug="x",
            country="DE",
            image=upload("3d.jpg", buffer.getvalue()),
            image_alt="X",
        )
        with Image.open(io.BytesIO(open_stored(city.image.name))) as image:
            assert image.format == "JPEG"
            assert getattr(image, "n_frames", 1) == 1

    def test_cmyk_jpeg_is_stored_as_rgb(self):
        data = picture("JPEG", mode="CMYK", color=(0, 255, 255, 0))
        city = City.objects.create(
            name="X", slug="x", country="DE", image=upload("print.jpg", data), image_alt="X"
        )
        with Image.open(io.BytesIO(open_stored(city.image.name))) as image:
            assert image.mode == "RGB"

    def test_name_is_generated(self):
        city = City.objects.create(
            name="X",
            slug="x",
            country="DE",
            image=upload("../../etc/Mein Haus <b>.JPEG", picture("JPEG")),
            image_alt="X",
        )
        assert GENERATED_NAME.match(city.image.name)
        assert city.image.name.endswith(".jpg")
        other = City.objects.create(
            name="Y", slug="y", country="DE", image=upload("a.jpg", picture()), image_alt="Y"
        )
        assert other.image.name != city.image.name

    def test_webp_stays_webp(self):
        city = City.objects.create(
            name="X", slug="x", country="DE", image=upload("a.webp", picture("WEBP")), image_alt="X"
        )
        assert city.image.name.endswith(".webp")
        with Image.open(io.BytesIO(open_stored(city.image.name))) as image:
            assert image.format == "WEBP"

    def test_admin_upload_gets_a_generated_name(self, admin_client):
        admin_client.post(
            ADD,
            city_form_data(image=upload("frauenkirche.jpg", picture()), image_alt="Frauenkirche"),
        )
        city = City.objects.get()
        assert GENERATED_NAME.match(city.image.name)
        assert "frauenkirche" not in city.image.name


class TestRenditions:
    @pytest.mark.parametrize(
        ("size", "widths"),
        [
            ((2000, 1000), [480, 960, 1600]),
            ((1600, 900), [480, 960]),
            ((1000, 500), [480, 960]),
            ((480, 300), []),
            ((100, 80), []),
        ],
    )
    def test_widths_never_wider_than_the_original(self, settings, committed, size, widths):
        city = committed(
            City.objects.create,
            name="X",
            slug="x",
            country="DE",
            image=upload("a.jpg", picture(size=size)),
            image_alt="X",
        )
        assert city.image_renditions == widths
        assert (city.image_width, city.image_height) == size
        root = city.image.name.removesuffix(".jpg")
        assert stored_files(settings) == sorted(
            [city.image.name, *(f"{root}-{width}w.jpg" for width in widths)]
        )
        for width in widths:
            with Image.open(io.BytesIO(open_stored(f"{root}-{width}w.jpg"))) as image:
                assert image.size == (width, round(size[1] * width / size[0]))
                assert image.format == "JPEG"
                assert not image.getexif()

    def test_srcset(self, committed):
        city = committed(
            City.objects.create,
            name="X",
            slug="x",
            country="DE",
            image=upload("a.jpg", picture(size=(2000, 1000))),
            image_alt="X",
        )
        root = "/media/" + city.image.name.removesuffix(".jpg")
        assert city.picture == images.Picture(
            src=f"{root}-1600w.jpg",
            srcset=f"{root}-480w.jpg 480w, {root}-960w.jpg 960w, {root}-1600w.jpg 1600w",
            width=1600,
            height=800,
        )

    def test_srcset_ends_with_the_original_when_it_is_narrow(self, committed):
        city = committed(
            City.objects.create,
            name="X",
            slug="x",
            country="DE",
            image=upload("a.png", picture("PNG", size=(1000, 500))),
            image_alt="X",
        )
        root = "/media/" + city.image.name.removesuffix(".png")
        assert city.picture == images.Picture(
            src=f"{root}.png",
            srcset=f"{root}-480w.png 480w, {root}-960w.png 960w, {root}.png 1000w",
            width=1000,
            height=500,
        )

    def test_small_picture_has_no_srcset(self, committed):
        city = committed(
            City.objects.create,
            name="X",
            slug="x",
            country="DE",
            image=upload("a.jpg", picture(size=(300, 200))),
            image_alt="X",
        )
        assert city.picture == images.Picture(f"/media/{city.image.name}", "", 300, 200)

    def test_picture_stored_by_a_fixture(self, make_city):
        # A picture that did not go through the upload (demo fixtures): shown as it is.
        default_storage.save("cities/demo.png", io.BytesIO(picture("PNG")))
        city = make_city(image="cities/demo.png", image_alt="Demo")
        assert city.picture == images.Picture("/media/cities/demo.png", "", None, None)


class TestReplacing:
    def test_replace_removes_the_old_files(
        self, admin_client, settings, make_city, committed, django_capture_on_commit_callbacks
    ):
        city = committed(
            make_city, image=upload("old.jpg", picture(size=(1000, 500))), image_alt="Old"
        )
        old = stored_files(settings)
        assert len(old) == 3  # the picture, 480 and 960
        with django_capture_on_commit_callbacks(execute=True):
            response = post_picture(
                admin_client, city, upload("new.png", picture("PNG", size=(600, 400))), "New"
            )
        assert response.status_code == 302
        city.refresh_from_db()
        assert city.image.name.endswith(".png")
        assert city.image_renditions == [480]
        assert stored_files(settings) == sorted(
            [city.image.name, city.image.name.replace(".png", "-480w.png")]
        )

    def test_clear_removes_the_files(
        self, admin_client, settings, make_city, django_capture_on_commit_callbacks
    ):
        city = make_city(image=upload("old.jpg", picture(size=(1000, 500))), image_alt="Old")
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(
                change_url(city),
                city_form_data(
                    name=city.name,
                    slug=city.slug,
                    latitude="51.05",
                    longitude="13.74",
                    **{"image-clear": "on"},
                ),
            )
        assert response.status_code == 302
        city.refresh_from_db()
        assert not city.image
        assert (city.image_width, city.image_height, city.image_renditions) == (None, None, [])
        assert stored_files(settings) == []

    def test_saving_without_a_new_picture_keeps_the_files(
        self, settings, make_city, django_capture_on_commit_callbacks
    ):
        city = make_city(image=upload("a.jpg", picture(size=(1000, 500))), image_alt="A")
        before = stored_files(settings)
        city = City.objects.get(pk=city.pk)
        city.summary = "Changed"
        with django_capture_on_commit_callbacks(execute=True):
            city.save()
        assert stored_files(settings) == before

    def test_files_stay_until_the_change_is_committed(
        self, settings, make_city, django_capture_on_commit_callbacks
    ):
        city = make_city(image=upload("a.jpg", picture()), image_alt="A")
        old_name = city.image.name
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            city.image = upload("b.jpg", picture())
            city.save()
        assert old_name in stored_files(settings)
        assert len(callbacks) == 1

    def test_a_file_another_city_still_shows_is_kept(
        self, settings, make_city, django_capture_on_commit_callbacks
    ):
        default_storage.save("cities/shared.png", io.BytesIO(picture("PNG")))
        first = make_city(image="cities/shared.png", image_alt="A")
        make_city(image="cities/shared.png", image_alt="B")
        first = City.objects.get(pk=first.pk)
        first.image = ""
        with django_capture_on_commit_callbacks(execute=True):
            first.save()
        assert "cities/shared.png" in stored_files(settings)

    def test_a_missing_file_is_reported(self, make_city):
        city = make_city(image="cities/gone.png", image_alt="Gone")
        with pytest.raises(ValidationError) as excinfo:
            city.full_clean()
        assert excinfo.value.message_dict["image"] == [
            "The picture file “cities/gone.png” is missing from the media folder. Upload the "
            "picture again, or clear it."
        ]


# --- Pages --------------------------------------------------------------------------------------


@pytest.fixture
def pictured(make_city, make_partnership, committed):
    """A published partnership whose first city has a 2000 × 1000 picture, its renditions made."""
    city = committed(
        make_city,
        name="Dresden",
        slug="dresden",
        image=upload("dresden.jpg", picture(size=(2000, 1000))),
        image_alt="The Frauenkirche",
        image_credit="City of Dresden",
    )
    partnership = make_partnership(city_a=city)
    return city, partnership


def srcset_of(city):
    root = "/media/" + city.image.name.removesuffix(".jpg")
    return f"{root}-480w.jpg 480w, {root}-960w.jpg 960w, {root}-1600w.jpg 1600w"


class TestPages:
    def test_city_page(self, client, pictured):
        city, _ = pictured
        response = client.get(city.get_absolute_url())
        root = "/media/" + city.image.name.removesuffix(".jpg")
        assertContains(
            response,
            f'<img src="{root}-1600w.jpg" srcset="{srcset_of(city)}" '
            f'sizes="(min-width: 64rem) 57rem, calc(100vw - 7rem)" width="1600" height="800" '
            f'alt="The Frauenkirche">',
            html=True,
        )
        assertNotContains(response, f'src="/media/{city.image.name}"')  # never the original

    def test_partnership_page_city_card(self, client, pictured):
        city, partnership = pictured
        response = client.get(partnership.get_absolute_url())
        html = response.content.decode()
        assert f'srcset="{srcset_of(city)}"' in html
        assert 'width="1600" height="800" alt="The Frauenkirche" loading="lazy"' in html
        assert 'sizes="(min-width: 64rem) 29rem, (min-width: 40rem) calc(50vw - 3.5rem)' in html

    @pytest.mark.parametrize("page", ["city_detail", "partnership_detail"])
    def test_query_counts_unchanged(self, client, pictured, django_assert_max_num_queries, page):
        city, partnership = pictured
        url = city.get_absolute_url() if page == "city_detail" else partnership.get_absolute_url()
        with django_assert_max_num_queries(MAX_QUERIES[page]):
            response = client.get(url)
        assertContains(response, "srcset=")

    def test_admin_preview_has_no_inline_style(self, admin_client, pictured):
        city, _ = pictured
        response = admin_client.get(change_url(city))
        preview = re.search(r"<img [^>]*city-image-preview[^>]*>", response.content.decode())
        assert preview is not None
        assert f'srcset="{srcset_of(city)}"' in preview.group()
        assert "style=" not in preview.group()
        assertContains(response, "css/admin_cities.css")


# --- What an upload costs, and what it leaves behind ------------------------------------------


@pytest.fixture
def temporary_folder(monkeypatch, tmp_path):
    """Where the picture process's files wait to be stored (the test's own, not the shared /tmp)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def peak_rss_mb(who):
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


class TestNearTheLimit:
    def test_40_megapixels_are_decoded_outside_this_process(
        self,
        admin_client,
        settings,
        make_city,
        temporary_folder,
        django_capture_on_commit_callbacks,
    ):
        width, height = 8000, 5000
        assert width * height == settings.MAX_IMAGE_PIXELS
        data = two_colour_png(width, height)
        city = make_city()
        before = peak_rss_mb(resource.RUSAGE_SELF)
        with django_capture_on_commit_callbacks(execute=True):
            response = post_picture(admin_client, city, upload("big.png", data), "Two colours")
        # A peak of this process, never lowered: a full decode here (160 MB per copy of the
        # raster, several copies) would raise it past the bound whatever ran before.
        assert peak_rss_mb(resource.RUSAGE_SELF) - before < 300
        # The raster was held by a process this one started, and waited for.
        assert peak_rss_mb(resource.RUSAGE_CHILDREN) >= width * height * 4 / 2**20
        assert response.status_code == 302
        city.refresh_from_db()
        assert (city.image_width, city.image_height) == (width, height)
        assert city.image_renditions == [480, 960, 1600]
        root = city.image.name.removesuffix(".png")
        assert stored_files(settings) == sorted(
            [city.image.name, *(f"{root}-{w}w.png" for w in (480, 960, 1600))]
        )
        with Image.open(io.BytesIO(open_stored(city.image.name))) as image:
            assert (image.format, image.mode, image.size) == ("PNG", "RGB", (width, height))
        with Image.open(io.BytesIO(open_stored(f"{root}-1600w.png"))) as image:
            assert (image.format, image.size) == ("PNG", (1600, 1000))
            assert image.getpixel((800, 10)) == TOP
            assert image.getpixel((800, 990)) == BOTTOM
        assert list(temporary_folder.iterdir()) == []


class TestNothingLeftBehind:
    """A refused upload, a failed save and a rolled-back transaction leave the media unchanged."""

    def change(self, admin_client, city, name, data):
        return post_picture(admin_client, city, upload(name, data), "New")

    def test_a_good_picture_in_a_refused_form_leaves_no_temporary_files(
        self, admin_client, settings, make_city, temporary_folder
    ):
        """Another field is wrong: the processed picture is dropped when the request ends,
        not whenever the garbage collector runs (workers kept 25 such files)."""
        city = make_city()
        gc.disable()
        try:
            response = post_picture(
                admin_client,
                city,
                upload("fine.jpg", picture(size=(1000, 500))),
                "Fine",
                latitude="200",
            )
            assert response.status_code == 200
            assert "latitude" in response.context["adminform"].form.errors
            assert list(temporary_folder.iterdir()) == []
        finally:
            gc.enable()
        assert stored_files(settings) == []

    @pytest.mark.parametrize("case", ["truncated-jpeg", "144-megapixels-in-17-kB"])
    def test_refused_upload(self, admin_client, settings, make_city, temporary_folder, case):
        city = make_city(image=upload("old.jpg", picture(size=(1000, 500))), image_alt="Old")
        before = stored_files(settings)
        name, content, message = REFUSED[case]
        response = self.change(admin_client, city, name, content())
        assert message in response.context["adminform"].form.errors["image"][0]
        assert stored_files(settings) == before
        assert list(temporary_folder.iterdir()) == []

    @pytest.mark.parametrize(
        "command",
        [
            "import os, signal; os.kill(os.getpid(), signal.SIGKILL)",
            "import sys; sys.exit('out of memory')",
            "import sys; sys.stdin.read(); print('garbage')",
            "import time; time.sleep(60)",
        ],
        ids=["killed", "failed", "garbled", "too-slow"],
    )
    def test_a_failing_process_refuses_the_upload(
        self, admin_client, settings, make_city, temporary_folder, monkeypatch, caplog, command
    ):
        city = make_city(image=upload("old.jpg", picture(size=(1000, 500))), image_alt="Old")
        before = stored_files(settings)
        monkeypatch.setattr(images, "PROCESS_COMMAND", [sys.executable, "-c", command])
        monkeypatch.setattr(images, "PROCESS_TIMEOUT", 2)
        response = self.change(admin_client, city, "new.png", picture("PNG"))
        assert response.context["adminform"].form.errors["image"] == [
            "The picture could not be processed. Try again; if it fails again, scale it down or "
            "save it anew, and upload it again."
        ]
        assert "The picture process failed" in caplog.text
        assert stored_files(settings) == before
        assert list(temporary_folder.iterdir()) == []

    def test_a_failed_save(
        self, settings, make_city, temporary_folder, django_capture_on_commit_callbacks
    ):
        make_city(name="Dresden", slug="dresden")
        city = City(
            name="Dresden",
            slug="dresden",  # taken: the database refuses the row after the files are stored
            country="DE",
            image=upload("a.jpg", picture(size=(1000, 500))),
            image_alt="A",
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            city.save()
        assert stored_files(settings) == []
        assert list(temporary_folder.iterdir()) == []
        # The upload is back on the instance, to be stored again by the next save.
        city.slug = "dresden-2"
        with django_capture_on_commit_callbacks(execute=True):
            city.save()
        assert len(stored_files(settings)) == 3

    def test_a_rolled_back_transaction(self, settings, make_city, committed):
        city = committed(
            make_city, image=upload("old.jpg", picture(size=(1000, 500))), image_alt="Old"
        )
        before = stored_files(settings)
        assert len(before) == 3
        with pytest.raises(RuntimeError), transaction.atomic():
            city.image = upload("new.jpg", picture(size=(1000, 500)))
            city.save()
            # Both pictures, until the outcome is known; no renditions before the commit.
            assert len(stored_files(settings)) == 4
            raise RuntimeError("something after the save failed")
        assert stored_files(settings) == before

    def test_a_failure_after_the_save_in_the_admin(
        self, admin_client, settings, make_city, monkeypatch
    ):
        city = make_city(image=upload("old.jpg", picture(size=(1000, 500))), image_alt="Old")
        before = stored_files(settings)

        def fail(*args, **kwargs):
            raise RuntimeError("the change could not be logged")

        monkeypatch.setattr(admin.site._registry[City], "log_change", fail)
        with pytest.raises(RuntimeError):
            self.change(admin_client, city, "new.png", picture("PNG", size=(600, 400)))
        city.refresh_from_db()
        assert city.image_alt == "Old"
        assert stored_files(settings) == before

    def test_a_committed_upload_stays(
        self, settings, make_city, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            city = make_city(image=upload("a.jpg", picture(size=(1000, 500))), image_alt="A")
        transaction.get_connection().run_on_commit.clear()  # as after the commit
        assert len(stored_files(settings)) == 3
        assert city.image.name in stored_files(settings)

    def test_two_editors_replacing_at_once_leave_one_set(
        self, settings, make_city, django_capture_on_commit_callbacks
    ):
        city = make_city(image=upload("old.jpg", picture(size=(1000, 500))), image_alt="Old")
        first, second = City.objects.get(pk=city.pk), City.objects.get(pk=city.pk)
        for editor, name in ((first, "first.jpg"), (second, "second.png")):
            editor.image = upload(name, picture("PNG" if name.endswith("png") else "JPEG"))
            with django_capture_on_commit_callbacks(execute=True):
                editor.save()
        assert stored_files(settings) == [second.image.name]

    def test_the_admin_processes_pictures_before_its_transaction(
        self, admin_client, settings, make_city, monkeypatch
    ):
        """Seconds of picture work inside it would hold the database's locks (faults/uploads.py)."""
        city = make_city(image=upload("old.jpg", picture(size=(1000, 500))), image_alt="Old")
        connection = transaction.get_connection()
        depths, process = [], images.process

        def recording(*args):
            depths.append(len(connection.savepoint_ids))
            return process(*args)

        monkeypatch.setattr(images, "process", recording)
        outside = len(connection.savepoint_ids)  # the test's own transaction
        response = self.change(admin_client, city, "new.png", picture("PNG", size=(600, 400)))
        assert response.status_code == 302
        assert depths == [outside]  # once, and in no transaction the view opened
