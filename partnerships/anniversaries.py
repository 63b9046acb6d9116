"""Round anniversaries ("jubilees") of partnerships, worked out from the founding date."""

import datetime
from dataclasses import dataclass

from twinning.dates import anniversary_in, format_partial_date, period_end

JUBILEE_STEP = 5


@dataclass(frozen=True)
class Jubilee:
    partnership: object
    years: int
    date: datetime.date
    precision: str

    @property
    def date_display(self):
        return format_partial_date(self.date, self.precision)


def upcoming_jubilees(partnerships, today, within_days=365, limit=None):
    """Jubilees (every fifth year) whose period has not ended and begins within `within_days`.

    `partnerships` is a queryset; only those founded in a year that can have a jubilee in the
    window are fetched, so the cost does not grow with the number of partnerships.
    """
    horizon = today + datetime.timedelta(days=within_days)
    candidate_years = {
        target - years
        for target in range(today.year, horizon.year + 1)
        for years in range(JUBILEE_STEP, target - 999, JUBILEE_STEP)
    }
    found = []
    for partnership in partnerships.filter(established__year__in=candidate_years):
        start = partnership.established
        for target in range(today.year, horizon.year + 1):
            years = target - start.year
            if years <= 0 or years % JUBILEE_STEP:
                continue
            day = anniversary_in(target, start)
            if day <= horizon and period_end(day, partnership.established_precision) >= today:
                found.append(Jubilee(partnership, years, day, partnership.established_precision))
    found.sort(key=lambda jubilee: (jubilee.date, jubilee.partnership.title))
    return found[:limit] if limit else found
