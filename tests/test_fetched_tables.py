"""A table fetched online lands in the cache in the raw format the readers read, and wins over the snapshot."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import httpx

from wijkzicht import warehouse
from wijkzicht.monitor.stored import build_warehouse
from wijkzicht.warehouse import builder, online

BASE = "https://opendata.cbs.nl/ODataApi/odata/85984NED"
REGIONS = "cbs_kwb/85984NED_kwb2024_WijkenEnBuurten_regiocodes.csv.gz"


def _record(code: str, inhabitants: str) -> dict[str, Any]:
    # An UntypedDataSet row as CBS returns it: codes and numbers as padded text, '.' for secret.
    return {
        "ID": 0,
        "WijkenEnBuurten": f"{code:<10}",
        "Gemeentenaam_1": "Amsterdam                     ",
        "SoortRegio_2": "Gemeente  ",
        "AantalInwoners_5": inhabitants,
        "Woningvoorraad_35": "       .",
    }


def _cbs(request: httpx.Request) -> httpx.Response:
    url = str(request.url)
    pages: dict[str, Any] = {
        f"{BASE}/TableInfos": [
            {"ID": 0, "Identifier": "85984NED", "Title": "Kerncijfers wijken en buurten 2024"}
        ],
        f"{BASE}/DataProperties": [
            {"odata.type": "Cbs.OData.GeoDetail", "ID": 0, "Key": "WijkenEnBuurten", "Type": "GeoDetail"},
            {
                "odata.type": "Cbs.OData.Topic",
                "ID": 5,
                "Key": "AantalInwoners_5",
                "Type": "Topic",
                "Unit": "aantal",
            },
            {
                "odata.type": "Cbs.OData.Topic",
                "ID": 6,
                "Key": "Woningvoorraad_35",
                "Type": "Topic",
                "Unit": "aantal",
            },
        ],
        f"{BASE}/WijkenEnBuurten": [{"Key": "GM0363    ", "Title": "Amsterdam", "Description": None}],
    }
    if url.startswith(f"{BASE}/UntypedDataSet"):
        if "skip" in url:
            return httpx.Response(200, json={"value": [_record("GM0599", "    670610")]})
        return httpx.Response(
            200,
            json={
                "value": [_record("GM0363", "    931300")],
                "odata.nextLink": f"{BASE}/UntypedDataSet?$skip=1",
            },
        )
    return httpx.Response(200, json={"value": pages[url.split("?")[0]]})


def test_a_fetched_kwb_table_is_read_by_the_same_readers(snapshot: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with httpx.Client(transport=httpx.MockTransport(_cbs)) as client:
        written = online.fetch("85984NED", cache, client=client, backoff_seconds=0)
    assert (cache / "cbs_kwb" / "85984NED_UntypedDataSet.csv.gz") in written

    small = tmp_path / "snapshot" / REGIONS
    small.parent.mkdir(parents=True)
    shutil.copyfile(snapshot / REGIONS, small)
    shutil.copyfile(
        snapshot / "cbs_kwb/85984NED_kwb2024_gemeente_wijk_subset.json.gz",
        small.parent / "85984NED_kwb2024_gemeente_wijk_subset.json.gz",
    )
    database = tmp_path / "wz.duckdb"
    build_warehouse(database, builder.data_roots(tmp_path / "snapshot", cache))

    with warehouse.opened(database) as con:
        rows = dict(
            con.execute("""
            SELECT o.area_code || ':' || o.indicator, [o.value::VARCHAR, p.source_file, o.missing_reason]
            FROM observations o JOIN provenance p USING (source_id)
            WHERE o.area_code IN ('GM0363', 'GM0599') AND o.indicator IN ('inwoners', 'woningvoorraad')
        """).fetchall()
        )
    # The download (a later root) wins over the snapshot's 931,298; its '.' is a reasoned NULL.
    assert rows["GM0363:inwoners"][:2] == ["931300.0", "cbs_kwb/85984NED_UntypedDataSet.csv.gz"]
    assert rows["GM0363:woningvoorraad"][0] is None and "'.'" in rows["GM0363:woningvoorraad"][2]
    assert rows["GM0599:inwoners"][0] == "670610.0"
    assert (
        json.loads((cache / "cbs_kwb" / "85984NED_DataProperties.json").read_text())[1]["Key"]
        == "AantalInwoners_5"
    )
