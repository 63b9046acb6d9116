# ruff: noqa: S608 (SQL of fixed table and column names only; no value comes from outside)
"""The maintained world-wide figures (models/figures.py): the triggers that keep them exact as
partnerships, activities and cities change, and `rebuild()`, which computes them from scratch.

The same statements serve every trigger and the rebuild: each adds (or, with sign -1,
subtracts) the figures of a set of rows, `rows`, to the tables by upserts, then removes the rows
that reached zero. SQLite runs them in row triggers, each row's values as a one-row subquery;
PostgreSQL in statement triggers over the transition tables where a statement may write many
rows (bulk loads, a city's change that meets its partners' in one statement), and in row
triggers on the few columns that matter where a row's update is cheap to follow.

Adding and subtracting float sums (the longitudes' cosines and sines) can drift in the last
bits; the nightly rebuild (tasks.rebuild_figures) sets them exact again.
"""

from django.db import DEFAULT_DB_ALIAS, connections, transaction

PARTNERSHIP = "partnerships_partnership"
ACTIVITY = "partnerships_activity"
CITY = "cities_city"
PAIRS = "partnerships_countrypairfigure"
COUNTRIES = "partnerships_countryfigure"
YEARS = "partnerships_activityyearfigure"
FOUNDINGS = "partnerships_foundingyearfigure"
FOCUS = "partnerships_focusareafigure"
FOCUS_LINKS = "partnerships_partnership_focus_areas"
LINK_COLUMNS = ("partnership_id", "focusarea_id")
CITY_COUNTS = "partnerships_citypartnershipcount"
TOPICS = "partnerships_focusareaactivityfigure"
TOPIC_LINKS = "partnerships_activity_focus_areas"
TOPIC_LINK_COLUMNS = ("activity_id", "focusarea_id")
TABLES = (PAIRS, COUNTRIES, YEARS, FOUNDINGS, FOCUS, CITY_COUNTS, TOPICS)
PUBLISHED = "'published'"
PARTNERSHIP_COLUMNS = ("id", "state", "vitality", "city_a_id", "city_b_id", "established")
ACTIVITY_COLUMNS = ("start_date", "partnership_id")
ACTIVITY_KEYS = ("id", "partnership_id")
CITY_COLUMNS = ("id", "country", "latitude", "longitude")
COUNTRY_SUMS = ("located", "latitude", "east", "north")


def _row(ref, columns):
    """A trigger's OLD or NEW row as a one-row subquery (a FROM item)."""
    return "(SELECT " + ", ".join(f"{ref}.{c} AS {c}" for c in columns) + ")"


def _year(vendor, date):
    """As core.dates.DatePart(date, "year")."""
    if vendor == "postgresql":
        return f"CAST(EXTRACT(year FROM {date}) AS integer)"
    return f"CAST(substr({date}, 1, 4) AS integer)"


def _upsert(table, key, columns, select):
    sums = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in columns)
    return [
        f"INSERT INTO {table} ({', '.join(key + columns)}) {select} "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sums}",
        f"DELETE FROM {table} WHERE n = 0",  # through the partial index on n = 0
    ]


def _city_value(side, column):
    return f"c{side}.{column}"


