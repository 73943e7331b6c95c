"""Records as plain documents: `records.plain` answers what `dataclasses.asdict` answers, without its copies;
`records.as_json` writes a record as `json` writes its plain document, and `records.from_json` reads it back."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

import duckdb
import numpy
import pytest
from pydantic import ValidationError

from wijkzicht.monitor.profile import Profile, area_profile
from wijkzicht.records import as_json, from_json, plain


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


def _json_text(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@pytest.mark.parametrize("code", ["WK034405", "BU03630000"])
def test_a_profile_is_written_as_its_document(con: duckdb.DuckDBPyConnection, code: str) -> None:
    profile = area_profile(con, code, language="en")
    written = as_json(profile)
    assert (
        json.loads(written)
        == json.loads(_json_text(profile.as_dict()))
        == json.loads(_json_text(plain(profile)))
    )
    assert json.loads(written)["figures"]  # a profile with figures, not an empty one


def test_named_tuples_number_keys_and_text_are_written_as_json_writes_them() -> None:
    record = Outer(
        Inner("Kralingen-Crooswijk, Ĳsselmonde", ("x", "ë")), [Point(1.5, 2.0)], {"b": Inner("b", ())}
    )
    document = {"record": asdict(record) | {"seen": []}, 2024: 0.1, "empty": None}
    assert as_json(document) == _json_text(document)
    assert as_json(Point(1.5, 2.0)) == b"[1.5,2.0]"
    assert as_json([numpy.float64(0.25)]) == _json_text([numpy.float64(0.25)]) == b"[0.25]"


def test_a_float_that_is_no_number_is_written_as_null_and_other_values_are_refused() -> None:
    assert as_json({"value": math.nan}) == b'{"value":null}'
    with pytest.raises(TypeError):
        as_json({"seen": {3}})


@pytest.mark.parametrize("code", ["WK034405", "GM0599", "BU03630000", "NL00"])
@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_profile_read_back_from_its_document_is_the_profile(
    con: duckdb.DuckDBPyConnection, code: str, language: str
) -> None:
    profile = area_profile(con, code, language=language)
    read_back = from_json(Profile, as_json(profile))
    assert read_back == profile  # records, tuples and every number alike
    assert as_json(read_back) == as_json(profile)


def test_records_are_read_back_with_the_types_of_their_fields() -> None:
    record = Outer(Inner("ë", ("x", "y")), [Point(1.5, 2.0)], {"b": Inner("b", ())})
    # a field left out takes its default (JSON has no sets); one the record does not have is left out
    document = {name: value for name, value in vars(record).items() if name != "seen"} | {"not_a_field": 1}
    read_back = from_json(Outer, as_json(document))
    assert read_back == record
    assert type(read_back.points[0]) is Point and type(read_back.inner.tags) is tuple
    with pytest.raises(ValidationError, match="inner"):
        from_json(Outer, b'{"points": [], "by_name": {}}')  # a document without a field the record needs
