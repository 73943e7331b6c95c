"""The domain core on SQLite and PostgreSQL: seed, goals measured in the warehouse, audit, locking, crashes."""

from __future__ import annotations

import csv
import gzip
import os
import signal
import subprocess
import sys
import threading
import warnings
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import rdata
from programmes_helpers import goal_made_before_the_rule
from sqlalchemy import func, select

from wijkzicht.errors import WijkzichtError
from wijkzicht.monitor.focus import load_focus_areas
from wijkzicht.programmes import audit, progress, records, schemas, seed
from wijkzicht.programmes.accounts import COMMAND_LINE, Actor
from wijkzicht.programmes.database import OperationalDatabase
from wijkzicht.programmes.errors import ConflictError
from wijkzicht.programmes.models import AuditEntry, FocusArea, Measure, Organisation, Programme

ROTTERDAM_ZUID = 9
EDITOR = Actor(7, "editor-zuid", "area_editor", ROTTERDAM_ZUID)


def _programme(
    store: OperationalDatabase, con: duckdb.DuckDBPyConnection, area: int = ROTTERDAM_ZUID, start: int = 2022
) -> int:
    with store.writing(COMMAND_LINE) as session:
        data = schemas.ProgrammeIn(
            focus_area_id=area, title="Uitvoeringsprogramma", start_year=start, end_year=2032
        )
        return records.create(session, COMMAND_LINE, records.KINDS["programme"], data, con).id


def _measure(store: OperationalDatabase, con: duckdb.DuckDBPyConnection, programme_id: int) -> int:
    with store.writing(COMMAND_LINE) as session:
        owner = session.scalar(select(Organisation.id).where(Organisation.name == "Gemeente Rotterdam"))
        data = schemas.MeasureIn(
            programme_id=programme_id,
            title="Schuldhulp in de wijk",
            action_line=3,
            theme="armoede_en_schulden",
            owner_id=owner,
            budget=Decimal("125000.00"),
            funding_source="gemeentelijk_budget",
        )
        return records.create(session, COMMAND_LINE, records.KINDS["measure"], data, con).id


def _measure_change(programme_id: int, owner_id: int, title: str) -> schemas.MeasureIn:
    return schemas.MeasureIn(
        programme_id=programme_id,
        title=title,
        action_line=3,
        theme="armoede_en_schulden",
        owner_id=owner_id,
        budget=Decimal("125000.00"),
        funding_source="gemeentelijk_budget",
    )


def test_seed_holds_the_twenty_focus_areas_with_their_wijken(store: OperationalDatabase) -> None:
    expected = {area.number: area for area in load_focus_areas()}
    with store.reading() as session:
        seeded = {area.id: area for area in session.scalars(select(FocusArea))}
        gemeenten = session.scalar(select(func.count()).where(Organisation.kind == "gemeente"))
    assert len(seeded) == 20 == len(expected)
    zuid = seeded[ROTTERDAM_ZUID]
    assert (zuid.name, zuid.gemeente_code, zuid.gemeente_name) == ("Rotterdam-Zuid", "GM0599", "Rotterdam")
    assert all(seeded[n].wijken == list(expected[n].wijken) for n in expected)
    assert gemeenten == len({area.gemeente_code for area in expected.values()})


def test_seeding_again_restores_a_changed_focus_area_and_audits_it_without_a_version(
    store: OperationalDatabase, con: duckdb.DuckDBPyConnection
) -> None:
    with store.writing(COMMAND_LINE) as session:
        session.get(FocusArea, ROTTERDAM_ZUID).wijken = ["WK059910"]
    with store.writing(COMMAND_LINE) as session:
        done = seed.seed(session, con)
    with store.reading() as session:
        restored = session.get(FocusArea, ROTTERDAM_ZUID).wijken
        entries = audit.history(session, "focus_area", ROTTERDAM_ZUID)
    assert done.focus_areas_updated == 1
    assert restored == list(next(a for a in load_focus_areas() if a.number == ROTTERDAM_ZUID).wijken)
    assert [(entry.action, entry.before) for entry in entries] == [
        ("create", None),
        ("update", {"wijken": restored}),
        ("update", {"wijken": ["WK059910"]}),
    ]


def _goal(
    store: OperationalDatabase,
    con: duckdb.DuckDBPyConnection,
    programme_id: int,
    **change: object,
) -> progress.GoalProgress:
    """A goal on difficulty making ends meet (health monitor 2012, 2016, 2020) in Charlois, measured."""
    with store.writing(EDITOR) as session:
        fields = dict(
            programme_id=programme_id,
            title="Minder huishoudens met geldzorgen",
            indicator="moeite_met_rondkomen",
            subgroup="18plus",
            area_code="WK059910",
            target_value=25.0,
            target_year=2030,
            reference="gemeente",
        )
        goal = records.create(session, EDITOR, records.KINDS["goal"], schemas.GoalIn(**fields | change), con)
        return progress.goal_progress(con, goal, today=date(2026, 12, 4))


