"""A municipality's own resident survey: the CSV import format, validated like any other source.

One row per area, period and question: `area_code,period,indicator,value,respondents,margin` (docs/residents.md).
A file with any broken row (unknown area or question, a value outside the question's scale, a duplicate, more
respondents than the area has inhabitants) is refused as a whole, with every problem listed, so nothing is half
imported. A value resting on too few
respondents, or with too wide a margin, is kept but suppressed: its row says why, and it is never shown. An
area below the survey table's minimum population is withheld by the publishing gate, like every other figure
(`wijkzicht.warehouse.publish`).
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from wijkzicht.catalogue import Catalogue, Indicator, load_catalogue
from wijkzicht.errors import SourceError, WijkzichtError
from wijkzicht.records import plain
from wijkzicht.yamltext import load_packaged_yaml

COLUMNS = ("area_code", "period", "indicator", "value", "respondents", "margin")
FIRST_PERIOD = 1990
MAX_ROWS = 100_000
MAX_PROBLEMS_SHOWN = 20
SURVEY_TABLE = "bewonersenquete"  # the catalogue's table of a municipality's own survey
SURVEY_FOLDER = "bewoners"  # in a data root (snapshot or cache), where the build finds survey files


@dataclass(frozen=True)
class SurveyRules:
    min_respondents: int
    max_margin: float
    questions: dict[str, Indicator]  # the catalogue's indicators from the survey table, by id
    boundary_year: int  # the CBS division the file's area codes belong to


@dataclass(frozen=True)
class SurveyValue:
    area_code: str
    period: int
    indicator: str
    value: float | None  # None when suppressed
    respondents: int
    margin: float | None
    suppressed_reason: str | None
    line: int  # in the file, for the build's provenance

    def as_dict(self) -> dict[str, object]:
        return plain(self)


@cache
def _thresholds() -> tuple[int, float]:
    text = resources.files("wijkzicht").joinpath("catalogue/resident_survey.yaml").read_text(encoding="utf-8")
    document: dict[str, Any] = load_packaged_yaml(text)
    return int(document["min_respondents"]), float(document["max_margin"])


def survey_rules(catalogue: Catalogue | None = None) -> SurveyRules:
    """The thresholds of resident_survey.yaml and the questions: the catalogue's survey-table indicators."""
    catalogue = catalogue or load_catalogue()
    questions = {
        indicator.id: indicator
        for indicator in catalogue.indicators.values()
        if any(source.table == SURVEY_TABLE for source in indicator.sources)
    }
    return SurveyRules(*_thresholds(), questions, catalogue.tables[SURVEY_TABLE].boundary_year)


# The area codes a survey may name, each with its number of inhabitants (None where the warehouse has none).
AreaPopulations = Mapping[str, float | None]


def read_survey(
    path: Path, known_areas: AreaPopulations, catalogue: Catalogue | None = None
) -> list[SurveyValue]:
    """The validated rows of one survey file; SourceError naming every broken row refuses the whole file."""
    rules = survey_rules(catalogue)
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            _check_header(path, reader.fieldnames)
            values, problems = _read_rows(reader, rules, known_areas)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise SourceError(
            path, f"cannot read the survey file: {error}", expected="a UTF-8 CSV file"
        ) from None
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = f"; and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        raise SourceError(path, f"refused, nothing imported: {'; '.join(shown)}{more}")
    if not values:
        raise SourceError(path, "the file has a header but no rows")
    return values


def _check_header(path: Path, fieldnames: Sequence[str] | None) -> None:
    found = [name.strip() for name in fieldnames or []]
    if sorted(found) != sorted(COLUMNS):
        raise SourceError(path, f"the header is {', '.join(found) or 'empty'}", expected=", ".join(COLUMNS))


def _read_rows(
    reader: csv.DictReader[str], rules: SurveyRules, known_areas: AreaPopulations
) -> tuple[list[SurveyValue], list[str]]:
    values: list[SurveyValue] = []
    problems: list[str] = []
    seen: set[tuple[str, int, str]] = set()
    for line, raw in enumerate(reader, start=2):  # line 1 is the header
        if line > MAX_ROWS + 1:
            problems.append(f"more than {MAX_ROWS} rows: split the file")
            break
        row = {key.strip(): (text or "").strip() for key, text in raw.items() if key is not None}
        try:
            value = _parse_row(row, line, rules, known_areas)
        except ValueError as error:
            problems.append(f"row {line}: {error}")
            continue
        key = (value.area_code, value.period, value.indicator)
        if key in seen:
            problems.append(
                f"row {line}: {value.indicator} for {value.area_code} in {value.period} is there twice"
            )
        seen.add(key)
        values.append(value)
    return values, problems


