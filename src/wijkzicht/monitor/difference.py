"""One rule for differences: when a figure is called higher, lower or changed, and on what basis.

A difference between an area and its gemeente or the Netherlands, and a change between two periods, is a
difference only when it is *significant* (both figures have a 95% interval and the intervals do not overlap)
or, where a figure has no interval, when it exceeds the *tolerance* of `catalogue/differences.yaml` (a share
by percentage points, any other unit relatively). Everything smaller is 'equal' and gets no colour. Pages,
API, reports, trends and the residents' page all ask this module; see docs/method.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from wijkzicht.monitor.intervals import Interval
from wijkzicht.yamltext import load_packaged_yaml

SHARE_UNIT = "%"
RELATIONS = ("higher", "lower", "equal")
BASES = ("significant", "tolerance")
# What the API says: the Dutch words of the relation, as the issue and the pages use them.
API_WORDS = {"higher": "hoger", "lower": "lager", "equal": "gelijk"}


@dataclass(frozen=True)
class Tolerance:
    percentage_points: float
    relative: float


@dataclass(frozen=True)
class Difference:
    relation: str  # 'higher', 'lower' or 'equal' (value against the reference, or last against first)
    basis: str  # 'significant' (intervals) or 'tolerance' (no interval on one side)

    @property
    def word(self) -> str:
        return API_WORDS[self.relation]


@cache
def tolerance() -> Tolerance:
    """The stated tolerance, read from the catalogue (data, not code)."""
    text = resources.files("wijkzicht.catalogue").joinpath("differences.yaml").read_text(encoding="utf-8")
    document = load_packaged_yaml(text)
    return Tolerance(float(document["percentage_points"]), float(document["relative"]))


def difference(
    value: float | None,
    reference: float | None,
    unit: str,
    interval: Interval | None = None,
    reference_interval: Interval | None = None,
) -> Difference | None:
    """How `value` relates to `reference` under the one rule; None when either is missing."""
    if value is None or reference is None:
        return None
    direction = "higher" if value > reference else "lower"
    if interval is not None and reference_interval is not None:
        apart = interval.low > reference_interval.high or interval.high < reference_interval.low
        return Difference(direction if apart else "equal", "significant")
    return Difference(direction if _beyond_tolerance(value, reference, unit) else "equal", "tolerance")


def _beyond_tolerance(value: float, reference: float, unit: str) -> bool:
    stated = tolerance()
    if unit == SHARE_UNIT:
        return abs(value - reference) >= stated.percentage_points
    if reference == 0:
        return value != 0
    return abs(value - reference) >= stated.relative * abs(reference)
