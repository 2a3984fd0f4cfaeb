"""Counting practice time (满一年 / 满二年) for the eligibility judge: pure date arithmetic, no record reading.

How periods are merged, clipped and compared with a calendar year is documented in `portal.eligibility.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from portal.eligibility import rules as R


def add_years(start: date, years: int) -> date:
    """The `years`-th anniversary of `start`; the anniversary of 29 February in a common year is 1 March."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return date(start.year + years, 3, 1)


@dataclass(frozen=True)
class Tally:
    required: int  # days needed
    served: int  # days served by the cut-off
    complete_on: date | None  # the day the requirement is complete, if by the cut-off
    outcome: str  # met (by the as-of day), will_be_met (by the cut-off), not_met

    @property
    def missing(self) -> int:
        return max(0, self.required - self.served)


def tally(
    periods: list[tuple[date, date | None]], *, floor: date | None, cutoff: date, as_of: date, years: int
) -> Tally:
    """Merge the periods (each inclusive; end None = still running), clip them to [floor, cutoff], count."""
    clipped = []
    for start, end in periods:
        start = max(start, floor) if floor else start
        end = cutoff if end is None or end > cutoff else end
        if start <= end:
            clipped.append((start, end))
    merged: list[list[date]] = []
    for start, end in sorted(clipped):
        if merged and start <= merged[-1][1] + timedelta(days=1):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    if not merged:
        return Tally(365 * years, 0, None, R.NOT_MET)
    first = merged[0][0]
    required = (add_years(first, years) - first).days
    served = sum((end - start).days + 1 for start, end in merged)
    complete_on = None
    remaining = required
    for start, end in merged:
        length = (end - start).days + 1
        if length >= remaining:
            complete_on = start + timedelta(days=remaining - 1)
            break
        remaining -= length
    if complete_on is None:
        outcome = R.NOT_MET
    elif complete_on <= min(as_of, cutoff):
        outcome = R.MET
    else:
        outcome = R.WILL_BE_MET
    return Tally(required, served, complete_on, outcome)
