"""Similar areas on structural characteristics, never on origin or on problems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wijkzicht import warehouse
from wijkzicht.catalogue import load_catalogue
from wijkzicht.cli.main import app
from wijkzicht.errors import WijkzichtError
from wijkzicht.monitor.similar import CHARACTERISTICS, similar_areas


def test_characteristics_are_structural_context_only() -> None:
    catalogue = load_catalogue()
    chosen = [catalogue.indicators[name] for name in CHARACTERISTICS]
    assert all(i.domain == "context" and not i.group_characteristic for i in chosen)


def test_similar_wijken_of_overvecht_are_urban_wijken_with_the_same_structure(warehouse_path: Path) -> None:
    with warehouse.opened(warehouse_path) as con:
        year, found = similar_areas(con, "WK034403", k=10)
        published_year, published = similar_areas(con, "WK034403", k=10, boundary_year=2017)
    target, *others = found
    # Overvecht did not change: its 2017 characteristics carry to 2024, the default boundary year, where the
    # density is the one published for 2024 (each characteristic's latest period)
    assert year == 2024 and target.code == "WK034403" and target.distance == 0
    carried = {k: v for k, v in target.characteristics.items() if k != "bevolkingsdichtheid"}
    assert published_year == 2017 and carried.items() <= published[0].characteristics.items()
    assert len(others) == 10 and all(a.code.startswith("WK") for a in others)
    assert [a.distance for a in others] == sorted(a.distance for a in others)
    assert all(
        a.characteristics["stedelijkheid"] <= 2 for a in others
    )  # very or strongly urban, like Overvecht
    assert set(target.characteristics) == set(CHARACTERISTICS)


def test_buurten_have_no_characteristics_in_the_snapshot(warehouse_path: Path) -> None:
    with warehouse.opened(warehouse_path) as con, pytest.raises(WijkzichtError, match="not for buurten"):
        similar_areas(con, "BU00140000")


def test_similar_command_lists_k_areas(warehouse_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["similar", "GM0363", "-k", "3", "--format", "json", "--db", str(warehouse_path)]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["similar"][0]["code"] == "GM0363"
    assert len(document["similar"]) == 4
