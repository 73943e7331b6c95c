"""A municipality's own resident survey: the CSV import format, validated like any other source.

One row per area, period and question: `area_code,period,indicator,value,respondents,margin` (docs/bewoners.md).
A file with any broken row (unknown area or question, a value outside the question's scale, a duplicate) is
refused as a whole, with every problem listed, so nothing is half imported. A value resting on too few
respondents, or with too wide a margin, is kept but suppressed: its row says why, and it is never shown.
"""

from __future__ import annotations

import csv
import math
from dataclasses import asdict, dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import yaml

from wijkzicht.errors import SourceError

COLUMNS = ("area_code", "period", "indicator", "value", "respondents", "margin")
FIRST_PERIOD = 1990
MAX_ROWS = 100_000
MAX_PROBLEMS_SHOWN = 20


@dataclass(frozen=True)
class SurveyQuestion:
    id: str
    name_nl: str
    name_en: str
    domain: str
    unit: str
    direction: str
    low: float
    high: float

    def name(self, language: str = "nl") -> str:
        return self.name_en if language == "en" else self.name_nl


@dataclass(frozen=True)
class SurveyRules:
    min_respondents: int
    max_margin: float
    questions: dict[str, SurveyQuestion]


@dataclass(frozen=True)
class SurveyValue:
    area_code: str
    period: int
    indicator: str
    value: float | None  # None when suppressed
    respondents: int
    margin: float | None
    suppressed_reason: str | None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@cache
def survey_rules() -> SurveyRules:
    text = resources.files("wijkzicht").joinpath("catalogue/resident_survey.yaml").read_text(encoding="utf-8")
    document: dict[str, Any] = yaml.safe_load(text)
    questions = {
        key: SurveyQuestion(key, entry["name"]["nl"], entry["name"]["en"], entry["domain"], str(entry["unit"]),
                            entry["direction"], float(entry["range"][0]), float(entry["range"][1]))
        for key, entry in document["indicators"].items()
    }  # fmt: skip
    return SurveyRules(int(document["min_respondents"]), float(document["max_margin"]), questions)


def read_survey(path: Path, known_areas: set[str]) -> list[SurveyValue]:
    """The validated rows of one survey file; SourceError naming every broken row refuses the whole file."""
    rules = survey_rules()
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


def _check_header(path: Path, fieldnames: list[str] | None) -> None:
    found = [name.strip() for name in fieldnames or []]
    if sorted(found) != sorted(COLUMNS):
        raise SourceError(path, f"the header is {', '.join(found) or 'empty'}", expected=", ".join(COLUMNS))


def _read_rows(
    reader: csv.DictReader[str], rules: SurveyRules, known_areas: set[str]
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
            value = _parse_row(row, rules, known_areas)
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


def _parse_row(row: dict[str, str], rules: SurveyRules, known_areas: set[str]) -> SurveyValue:
    code = row["area_code"].upper()
    if code not in known_areas:
        raise ValueError(
            f"unknown area code {row['area_code']!r} (a CBS code such as WK059901 or BU05990110)"
        )
    period = _number(row, "period", int)
    if not FIRST_PERIOD <= period <= date.today().year:
        raise ValueError(f"period {period} is not a survey year ({FIRST_PERIOD} to {date.today().year})")
    question = rules.questions.get(row["indicator"])
    if question is None:
        raise ValueError(f"unknown indicator {row['indicator']!r} (one of: {', '.join(rules.questions)})")
    value = _number(row, "value", float)
    if not question.low <= value <= question.high:
        raise ValueError(
            f"value {value:g} of {question.id} is outside its scale {question.low:g} to {question.high:g} "
            f"({question.unit})"
        )
    respondents = _number(row, "respondents", int)
    if respondents < 0:
        raise ValueError(f"respondents {respondents} is negative")
    margin = _number(row, "margin", float) if row["margin"] else None
    if margin is not None and margin < 0:
        raise ValueError(f"margin {margin:g} is negative")
    reason = _suppression(respondents, margin, rules)
    return SurveyValue(code, period, question.id, None if reason else value, respondents, margin, reason)


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


def known_area_codes(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("SELECT code FROM area_years").fetchall()}
