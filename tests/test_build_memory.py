"""The build's memory budget: from the setting or a share of the machine, and held by every build step."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import cast

import duckdb
import pytest

from small_snapshot import small_snapshot
from wijkzicht import config
from wijkzicht.catalogue import Catalogue
from wijkzicht.errors import WijkzichtError
from wijkzicht.i18n import error_text
from wijkzicht.monitor.stored import build_warehouse
from wijkzicht.warehouse import queries
from wijkzicht.warehouse.builder import return_freed_memory


def test_the_default_budget_is_a_quarter_of_the_machine_up_to_its_maximum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(config.BUILD_MEMORY_ENV, raising=False)
    machine_mib = config.os.sysconf("SC_PAGE_SIZE") * config.os.sysconf("SC_PHYS_PAGES") // 2**20
    assert config.build_memory() == f"{min(machine_mib // 4, config.BUILD_MEMORY_MAX // 2**20)}MiB"


def test_the_budget_is_set_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.BUILD_MEMORY_ENV, " 1.5GB ")
    assert config.build_memory() == "1.5GB"


@pytest.mark.parametrize("value", ["lots", "500", "-1GB", "2 GB RAM"])
def test_a_budget_that_is_no_memory_size_is_refused_in_both_languages(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(config.BUILD_MEMORY_ENV, value)
    with pytest.raises(WijkzichtError) as refused:
        config.build_memory()
    assert error_text(refused.value, "nl").startswith("$WIJKZICHT_BUILD_MEMORY moet een geheugengrootte zijn")
    assert error_text(refused.value, "en").startswith("$WIJKZICHT_BUILD_MEMORY must be a memory size")
    assert repr(value) in error_text(refused.value, "en")


def test_every_build_step_keeps_to_the_budget(
    snapshot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The budget set for the build still holds after the analyses (the profile tables once set and reset
    a limit of their own, which left the later steps without any)."""
    monkeypatch.setenv(config.BUILD_MEMORY_ENV, "123MB")
    seen: list[str] = []

    def probe(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, roots: list[Path]) -> None:
        seen.append(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])  # type: ignore[index]

    build_warehouse(
        tmp_path / "wz.duckdb",
        [small_snapshot(snapshot, tmp_path / "snapshot")],
        documents=[("proef", probe)],
    )
    assert seen == ["117.3 MiB"]  # DuckDB's reading of 123 MB


def _resident_bytes() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(sys.platform != "linux", reason="the C library that keeps freed memory is glibc's")
def test_memory_a_step_freed_goes_back_to_the_system() -> None:
    # Blocks of a kilobyte come from the C library's heap (too large for Python's own allocator, too small
    # for a mapping of their own), which keeps them when they are freed.
    blocks = [bytearray(1000) for _ in range(200_000)]
    last = blocks[-1]  # the heap's top stays in use, so that the heap cannot simply shrink from its end
    del blocks
    freed_but_kept = _resident_bytes()
    return_freed_memory()
    assert _resident_bytes() < freed_but_kept - 100 * 2**20
    assert len(last) == 1000


class Recording:
    """A connection that notes the statements it runs."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con, self.statements = con, list[str]()

    def execute(self, sql: str, parameters: object = None) -> duckdb.DuckDBPyConnection:
        self.statements.append(sql)
        return self.con.execute(sql, parameters)


def test_an_aggregation_in_parts_gives_the_rows_of_one_statement_in_its_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE points AS SELECT 'A' || (i % 7) AS code, i FROM range(100) t(i)")
    monkeypatch.setattr(queries, "ROWS_PER_PART", 30)  # 100 rows: 4 parts
    recording = Recording(con)
    queries.create_in_parts(
        cast(duckdb.DuckDBPyConnection, recording),
        "TABLE lists",
        "SELECT code, list_sort(list(i)) AS points FROM points p WHERE {part} GROUP BY code ORDER BY code",
        rows_of="points",
        key="p.code",
    )
    whole = "SELECT code, list_sort(list(i)) AS points FROM points GROUP BY code ORDER BY code"
    assert [sql.split(" WHERE ")[1].split(" GROUP")[0] for sql in recording.statements[2:]] == [
        "TRUE AND p.code < 'A1'",
        "p.code >= 'A1' AND p.code < 'A3'",
        "p.code >= 'A3' AND p.code < 'A5'",
        "p.code >= 'A5' AND TRUE",
    ]
    assert con.execute("FROM lists").fetchall() == con.execute(whole).fetchall()
