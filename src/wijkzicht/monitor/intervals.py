"""Exact 95% intervals for figures computed from published counts.

A rate from a count of events among a population (registered crime per 1 000 inhabitants) gets the exact
Poisson interval (Garwood 1936): it never undercovers, so the interval is, if anything, a little wide. The
counts come from the warehouse behind the publishing gate: a suppressed figure has no value and therefore no
interval. Model estimates (the health monitor's small-area figures) are published without uncertainty: for
those wijkzicht says so rather than invent one.
"""

from __future__ import annotations

from dataclasses import dataclass

from wijkzicht.warehouse.crime_rates import PER_INHABITANTS

LEVEL = 0.95
# Why a figure has no interval: the publisher gives none (model estimates, survey shares, register shares
# without their counts). The profile's note and the factsheet's caveats say so in words.
NOT_PUBLISHED = "not_published"
# A rate's published [count, population], as queries return them (None where the gate withheld the rate).
Counts = list[float | None] | None


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    method: str  # 'poisson'


def poisson_rate(count: float, population: float, per: float = 1.0) -> Interval:
    """The exact 95% interval of `per` x count / population, from the gamma quantiles of the count."""
    # imported here: SciPy's statistics take a second to load, and only crime rates have intervals, so the
    # command line and the reports that show none (goals' progress, `wijkzicht report`) never pay for it
    from scipy import stats

    tail = (1 - LEVEL) / 2
    events = round(count)
    low = float(stats.gamma.ppf(tail, events)) if events > 0 else 0.0
    high = float(stats.gamma.ppf(1 - tail, events + 1))
    return Interval(per * low / population, per * high / population, "poisson")


def rate_interval(counts: Counts) -> Interval | None:
    """The exact interval of a rate per 1 000 inhabitants from its published count and population."""
    if not counts or counts[0] is None or not counts[1]:
        return None
    return poisson_rate(counts[0], counts[1], PER_INHABITANTS)
