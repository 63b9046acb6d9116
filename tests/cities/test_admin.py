"""The city admin: lists, the profile form with key figures and a picture, and its checks."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from PIL import Image
from pytest_django.asserts import (
    assertContains,
    assertFormError,
    assertNotContains,
    assertRedirects,
)

from cities.models import City, CityFigure
from tests.translations import in_english

# Queries per admin page, measured with an empty ContentType cache; the same bound holds for
# a few cities (figures) and for a hundred.
CITY_CHANGELIST_QUERIES = 6
CITY_CHANGE_FORM_QUERIES = 8  # incl. the staff chooser superusers see (users, assignments)

CHANGELIST = reverse("admin:cities_city_changelist")
ADD = reverse("admin:cities_city_add")


def change_url(city):
    return reverse("admin:cities_city_change", args=[city.pk])


def png(size=(8, 8), noise=False):
    """A real PNG; with `noise` it barely compresses, so its size follows its dimensions."""
    if noise:
        picture = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        picture = Image.new("RGB", size, "steelblue")
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def city_form_data(figures=(), **fields):
    data = {
        "name": "Dresden",
        "slug": "dresden",
        "country": "DE",
        "region": "Saxony",
        "latitude": "51.05089",
        "longitude": "13.73832",
        "population": "",
        "population_year": "",
        "summary": "",
        "description": "",
        "image_alt": "",
        "image_credit": "",
        "website": "",
        "figures-TOTAL_FORMS": len(figures),
        "figures-INITIAL_FORMS": sum(1 for row in figures if "id" in row),
        "figures-MIN_NUM_FORMS": 0,
        "figures-MAX_NUM_FORMS": 1000,
    }
    for index, row in enumerate(figures):
        for key, value in row.items():
            data[f"figures-{index}-{key}"] = value
    data.update(fields)
    return in_english(City, data)


@pytest.fixture
def dresden(make_city, make_city_figure):
    city = make_city(
        name="Dresden",
        slug="dresden",
        region="Saxony",
        population=513000,
        population_year=2008,
    )
    make_city_figure(
        city, label="Agglomeration", qualifier="about", value=780000, unit="inhabitants"
    )
    return city


class TestPagesRender:
    def test_changelist(self, admin_client, dresden):
        response = admin_client.get(CHANGELIST)
        assert response.status_code == 200
        assertContains(response, "Dresden")
        assertContains(response, "513,000 (2008)")
        assertContains(response, "Germany")

    def test_add_form(self, admin_client):
        response = admin_client.get(ADD)
        assert response.status_code == 200
        assert "#id_slug" in response.context["prepopulated_fields_json"]
        for language in ("en", "de", "zh_hans"):
            assertContains(response, f'name="image_alt_{language}"')
            assertContains(response, f'name="image_credit_{language}"')
            assertContains(response, f'name="region_{language}"')

    def test_change_form(self, admin_client, dresden):
        response = admin_client.get(change_url(dresden))
        assert response.status_code == 200
        assertContains(response, 'value="Agglomeration"')

    def test_view_on_site_link(self, admin_client, dresden, make_partnership):
        make_partnership(city_b=dresden, state="published")
        response = admin_client.get(change_url(dresden))
        assertContains(
            response, '<a href="/en/cities/dresden/" class="viewsitelink">View on site</a>'
        )

    def test_no_view_on_site_link_before_a_partnership_is_published(
        self, admin_client, dresden, make_partnership
    ):
        # The public page lists only cities with a published partnership.
        make_partnership(city_a=dresden, state="draft")
        response = admin_client.get(change_url(dresden))
        assertNotContains(response, "View on site")

    def test_search_by_region(self, admin_client, dresden, make_city):
        make_city(name="Lyon", region="Auvergne-Rhône-Alpes", country="FR")
        response = admin_client.get(CHANGELIST, {"q": "saxony"})
        assert list(response.context["cl"].result_list) == [dresden]

    def test_country_filter_lists_only_countries_in_use(self, admin_client, dresden, make_city):
        lyon = make_city(name="Lyon", country="FR")
        response = admin_client.get(CHANGELIST, {"country": "FR"})
        assert list(response.context["cl"].result_list) == [lyon]
        assertContains(response, "France")
        assert "Japan" not in response.content.decode()

    def test_non_staff_user_is_sent_to_login(self, client, django_user_model):
        client.force_login(django_user_model.objects.create_user("visitor", password="x-1234567"))
        assertRedirects(client.get(CHANGELIST), f"{reverse('admin:login')}?next={CHANGELIST}")


class TestSave:
    def test_add_with_figures_and_picture(self, admin_client):
        data = city_form_data(
            figures=[
                {
                    "label": "Agglomeration",
                    "qualifier": "about",
                    "value": "780000",
                    "unit": "inhabitants",
                    "year": "2008",
                    "position": "0",
                }
            ],
            population="513000",
            population_year="2008",
            website="www.dresden.de",
            image=SimpleUploadedFile("frauenkirche.png", png(), content_type="image/png"),
            image_alt="The Frauenkirche at dusk",
            image_credit="City of Dresden",
        )
        response = admin_client.post(ADD, data)

        assertRedirects(response, CHANGELIST)
        city = City.objects.get()
        assert city.website == "https://www.dresden.de"
        # Stored under a generated name, never the uploader's (tests/cities/test_images.py).
        assert city.image.name.startswith("cities/")
        assert "frauenkirche" not in city.image.name
        assert city.figures.get().value_display == "about 780,000 inhabitants"

        response = admin_client.get(change_url(city))
        assertContains(response, f'<img src="{city.image.url}" alt="The Frauenkirche at dusk"')


class TestValidationMessages:
    """Each refusal names the problem next to the field, and nothing is saved."""

    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            (
                {"latitude": "200", "longitude": "13"},
                "latitude",
                "Ensure this value is less than or equal to 90.",
            ),
            (
                {"latitude": "51", "longitude": "181"},
                "longitude",
                "Ensure this value is less than or equal to 180.",
            ),
            (
                {"latitude": "51", "longitude": ""},
                "longitude",
                "Give both latitude and longitude, or neither.",
            ),
            (
                {"population": "-5"},
                "population",
                "Ensure this value is greater than or equal to 0.",
            ),
            (
                {"population_year": "2008"},
                "population",
                "A population year was given without a population.",
            ),
            (
                {"population": "1000", "population_year": "99"},
                "population_year",
                "Ensure this value is greater than or equal to 1000.",
            ),
            (
                {"country": "XX"},
                "country",
                "Select a valid choice. XX is not one of the available choices.",
            ),
        ],
        ids=[
            "latitude-200",
            "longitude-181",
            "one-coordinate",
            "negative-population",
            "year-without-population",
            "bad-year",
            "unknown-country",
        ],
    )
    def test_refused(self, admin_client, fields, field, message):
        response = admin_client.post(ADD, city_form_data(**fields))
        assert response.status_code == 200
        assertFormError(response.context["adminform"].form, field, [message])
        assertContains(response, message)
        assert not City.objects.exists()

    def test_latitude_reported_once(self, admin_client):
        # The field validator and the database constraint check the same rule.
        response = admin_client.post(ADD, city_form_data(latitude="200"))
        assert response.context["adminform"].form.errors.as_data().keys() == {"latitude"}

    def test_text_file_named_png(self, admin_client):
        fake = SimpleUploadedFile("photo.png", b"just some text", content_type="image/png")
        response = admin_client.post(ADD, city_form_data(image=fake, image_alt="A photo"))
        assert response.status_code == 200
        assertFormError(
            response.context["adminform"].form,
            "image",
            ["This file is a text file, not a picture. Upload a JPEG, PNG or WebP picture."],
        )
        assert not City.objects.exists()

    def test_oversized_image(self, admin_client, settings):
        settings.MAX_IMAGE_UPLOAD_BYTES = 2000
        content = png((64, 64), noise=True)
        assert len(content) > 2000
        upload = SimpleUploadedFile("big.png", content, content_type="image/png")
        response = admin_client.post(ADD, city_form_data(image=upload, image_alt="Big"))
        assert response.status_code == 200
        message = (
            f"The image is {filesizeformat(len(content))}; "
            f"images may be at most {filesizeformat(2000)}."
        )
        assertFormError(response.context["adminform"].form, "image", [message])
        assert not City.objects.exists()

    def test_image_without_description(self, admin_client):
        upload = SimpleUploadedFile("photo.png", png(), content_type="image/png")
        response = admin_client.post(ADD, city_form_data(image=upload))
        assertFormError(
            response.context["adminform"].form,
            "image_alt_en",
            ["Describe the picture for visitors who cannot see it."],
        )

    def test_duplicate_slug(self, admin_client, dresden):
        response = admin_client.post(ADD, city_form_data())
        assertFormError(
            response.context["adminform"].form,
            "slug",
            ["City with this Address name already exists."],
        )

    def test_duplicate_figure_for_the_same_year(self, admin_client, dresden):
        figure = dresden.figures.get()
        figure.year = 2008
        figure.save()
        response = admin_client.post(
            change_url(dresden),
            city_form_data(
                figures=[
                    {
                        "id": figure.pk,
                        "city": dresden.pk,
                        "label": "Agglomeration",
                        "qualifier": "about",
                        "value": "780000",
                        "year": "2008",
                        "position": "0",
                    },
                    {
                        "city": dresden.pk,
                        "label": "Agglomeration",
                        "qualifier": "exact",
                        "value": "790000",
                        "year": "2008",
                        "position": "1",
                    },
                ],
                population="513000",
                population_year="2008",
            ),
        )
        assert response.status_code == 200
        formset = response.context["inline_admin_formsets"][0].formset
        assert formset.non_form_errors() == [
            "Please correct the duplicate data for label and year, which must be unique."
        ]
        assert CityFigure.objects.count() == 1


# --- Query counts -----------------------------------------------------------------------------

SIZES = pytest.mark.parametrize("size", [3, 100], ids=["few", "many"])


@SIZES
class TestQueryCounts:
    def test_changelist(self, measure_admin_page, size):
        City.objects.bulk_create(
            City(
                name=f"City {i}",
                slug=f"city-{i}",
                country=("DE", "CN", "FR")[i % 3],
                population=1000 * i,
                population_year=2020,
            )
            for i in range(size)
        )
        response = measure_admin_page(CHANGELIST, CITY_CHANGELIST_QUERIES)
        assert len(response.context["cl"].result_list) == size

    def test_change_form(self, measure_admin_page, make_city, size):
        city = make_city()
        CityFigure.objects.bulk_create(
            CityFigure(city=city, label=f"Figure {i}", value=i) for i in range(size)
        )
        response = measure_admin_page(change_url(city), CITY_CHANGE_FORM_QUERIES)
        assert len(response.context["inline_admin_formsets"][0].formset.forms) == size