def pair_delta(sign, rows, where="TRUE", joins=None, value=_city_value):
    """Add the published partnerships among `rows` (a FROM item `r` with PARTNERSHIP_COLUMNS)
    times `sign` to their pair of countries and to each of their countries, with where their
    cities lie. `value(side, column)` is the SQL of a side's city column (a trigger on cities
    gives the old values); `joins` replaces the inner joins of the cities (aliased ca and cb)."""
    if joins is None:
        joins = " ".join(f"JOIN {CITY} c{s} ON c{s}.id = r.city_{s}_id" for s in "ab")
    source = f"FROM {rows} r {joins} WHERE r.state = {PUBLISHED} AND {where}"
    country_a, country_b = value("a", "country"), value("b", "country")
    # A pair by its lesser code first: the map's lines have no direction.
    first = f"CASE WHEN {country_b} < {country_a} THEN {country_b} ELSE {country_a} END"
    second = f"CASE WHEN {country_b} < {country_a} THEN {country_a} ELSE {country_b} END"
    pairs = f"SELECT {first}, {second}, r.vitality, {sign} * COUNT(*) {source} GROUP BY 1, 2, 3"
    # A partnership counts once for a country, also with both its cities there.
    sides = " UNION ALL ".join(
        f"SELECT {value(side, 'country')} AS country, r.vitality AS vitality, {n} AS n, "
        f"{value(side, 'latitude')} AS latitude, "
        f"COS(RADIANS({value(side, 'longitude')})) AS east, "
        f"SIN(RADIANS({value(side, 'longitude')})) AS north {source}"
        for side, n in (("a", "1"), ("b", f"CASE WHEN {country_b} = {country_a} THEN 0 ELSE 1 END"))
    )
    countries = (
        f"SELECT country, vitality, {sign} * SUM(n), {sign} * COUNT(latitude), "
        f"{sign} * COALESCE(SUM(latitude), 0), {sign} * COALESCE(SUM(east), 0), "
        f"{sign} * COALESCE(SUM(north), 0) FROM ({sides}) sides WHERE TRUE GROUP BY 1, 2"
    )
    return [
        *_upsert(PAIRS, ["country_a", "country_b", "vitality"], ["n"], pairs),
        *_upsert(COUNTRIES, ["country", "vitality"], ["n", *COUNTRY_SUMS], countries),
    ]


def city_delta(sign, rows):
    """Add each side's city of the published partnerships among `rows` times `sign`."""
    sides = " UNION ALL ".join(
        f"SELECT r.city_{s}_id AS city_id FROM {rows} r WHERE r.state = {PUBLISHED}" for s in "ab"
    )
    select = f"SELECT city_id, {sign} * COUNT(*) FROM ({sides}) sides WHERE TRUE GROUP BY 1"
    return _upsert(CITY_COUNTS, ["city_id"], ["n"], select)


def founding_delta(vendor, sign, rows):
    """Add the published partnerships among `rows` by the year they were founded."""
    year = _year(vendor, "r.established")
    select = (
        f"SELECT {year}, {sign} * COUNT(*) FROM {rows} r "
        f"WHERE r.state = {PUBLISHED} AND r.established IS NOT NULL GROUP BY 1"
    )
    return _upsert(FOUNDINGS, ["year"], ["n"], select)


def focus_delta(sign, rows, published):
    """Add the focus areas' links among `rows` (a FROM item `l` with LINK_COLUMNS, or more
    joins after it) times `sign`, where the SQL `published` holds."""
    select = f"SELECT l.focusarea_id, {sign} * COUNT(*) FROM {rows} WHERE {published} GROUP BY 1"
    return _upsert(FOCUS, ["focus_area_id"], ["n"], select)


def links_of(rows):
    """The FROM items of the focus areas' links of the partnerships among `rows` (aliased r)."""
    return f"{FOCUS_LINKS} l JOIN {rows} r ON r.id = l.partnership_id"


def year_delta(vendor, sign, rows, published):
    """Add the dated activities among `rows` (a FROM item `a` with ACTIVITY_COLUMNS, or more
    joins after it) by year of their start times `sign`, where the SQL `published` holds."""
    year = _year(vendor, "a.start_date")
    select = (
        f"SELECT {year}, {sign} * COUNT(*) FROM {rows} "
        f"WHERE a.start_date IS NOT NULL AND {published} GROUP BY 1"
    )
    return _upsert(YEARS, ["year"], ["n"], select)


def topic_delta(sign, rows, published):
    """Add the activities' focus areas' links among `rows` (FROM items with the links aliased
    k) times `sign`, where the SQL `published` holds: the activities on each focus area."""
    select = f"SELECT k.focusarea_id, {sign} * COUNT(*) FROM {rows} WHERE {published} GROUP BY 1"
    return _upsert(TOPICS, ["focus_area_id"], ["n"], select)


def topic_links_of(rows):
    """The FROM items of the focus areas' links of the activities of the partnerships among
    `rows` (aliased r)."""
    return f"{activities_of(rows)} JOIN {TOPIC_LINKS} k ON k.activity_id = a.id"


