"""Aggregates only: person-, address- and company-level input is refused by every loader."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from police_fixture import BASE, PoliceService
from wijkzicht.errors import SourceError
from wijkzicht.monitor.stored import build_warehouse
from wijkzicht.warehouse import online
from wijkzicht.warehouse.privacy import identifying, reject_non_area_rows


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


@pytest.mark.parametrize(
    "column",
    [
        "rinpersoon",
        "RINPERSOONS",
        "persoon_id",
        "PersoonsNummer",
        "pc6",
        "PC6_code",
        "woonadres",
        "leerlingnummer",
        "straat_huisnummer",
        "client_id",
        "Geboortedag",
    ],
)
def test_person_like_columns_are_refused_by_pattern_whatever_their_surroundings(column: str) -> None:
    assert identifying(column)


def _table(rows: list[tuple[str, str]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE raw (_line INTEGER, sleutel VARCHAR, waarde VARCHAR)")
    con.executemany("INSERT INTO raw VALUES (?, ?, ?)", [(n, *row) for n, row in enumerate(rows, start=2)])
    return con


def test_every_row_must_be_an_area_by_its_cbs_code() -> None:
    areas = [("NL00", "1"), ("GM0599    ", "2"), ("WK059910", "3"), ("BU0363AA01", "4"), ("NL01", "5")]
    reject_non_area_rows("gebieden.csv", _table(areas), "raw")  # every level, CBS's padding, NL01 included
    for key in ("123456782", "3083AB27", "Zamenhofdreef 12", "", "GM05991"):
        with pytest.raises(SourceError, match="no column holds an area code in every row"):
            reject_non_area_rows("personen.csv", _table([*areas, (key, "6")]), "raw")


def test_a_file_keyed_by_persons_stops_the_build_whatever_its_columns_are_called(
    snapshot: Path, tmp_path: Path
) -> None:
    """The focus-area list with a person-level key (invented, BSN-shaped) instead of the gemeente's code."""
    root = tmp_path / "data"
    (root / "programma").mkdir(parents=True)
    rows = (snapshot / "programma/nplv_focusgebieden.csv").read_text(encoding="utf-8").splitlines()
    keyed = [
        rows[0],
        *(",".join([*row.split(",")[:-1], f"1234567{n:02d}"]) for n, row in enumerate(rows[1:])),
    ]
    (root / "programma/nplv_focusgebieden.csv").write_text("\n".join(keyed) + "\n", encoding="utf-8")
    shutil.copytree(snapshot / "cbs_kwb", root / "cbs_kwb")
    database = tmp_path / "wz.duckdb"
    with pytest.raises(SourceError, match="no column holds an area code in every row") as error:
        build_warehouse(database, [root])
    assert "nplv_focusgebieden.csv" in str(error.value)
    assert not database.exists()
