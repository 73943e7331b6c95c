"""A municipality's own resident survey: the CSV files in a data root's `bewoners/` folder.

`wijkzicht survey import` places a checked file there (in the cache); the build reads every file again
with the same validation (`wijkzicht.warehouse.resident_survey.read_survey`), against the areas of the survey's
boundary year that the other readers declared, and their inhabitants (no more respondents than that). A
suppressed result (too few respondents, too wide a
margin) becomes an empty cell with its reason, so the warehouse stores NULL and says why.
"""

from __future__ import annotations

from pathlib import Path

from wijkzicht.warehouse.resident_survey import SURVEY_TABLE, read_survey, survey_rules
from wijkzicht.warehouse.sources.staging import Cell, Staging


def read(staging: Staging, path: Path) -> None:
    rules = survey_rules(staging.catalogue)
    # Parsed as the build parses every staged cell (`TRY_CAST`), before the observations exist.
    known = dict(
        staging.con.execute(
            """SELECT a.code, max(TRY_CAST(trim(c.raw) AS DOUBLE)) AS population
               FROM (SELECT DISTINCT code FROM stage_areas WHERE boundary_year = $year AND level <> 'land') a
               LEFT JOIN stage_cells c ON c.area_code = a.code AND c.boundary_year = $year
                    AND c.indicator = 'inwoners' AND c.subgroup = 'totaal'
               GROUP BY a.code""",
            {"year": rules.boundary_year},
        ).fetchall()
    )
    values = read_survey(path, known, staging.catalogue)
    file_id = staging.register_file(path, SURVEY_TABLE)
    staging.stage_cells(
        [
            Cell(
                v.indicator,
                v.area_code,
                rules.boundary_year,
                v.period,
                None if v.value is None else repr(v.value),
                file_id,
                v.line,
                v.indicator,
                v.suppressed_reason,
            )
            for v in values
        ]
    )
