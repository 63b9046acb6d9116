"""City rules: each is refused by full_clean() next to its field, and by the database."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from PIL import Image

from cities.models import City, CityFigure


def new_city(**kwargs):
    kwargs.setdefault("name", "Dresden")
    kwargs.setdefault("slug", "dresden")
    kwargs.setdefault("country", "DE")
    return City(**kwargs)


def errors_of(instance):
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    return excinfo.value.message_dict


def png_upload():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return SimpleUploadedFile("dresden.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def refused_by_database(db):
    """Run `create()` keyword arguments straight into the database, bypassing full_clean()."""

    def create(match=None, **kwargs):
        with pytest.raises(IntegrityError, match=match), transaction.atomic():
            City.objects.create(**{"name": "X", "slug": "x", "country": "DE", **kwargs})

    return create


@pytest.mark.django_db
class TestCityRules:
    def test_valid_city_passes(self):
        new_city(latitude=Decimal("51.05089"), longitude=Decimal("13.73832")).full_clean()

    def test_latitude_200(self, refused_by_database):
        errors = errors_of(new_city(latitude=Decimal(200), longitude=Decimal(13)))
        assert errors == {"latitude": ["Ensure this value is less than or equal to 90."]}
        refused_by_database(
            latitude=Decimal(200), longitude=Decimal(13), match="city_latitude_in_range"
        )

    def test_longitude_181(self, refused_by_database):
        errors = errors_of(new_city(latitude=Decimal(51), longitude=Decimal(181)))
        assert errors == {"longitude": ["Ensure this value is less than or equal to 180."]}
        refused_by_database(
            latitude=Decimal(51), longitude=Decimal(181), match="city_longitude_in_range"
        )

    def test_southern_and_western_extremes_are_fine(self):
        new_city(latitude=Decimal(-90), longitude=Decimal(-180)).full_clean()

    def test_only_one_coordinate(self, refused_by_database):
        errors = errors_of(new_city(latitude=Decimal(51)))
        assert errors == {"longitude": ["Give both latitude and longitude, or neither."]}
        refused_by_database(latitude=Decimal(51), match="city_coordinates_both_or_neither")

    def test_negative_population(self, refused_by_database):
        errors = errors_of(new_city(population=-5))
        assert errors == {"population": ["Ensure this value is greater than or equal to 0."]}
        refused_by_database(population=-5)

    def test_unknown_country(self):
        errors = errors_of(new_city(country="XX"))
        assert errors == {"country": ["Value 'XX' is not a valid choice."]}

    def test_population_year_without_population(self):
        errors = errors_of(new_city(population_year=2008))
        assert errors == {"population": ["A population year was given without a population."]}

    def test_population_year_out_of_range(self):
        errors = errors_of(new_city(population=1000, population_year=99))
        assert list(errors) == ["population_year"]

    def test_image_needs_alt_text(self):
        errors = errors_of(new_city(image=png_upload(), image_alt="  "))
        assert errors == {"image_alt_en": ["Describe the picture for visitors who cannot see it."]}
        new_city(image=png_upload(), image_alt="The Frauenkirche").full_clean()

    def test_oversized_image(self, settings):
        settings.MAX_IMAGE_UPLOAD_BYTES = 10
        errors = errors_of(new_city(image=png_upload(), image_alt="The Frauenkirche"))
        assert list(errors) == ["image"]
        assert errors["image"][0].startswith("The image is ")

    def test_slug_is_unique(self, make_city):
        make_city(slug="dresden")
        assert list(errors_of(new_city(slug="dresden"))) == ["slug"]


class TestCityDisplay:
    def test_str_and_url(self):
        city = new_city()
        assert str(city) == "Dresden (DE)"
        assert city.get_absolute_url() == "/en/cities/dresden/"

    def test_has_coordinates(self):
        assert new_city(latitude=Decimal(0), longitude=Decimal(0)).has_coordinates
        assert not new_city().has_coordinates


class TestKeyFigure:
    @pytest.mark.parametrize(
        ("qualifier", "value", "unit", "expected"),
        [
            ("about", Decimal("780000.00"), "inhabitants", "about 780,000 inhabitants"),
            ("up_to", Decimal("15.00"), "%", "up to 15 %"),
            ("more_than", Decimal("1000"), "students", "more than 1,000 students"),
            ("exact", Decimal("513000"), "inhabitants", "513,000 inhabitants"),
            ("exact", Decimal("12.50"), "%", "12.5 %"),
            ("exact", Decimal("18"), "", "18"),
        ],
    )
    def test_value_display(self, qualifier, value, unit, expected):
        figure = CityFigure(label="Figure", qualifier=qualifier, value=value, unit=unit)
        assert figure.value_display == expected

    def test_str(self):
        figure = CityFigure(
            label="Agglomeration", qualifier="about", value=Decimal(780000), unit="inhabitants"
        )
        assert str(figure) == "Agglomeration: about 780,000 inhabitants"

    @pytest.mark.django_db
    def test_one_figure_per_label_and_year(self, make_city, make_city_figure):
        city = make_city()
        make_city_figure(city, label="Agglomeration", year=2008)
        duplicate = CityFigure(city=city, label="Agglomeration", value=1, year=2008)
        assert errors_of(duplicate) == {
            "__all__": ["This city already has this figure for that year."]
        }
        with pytest.raises(IntegrityError), transaction.atomic():
            duplicate.save()
