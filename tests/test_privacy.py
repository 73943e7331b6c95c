"""Aggregates only: person-, address- and company-level input is refused by every loader."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from pathlib import Path

import pytest

from police_fixture import BASE, PoliceService
from wijkzicht.errors import SourceError
from wijkzicht.monitor.stored import build_warehouse
from wijkzicht.warehouse import online
from wijkzicht.warehouse.privacy import identifying


@pytest.mark.parametrize(
    "column",
    [
        "BSN",
        "Burgerservicenummer_3",
        "Huisnummer",
        "huis_nummer",
        "Straatnaam",
        "Adres",
        "KvKNummer",
        "Vestigingsnummer_4",
        "Voornaam",
        "Achternaam",
        "Geboortedatum",
        "Bedrijfsnaam",
        "IBAN",
        "Kenteken",
    ],
)
def test_identifying_columns_are_recognised(column: str) -> None:
    assert identifying(column)


def test_every_column_of_the_real_cbs_and_police_tables_is_an_aggregate(snapshot: Path) -> None:
    kwb = json.loads((snapshot / "cbs_kwb/85984NED_kwb2024_DataProperties.json").read_text())
    with open(snapshot / "politie/47018NED_DataProperties.csv", encoding="utf-8", newline="") as stream:
        police = list(csv.DictReader(stream))
    keys = [entry["Key"] for entry in kwb + police if entry.get("Key")]
    # area figures whose names come close: a density of addresses and a buurt's most common postcode
    assert {"Omgevingsadressendichtheid_128", "MeestVoorkomendePostcode_125"} <= set(keys)
    assert [key for key in keys if identifying(key)] == []


def test_a_download_with_a_person_level_dimension_is_refused_before_any_value(
    snapshot: Path, tmp_path: Path
) -> None:
    service = PoliceService(snapshot)
    service.collections["DataProperties"] = [
        *service.collections["DataProperties"],
        {"Key": "Huisnummer", "Type": "Dimension", "Title": "Huisnummer"},
    ]
    with service.client() as client, pytest.raises(SourceError, match="'Huisnummer' identifies an address"):
        online.fetch("47018NED", tmp_path, client=client, backoff_seconds=0)
    assert not any(f"{BASE}/UntypedDataSet" in url for url in service.requested)
    assert not (tmp_path / "politie" / "47018NED_UntypedDataSet.csv.gz").exists()


def test_a_file_with_a_column_naming_persons_stops_the_build(snapshot: Path, tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "programma").mkdir(parents=True)
    source = snapshot / "programma/nplv_focusgebieden.csv"
    rows = source.read_text(encoding="utf-8").splitlines()
    # the same file with a column of (invented) contact persons added
    (root / "programma/nplv_focusgebieden.csv").write_text(
        "\n".join([rows[0] + ",Achternaam", *(row + ",Jansen" for row in rows[1:])]) + "\n", encoding="utf-8"
    )
    shutil.copytree(snapshot / "cbs_kwb", root / "cbs_kwb")
    database = tmp_path / "wz.duckdb"
    with pytest.raises(SourceError, match="column 'Achternaam' identifies the name of a person") as error:
        build_warehouse(database, [root])
    assert "nplv_focusgebieden.csv" in str(error.value)
    assert not database.exists()


def test_the_guard_is_not_fooled_by_a_changed_case_or_a_cbs_suffix() -> None:
    assert identifying("POSTCODEHUISNUMMER_7") and identifying("kvk_nummer")
    assert identifying("Gemeentenaam_1") is None and identifying("WijkenEnBuurten") is None


def test_boundaries_with_address_properties_are_refused(tmp_path: Path) -> None:
    feature = {
        "type": "Feature",
        "properties": {"gemeentecode": "GM0344", "gemeentenaam": "Utrecht", "huisnummer": "12"},
        "geometry": {"type": "Point", "coordinates": [5.12, 52.09]},
    }
    path = tmp_path / "data/geo/pdok_gemeenten_2024_wgs84.geojson.gz"
    path.parent.mkdir(parents=True)
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        json.dump({"type": "FeatureCollection", "features": [feature]}, stream)
    with pytest.raises(SourceError, match="column 'huisnummer' identifies an address"):
        build_warehouse(tmp_path / "wz.duckdb", [tmp_path / "data"])
