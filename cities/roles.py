"""What each staff role may do with the cities' records (the roles: twinning/roles.py)."""

EDITOR = {
    "cities.city": ["view", "add", "change"],
    "cities.cityfigure": ["view", "add", "change", "delete"],
}
PUBLISHER = EDITOR