def _charlois(con: duckdb.DuckDBPyConnection) -> dict[int, float]:
    return dict(
        con.execute(
            """SELECT period, value FROM observations WHERE indicator = 'moeite_met_rondkomen'
               AND area_code = 'WK059910' AND subgroup = '18plus' AND value IS NOT NULL"""
        ).fetchall()
    )


def test_goal_baseline_and_latest_are_the_warehouse_figures(
    store: OperationalDatabase, con: duckdb.DuckDBPyConnection
) -> None:
    measured = _goal(store, con, _programme(store, con, start=2012))
    warehouse = _charlois(con)
    first, last = min(warehouse), max(warehouse)
    assert (measured.baseline_period, measured.baseline_value) == (first, warehouse[first])
    assert (measured.latest_period, measured.latest_value) == (last, warehouse[last])
    assert measured.distance_to_target == pytest.approx(25.0 - warehouse[last])
    assert measured.years_left == 2030 - 2026  # counted from today, not from the data year
    gemeente = con.execute(
        """SELECT value FROM observations WHERE indicator = 'moeite_met_rondkomen' AND area_code = 'GM0599'
           AND subgroup = '18plus' AND period = ?""",
        [last],
    ).fetchone()[0]
    assert measured.reference_value == pytest.approx(gemeente)
    # the pace so far: from 45.1 to 28.6 over eight years, 25 by 2030 is within reach
    assert measured.status == "on_track" and not measured.baseline_revised


def test_the_baseline_is_the_last_measurement_at_or_before_the_programmes_start(
    store: OperationalDatabase, con: duckdb.DuckDBPyConnection
) -> None:
    measured = _goal(store, con, _programme(store, con, start=2017))
    assert (measured.baseline_period, measured.baseline_value) == (2016, _charlois(con)[2016])
    assert measured.latest_period == 2020 and measured.status in ("on_track", "off_track", "reached")


def test_a_2023_programme_with_only_2020_data_has_no_colour_but_no_measurement_since_the_start(
    store: OperationalDatabase, con: duckdb.DuckDBPyConnection
) -> None:
    """The series ends in 2020: the baseline is 2020, and nothing says how the programme is doing."""
    measured = _goal(store, con, _programme(store, con, start=2023), target_value=29.0)
    assert (measured.baseline_period, measured.latest_period) == (2020, 2020)
    assert measured.status == "not_measured_since_start"
    # an earlier baseline named by hand still gives no colour on data from before the start
    earlier = _goal(store, con, _programme(store, con, start=2023), baseline_period=2012)
    assert (earlier.baseline_period, earlier.latest_period, earlier.per_year is not None) == (
        2012,
        2020,
        True,
    )
    assert earlier.status == "not_measured_since_start"


def test_goals_read_together_have_the_progress_each_has_alone(
    store: OperationalDatabase, con: duckdb.DuckDBPyConnection
) -> None:
    """The report reads a wijk's trends once for all its goals: every figure, status and context band is the
    one the goal gets on its own (Feijenoord with three goals, IJsselmonde with one)."""
    programme_id = _programme(store, con, start=2015)
    wanted = [(indicator, "WK059910") for indicator in ("moeite_met_rondkomen", "overgewicht", "eenzaam")]
    with store.writing(EDITOR) as session:
        for indicator, area_code in [*wanted, ("moeite_met_rondkomen", "WK059912")]:
            data = schemas.GoalIn(
                programme_id=programme_id,
                title=f"Doel {indicator}",
                indicator=indicator,
                subgroup="18plus",
                area_code=area_code,
                target_value=25.0,
                target_year=2030,
            )
            records.create(session, EDITOR, records.KINDS["goal"], data, con)
    with store.reading() as session:
        goals = session.get(Programme, programme_id).goals
        together = progress.goals_progress(con, goals, today=date(2026, 12, 4))
        alone = [progress.goal_progress(con, goal, today=date(2026, 12, 4)) for goal in goals]
    assert together == alone
    assert [(measured.indicator, measured.area_code) for measured in together[:3]] == wanted
    # real series with a measurement since the start: each goal has a status and a band to be judged in
    assert all(len(measured.points) >= 2 and measured.context.areas for measured in together)


