"""The corruption suite: broken source files of our own making, each built over a good warehouse.

Every case breaks one real file of a small copy of the snapshot (the other files are symbolic links to that
copy) and builds over a copy of a warehouse built once from the good files. The build must stop with a
message naming the file and the line or column (or the loss), leave the old warehouse byte-identical and
leave no file behind; never a raw DuckDB error.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wijkzicht import warehouse
from wijkzicht.cli.main import app
from wijkzicht.errors import LossError, SourceError, WijkzichtError
from wijkzicht.monitor import build_log
from wijkzicht.monitor.stored import build_warehouse

HEALTH = "rivm_gezondheid/50090NED_gezondheid_wijk_buurt_2020_18plus.csv.gz"
REGIONS = "cbs_kwb/85984NED_kwb2024_WijkenEnBuurten_regiocodes.csv.gz"
BUURT_INWONERS = "cbs_kwb/85984NED_kwb2024_buurt_inwoners.csv.gz"
SUBSET = "cbs_kwb/85984NED_kwb2024_gemeente_wijk_subset.json.gz"
FOCUS_AREAS = "programma/nplv_focusgebieden.csv"
SES = "cbs_ses/85163NED_ses_woa_2019_amsterdam_statline_export.csv"
WIJKBUURTKAART = "cbs_wijkbuurtkaart/wijkbuurtkaart2017_gemeente_attributen.csv.gz"
FILES = (HEALTH, REGIONS, BUURT_INWONERS, SUBSET, FOCUS_AREAS, SES, WIJKBUURTKAART)

Rows = list[list[str]]


@pytest.fixture(scope="session")
def good_snapshot(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("good-snapshot")
    for name in FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(snapshot / name, root / name)
    return root


@pytest.fixture(scope="session")
def good_warehouse(good_snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once for the session; every case builds over its own copy."""
    path = tmp_path_factory.mktemp("good-warehouse") / "wz.duckdb"
    build_warehouse(path, [good_snapshot])
    return path


@dataclass
class Case:
    root: Path  # the snapshot of this case: links to the good files, one of them replaced
    database: Path  # a copy of the good warehouse, alone in its folder

    def broken(self, name: str) -> Path:
        """The file `name` as a copy of its own, to be broken (the good copy stays intact)."""
        path = self.root / name
        target = path.resolve()
        path.unlink()
        shutil.copyfile(target, path)
        return path


@pytest.fixture
def case(good_snapshot: Path, good_warehouse: Path, tmp_path: Path) -> Case:
    root = tmp_path / "snapshot"
    for name in FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).symlink_to(good_snapshot / name)
    database = tmp_path / "warehouse" / "wz.duckdb"
    database.parent.mkdir()
    shutil.copyfile(good_warehouse, database)
    return Case(root, database)


def _fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refused(case: Case) -> WijkzichtError:
    before = _fingerprint(case.database)
    with pytest.raises(WijkzichtError) as caught:
        build_warehouse(case.database, [case.root])
    assert _fingerprint(case.database) == before, "a refused build must leave the old warehouse as it was"
    assert [path.name for path in case.database.parent.iterdir()] == [case.database.name], "no file left"
    return caught.value


def _source_error(case: Case, name: str) -> SourceError:
    error = _refused(case)
    assert isinstance(error, SourceError), error
    assert error.path == case.root / name and str(case.root / name) in str(error)
    return error


# --- editing files ----------------------------------------------------------------------------------


def _read_rows(path: Path, delimiter: str = ",") -> Rows:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream, delimiter=delimiter))


def _write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    data = text.encode(encoding)
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)


