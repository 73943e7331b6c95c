"""Politie: Geregistreerde misdrijven per wijk en buurt (47018NED), metadata and region list.

Crime counts themselves come with `wijkzicht fetch 47018NED` (not in the snapshot). The three
'onbekend' codes (crimes that could not be located) are not areas and stay out of the registry.
"""

from __future__ import annotations

from pathlib import Path

from wijkzicht.sources import kwb
from wijkzicht.sources.staging import Staging, literal, table_id_of

UNLOCATED = ("GM0000", "WK000000", "BU00000000")


def read_regions(staging: Staging, path: Path) -> None:
    kwb.read_regions(staging, path, exclude=UNLOCATED)


def read_metadata(staging: Staging, path: Path) -> None:
    raw = staging.read_csv(path)
    kind = path.stem.split("_", 1)[1]
    table_id = table_id_of(path)
    if kind == "TableInfos":
        staging.require_columns(path, raw, ("Identifier", "Title", "Modified", "ShortDescription"))
        title, modified, summary = staging.con.execute(
            f'SELECT "Title", "Modified", "ShortDescription" FROM {raw} LIMIT 1'
        ).fetchone()
        staging.record_table(path, table_id, title, modified, summary)
    elif kind == "SoortMisdrijf":
        staging.require_columns(path, raw, ("Key", "Title", "Description"))
        staging.con.execute(f"""
            INSERT INTO crime_types SELECT {literal(table_id)}, trim("Key"), trim("Title"), "Description" FROM {raw}""")
    elif kind == "Perioden":
        staging.require_columns(path, raw, ("Key", "Title", "Status"))
        staging.con.execute(f"""
            INSERT INTO table_periods SELECT {literal(table_id)}, CAST(left(trim("Key"), 4) AS INTEGER), "Status" FROM {raw}""")
    staging.drop(raw)