def _raw_health_2020(snapshot: Path, codes: set[str]) -> dict[str, float]:
    """Difficulty making ends meet (18+, 2020) per area, read from the health monitor's file itself."""
    path = snapshot / "rivm_gezondheid/50090NED_gezondheid_wijk_buurt_2020_18plus.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    column = next(key for key in rows[0] if key.startswith("MoeiteMetRondkomen_"))
    return {
        row["WijkenEnBuurten"].strip(): float(row[column])
        for row in rows
        if row["WijkenEnBuurten"].strip() in codes
    }


def _raw_population_2022(snapshot: Path, codes: set[str]) -> dict[str, float]:
    """Inhabitants per gemeente of KWB 2022 (the nearest boundary year with a population to 2020's)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        objects = rdata.conversion.convert(
            rdata.parser.parse_file(snapshot / "cbs_kwb/85318NED_kwb2022_gemeenten_NLD_muni.rda")
        )
    (frame,) = objects.values()
    return {
        str(code): float(people)
        for code, people in zip(frame["code"], frame["population"], strict=True)
        if code in codes
    }


def test_netherlands_and_g4_references_equal_the_raw_figures_with_amsterdam_noted(
    store: OperationalDatabase, con: duckdb.DuckDBPyConnection, snapshot: Path
) -> None:
    programme_id = _programme(store, con, start=2012)
    national = _goal(store, con, programme_id, reference="nederland")
    g4 = _goal(store, con, programme_id, reference="g4")
    cities = {"GM0363", "GM0599", "GM0518", "GM0344"}
    values, people = _raw_health_2020(snapshot, cities | {"NL01"}), _raw_population_2022(snapshot, cities)
    assert national.latest_period == g4.latest_period == 2020
    assert national.reference_value == pytest.approx(values["NL01"])  # CBS codes the country NL01 here
    expected = sum(values[code] * people[code] for code in cities) / sum(people[code] for code in cities)
    assert g4.reference_value == pytest.approx(expected)
    assert (g4.reference_missing, g4.reference_changed) == ([], ["Amsterdam"])  # Weesp joined in 2022
    assert national.reference_missing == national.reference_changed == []


def test_a_goal_on_an_indicator_the_method_calls_context_is_refused_and_an_old_one_flagged(
    store: OperationalDatabase, con: duckdb.DuckDBPyConnection
) -> None:
    programme_id = _programme(store, con)
    with pytest.raises(WijkzichtError, match="herkomst_marokko is a group characteristic"):
        _goal(store, con, programme_id, indicator="herkomst_marokko", subgroup="totaal")
    with store.writing(COMMAND_LINE) as session:
        old = goal_made_before_the_rule(programme_id)
        session.add(old)
        session.flush()
        assert progress.goal_progress(con, old).forbidden == "group_characteristic"
    assert "herkomst_marokko" not in {indicator.id for indicator in progress.goal_indicators()}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"indicator": "no_such_indicator"}, "indicator: 'no_such_indicator' is not an indicator"),
        ({"area_code": "WK036300"}, "area_code: WK036300 lies outside"),
        ({"baseline_period": 2014}, "baseline_period: the monitor has moeite_met_rondkomen"),
        ({"subgroup": "totaal"}, "it has subgroups: 18plus, 18tot65, 65plus"),
        ({"target_year": 2012}, "target_year: must come after"),
    ],
)
def test_a_goal_the_monitor_cannot_measure_is_refused(
    store: OperationalDatabase, con: duckdb.DuckDBPyConnection, change: dict, message: str
) -> None:
    programme_id = _programme(store, con)
    fields = (
        dict(
            programme_id=programme_id,
            title="Doel",
            indicator="moeite_met_rondkomen",
            subgroup="18plus",
            area_code="WK059910",
            target_value=25.0,
            target_year=2030,
        )
        | change
    )
    with pytest.raises(WijkzichtError, match=message), store.writing(EDITOR) as session:
        records.create(session, EDITOR, records.KINDS["goal"], schemas.GoalIn(**fields), con)


def test_every_change_is_audited_with_who_before_and_after(
    store: OperationalDatabase, con: duckdb.DuckDBPyConnection
) -> None:
    measure_id = _measure(store, con, _programme(store, con))
    with store.writing(EDITOR) as session:
        measure = session.get(Measure, measure_id)
        change = _measure_change(measure.programme_id, measure.owner_id, "Schuldhulp <b>in</b> de wijk")
        records.update(session, EDITOR, records.KINDS["measure"], measure_id, change, 1, con)
    with store.reading() as session:
        entries = audit.history(session, "measure", measure_id)
    assert [(entry.action, entry.username) for entry in entries] == [
        ("create", "commandoregel"),
        ("update", "editor-zuid"),
    ]
    assert entries[1].before == {"title": "Schuldhulp in de wijk", "version": 1}
    assert entries[1].after == {"title": "Schuldhulp <b>in</b> de wijk", "version": 2}  # stored as typed
    assert entries[0].after["budget"] == "125000.00"


def test_an_edit_from_an_old_version_is_a_conflict_not_an_overwrite(
    store: OperationalDatabase, con: duckdb.DuckDBPyConnection
) -> None:
    measure_id = _measure(store, con, _programme(store, con))
    with store.reading() as session:
        measure = session.get(Measure, measure_id)
    first = _measure_change(measure.programme_id, measure.owner_id, "Eerste")
    with store.writing(EDITOR) as session:
        records.update(session, EDITOR, records.KINDS["measure"], measure_id, first, 1, con)
    second = _measure_change(measure.programme_id, measure.owner_id, "Tweede")
    with pytest.raises(ConflictError, match="version 2"), store.writing(EDITOR) as session:
        records.update(session, EDITOR, records.KINDS["measure"], measure_id, second, 1, con)
    with store.reading() as session:
        assert session.get(Measure, measure_id).title == "Eerste"


def test_two_writers_racing_on_one_measure_one_wins_one_conflicts(
    store: OperationalDatabase, con: duckdb.DuckDBPyConnection
) -> None:
    """Both start from version 1. On PostgreSQL both have read it before either writes (the version check in
    the UPDATE decides); SQLite lets one writer in at a time, so the second reads version 2 and is refused."""
    measure_id = _measure(store, con, _programme(store, con))
    with store.reading() as session:
        measure = session.get(Measure, measure_id)
    both_read = threading.Barrier(2) if store.engine.dialect.name != "sqlite" else None
    outcomes: dict[str, str] = {}

    def edit(title: str) -> None:
        cursor = con.cursor()
        try:
            with store.writing(EDITOR) as session:
                records.get(session, records.KINDS["measure"], measure_id)
                if both_read:
                    both_read.wait(timeout=20)
                change = _measure_change(measure.programme_id, measure.owner_id, title)
                records.update(session, EDITOR, records.KINDS["measure"], measure_id, change, 1, cursor)
            outcomes[title] = "won"
        except ConflictError:
            outcomes[title] = "conflict"
        finally:
            cursor.close()

    threads = [threading.Thread(target=edit, args=(title,)) for title in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) == ["conflict", "won"]
    winner = next(title for title, outcome in outcomes.items() if outcome == "won")
    with store.reading() as session:
        stored = session.get(Measure, measure_id)
        updates = audit.history(session, "measure", measure_id)[1:]
    assert (stored.title, stored.version) == (winner, 2)
    assert [entry.after["title"] for entry in updates] == [winner]


WRITER = """
import sys, time
from wijkzicht.programmes.accounts import COMMAND_LINE
from wijkzicht.programmes.database import OperationalDatabase
from wijkzicht.programmes.models import Organisation