def topic_links_of_activities(rows):
    """The FROM items of the focus areas' links of the activities among `rows` (a FROM item
    with ACTIVITY_KEYS), with their partnership (aliased p)."""
    return f"{with_partnership(rows)} JOIN {TOPIC_LINKS} k ON k.activity_id = a.id"


def _topic_link_rows(rows):
    """The FROM items of the activities' focus areas' links among `rows`, with their
    activity's partnership (p)."""
    return (
        f"{rows} k JOIN {ACTIVITY} a ON a.id = k.activity_id "
        f"JOIN {PARTNERSHIP} p ON p.id = a.partnership_id"
    )


def activities_of(rows):
    """The FROM items of the activities of the partnerships among `rows` (aliased r)."""
    return f"{ACTIVITY} a JOIN {rows} r ON r.id = a.partnership_id"


def with_partnership(rows):
    """The FROM items of the activities among `rows`, with their partnership (aliased p)."""
    return f"{rows} a JOIN {PARTNERSHIP} p ON p.id = a.partnership_id"


def _link_rows(rows):
    """The FROM items of the focus areas' links among `rows`, with their partnership (p)."""
    return f"{rows} l JOIN {PARTNERSHIP} p ON p.id = l.partnership_id"


def partnership_delta(vendor, sign, rows):
    """Everything the published partnerships among `rows` count for."""
    return [
        *pair_delta(sign, rows),
        *city_delta(sign, rows),
        *founding_delta(vendor, sign, rows),
        *year_delta(vendor, sign, activities_of(rows), f"r.state = {PUBLISHED}"),
        *focus_delta(sign, links_of(rows), f"r.state = {PUBLISHED}"),
        *topic_delta(sign, topic_links_of(rows), f"r.state = {PUBLISHED}"),
    ]


def _differ(vendor, columns):
    op = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    return "(" + " OR ".join(f"OLD.{c} {op} NEW.{c}" for c in columns) + ")"


def _partnership_update(vendor):
    """A partnership's update: its old figures out, its new in. Its activities move only with
    a change of publication."""
    old, new = _row("OLD", PARTNERSHIP_COLUMNS), _row("NEW", PARTNERSHIP_COLUMNS)
    state_moved = "OLD.state IS NOT NULL AND NEW.state IS NOT NULL AND OLD.state <> NEW.state"
    return [
        *pair_delta(-1, old),
        *pair_delta(1, new),
        *city_delta(-1, old),
        *city_delta(1, new),
        *founding_delta(vendor, -1, old),
        *founding_delta(vendor, 1, new),
        *year_delta(vendor, -1, activities_of(old), f"{state_moved} AND OLD.state = {PUBLISHED}"),
        *year_delta(vendor, 1, activities_of(new), f"{state_moved} AND NEW.state = {PUBLISHED}"),
        *focus_delta(-1, links_of(old), f"{state_moved} AND OLD.state = {PUBLISHED}"),
        *focus_delta(1, links_of(new), f"{state_moved} AND NEW.state = {PUBLISHED}"),
        *topic_delta(-1, topic_links_of(old), f"{state_moved} AND OLD.state = {PUBLISHED}"),
        *topic_delta(1, topic_links_of(new), f"{state_moved} AND NEW.state = {PUBLISHED}"),
    ]


def _city_old_value(vendor):
    """A side's city column before a trigger on cities: the OLD row's (SQLite, a row at a
    time) or the old transition table's (PostgreSQL, joined as oa and ob) for a changed city."""

    def value(side, column):
        if vendor == "postgresql":
            return f"CASE WHEN o{side}.id IS NULL THEN c{side}.{column} ELSE o{side}.{column} END"
        return f"CASE WHEN r.city_{side}_id = OLD.id THEN OLD.{column} ELSE c{side}.{column} END"

    return value


