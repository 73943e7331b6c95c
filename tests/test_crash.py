"""A build killed half-way (SIGKILL, no clean-up code runs) leaves the previous warehouse intact, and the
next build (or a failing one) removes every file an unfinished build leaves: the partial warehouse, DuckDB's
write-ahead log and its spill folder."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from small_snapshot import small_snapshot
from wijkzicht import warehouse
from wijkzicht.monitor.stored import build_warehouse
from wijkzicht.warehouse import builder


def test_killed_build_leaves_the_old_warehouse_intact(
    warehouse_path: Path, snapshot: Path, tmp_path: Path
) -> None:
    database = tmp_path / "wz.duckdb"
    database.write_bytes(warehouse_path.read_bytes())
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    process = subprocess.Popen(
        [sys.executable, "-m", "wijkzicht", "build", "--snapshot", str(snapshot), "--db", str(database)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "WIJKZICHT_CACHE": str(tmp_path / "c")},
    )
    try:
        building = _wait_for_partial_file(database, process)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert building.exists(), "the build was killed mid-write, so its temporary file is still there"
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    with warehouse.opened(database) as con:
        assert con.execute("SELECT count(*) FROM areas WHERE boundary_year = 2024").fetchone()[0] == 18_310
    # The next build clears the abandoned temporary file and succeeds.
    build_warehouse(database, [snapshot])
    assert not list(database.parent.glob(f"{database.name}.*.building*"))


def _left_behind(database: Path) -> list[Path]:
    """What a build killed with SIGKILL leaves, as DuckDB names it, for a process that no longer runs."""
    finished = subprocess.Popen([sys.executable, "-c", ""])
    finished.wait()
    building = database.with_name(f"{database.name}.{finished.pid}.building")
    spill = building.with_name(building.name + ".tmp")
    spill.mkdir()
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"spilled")
    for path in (building, building.with_name(building.name + ".wal")):
        path.write_bytes(b"half written")
    return [building, building.with_name(building.name + ".wal"), spill]


def test_the_next_build_removes_the_files_of_a_killed_build(snapshot: Path, tmp_path: Path) -> None:
    database = tmp_path / "wz.duckdb"
    left = _left_behind(database)
    builder.build(database, [small_snapshot(snapshot, tmp_path / "snapshot")])
    assert [path for path in left if path.exists()] == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snapshot", "wz.duckdb"]


def test_a_failing_build_leaves_no_file_of_its_own(snapshot: Path, tmp_path: Path) -> None:
    database = tmp_path / "wz.duckdb"

    def fails(con: object, catalogue: object, roots: object) -> None:
        raise RuntimeError("stopped on purpose")

    with pytest.raises(RuntimeError, match="on purpose"):
        builder.build(
            database, [small_snapshot(snapshot, tmp_path / "snapshot")], analyses=[("kapot", fails)]
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snapshot"]


def test_a_step_on_the_closed_file_reads_the_new_warehouse_before_it_replaces_the_old(
    snapshot: Path, tmp_path: Path
) -> None:
    database = tmp_path / "wz.duckdb"
    roots = [small_snapshot(snapshot, tmp_path / "snapshot")]
    builder.build(database, roots)
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    read: list[tuple[str, int]] = []

    def fails_half_way(file: Path, scratch: Path, report: Callable[[int, int], None]) -> None:
        with warehouse.opened(file) as con:  # closed by the build, so a reader of its own can open it
            read.append((file.name, con.execute("SELECT count(*) FROM areas").fetchone()[0]))
        (scratch / "half.duckdb").write_bytes(b"half written")  # a file of the step's own
        report(1, 2)
        raise RuntimeError("stopped on purpose")

    shown: list[tuple[str, int, int]] = []
    with pytest.raises(RuntimeError, match="on purpose"):
        builder.build(
            database,
            roots,
            closed_file_steps=[("gesloten", fails_half_way)],
            progress=lambda label, done, total: shown.append((label, done, total)),
        )
    [(name, areas)] = read
    assert name.startswith("wz.duckdb.") and name.endswith(".building") and areas > 0
    *_, total = shown[-1]
    assert shown[-2:] == [("gesloten", total - 1, total), ("gesloten: 1/2", total - 1, total)]
    # the old warehouse is as it was, and the new file and the step's own are gone
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snapshot", "wz.duckdb"]


def test_a_step_on_the_closed_file_leaves_nothing_of_its_own(snapshot: Path, tmp_path: Path) -> None:
    database = tmp_path / "wz.duckdb"

    def writes_its_own(file: Path, scratch: Path, report: Callable[[int, int], None]) -> None:
        (scratch / "own.duckdb").write_bytes(b"the step's own")

    builder.build(
        database,
        [small_snapshot(snapshot, tmp_path / "snapshot")],
        closed_file_steps=[("eigen", writes_its_own)],
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snapshot", "wz.duckdb"]


def _wait_for_partial_file(database: Path, process: subprocess.Popen[bytes]) -> Path:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "the build finished before it could be interrupted"
        candidates = list(database.parent.glob(f"{database.name}.*.building"))
        if candidates and candidates[0].stat().st_size > 0:
            time.sleep(0.5)  # let it get properly under way
            return candidates[0]
        time.sleep(0.05)
    raise AssertionError("the build never started writing")
