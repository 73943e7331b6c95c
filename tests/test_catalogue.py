"""The indicator catalogue is data, validated on load, and matches the real CBS metadata."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from wijkzicht.catalogue import load_catalogue, parse_catalogue
from wijkzicht.errors import CatalogueError
from wijkzicht.warehouse.sources.kwb import data_property_keys

PACKAGED = Path(__file__).resolve().parents[1] / "src" / "wijkzicht" / "catalogue" / "indicators.yaml"


@pytest.fixture
def document() -> dict[str, Any]:
    return yaml.safe_load(PACKAGED.read_text(encoding="utf-8"))


def test_every_kwb_indicator_exists_in_the_2024_table(snapshot: Path) -> None:
    keys = data_property_keys(snapshot / "cbs_kwb" / "85984NED_kwb2024_DataProperties.json")
    catalogue = load_catalogue()
    catalogue.check_against_table("85984NED", keys)
    assert catalogue.resolve_columns("85984NED", keys)["AantalInwoners_5"].id == "inwoners"


def test_every_health_indicator_exists_in_the_health_table(snapshot: Path) -> None:
    import gzip

    with gzip.open(
        snapshot / "rivm_gezondheid" / "50090NED_gezondheid_wijk_buurt_2020_18plus.csv.gz", "rt"
    ) as f:
        header = f.readline().strip().split(",")
    catalogue = load_catalogue()
    catalogue.check_against_table("50090NED", header)
    assert len(catalogue.resolve_columns("50090NED", header)) == 35


def test_every_domain_and_direction_is_known() -> None:
    catalogue = load_catalogue()
    assert {i.domain for i in catalogue.indicators.values()} <= set(catalogue.domains)
    assert all(i.name_nl and i.name_en for i in catalogue.indicators.values())


def _survey_question(document: dict[str, Any]) -> dict[str, Any]:
    return next(i for i in document["indicators"] if i["id"] == "veilig_voelen")


def test_the_questions_of_a_municipalitys_own_survey_are_local_perceptions_never_scored() -> None:
    catalogue = load_catalogue()
    local = [i for i in catalogue.indicators.values() if i.local]
    assert {i.id for i in local} == {"veilig_voelen", "oordeel_buurt", "sociale_cohesie", "overlast_buurt"}
    assert all(i.perception and i.scale and not i.scored for i in local)
    assert catalogue.tables["bewonersenquete"].coverage == "local"


def test_every_unit_of_the_packaged_catalogue_has_a_number_format() -> None:
    catalogue = load_catalogue()
    assert {indicator.unit for indicator in catalogue.indicators.values()} <= set(catalogue.units)
    assert (catalogue.units["%"].decimals, catalogue.units["%"].maximum) == (1, 100)


def test_group_characteristics_are_never_scored() -> None:
    groups = [i for i in load_catalogue().indicators.values() if i.group_characteristic]
    assert len(groups) == 7 and all(i.domain == "context" and i.direction == "neutral" for i in groups)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["indicators"][0].update(domain="welzijn"), "unknown domain 'welzijn'"),
        (lambda d: d["indicators"][0].update(direction="up"), "unknown direction 'up'"),
        (
            lambda d: d["indicators"][0]["sources"][0].update(table="99999NED"),
            "unknown source table '99999NED'",
        ),
        (lambda d: d["indicators"][0].pop("unit"), "missing required field 'unit'"),
        (lambda d: d["indicators"].append(copy.deepcopy(d["indicators"][0])), "defined twice"),
        (
            lambda d: next(i for i in d["indicators"] if i.get("group_characteristic")).update(
                domain="safety"
            ),
            "group characteristic",
        ),
        (lambda d: _survey_question(d).pop("scale"), "must be a perception with a scale"),
        (lambda d: _survey_question(d).update(aggregation="weighted_mean"), "aggregation 'none'"),
        (lambda d: _survey_question(d).update(scale=[100, 0]), r"scale must be \[lowest, highest\]"),
        (lambda d: d["indicators"][0].update(scale=[0, 100]), "only a local survey question has a scale"),
        (lambda d: _survey_question(d)["sources"][0].update(column="veilig"), "source column is its own id"),
        (lambda d: d["tables"]["bewonersenquete"].update(coverage="regional"), "unknown coverage 'regional'"),
        # Stray keys are refused, never dropped: a typo, or what an unquoted comma in a flow mapping leaves.
        (lambda d: d["indicators"][0].update(weigth=2), "unknown key.*'weigth'"),
        (lambda d: d["indicators"][0]["sources"][0].update(colum="X"), "unknown key.*'colum'"),
        (lambda d: d["tables"]["85984NED"].update(coverag="local"), "unknown key.*'coverag'"),
        (lambda d: d.update(indicator=[]), "unknown key.*'indicator'"),
        (lambda d: d["domains"]["housing"].update(de="Wohnen"), "unknown key.*'de'"),
        (lambda d: d["units"]["%"].update(decimals=-1), "decimals must be a whole number"),
        (lambda d: d["units"]["%"].update(min=100, max=0), "min must be below max"),
        (lambda d: d["units"]["%"].update(digits=1), "unknown key.*'digits'"),
    ],
)
def test_an_inconsistent_catalogue_is_refused(document: dict[str, Any], change: Any, message: str) -> None:
    change(document)
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(document)


def test_a_column_the_table_does_not_have_is_refused(document: dict[str, Any], snapshot: Path) -> None:
    document["indicators"].append(
        {
            "id": "bestaat_niet",
            "name": {"nl": "x", "en": "x"},
            "domain": "housing",
            "unit": "%",
            "direction": "neutral",
            "aggregation": "none",
            "sources": [{"table": "85984NED", "column": "BestaatNiet"}],
        }
    )
    keys = data_property_keys(snapshot / "cbs_kwb" / "85984NED_kwb2024_DataProperties.json")
    with pytest.raises(CatalogueError, match=r"bestaat_niet \(BestaatNiet\)"):
        parse_catalogue(document).check_against_table("85984NED", keys)


def test_a_catalogue_file_that_is_not_yaml_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "indicators.yaml"
    broken.write_text("indicators: [unclosed", encoding="utf-8")
    with pytest.raises(CatalogueError, match="cannot read the catalogue"):
        load_catalogue(broken)
    broken.write_text(json.dumps(["not", "a", "mapping"]), encoding="utf-8")
    with pytest.raises(CatalogueError, match="must be a mapping"):
        load_catalogue(broken)


def test_a_name_with_an_unquoted_comma_is_refused_not_truncated(document: dict[str, Any]) -> None:
    # `{nl: A (b, c), en: D}` parses as {nl: "A (b", "c)": None, en: D}: the loader must say so.
    entry = document["indicators"][0]
    entry["name"] = yaml.safe_load("{nl: SES-WOA-score (welvaart, opleiding, arbeidsverleden), en: SES}")
    with pytest.raises(CatalogueError, match=r"unknown key.*'arbeidsverleden\)'.*must be quoted"):
        parse_catalogue(document)


def test_the_packaged_names_are_whole() -> None:
    names = {i.id: i.name_nl for i in load_catalogue().indicators.values()}
    assert names["ses_woa_score"] == "SES-WOA-score (welvaart, opleiding, arbeidsverleden)"