def _touching(cities):
    """SQL: r is a published partnership of one of `cities` (SQL of a set of ids), found from
    the indexes on (state, city_a) and (state, city_b)."""
    return (
        f"r.id IN (SELECT id FROM {PARTNERSHIP} WHERE state = {PUBLISHED} AND city_a_id IN "
        f"({cities}) UNION ALL SELECT id FROM {PARTNERSHIP} WHERE state = {PUBLISHED} "
        f"AND city_b_id IN ({cities}))"
    )


def _sqlite_triggers():
    vendor = "sqlite"
    changed_partnership = _differ(vendor, PARTNERSHIP_COLUMNS[1:])
    either_published = f"(OLD.state = {PUBLISHED} OR NEW.state = {PUBLISHED})"
    activity_old = with_partnership(_row("OLD", ACTIVITY_COLUMNS))
    activity_new = with_partnership(_row("NEW", ACTIVITY_COLUMNS))
    link_old = _link_rows(_row("OLD", LINK_COLUMNS))
    link_new = _link_rows(_row("NEW", LINK_COLUMNS))
    topic_activity_old = topic_links_of_activities(_row("OLD", ACTIVITY_KEYS))
    topic_activity_new = topic_links_of_activities(_row("NEW", ACTIVITY_KEYS))
    topic_link_old = _topic_link_rows(_row("OLD", TOPIC_LINK_COLUMNS))
    topic_link_new = _topic_link_rows(_row("NEW", TOPIC_LINK_COLUMNS))
    published = f"p.state = {PUBLISHED}"
    city_moved = _differ(vendor, CITY_COLUMNS[1:])
    touching = _touching("OLD.id")
    # A deleted city (only while foreign keys are off, e.g. `flush`): its partner may be gone
    # too; a partnership counts out once, by whichever of its rows goes first.
    either_side = " ".join(f"LEFT JOIN {CITY} c{s} ON c{s}.id = r.city_{s}_id" for s in "ab")
    both_known = " AND ".join(f"(c{s}.id IS NOT NULL OR r.city_{s}_id = OLD.id)" for s in "ab")
    old_value = _city_old_value(vendor)
    return {
        "partnership_insert": (
            f"AFTER INSERT ON {PARTNERSHIP} FOR EACH ROW WHEN NEW.state = {PUBLISHED}",
            partnership_delta(vendor, 1, _row("NEW", PARTNERSHIP_COLUMNS)),
        ),
        "partnership_delete": (
            f"AFTER DELETE ON {PARTNERSHIP} FOR EACH ROW WHEN OLD.state = {PUBLISHED}",
            partnership_delta(vendor, -1, _row("OLD", PARTNERSHIP_COLUMNS)),
        ),
        "partnership_update": (
            f"AFTER UPDATE OF {', '.join(PARTNERSHIP_COLUMNS[1:])} ON {PARTNERSHIP} FOR EACH ROW "
            f"WHEN {changed_partnership} AND {either_published}",
            _partnership_update(vendor),
        ),
        "activity_insert": (
            f"AFTER INSERT ON {ACTIVITY} FOR EACH ROW WHEN NEW.start_date IS NOT NULL",
            year_delta(vendor, 1, activity_new, published),
        ),
        "activity_delete": (
            f"AFTER DELETE ON {ACTIVITY} FOR EACH ROW WHEN OLD.start_date IS NOT NULL",
            year_delta(vendor, -1, activity_old, published),
        ),
        "activity_update": (
            f"AFTER UPDATE OF {', '.join(ACTIVITY_COLUMNS)} ON {ACTIVITY} FOR EACH ROW "
            f"WHEN {_differ(vendor, ACTIVITY_COLUMNS)}",
            [
                *year_delta(vendor, -1, activity_old, published),
                *year_delta(vendor, 1, activity_new, published),
            ],
        ),
        "focus_link_insert": (
            f"AFTER INSERT ON {FOCUS_LINKS} FOR EACH ROW",
            focus_delta(1, link_new, published),
        ),
        "focus_link_delete": (
            f"AFTER DELETE ON {FOCUS_LINKS} FOR EACH ROW",
            focus_delta(-1, link_old, published),
        ),
        "focus_link_update": (
            f"AFTER UPDATE ON {FOCUS_LINKS} FOR EACH ROW WHEN {_differ(vendor, LINK_COLUMNS)}",
            [*focus_delta(-1, link_old, published), *focus_delta(1, link_new, published)],
        ),
        # The activities on each focus area: an activity's links count while it exists and
        # its partnership is published, whichever of it and its links goes first.
        "topic_activity_insert": (
            f"AFTER INSERT ON {ACTIVITY} FOR EACH ROW",
            topic_delta(1, topic_activity_new, published),
        ),
        "topic_activity_delete": (
            f"AFTER DELETE ON {ACTIVITY} FOR EACH ROW",
            topic_delta(-1, topic_activity_old, published),
        ),
        "topic_activity_move": (
            f"AFTER UPDATE OF {', '.join(ACTIVITY_KEYS)} ON {ACTIVITY} FOR EACH ROW "
            f"WHEN {_differ(vendor, ACTIVITY_KEYS)}",
            [
                *topic_delta(-1, topic_activity_old, published),
                *topic_delta(1, topic_activity_new, published),
            ],
        ),
        "topic_link_insert": (
            f"AFTER INSERT ON {TOPIC_LINKS} FOR EACH ROW",
            topic_delta(1, topic_link_new, published),
        ),
        "topic_link_delete": (
            f"AFTER DELETE ON {TOPIC_LINKS} FOR EACH ROW",
            topic_delta(-1, topic_link_old, published),
        ),
        "topic_link_update": (
            f"AFTER UPDATE ON {TOPIC_LINKS} FOR EACH ROW "
            f"WHEN {_differ(vendor, TOPIC_LINK_COLUMNS)}",
            [
                *topic_delta(-1, topic_link_old, published),
                *topic_delta(1, topic_link_new, published),
            ],
        ),
        # Its partner cities are still as they were: a row trigger runs before the next row.
        "city_update": (
            f"AFTER UPDATE OF {', '.join(CITY_COLUMNS[1:])} ON {CITY} FOR EACH ROW "
            f"WHEN {city_moved}",
            [
                *pair_delta(-1, PARTNERSHIP, touching, value=old_value),
                *pair_delta(1, PARTNERSHIP, touching),
            ],
        ),
        "city_delete": (
            f"AFTER DELETE ON {CITY} FOR EACH ROW",
            pair_delta(
                -1, PARTNERSHIP, f"{touching} AND {both_known}", either_side, value=old_value
            ),
        ),
    }


