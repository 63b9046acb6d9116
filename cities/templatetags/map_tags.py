"""{% partnership_map partnership %} and {% city_map city partners %}: the server-rendered
SVG maps of cities/maps.py, drawn by templates/includes/map.html. Both use only what the
page has already loaded (the partnership's two cities, the city's partner list), so a map
adds no database query."""

from django import template

from cities import maps

register = template.Library()


@register.inclusion_tag("includes/map.html")
def partnership_map(partnership, map_id="partnership-map"):
    return {"map": maps.partnership_map(partnership), "map_id": map_id}


@register.inclusion_tag("includes/map.html")
def city_map(city, partners, map_id="city-map"):
    return {"map": maps.city_map(city, partners), "map_id": map_id}
