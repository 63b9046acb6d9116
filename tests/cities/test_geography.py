"""Distance and time difference of two cities, from their coordinates alone."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from cities import geography

UTC = datetime.UTC
SUMMER = datetime.datetime(2024, 7, 1, 12, 0, tzinfo=UTC)
WINTER = datetime.datetime(2024, 1, 15, 12, 0, tzinfo=UTC)

# (latitude, longitude) of city centres.
BERLIN = (52.5200, 13.4050)
BEIJING = (39.9042, 116.4074)
DELHI = (28.6139, 77.2090)
NEW_YORK = (40.7128, -74.0060)
APIA = (-13.8333, -171.7667)  # Samoa, west of the date line's eastward bend: UTC+13
PAGO_PAGO = (-14.2756, -170.7020)  # American Samoa, 125 km away: UTC−11


def city(name, point):
    latitude, longitude = point if point else (None, None)
    return SimpleNamespace(
        name=name,
        latitude=latitude,
        longitude=longitude,
        has_coordinates=point is not None,
    )


@pytest.mark.parametrize(
    ("a", "b", "expected", "tolerance"),
    [
        (BERLIN, BEIJING, 7360, 15),
        (BERLIN, NEW_YORK, 6385, 15),
        (APIA, PAGO_PAGO, 125, 2),
        # Antipodes: half the circumference, however the points are placed.
        ((0, 0), (0, 180), 20015, 1),
        ((52.52, 13.405), (-52.52, -166.595), 20015, 1),
        ((90, 0), (-90, 0), 20015, 1),
        (BERLIN, BERLIN, 0, 0),
    ],
)
def test_great_circle_distance_of_known_pairs(a, b, expected, tolerance):
    assert geography.distance_km(*a, *b) == pytest.approx(expected, abs=tolerance)
    assert geography.distance_km(*b, *a) == pytest.approx(expected, abs=tolerance)


def test_distance_accepts_the_decimals_the_model_stores():
    lat_a, lon_a = (Decimal("52.52000"), Decimal("13.40500"))
    assert geography.distance_km(lat_a, lon_a, *BEIJING) == pytest.approx(7358, abs=1)


@pytest.mark.parametrize(
    ("km", "shown"),
    [
        (7357.56, "7,360 km"),
        (20015.11, "20,020 km"),
        (124.93, "120 km"),
        (99.4, "99 km"),
        (3.2, "3 km"),
        (0, "0 km"),
    ],
)
def test_distance_is_rounded_to_what_is_meaningful(km, shown):
    assert geography.format_distance(km) == shown


@pytest.mark.parametrize(
    ("point", "zone"),
    [
        (BERLIN, "Europe/Berlin"),
        (BEIJING, "Asia/Shanghai"),
        (DELHI, "Asia/Kolkata"),
        (NEW_YORK, "America/New_York"),
        (APIA, "Pacific/Apia"),
        (PAGO_PAGO, "Pacific/Pago_Pago"),
    ],
)
def test_time_zone_from_coordinates(point, zone):
    assert geography.timezone_name(*point) == zone


@pytest.mark.parametrize(
    ("at", "sentence", "offsets"),
    [
        # Berlin keeps summer time, Beijing does not: the gap changes through the year.
        (SUMMER, "Beijing is 6 hours ahead of Berlin", ("UTC+2", "UTC+8")),
        (WINTER, "Beijing is 7 hours ahead of Berlin", ("UTC+1", "UTC+8")),
    ],
)
def test_time_difference_follows_daylight_saving_time(at, sentence, offsets):
    found = geography.between(city("Berlin", BERLIN), city("Beijing", BEIJING), at)
    assert found.time_difference == sentence
    assert (found.clock_a.offset_display, found.clock_b.offset_display) == offsets


def test_the_city_ahead_leads_the_sentence_whichever_side_it_is_on():
    found = geography.between(city("Beijing", BEIJING), city("Berlin", BERLIN), WINTER)
    assert found.time_difference == "Beijing is 7 hours ahead of Berlin"


def test_half_hour_zone():
    found = geography.between(city("Berlin", BERLIN), city("Delhi", DELHI), WINTER)
    assert found.clock_b.zone == "Asia/Kolkata"
    assert found.clock_b.offset_display == "UTC+5:30"
    assert found.time_difference == "Delhi is 4 hours 30 minutes ahead of Berlin"
    summer = geography.between(city("Berlin", BERLIN), city("Delhi", DELHI), SUMMER)
    assert summer.time_difference == "Delhi is 3 hours 30 minutes ahead of Berlin"


def test_across_the_date_line_neighbours_are_a_day_apart():
    found = geography.between(city("Pago Pago", PAGO_PAGO), city("Apia", APIA), WINTER)
    assert found.distance_display == "120 km"
    assert (found.clock_a.offset_display, found.clock_b.offset_display) == ("UTC−11", "UTC+13")
    assert found.time_difference == "Apia is 24 hours ahead of Pago Pago"


def test_west_of_greenwich_and_same_time():
    found = geography.between(city("New York", NEW_YORK), city("Berlin", BERLIN), WINTER)
    assert found.clock_a.offset_display == "UTC−5"
    assert found.time_difference == "Berlin is 6 hours ahead of New York"
    same = geography.between(city("Berlin", BERLIN), city("Dresden", (51.05, 13.74)), SUMMER)
    assert same.time_difference == "Same time in Berlin and Dresden"


@pytest.mark.parametrize(
    ("minutes", "offset", "duration"),
    [
        (0, "UTC", ""),
        (60, "UTC+1", "1 hour"),
        (330, "UTC+5:30", "5 hours 30 minutes"),
        (345, "UTC+5:45", "5 hours 45 minutes"),
        (-210, "UTC−3:30", "3 hours 30 minutes"),
        (30, "UTC+0:30", "30 minutes"),
        (-60, "UTC−1", "1 hour"),
    ],
)
def test_offsets_and_durations(minutes, offset, duration):
    assert geography.format_utc_offset(minutes) == offset
    assert geography.format_duration(minutes) == duration


def test_no_coordinates_no_geography():
    assert geography.between(city("Atlantis", None), city("Berlin", BERLIN), SUMMER) is None
    assert geography.between(city("Berlin", BERLIN), city("Atlantis", None), SUMMER) is None


def test_now_must_be_aware():
    with pytest.raises(ValueError, match="aware"):
        geography.between(
            city("Berlin", BERLIN), city("Beijing", BEIJING), datetime.datetime(2024, 1, 1)
        )


def test_partnership_page_shows_distance_and_time_difference(client, make_city, make_partnership):
    berlin = make_city(name="Berlin", latitude="52.52000", longitude="13.40500")
    beijing = make_city(name="Beijing", country="CN", latitude="39.90420", longitude="116.40740")
    partnership = make_partnership(city_a=berlin, city_b=beijing)
    response = client.get(partnership.get_absolute_url())
    assertContains(response, "7,360 km")
    # 6 hours in Berlin's summer time, 7 in its winter time: whichever it is now.
    assert any(
        f"Beijing is {hours} hours ahead of Berlin now" in response.content.decode()
        for hours in (6, 7)
    )
    assertContains(response, "Beijing UTC+8")


def test_partnership_page_leaves_geography_out_without_coordinates(
    client, make_city, make_partnership
):
    partnership = make_partnership(city_b=make_city(latitude=None, longitude=None))
    response = client.get(partnership.get_absolute_url())
    assert response.status_code == 200
    assertNotContains(response, 'class="facts geography"')
    assertNotContains(response, "Time difference")