def _postgresql_triggers():
    vendor = "postgresql"
    either_published = f"(OLD.state = {PUBLISHED} OR NEW.state = {PUBLISHED})"
    published = f"p.state = {PUBLISHED}"
    changed_cities = (
        "SELECT o.id FROM old_cities o JOIN new_cities n ON n.id = o.id WHERE "
        + " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in CITY_COLUMNS[1:])
    )
    old_value = _city_old_value(vendor)
    old_joins = " ".join(
        f"LEFT JOIN {CITY} c{s} ON c{s}.id = r.city_{s}_id "
        f"LEFT JOIN old_cities o{s} ON o{s}.id = r.city_{s}_id"
        for s in "ab"
    )
    known = " AND ".join(f"(c{s}.id IS NOT NULL OR o{s}.id IS NOT NULL)" for s in "ab")
    return {
        # Statement triggers: a bulk load's rows are counted in a few grouped statements.
        "partnership_insert": (
            f"AFTER INSERT ON {PARTNERSHIP} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT",
            partnership_delta(vendor, 1, "new_rows"),
        ),
        "partnership_delete": (
            f"AFTER DELETE ON {PARTNERSHIP} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT",
            partnership_delta(vendor, -1, "old_rows"),
        ),
        # Row triggers on the columns that count: most updates (a save, the search document)
        # do not fire them at all. Transition tables cannot have a column list.
        "partnership_update": (
            f"AFTER UPDATE OF {', '.join(PARTNERSHIP_COLUMNS[1:])} ON {PARTNERSHIP} FOR EACH ROW "
            f"WHEN ({_differ(vendor, PARTNERSHIP_COLUMNS[1:])} AND {either_published})",
            _partnership_update(vendor),
        ),
        "activity_insert": (
            f"AFTER INSERT ON {ACTIVITY} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT",
            [
                *year_delta(vendor, 1, with_partnership("new_rows"), published),
                *topic_delta(1, topic_links_of_activities("new_rows"), published),
            ],
        ),
        "activity_delete": (
            f"AFTER DELETE ON {ACTIVITY} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT",
            [
                *year_delta(vendor, -1, with_partnership("old_rows"), published),
                *topic_delta(-1, topic_links_of_activities("old_rows"), published),
            ],
        ),
        "activity_update": (
            f"AFTER UPDATE OF {', '.join(ACTIVITY_COLUMNS)} ON {ACTIVITY} FOR EACH ROW "
            f"WHEN ({_differ(vendor, ACTIVITY_COLUMNS)})",
            [
                *year_delta(vendor, -1, with_partnership(_row("OLD", ACTIVITY_COLUMNS)), published),
                *year_delta(vendor, 1, with_partnership(_row("NEW", ACTIVITY_COLUMNS)), published),
            ],
        ),
        "topic_activity_move": (
            f"AFTER UPDATE OF {', '.join(ACTIVITY_KEYS)} ON {ACTIVITY} FOR EACH ROW "
            f"WHEN ({_differ(vendor, ACTIVITY_KEYS)})",
            [
                *topic_delta(-1, topic_links_of_activities(_row("OLD", ACTIVITY_KEYS)), published),
                *topic_delta(1, topic_links_of_activities(_row("NEW", ACTIVITY_KEYS)), published),
            ],
        ),
        "topic_link_insert": (
            f"AFTER INSERT ON {TOPIC_LINKS} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT",
            topic_delta(1, _topic_link_rows("new_rows"), published),
        ),
        "topic_link_delete": (
            f"AFTER DELETE ON {TOPIC_LINKS} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT",
            topic_delta(-1, _topic_link_rows("old_rows"), published),
        ),
        "topic_link_update": (
            f"AFTER UPDATE ON {TOPIC_LINKS} FOR EACH ROW "
            f"WHEN ({_differ(vendor, TOPIC_LINK_COLUMNS)})",
            [
                *topic_delta(-1, _topic_link_rows(_row("OLD", TOPIC_LINK_COLUMNS)), published),
                *topic_delta(1, _topic_link_rows(_row("NEW", TOPIC_LINK_COLUMNS)), published),
            ],
        ),
        "focus_link_insert": (
            f"AFTER INSERT ON {FOCUS_LINKS} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT",
            focus_delta(1, _link_rows("new_rows"), published),
        ),
        "focus_link_delete": (
            f"AFTER DELETE ON {FOCUS_LINKS} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT",
            focus_delta(-1, _link_rows("old_rows"), published),
        ),
        "focus_link_update": (
            f"AFTER UPDATE ON {FOCUS_LINKS} FOR EACH ROW WHEN ({_differ(vendor, LINK_COLUMNS)})",
            [
                *focus_delta(-1, _link_rows(_row("OLD", LINK_COLUMNS)), published),
                *focus_delta(1, _link_rows(_row("NEW", LINK_COLUMNS)), published),
            ],
        ),
        # A statement trigger: row triggers run after the whole statement, when a partner city
        # changed by the same statement already shows its new values.
        "city_update": (
            f"AFTER UPDATE ON {CITY} REFERENCING OLD TABLE AS old_cities NEW TABLE AS new_cities "
            "FOR EACH STATEMENT",
            [
                *pair_delta(
                    -1,
                    PARTNERSHIP,
                    f"{_touching(changed_cities)} AND {known}",
                    old_joins,
                    value=old_value,
                ),
                *pair_delta(1, PARTNERSHIP, _touching(changed_cities)),
            ],
            # Most updates of a city (a text, a picture) move nothing.
            f"EXISTS ({changed_cities})",
        ),
        "city_delete": (
            f"AFTER DELETE ON {CITY} REFERENCING OLD TABLE AS old_cities FOR EACH STATEMENT",
            pair_delta(
                -1,
                PARTNERSHIP,
                f"{_touching('SELECT id FROM old_cities')} AND {known}",
                old_joins,
                value=old_value,
            ),
        ),
        # `flush` (tests) and TRUNCATE: nothing left to count.
        "partnership_truncate": (
            f"AFTER TRUNCATE ON {PARTNERSHIP} FOR EACH STATEMENT",
            [f"DELETE FROM {table}" for table in TABLES],
        ),
        "activity_truncate": (
            f"AFTER TRUNCATE ON {ACTIVITY} FOR EACH STATEMENT",
            [f"DELETE FROM {YEARS}", f"DELETE FROM {TOPICS}"],
        ),
        "topic_link_truncate": (
            f"AFTER TRUNCATE ON {TOPIC_LINKS} FOR EACH STATEMENT",
            [f"DELETE FROM {TOPICS}"],
        ),
        "focus_link_truncate": (
            f"AFTER TRUNCATE ON {FOCUS_LINKS} FOR EACH STATEMENT",
            [f"DELETE FROM {FOCUS}"],
        ),
    }


