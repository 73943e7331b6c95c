"""Seed data: the programme's 20 focus areas with their gemeente and wijk set (the focus-area file, checked
against the warehouse), the gemeenten as organisations, and the five ministries of the programme.
Nothing else: programmes, goals and measures are entered by the people who own them.

Seeding again is safe: it adds what is missing and updates a focus area's wijk set when the file changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from wijkzicht.monitor import focus
from wijkzicht.programmes.models import FocusArea, Organisation

# The ministries that carry the Nationaal Programma Leefbaarheid en Veiligheid
# (Kamerbrief "Voortgang NPLV", kst-30995-102, 12 June 2023).
MINISTRIES = {
    "Ministerie van Binnenlandse Zaken en Koninkrijksrelaties": "BZK",
    "Ministerie van Justitie en Veiligheid": "JenV",
    "Ministerie van Onderwijs, Cultuur en Wetenschap": "OCW",
    "Ministerie van Sociale Zaken en Werkgelegenheid": "SZW",
    "Ministerie van Volksgezondheid, Welzijn en Sport": "VWS",
}


@dataclass(frozen=True)
class SeedReport:
    focus_areas_added: int
    focus_areas_updated: int
    organisations_added: int


def seed(session: Session, warehouse: duckdb.DuckDBPyConnection) -> SeedReport:
    areas = focus.load_focus_areas()
    focus.validate_focus_areas(warehouse, areas)
    names = dict(
        warehouse.execute(
            "SELECT code, name FROM area_years WHERE code IN (SELECT unnest(?))",
            [[area.gemeente_code for area in areas]],
        ).fetchall()
    )
    added = updated = 0
    for area in areas:
        record = session.get(FocusArea, area.number)
        if record is None:
            session.add(
                FocusArea(
                    id=area.number,
                    name=area.name,
                    gemeente_code=area.gemeente_code,
                    gemeente_name=names[area.gemeente_code],
                    wijken=list(area.wijken),
                    certainty=area.certainty,
                )
            )
            added += 1
        elif (record.name, record.wijken, record.certainty) != (area.name, list(area.wijken), area.certainty):
            record.name, record.wijken, record.certainty = area.name, list(area.wijken), area.certainty
            updated += 1
    wanted: dict[str, tuple[str, str | None]] = {
        f"Gemeente {names[area.gemeente_code]}": ("gemeente", area.gemeente_code) for area in areas
    }
    wanted |= {name: ("ministerie", None) for name in MINISTRIES}
    existing = set(session.scalars(select(Organisation.name)))
    new = [name for name in wanted if name not in existing]
    session.add_all(
        Organisation(name=name, kind=wanted[name][0], gemeente_code=wanted[name][1]) for name in new
    )
    session.flush()
    return SeedReport(added, updated, len(new))