def _parse_row(
    row: dict[str, str], line: int, rules: SurveyRules, known_areas: AreaPopulations
) -> SurveyValue:
    code = row["area_code"].upper()
    if code not in known_areas:
        raise ValueError(
            f"unknown area code {row['area_code']!r} (a gemeente, wijk or buurt code of the "
            f"{rules.boundary_year} CBS division, such as WK059901 or BU05990110)"
        )
    period = _number(row, "period", int)
    if not FIRST_PERIOD <= period <= date.today().year:
        raise ValueError(f"period {period} is not a survey year ({FIRST_PERIOD} to {date.today().year})")
    question = rules.questions.get(row["indicator"])
    if question is None:
        raise ValueError(f"unknown indicator {row['indicator']!r} (one of: {', '.join(rules.questions)})")
    value = _number(row, "value", float)
    low, high = question.scale or (-math.inf, math.inf)
    if not low <= value <= high:
        raise ValueError(
            f"value {value:g} of {question.id} is outside its scale {low:g} to {high:g} ({question.unit})"
        )
    respondents = _number(row, "respondents", int)
    if respondents < 0:
        raise ValueError(f"respondents {respondents} is negative")
    inhabitants = known_areas[code]
    if inhabitants is not None and respondents > inhabitants:
        # More answers than residents: the row is wrong (a code or a count mistyped), never a figure to show.
        raise ValueError(f"{respondents} respondents in {code}, which has {inhabitants:.0f} inhabitants")
    margin = _number(row, "margin", float) if row["margin"] else None
    if margin is not None and margin < 0:
        raise ValueError(f"margin {margin:g} is negative")
    reason = _suppression(respondents, margin, rules)
    return SurveyValue(
        code, period, question.id, None if reason else value, respondents, margin, reason, line
    )


def _number(row: dict[str, str], column: str, kind: type[int] | type[float]) -> Any:
    text = row[column].replace(",", ".") if kind is float else row[column]  # Dutch spreadsheets: 7,2
    try:
        number = kind(text)
    except ValueError:
        raise ValueError(
            f"{column} {row[column]!r} is not a{'n integer' if kind is int else ' number'}"
        ) from None
    if not math.isfinite(number):
        raise ValueError(f"{column} {row[column]!r} is not a number")
    return number


def _suppression(respondents: int, margin: float | None, rules: SurveyRules) -> str | None:
    if respondents < rules.min_respondents:
        return f"te weinig respondenten ({respondents}, minimaal {rules.min_respondents})"
    if margin is not None and margin > rules.max_margin:
        return f"marge te breed (±{margin:g}, maximaal ±{rules.max_margin:g})"
    return None


def known_area_codes(con: duckdb.DuckDBPyConnection) -> dict[str, float | None]:
    """The gemeente, wijk and buurt codes a survey may name (those of the survey's boundary year), each with
    the population the publishing gate uses for it."""
    rows = con.execute(
        """SELECT a.code, p.population FROM areas a
           LEFT JOIN area_population p ON p.area_code = a.code AND p.boundary_year = a.boundary_year
           WHERE a.boundary_year = ? AND a.level <> 'land'""",
        [survey_rules().boundary_year],
    ).fetchall()
    return dict(rows)


def place_in_cache(path: Path, cache: Path, *, replace: bool = False) -> tuple[Path, bool]:
    """Copy a checked survey file into the cache's survey folder, atomically; (its place, whether it was new).

    The same content already there is left alone; another file of the same name is never overwritten
    unless `replace` is given, because it may hold a survey the build still needs.
    """
    source = Path(path)
    if source.name.startswith(".") or not source.stem:
        raise WijkzichtError(f"{source}: give the survey file a name that does not start with a dot")
    target = cache / SURVEY_FOLDER / f"{source.stem}.csv"
    content = source.read_bytes()
    if target.exists() and target.read_bytes() == content:
        return target, False
    if target.exists() and not replace:
        raise WijkzichtError(
            f"{target} already holds another survey file: rename yours, or pass --replace to overwrite it"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")  # a dot file: the build skips it
    try:
        partial.write_bytes(content)
        if replace:
            os.replace(partial, target)
        else:
            os.link(partial, target)  # fails if another import placed a file there meanwhile
    except FileExistsError:
        raise WijkzichtError(f"{target} appeared while importing: run the import again") from None
    finally:
        partial.unlink(missing_ok=True)
    return target, True
