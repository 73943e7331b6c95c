"""Bad input gets a clear error naming file, row and column, and the previous warehouse survives.

Each case starts from a small real snapshot (copies of real files) and breaks one thing, the way
sdg-build's deliberately broken fixtures do.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from wijkzicht import warehouse
from wijkzicht.errors import NoDataError, SourceError
from wijkzicht.monitor.stored import build_warehouse
from wijkzicht.warehouse import builder

HEALTH = "rivm_gezondheid/50090NED_gezondheid_wijk_buurt_2020_18plus.csv.gz"
REGIONS = "cbs_kwb/85984NED_kwb2024_WijkenEnBuurten_regiocodes.csv.gz"
BUURT_INWONERS = "cbs_kwb/85984NED_kwb2024_buurt_inwoners.csv.gz"


@pytest.fixture
def small_snapshot(snapshot: Path, tmp_path: Path) -> Path:
    root = tmp_path / "snapshot"
    for name in (HEALTH, REGIONS, BUURT_INWONERS):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(snapshot / name, root / name)
    return root


@pytest.fixture
def built(small_snapshot: Path, tmp_path: Path) -> Path:
    database = tmp_path / "wz.duckdb"
    build_warehouse(database, [small_snapshot])
    return database


def _edit_csv(path: Path, change: Callable[[list[list[str]]], list[list[str]]]) -> None:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(change(rows))
    path.write_bytes(gzip.compress(buffer.getvalue().encode("utf-8")))


def _set_cell(column: str, line: int, value: str) -> Callable[[list[list[str]]], list[list[str]]]:
    def change(rows: list[list[str]]) -> list[list[str]]:
        rows[line - 1][rows[0].index(column)] = value
        return rows

    return change


def _drop_column(column: str) -> Callable[[list[list[str]]], list[list[str]]]:
    def change(rows: list[list[str]]) -> list[list[str]]:
        index = rows[0].index(column)
        return [row[:index] + row[index + 1 :] for row in rows]

    return change


def _duplicate_line(line: int) -> Callable[[list[list[str]]], list[list[str]]]:
    return lambda rows: [*rows, rows[line - 1]]


def _fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _build_fails(database: Path, root: Path) -> SourceError:
    before = _fingerprint(database)
    with pytest.raises(SourceError) as caught:
        build_warehouse(database, [root])
    assert _fingerprint(database) == before, "a failed build must leave the previous warehouse untouched"
    assert not list(database.parent.glob("*.building")), "a failed build must not leave a half-written file"
    return caught.value


def test_truncated_gzip(built: Path, small_snapshot: Path) -> None:
    path = small_snapshot / HEALTH
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    error = _build_fails(built, small_snapshot)
    assert error.path == path and "truncated" in str(error)


def test_missing_column(built: Path, small_snapshot: Path) -> None:
    _edit_csv(small_snapshot / HEALTH, _drop_column("Perioden"))
    error = _build_fails(built, small_snapshot)
    assert error.path.name == Path(HEALTH).name and error.column == "Perioden"
    assert "missing column 'Perioden'" in str(error)


def test_text_where_a_number_belongs(built: Path, small_snapshot: Path) -> None:
    _edit_csv(small_snapshot / HEALTH, _set_cell("MoeiteMetRondkomen_38", 7, "veel"))
    error = _build_fails(built, small_snapshot)
    assert (error.row, error.column) == (7, "MoeiteMetRondkomen_38")
    assert "not a number: 'veel'" in str(error) and Path(HEALTH).name in str(error)


def test_unknown_region_code(built: Path, small_snapshot: Path) -> None:
    _edit_csv(small_snapshot / BUURT_INWONERS, _set_cell("nhood_id", 12, "BU99999999"))
    error = _build_fails(built, small_snapshot)
    assert error.row == 12 and "unknown region code 'BU99999999'" in str(error)
    assert "2024 region list" in str(error)


def test_malformed_region_code(built: Path, small_snapshot: Path) -> None:
    _edit_csv(small_snapshot / HEALTH, _set_cell("WijkenEnBuurten", 9, "Wijk 3"))
    error = _build_fails(built, small_snapshot)
    assert error.row == 9 and "unknown region code 'Wijk 3'" in str(error)


def test_duplicate_row(built: Path, small_snapshot: Path) -> None:
    _edit_csv(small_snapshot / HEALTH, _duplicate_line(5))
    error = _build_fails(built, small_snapshot)
    assert "duplicate row for" in str(error) and "lines 5, 17343" in str(error)


def test_unknown_age_group_code(built: Path, small_snapshot: Path) -> None:
    _edit_csv(small_snapshot / HEALTH, _set_cell("Leeftijd", 4, "99999"))
    error = _build_fails(built, small_snapshot)
    assert (error.row, error.column) == (4, "Leeftijd") and "unknown code '99999'" in str(error)


def test_an_empty_snapshot_says_how_to_get_data(tmp_path: Path) -> None:
    with pytest.raises(NoDataError, match="--snapshot"):
        builder.data_roots(tmp_path / "nothing", tmp_path / "empty-cache")


def test_a_good_build_replaces_the_warehouse(built: Path, small_snapshot: Path) -> None:
    _edit_csv(small_snapshot / BUURT_INWONERS, lambda rows: rows[:101])
    report = build_warehouse(built, [small_snapshot], accept_loss=True)  # most buurten gone, on purpose
    with warehouse.opened(built) as con:
        count = con.execute("SELECT count(*) FROM observations WHERE indicator = 'inwoners'").fetchone()[0]
    assert count == 100 and report.files == 3