store = OperationalDatabase.open(sys.argv[1])
for number in range(int(sys.argv[2])):
    with store.writing(COMMAND_LINE) as session:
        session.add(Organisation(name=f"Vastgelegd {number}", kind="overig"))
    print(number, flush=True)  # only after the commit returned
with store.writing(COMMAND_LINE) as session:
    session.add_all(Organisation(name=f"Onaf {number}", kind="overig") for number in range(500))
    session.flush()
    print("midden", flush=True)
    time.sleep(120)
"""


def test_a_writer_killed_mid_transaction_loses_nothing_committed(store: OperationalDatabase) -> None:
    url = store.engine.url.render_as_string(hide_password=False)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, url, "25"], stdout=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    reported = []
    for line in writer.stdout:
        if line.strip() == "midden":
            writer.send_signal(signal.SIGKILL)
            break
        reported.append(f"Vastgelegd {line.strip()}")
    writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL and len(reported) == 25

    after_crash = OperationalDatabase.open(url)
    if after_crash.engine.dialect.name == "sqlite":
        with after_crash.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    with after_crash.writing(COMMAND_LINE) as session:  # the database takes writes again
        session.add(Organisation(name="Na de crash", kind="overig"))
    with after_crash.reading() as session:
        names = set(session.scalars(select(Organisation.name)))
        audited = session.scalar(
            select(func.count()).where(
                AuditEntry.object_type == "organisation",
                AuditEntry.action == "create",
            )
        )
    after_crash.close()
    assert set(reported) <= names and "Na de crash" in names
    assert not any(name.startswith("Onaf") for name in names)
    assert audited == len(names)  # each committed record with its audit entry, nothing half-written