def _name(event):
    return f"figures_{event}"


def _table(definition):
    return definition.split(" ON ", 1)[1].split()[0]


def create_sql(vendor):
    """The statements that create the triggers (and PostgreSQL's trigger functions)."""
    statements = []
    if vendor == "postgresql":
        for event, (definition, body, *guard) in _postgresql_triggers().items():
            name = _name(event)
            body = f"{'; '.join(body)};"
            if guard:
                body = f"IF {guard[0]} THEN {body} END IF;"
            statements += [
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {body} RETURN NULL; END $$",
                f"DROP TRIGGER IF EXISTS {name} ON {_table(definition)}",
                f"CREATE TRIGGER {name} {definition} EXECUTE FUNCTION {name}()",
            ]
    else:
        for event, (definition, body) in _sqlite_triggers().items():
            name = _name(event)
            statements += [
                f"DROP TRIGGER IF EXISTS {name}",
                f"CREATE TRIGGER {name} {definition} BEGIN {'; '.join(body)}; END",
            ]
    return statements


def drop_sql(vendor):
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {_name(event)} ON {_table(definition)}; "
            f"DROP FUNCTION IF EXISTS {_name(event)}()"
            for event, (definition, *_body) in _postgresql_triggers().items()
        ]
    return [f"DROP TRIGGER IF EXISTS {_name(event)}" for event in _sqlite_triggers()]