def _rows_text(rows: Rows, delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _edit(case: Case, name: str, change: Callable[[Rows], Rows], delimiter: str = ",") -> Path:
    path = case.broken(name)
    _write_text(path, _rows_text(change(_read_rows(path, delimiter)), delimiter))
    return path


def _cell(column: str, line: int, value: str) -> Callable[[Rows], Rows]:
    def change(rows: Rows) -> Rows:
        rows[line - 1][rows[0].index(column)] = value
        return rows

    return change


def _renamed(column: str, new_name: str) -> Callable[[Rows], Rows]:
    def change(rows: Rows) -> Rows:
        rows[0][rows[0].index(column)] = new_name
        return rows

    return change


# --- the contract: columns, rows, codes --------------------------------------------------------------


def test_a_renamed_value_column_in_the_rivm_file(case: Case) -> None:
    _edit(case, HEALTH, _renamed("ErvarenGezondheidGoedZeerGoed_4", "ErvarenGezondheidGoed_4"))
    error = _source_error(case, HEALTH)
    assert error.column == "ErvarenGezondheidGoedZeerGoed" and "missing catalogued column" in str(error)


def test_a_renamed_value_column_in_the_ses_export(case: Case) -> None:
    _edit(case, SES, _renamed("Opleidingsniveau/Laag/Waarde (%)", "Laag (%)"), delimiter=";")
    error = _source_error(case, SES)
    assert error.column == "Opleidingsniveau/Laag/Waarde (%)"


def test_a_header_only_rivm_file(case: Case) -> None:
    _edit(case, HEALTH, lambda rows: rows[:1])
    assert "no data rows" in str(_source_error(case, HEALTH))


def test_a_header_only_focus_area_file(case: Case) -> None:
    _edit(case, FOCUS_AREAS, lambda rows: rows[:1])
    assert "no data rows" in str(_source_error(case, FOCUS_AREAS))


def test_a_header_only_region_list(case: Case) -> None:
    _edit(case, REGIONS, lambda rows: rows[:1])
    assert "no data rows" in str(_source_error(case, REGIONS))


def test_an_empty_rivm_file(case: Case) -> None:
    _write_text(case.broken(HEALTH), "")
    assert "empty" in str(_source_error(case, HEALTH))


def test_an_empty_subset_document(case: Case) -> None:
    _write_text(case.broken(SUBSET), "{}")
    assert "not a mapping of region codes" in str(_source_error(case, SUBSET))


def test_a_truncated_subset_document(case: Case) -> None:
    path = case.broken(SUBSET)
    _write_text(path, gzip.decompress(path.read_bytes()).decode("utf-8")[:5000])
    assert "cannot be read as JSON" in str(_source_error(case, SUBSET))


def test_a_phantom_wijk_in_place_of_a_real_one(case: Case) -> None:
    # WK168001 (Aa en Hunze) on line 7 becomes WK999999: a gemeente 9999 that does not exist.
    _edit(case, HEALTH, lambda rows: [[("WK999999" if c == "WK168001" else c) for c in row] for row in rows])
    error = _source_error(case, HEALTH)
    assert error.row == 7 and "WK999999" in str(error) and "GM9999 is not an area of 2020" in str(error)


def test_a_buurt_not_in_the_region_list(case: Case) -> None:
    # A well-formed code under a real wijk, but not in the 2024 region list.
    _edit(case, BUURT_INWONERS, _cell("nhood_id", 12, "BU00140199"))
    error = _source_error(case, BUURT_INWONERS)
    assert error.row == 12 and "'BU00140199': not in the 2024 region list" in str(error)


def test_a_malformed_code(case: Case) -> None:
    _edit(case, BUURT_INWONERS, _cell("nhood_id", 5, "bu00140108"))
    error = _source_error(case, BUURT_INWONERS)
    assert error.row == 5 and "unknown region code 'bu00140108'" in str(error)


def test_a_focus_area_in_an_unknown_gemeente(case: Case) -> None:
    _edit(case, FOCUS_AREAS, _cell("gemeentecode_2024_afgeleid", 3, "GM9999"))
    error = _source_error(case, FOCUS_AREAS)
    assert error.row == 3 and "GM9999" in str(error)


def test_a_duplicated_row(case: Case) -> None:
    _edit(case, BUURT_INWONERS, lambda rows: [*rows, rows[4]])
    assert "duplicate row" in str(_source_error(case, BUURT_INWONERS))


def test_an_unknown_period(case: Case) -> None:
    _edit(case, HEALTH, _cell("Perioden", 8, "2020XX00"))
    error = _source_error(case, HEALTH)
    assert (error.row, error.column) == (8, "Perioden")


# --- numbers in the declared format -------------------------------------------------------------------


def test_a_population_with_a_thousands_separator(case: Case) -> None:
    # BU16800000 has 3,455 inhabitants: read as 3.455 it would be suppressed everywhere.
    _edit(case, BUURT_INWONERS, _cell("population", 2, "3.455"))
    error = _source_error(case, BUURT_INWONERS)
    assert (error.row, error.column) == (2, "population") and "'3.455' has more decimals" in str(error)


def test_a_percentage_with_a_thousands_separator(case: Case) -> None:
    _edit(case, HEALTH, _cell("Roker_11", 10, "1.234"))
    error = _source_error(case, HEALTH)
    assert (error.row, error.column) == (10, "Roker_11") and "'1.234' has more decimals" in str(error)


@pytest.mark.parametrize("text", ["NaN", "inf", "-Infinity", "1e308", "7,5"])
def test_a_number_outside_the_declared_format(case: Case, text: str) -> None:
    _edit(case, HEALTH, _cell("Drinker_13", 11, text))
    error = _source_error(case, HEALTH)
    assert (error.row, error.column) == (11, "Drinker_13") and repr(text) in str(error)


def test_a_percentage_above_100(case: Case) -> None:
    _edit(case, HEALTH, _cell("Drinker_13", 6, "250.0"))
    error = _source_error(case, HEALTH)
    assert error.row == 6 and "'250.0' is out of range for '%'" in str(error)


def test_a_negative_population(case: Case) -> None:
    _edit(case, BUURT_INWONERS, _cell("population", 20, "-5"))
    error = _source_error(case, BUURT_INWONERS)
    assert error.row == 20 and "out of range for 'aantal'" in str(error)


def test_text_where_a_number_belongs(case: Case) -> None:
    _edit(case, WIJKBUURTKAART, _cell("AANT_INW", 4, "veel"))
    error = _source_error(case, WIJKBUURTKAART)
    assert (error.row, error.column) == (4, "AANT_INW") and "not a number: 'veel'" in str(error)


# --- the file itself: encoding, shape, damage -------------------------------------------------------


def test_utf16_input(case: Case) -> None:
    path = case.broken(HEALTH)
    _write_text(path, codecs.BOM_UTF16_LE.decode("utf-16-le") + _rows_text(_read_rows(path)), "utf-16-le")
    assert "encoded as UTF-16" in str(_source_error(case, HEALTH))


def test_a_latin1_byte(case: Case) -> None:
    path = case.broken(HEALTH)
    text = _rows_text(_read_rows(path)).replace("Aa en Hunze", "Aa en Hünze", 1)
    _write_text(path, text, "latin-1")
    error = _source_error(case, HEALTH)
    assert error.row == 3 and "not UTF-8: byte 0xfc" in str(error)


def test_a_64_mb_cell(case: Case) -> None:
    _edit(case, HEALTH, _cell("Gemeentenaam_1", 6, "x" * (64 << 20)))
    error = _source_error(case, HEALTH)
    assert error.row == 6 and "no cell is that long" in str(error)


def test_a_ragged_row(case: Case) -> None:
    _edit(case, HEALTH, lambda rows: [*rows[:8], rows[8][:-3], *rows[9:]])
    error = _source_error(case, HEALTH)
    assert error.row == 9 and "fields where the header has" in str(error)


def test_an_unclosed_quote(case: Case) -> None:
    path = case.broken(HEALTH)
    lines = _rows_text(_read_rows(path)).splitlines(keepends=True)
    lines[3] = lines[3].replace(",Aa en Hunze,", ',"Aa en Hunze,', 1)
    _write_text(path, "".join(lines))
    error = _source_error(case, HEALTH)
    assert error.row is not None and error.row >= 4


def test_the_wrong_delimiter(case: Case) -> None:
    _write_text(case.broken(HEALTH), _rows_text(_read_rows(case.root / HEALTH), delimiter=";"))
    error = _source_error(case, HEALTH)
    assert error.row == 1 and "separated by ';'" in str(error)


def test_a_truncated_gzip(case: Case) -> None:
    path = case.broken(HEALTH)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert "truncated" in str(_source_error(case, HEALTH))


# --- losses: a valid file with fewer figures ---------------------------------------------------------


def test_a_source_that_disappears_is_a_loss(case: Case) -> None:
    (case.root / HEALTH).unlink()
    error = _refused(case)
    assert isinstance(error, LossError) and "50090NED" in str(error) and "(100.0%)" in str(error)


def test_half_a_file_is_a_loss(case: Case) -> None:
    _edit(case, BUURT_INWONERS, lambda rows: rows[: len(rows) // 2])
    error = _refused(case)
    assert isinstance(error, LossError) and "85984NED" in str(error) and "--accept-loss" in str(error)


def test_a_small_loss_is_recorded_not_refused(case: Case) -> None:
    _edit(case, BUURT_INWONERS, _cell("population", 30, ""))
    build_warehouse(case.database, [case.root])  # one figure of 14,574 is well under 1%
    assert _latest_changes(case.database) == [("85984NED", "inwoners", "buurt", 0, 0, 1)]


def test_an_accepted_loss_replaces_the_warehouse_and_is_logged(case: Case) -> None:
    _edit(case, BUURT_INWONERS, lambda rows: rows[:101])
    build_warehouse(case.database, [case.root], accept_loss=True)
    with warehouse.opened(case.database) as con:
        builds = con.execute(
            "SELECT built_at, bool_or(accepted_loss) FROM build_changes GROUP BY ALL ORDER BY built_at"
        ).fetchall()
        buurten = con.execute(
            "SELECT count(*) FROM observations WHERE indicator = 'inwoners' AND level = 'buurt'"
        )
        assert buurten.fetchone()[0] == 100
    assert [accepted for _, accepted in builds] == [False, True], "the good build's entry is kept before it"
    with warehouse.opened(case.database) as con:
        latest, first = build_log.change_log(con)
    assert latest.accepted_loss and latest.total("figures", "gone") == 14_474 and not first.accepted_loss
    assert _latest_changes(case.database) == [("85984NED", "inwoners", "buurt", 0, 0, 14_574 - 100)]


def test_the_command_refuses_the_loss_until_it_is_accepted(case: Case) -> None:
    _edit(case, BUURT_INWONERS, lambda rows: rows[:101])
    arguments = [
        "build",
        "--snapshot",
        str(case.root),
        "--cache",
        str(case.root / "none"),
        "--db",
        str(case.database),
    ]
    before = _fingerprint(case.database)
    refused = CliRunner().invoke(app, arguments)
    assert refused.exit_code == 1 and "85984NED 14,474 of 44,414 (32.6%)" in refused.stderr
    assert "--accept-loss" in refused.stderr and _fingerprint(case.database) == before
    accepted = CliRunner().invoke(app, [*arguments, "--accept-loss"])
    assert accepted.exit_code == 0, accepted.output
    assert _latest_changes(case.database) == [("85984NED", "inwoners", "buurt", 0, 0, 14_474)]


# --- what must still be read ------------------------------------------------------------------------


def test_a_utf8_bom_is_read_like_the_file_without_it(case: Case) -> None:
    path = case.broken(HEALTH)
    _write_text(path, "\ufeff" + gzip.decompress(path.read_bytes()).decode("utf-8"))
    build_warehouse(case.database, [case.root])
    assert _latest_changes(case.database) == []


def test_a_renamed_and_a_withdrawn_area_are_in_the_log(case: Case) -> None:
    # Aa en Hunze (line 3 of the region list) gets another name; the last buurt, BU01935210, leaves the list
    # and the population extract (one figure of 44,414: no large loss).
    def rename_and_drop(rows: Rows) -> Rows:
        rows[2][1] = "Aa en Hunze (hernoemd)"
        return rows[:-1]

    _edit(case, REGIONS, rename_and_drop)
    _edit(case, BUURT_INWONERS, lambda rows: rows[:-1])
    build_warehouse(case.database, [case.root])
    with warehouse.opened(case.database) as con:
        areas = con.execute("""
            SELECT level, boundary_year, new, revised, gone FROM build_changes
            WHERE built_at = (SELECT max(built_at) FROM build_changes) AND subject = 'areas' ORDER BY ALL
        """).fetchall()
    # The 2020 buurt borrowed its name from 2024 (the health table names no buurten): it lost it too.
    assert areas == [("buurt", 2020, 0, 1, 0), ("buurt", 2024, 0, 0, 1), ("gemeente", 2024, 0, 1, 0)]
    assert _latest_changes(case.database) == [("85984NED", "inwoners", "buurt", 0, 0, 1)]


def _latest_changes(database: Path) -> list[tuple]:
    """The latest build's changed series: (source, indicator, level, new, revised, gone)."""
    with warehouse.opened(database) as con:
        return con.execute("""
            SELECT source_table, indicator, level, new, revised, gone FROM build_changes
            WHERE built_at = (SELECT max(built_at) FROM build_changes) AND subject = 'figures'
              AND new + revised + gone > 0
            ORDER BY ALL""").fetchall()
