"""Records as plain documents: `records.plain` answers what `dataclasses.asdict` answers, without its copies."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import NamedTuple

import duckdb
import pytest

from wijkzicht.monitor.profile import area_profile
from wijkzicht.records import plain


@pytest.mark.parametrize("code", ["WK034405", "GM0599", "BU03630000", "NL00"])
def test_a_profile_converts_as_asdict_converts_it(con: duckdb.DuckDBPyConnection, code: str) -> None:
    profile = area_profile(con, code)
    converted = plain(profile)
    assert converted == asdict(profile)
    assert converted["figures"] and converted["figures"][0] == asdict(profile.figures[0])


class Point(NamedTuple):
    x: float
    y: float


@dataclass(frozen=True)
class Inner:
    label: str
    tags: tuple[str, ...]


@dataclass
class Outer:
    inner: Inner
    points: list[Point]
    by_name: dict[str, Inner]
    seen: set[int] = field(default_factory=set)


def test_containers_keep_their_types_and_are_copies() -> None:
    record = Outer(Inner("a", ("x", "y")), [Point(1.0, 2.0)], {"b": Inner("b", ())}, seen={3})
    converted = plain(record)
    assert converted == asdict(record)
    assert type(converted["points"][0]) is Point and type(converted["inner"]["tags"]) is tuple
    converted["points"].append(Point(0.0, 0.0))
    converted["seen"].add(4)
    assert len(record.points) == 1 and record.seen == {3}