def _triggers(vendor):
    return _postgresql_triggers() if vendor == "postgresql" else _sqlite_triggers()


def ensure(using=DEFAULT_DB_ALIAS):
    """After every `migrate` (apps.py): create the triggers that are missing, and then rebuild
    the figures. SQLite's schema editor alters a table by making a new one and dropping the
    old, and a table's triggers go with it: a later migration of partnerships, activities or
    cities would silently stop the figures. Returns whether anything was missing."""
    connection = connections[using]
    if not set(TABLES) <= set(connection.introspection.table_names()):
        return False  # before this app's migration 0028
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()}
    if {_name(event) for event in _triggers(connection.vendor)} <= present:
        return False
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            for statement in create_sql(connection.vendor):
                cursor.execute(statement)
        rebuild(using)
    return True


def rebuild_sql(vendor):
    """Every figure from scratch: the tables emptied, then the triggers' statements over all
    rows."""
    statements = []
    if vendor == "postgresql":
        # Writers wait (their triggers would add to what is being replaced); readers do not.
        statements.append(f"LOCK TABLE {', '.join(TABLES)} IN EXCLUSIVE MODE")
    statements += [f"DELETE FROM {table}" for table in TABLES]
    statements += partnership_delta(vendor, 1, PARTNERSHIP)
    return statements


def rebuild(using=DEFAULT_DB_ALIAS):
    """Recompute every maintained figure from the rows, in one transaction: after bulk work
    done with the triggers off, and nightly, so that float sums never drift."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in rebuild_sql(connection.vendor):
            cursor.execute(statement)
