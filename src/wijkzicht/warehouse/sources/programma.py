"""The 20 urban focus areas of the Nationaal Programma Leefbaarheid en Veiligheid (2022)."""

from __future__ import annotations

from pathlib import Path

from wijkzicht.warehouse.queries import literal
from wijkzicht.warehouse.sources.staging import Staging

COLUMNS = ("volgnummer_in_bron", "focusgebied", "gemeentenaam_afgeleid", "gemeentecode_2024_afgeleid")


def read(staging: Staging, path: Path) -> None:
    raw = staging.read_csv(path)
    staging.require_columns(path, raw, COLUMNS)
    staging.con.execute(f"""
        INSERT INTO focus_areas
        SELECT CAST(volgnummer_in_bron AS INTEGER), trim(focusgebied), trim(gemeentenaam_afgeleid),
               trim(gemeentecode_2024_afgeleid), {literal(staging.relative(path))}
        FROM {raw}""")
    staging.drop(raw)
