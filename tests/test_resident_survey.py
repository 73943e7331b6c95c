"""The resident survey import format: a good file, a broken one, and suppression of thin figures.

The CSV files are hand-made (tests/fixtures/resident_survey/README.md): invented figures on real area codes.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from wijkzicht.errors import SourceError
from wijkzicht.warehouse.resident_survey import known_area_codes, read_survey

FILES = Path(__file__).parent / "fixtures" / "resident_survey"


@pytest.fixture(scope="module")
def areas(con: duckdb.DuckDBPyConnection) -> dict[str, float | None]:
    return known_area_codes(con)


def test_a_good_file_is_read_with_dutch_decimals(areas: dict[str, float | None]) -> None:
    values = {(v.area_code, v.indicator): v for v in read_survey(FILES / "good.csv", areas)}
    assert len(values) == 5
    assert values["WK059901", "veilig_voelen"].value == 71.5
    assert values["WK059901", "oordeel_buurt"].value == 6.8  # "6,8" from a Dutch spreadsheet
    assert values["BU05991087", "veilig_voelen"].margin is None
    assert all(v.suppressed_reason is None for k, v in values.items() if k != ("WK059910", "overlast_buurt"))


def test_too_few_respondents_or_a_wide_margin_is_suppressed_not_shown(areas: dict[str, float | None]) -> None:
    thin = next(v for v in read_survey(FILES / "good.csv", areas) if v.indicator == "overlast_buurt")
    assert thin.value is None
    assert thin.suppressed_reason == "te weinig respondenten (31, minimaal 50)"


def test_a_bad_file_is_refused_whole_naming_every_broken_row(areas: dict[str, float | None]) -> None:
    with pytest.raises(SourceError) as refused:
        read_survey(FILES / "bad.csv", areas)
    message = str(refused.value)
    assert "nothing imported" in message
    for expected in (
        "row 2: unknown area code 'WK999999'",
        "row 3: unknown indicator 'geluk'",
        "row 4: value 112 of veilig_voelen is outside its scale 0 to 100",
        "row 5: value 0 of oordeel_buurt is outside its scale 1 to 10",
        "row 6: period 1850 is not a survey year",
        "row 7: value 'veel' is not a number",
        "row 8: respondents -4 is negative",
        "row 10: veilig_voelen for BU05991087 in 2023 is there twice",
    ):
        assert expected in message
    assert "row 9" not in message  # the first of the duplicate pair is itself fine


def test_a_file_in_another_format_is_refused_with_the_expected_header(areas: dict[str, float | None]) -> None:
    with pytest.raises(
        SourceError, match="expected area_code, period, indicator, value, respondents, margin"
    ):
        read_survey(FILES / "wrong_header.csv", areas)


def test_an_empty_or_unreadable_file_is_refused(areas: dict[str, float | None], tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("area_code,period,indicator,value,respondents,margin\n", encoding="utf-8")
    with pytest.raises(SourceError, match="no rows"):
        read_survey(empty, areas)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage\x81")
    with pytest.raises(SourceError, match="cannot read"):
        read_survey(binary, areas)


def test_more_respondents_than_inhabitants_is_refused(areas: dict[str, float | None], tmp_path: Path) -> None:
    # Stadspark (Groningen) has 15 inhabitants, Martini Trade Park 0: a survey cannot have heard 60 and 80 of them.
    assert (areas["BU00140108"], areas["BU00140109"]) == (15, 0)
    survey = tmp_path / "groningen.csv"
    survey.write_text(
        "area_code,period,indicator,value,respondents,margin\n"
        "BU00140108,2023,veilig_voelen,70,60,4\n"
        "BU00140109,2023,veilig_voelen,75,80,4\n"
        "WK001401,2023,veilig_voelen,80,60,4\n",
        encoding="utf-8",
    )
    with pytest.raises(SourceError) as refused:
        read_survey(survey, areas)
    message = str(refused.value)
    assert "row 2: 60 respondents in BU00140108, which has 15 inhabitants" in message
    assert "row 3: 80 respondents in BU00140109, which has 0 inhabitants" in message
    assert "row 4" not in message
