"""The form toolkit: a schema's refusal per field in the person's language, and the record version."""

from __future__ import annotations

import pytest
from fastapi import HTTPException
from pydantic import ValidationError

from wijkzicht.programmes import schemas
from wijkzicht.programmes.resident_input import InputIn, input_domains
from wijkzicht.web import forms


def test_problems_are_per_field_in_the_persons_language_and_a_rule_too() -> None:
    posted = {"kind": "", "domain": "weather", "text": " kort ", "contact": ""}
    values = forms.texts(posted, InputIn.model_fields)
    for language, expected, rule in (
        ("nl", {"kind": "vul dit in", "text": "ten minste 10 tekens"}, "kies een van: "),
        ("en", {"kind": "fill this in", "text": "at least 10 characters"}, "must be one of: "),
    ):
        data, found = forms.validate(InputIn, forms.given(values), language)
        assert data is None
        assert {name: found.by_field[name] for name in expected} == expected
        assert found.by_field["domain"].startswith(rule)  # the domain's own rule, keyed
        assert found.general == []


def test_a_valid_form_has_no_problems() -> None:
    posted = {"kind": "idea", "domain": input_domains()[0], "text": "Meer bankjes op het plein"}
    data, found = forms.validate(InputIn, forms.given(forms.texts(posted, InputIn.model_fields)), "nl")
    assert data is not None and data.text == "Meer bankjes op het plein" and not found


@pytest.mark.parametrize("posted", [{}, {"version": ""}, {"version": "-1"}, {"version": "1" * 11}])
def test_a_missing_or_mangled_version_is_refused(posted: dict[str, str]) -> None:
    with pytest.raises(HTTPException) as refused:
        forms.version(posted)
    assert refused.value.status_code == 422


def test_a_version_is_read_as_its_number() -> None:
    assert forms.version({"version": " 7 "}) == 7


@pytest.mark.parametrize("posted", [{"version": "0"}, {"version": "²"}, {"version": str(2**31)}])
def test_a_version_outside_the_record_range_is_refused_not_a_crash(posted: dict[str, str]) -> None:
    with pytest.raises(HTTPException) as refused:
        forms.version(posted)
    assert refused.value.status_code == 422


@pytest.mark.parametrize(
    ("schema", "data", "expected"),
    [
        (
            schemas.ProgrammeIn,
            {"focus_area_id": 1, "title": "Zuid", "start_year": 2030, "end_year": 2024},
            {"nl": {"end_year": "de periode eindigt voordat hij begint"}},
        ),
        (
            schemas.BlockageIn,
            {
                "focus_area_id": 1,
                "title": "Regels",
                "description": "Regels staan maatwerk in de weg",
                "category": "law",
                "owner_id": 1,
                "raised_on": "2025-05-01",
                "status": "resolved",
            },
            {
                "nl": dict.fromkeys(
                    ("resolved_on", "resolution"),
                    "een opgeloste vastloper heeft de datum en de oplossing nodig",
                )
            },
        ),
    ],
)
def test_a_rule_over_fields_stands_beside_them_in_the_pages_language_and_names_them_in_the_api(
    schema: type[schemas.Record], data: dict[str, object], expected: dict[str, dict[str, str]]
) -> None:
    with pytest.raises(ValidationError) as refused:
        schema.model_validate(data)
    assert forms.problems(refused.value, "nl").by_field == expected["nl"]
    english = forms.problems(refused.value, "en").by_field
    assert english.keys() == expected["nl"].keys() and english != expected["nl"]
    # the JSON API's text is English and leads with the fields it is about
    (problem,) = refused.value.errors()
    assert problem["msg"].startswith(", ".join(expected["nl"]) + ": ")
