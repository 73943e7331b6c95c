"""Tests for wijkzicht.warehouse.online against hand-made CBS OData v3 and PDOK OGC API responses (no network)."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from wijkzicht import __version__
from wijkzicht.errors import OnlineError, WijkzichtError
from wijkzicht.warehouse import online

FIXTURES = Path(__file__).parent / "fixtures" / "online"
CBS = "https://opendata.cbs.nl/ODataApi/odata"
DATADERDEN = "https://dataderden.cbs.nl/ODataApi/odata"
PDOK = "https://api.pdok.nl/cbs/wijken-en-buurten-2024/ogc/v1/collections"

Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class FakeServer:
    """Maps exact URLs to canned replies; a list of replies is served in order, the last one repeating."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[httpx.Request] = []

    def add(self, url: str, *replies: Reply) -> None:
        self.routes[url] = list(replies)

    def add_json(self, url: str, body: Any) -> None:
        self.add(url, httpx.Response(200, json=body))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        replies = self.routes.get(str(request.url))
        if replies is None:
            return httpx.Response(404, json={"odata.error": {"message": {"value": "not routed"}}})
        reply = replies.pop(0) if len(replies) > 1 else replies[0]
        if isinstance(reply, Exception):
            raise reply
        return reply(request) if callable(reply) else reply

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle))

    def urls(self) -> list[str]:
        return [str(r.url) for r in self.requests]


def fixture_json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def odata_page(values: list[dict[str, Any]], next_link: str | None = None, table: str = "85984NED") -> Any:
    page: dict[str, Any] = {"odata.metadata": f"{CBS}/{table}/$metadata#Cbs.OData.WebAPI.UntypedDataSet"}
    page["value"] = values
    if next_link:
        page["odata.nextLink"] = next_link
    return page


def kwb_record(row_id: int) -> dict[str, Any]:
    """An UntypedDataSet row as CBS delivers it: codes padded to 10 characters, numbers as strings."""
    return {
        "ID": row_id,
        "WijkenEnBuurten": f"BU{row_id:08d}",
        "Gemeentenaam_1": "Amsterdam                                ",
        "SoortRegio_2": "Buurt     ",
        "AantalInwoners_5": str(100 + row_id) if row_id % 7 else None,
    }


GEMEENTE_CODES = [
    {
        "Key": "NL00      ",
        "Title": "Nederland",
        "Description": None,
        "Municipality": "",
        "DetailRegionCode": "",
    },
    {
        "Key": "GM0363    ",
        "Title": "Amsterdam",
        "Description": "Gemeente 'Amsterdam' (GM0363)",
        "Municipality": "GM0363",
        "DetailRegionCode": "GM0363",
    },
]


def serve_kwb_table(
    server: FakeServer, pages: list[list[dict[str, Any]]], base: str = f"{CBS}/85984NED"
) -> None:
    """Route a complete 85984NED table: metadata, the WijkenEnBuurten dimension and paged data."""
    server.add_json(f"{base}/TableInfos", fixture_json("85984NED_TableInfos.json"))
    server.add_json(f"{base}/DataProperties", fixture_json("85984NED_DataProperties.json"))
    server.add_json(f"{base}/WijkenEnBuurten", odata_page(GEMEENTE_CODES))
    for number, rows in enumerate(pages):
        url = f"{base}/UntypedDataSet" + (f"?$skip={number * 10000}" if number else "")
        has_next = number + 1 < len(pages)
        server.add_json(
            url, odata_page(rows, f"{base}/UntypedDataSet?$skip={(number + 1) * 10000}" if has_next else None)
        )


def read_csv_gz(path: Path) -> list[list[str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def leftover_temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".part")]


# --------------------------------------------------------------------------------------------------
# CBS OData
# --------------------------------------------------------------------------------------------------


def test_paging_over_three_pages_writes_all_rows_as_delivered(tmp_path: Path) -> None:
    pages = [[kwb_record(i) for i in range(start, start + size)] for start, size in ((0, 4), (4, 4), (8, 3))]
    server = FakeServer()
    serve_kwb_table(server, pages)
    server.add(f"{CBS}/85984NED/UntypedDataSet/$count", httpx.Response(200, text="11"))
    calls: list[tuple[str, int, int | None]] = []

    with server.client() as client:
        written = online.fetch(
            "85984NED", tmp_path, client=client, progress=lambda *a: calls.append(a), backoff_seconds=0
        )

    data_file = tmp_path / "cbs_kwb" / "85984NED_UntypedDataSet.csv.gz"
    assert data_file in written
    rows = read_csv_gz(data_file)
    assert rows[0] == ["ID", "WijkenEnBuurten", "Gemeentenaam_1", "SoortRegio_2", "AantalInwoners_5"]
    assert len(rows) - 1 == 4 + 4 + 3
    assert [r[0] for r in rows[1:]] == [str(i) for i in range(11)]
    assert rows[1][2] == "Amsterdam                                "  # padding kept as delivered
    assert rows[1][3] == "Buurt     "
    assert rows[1][4] == ""  # None -> empty field
    assert rows[2][4] == "101"
    assert calls == [
        ("85984NED UntypedDataSet", 4, 11),
        ("85984NED UntypedDataSet", 8, 11),
        ("85984NED UntypedDataSet", 11, 11),
    ]
    data_urls = [u for u in server.urls() if "UntypedDataSet" in u and "$count" not in u]
    assert data_urls == [
        f"{CBS}/85984NED/UntypedDataSet",
        f"{CBS}/85984NED/UntypedDataSet?$skip=10000",
        f"{CBS}/85984NED/UntypedDataSet?$skip=20000",
    ]


def test_metadata_and_dimension_files_are_named_per_family(tmp_path: Path) -> None:
    server = FakeServer()
    serve_kwb_table(server, [[kwb_record(1)]])

    with server.client() as client:
        written = online.fetch("85984NED", tmp_path, client=client, backoff_seconds=0)

    folder = tmp_path / "cbs_kwb"
    assert [p.name for p in written] == [
        "85984NED_TableInfos.json",
        "85984NED_DataProperties.json",
        "85984NED_WijkenEnBuurten.csv.gz",
        "85984NED_UntypedDataSet.csv.gz",
    ]
    assert all(p.parent == folder and p.exists() for p in written)
    # JSON metadata: the bare 'value' array, unmodified.
    properties = json.loads((folder / "85984NED_DataProperties.json").read_text(encoding="utf-8"))
    assert properties == fixture_json("85984NED_DataProperties.json")["value"]
    infos = json.loads((folder / "85984NED_TableInfos.json").read_text(encoding="utf-8"))
    assert infos[0]["Identifier"] == "85984NED"
    # Dimension CSV: header in the order of the first record, padded keys kept, None -> "".
    regions = read_csv_gz(folder / "85984NED_WijkenEnBuurten.csv.gz")
    assert regions[0] == ["Key", "Title", "Description", "Municipality", "DetailRegionCode"]
    assert regions[1] == ["NL00      ", "Nederland", "", "", ""]
    assert regions[2][0] == "GM0363    "
    assert regions[2][2] == "Gemeente 'Amsterdam' (GM0363)"
    # Only the GeoDetail is a dimension here; topic groups and topics are not fetched as code lists.
    assert not any(u.endswith(("/AantalInwoners_5", "/Gemeentenaam_1")) for u in server.urls())
    assert leftover_temp_files(tmp_path) == []


@pytest.mark.parametrize(
    ("table", "family"),
    [("50090NED", "rivm_gezondheid"), ("85539NED", "cbs_ses"), ("83765NED", "cbs_kwb"), ("37230ned", "cbs")],
)
def test_family_folder_per_table(table: str, family: str) -> None:
    assert online.cbs_family(table) == family
    assert online.cbs_base_url(table) == f"{CBS}/{table}"


def test_police_table_comes_from_dataderden_with_all_dimensions(tmp_path: Path) -> None:
    base = f"{DATADERDEN}/47018NED"
    properties = [
        {
            "odata.type": "Cbs.OData.Dimension",
            "ID": 0,
            "Position": 0,
            "ParentID": None,
            "Type": "Dimension",
            "Key": "SoortMisdrijf",
            "Title": "Soort misdrijf",
            "Description": "",
        },
        {
            "odata.type": "Cbs.OData.GeoDetail",
            "ID": 1,
            "Position": 1,
            "ParentID": None,
            "Type": "GeoDetail",
            "Key": "WijkenEnBuurten",
            "Title": "Wijken en buurten",
            "Description": "",
            "MapYear": 2019,
        },
        {
            "odata.type": "Cbs.OData.TimeDimension",
            "ID": 2,
            "Position": 2,
            "ParentID": None,
            "Type": "TimeDimension",
            "Key": "Perioden",
            "Title": "Perioden",
            "Description": "",
            "ReleasePolicy": False,
        },
        {
            "odata.type": "Cbs.OData.Topic",
            "ID": 3,
            "Position": 3,
            "ParentID": None,
            "Type": "Topic",
            "Key": "GeregistreerdeMisdrijven_1",
            "Title": "Geregistreerde misdrijven",
            "Description": "",
            "Datatype": "Long",
            "Unit": "aantal",
            "Decimals": 0,
            "Default": "Zero",
            "PresentationType": "Absolute",
        },
    ]
    server = FakeServer()
    server.add_json(
        f"{base}/TableInfos", odata_page([{"ID": 0, "Identifier": "47018NED", "Catalog": "Politie"}])
    )
    server.add_json(f"{base}/DataProperties", odata_page(properties))
    server.add_json(
        f"{base}/SoortMisdrijf",
        odata_page(
            [{"Key": "0.0.0 ", "Title": "Totaal misdrijven", "Description": None, "CategoryGroupID": None}]
        ),
    )
    server.add_json(
        f"{base}/WijkenEnBuurten",
        odata_page(
            [{"Key": "GM0363    ", "Title": "Amsterdam", "Description": None, "DetailRegionCode": "GM0363"}]
        ),
    )
    server.add_json(
        f"{base}/Perioden",
        odata_page([{"Key": "2023JJ00", "Title": "2023", "Description": "", "Status": "Definitief"}]),
    )
    server.add_json(
        f"{base}/UntypedDataSet",
        odata_page(
            [
                {
                    "ID": 0,
                    "SoortMisdrijf": "0.0.0 ",
                    "WijkenEnBuurten": "GM0363    ",
                    "Perioden": "2023JJ00",
                    "GeregistreerdeMisdrijven_1": "74839",
                }
            ]
        ),
    )

    with server.client() as client:
        written = online.fetch("47018NED", tmp_path, client=client, backoff_seconds=0)

    assert all(u.startswith(f"{DATADERDEN}/47018NED/") for u in server.urls())
    assert sorted(p.name for p in written) == sorted(
        f"47018NED_{name}"
        for name in (
            "TableInfos.json",
            "DataProperties.json",
            "SoortMisdrijf.csv.gz",
            "WijkenEnBuurten.csv.gz",
            "Perioden.csv.gz",
            "UntypedDataSet.csv.gz",
        )
    )
    assert all(p.parent == tmp_path / "politie" for p in written)
    crimes = read_csv_gz(tmp_path / "politie" / "47018NED_SoortMisdrijf.csv.gz")
    assert crimes == [
        ["Key", "Title", "Description", "CategoryGroupID"],
        ["0.0.0 ", "Totaal misdrijven", "", ""],
    ]
    data = read_csv_gz(tmp_path / "politie" / "47018NED_UntypedDataSet.csv.gz")
    assert data[1] == ["0", "0.0.0 ", "GM0363    ", "2023JJ00", "74839"]


def test_odata_filter_is_url_encoded_and_passed_to_the_data_set_only(tmp_path: Path) -> None:
    odata_filter = "WijkenEnBuurten eq 'GM0363    ' or substringof('WK0363', WijkenEnBuurten)"
    encoded = "WijkenEnBuurten%20eq%20'GM0363%20%20%20%20'%20or%20substringof('WK0363',%20WijkenEnBuurten)"
    server = FakeServer()
    serve_kwb_table(server, [])  # metadata and dimension only
    filtered_url = f"{CBS}/85984NED/UntypedDataSet?$filter={encoded}"
    next_url = f"{filtered_url}&$skip=10000"  # CBS keeps the filter in its nextLink
    server.add_json(filtered_url, odata_page([kwb_record(1)], next_url))
    server.add_json(next_url, odata_page([kwb_record(2)]))

    with server.client() as client:
        online.fetch("85984NED", tmp_path, client=client, odata_filter=odata_filter, backoff_seconds=0)

    assert filtered_url in server.urls()
    assert next_url in server.urls()
    sent = next(r for r in server.requests if str(r.url) == filtered_url)
    assert sent.url.params["$filter"] == odata_filter  # decodes back to exactly what the user asked for
    assert f"{CBS}/85984NED/UntypedDataSet" not in server.urls()  # never the unfiltered data set
    assert not any("$filter" in u for u in server.urls() if "UntypedDataSet" not in u)
    rows = read_csv_gz(tmp_path / "cbs_kwb" / "85984NED_UntypedDataSet.csv.gz")
    assert [r[0] for r in rows[1:]] == ["1", "2"]


def test_empty_data_set_still_gets_a_header_from_data_properties(tmp_path: Path) -> None:
    server = FakeServer()
    serve_kwb_table(server, [[]])

    with server.client() as client:
        online.fetch("85984NED", tmp_path, client=client, backoff_seconds=0)

    rows = read_csv_gz(tmp_path / "cbs_kwb" / "85984NED_UntypedDataSet.csv.gz")
    assert rows == [["ID", "WijkenEnBuurten", "Gemeentenaam_1", "SoortRegio_2", "AantalInwoners_5"]]


# --------------------------------------------------------------------------------------------------
# Retries and errors
# --------------------------------------------------------------------------------------------------


def test_503_then_200_succeeds_after_a_retry(tmp_path: Path) -> None:
    server = FakeServer()
    serve_kwb_table(server, [[kwb_record(1)]])
    server.add(
        f"{CBS}/85984NED/UntypedDataSet",
        httpx.Response(503, text="Service Unavailable"),
        httpx.Response(429, text="Too Many Requests"),
        httpx.Response(200, json=odata_page([kwb_record(1), kwb_record(2)])),
    )

    with server.client() as client:
        online.fetch("85984NED", tmp_path, client=client, retries=3, backoff_seconds=0)

    assert server.urls().count(f"{CBS}/85984NED/UntypedDataSet") == 3
    assert len(read_csv_gz(tmp_path / "cbs_kwb" / "85984NED_UntypedDataSet.csv.gz")) == 3


def test_backoff_doubles_between_attempts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(online.time, "sleep", slept.append)
    server = FakeServer()
    server.add(f"{CBS}/85984NED/TableInfos", httpx.Response(503))

    with server.client() as client, pytest.raises(OnlineError, match="4 attempts"):
        online.fetch("85984NED", tmp_path, client=client, retries=3, backoff_seconds=0.5)

    assert slept == [0.5, 1.0, 2.0]


def test_timeout_is_retried(tmp_path: Path) -> None:
    server = FakeServer()
    serve_kwb_table(server, [[kwb_record(1)]])
    url = f"{CBS}/85984NED/TableInfos"
    server.add(
        url,
        httpx.ReadTimeout("timed out"),
        httpx.Response(200, json=fixture_json("85984NED_TableInfos.json")),
    )

    with server.client() as client:
        online.fetch("85984NED", tmp_path, client=client, backoff_seconds=0)

    assert server.urls().count(url) == 2


def test_persistent_500_raises_with_url_and_attempts_and_leaves_no_data_file(tmp_path: Path) -> None:
    server = FakeServer()
    serve_kwb_table(server, [[kwb_record(1)], [kwb_record(2)]])
    failing = f"{CBS}/85984NED/UntypedDataSet?$skip=10000"  # the first page succeeded, the second never does
    server.add(failing, httpx.Response(500, text="Internal Server Error"))

    with server.client() as client, pytest.raises(OnlineError) as caught:
        online.fetch("85984NED", tmp_path, client=client, retries=2, backoff_seconds=0)

    message = str(caught.value)
    assert failing in message
    assert "3 attempts" in message
    assert "500" in message
    assert server.urls().count(failing) == 3
    folder = tmp_path / "cbs_kwb"
    assert not (folder / "85984NED_UntypedDataSet.csv.gz").exists()
    assert leftover_temp_files(tmp_path) == []
    assert (folder / "85984NED_DataProperties.json").exists()  # completed files stay, they are whole
    # TableInfos is written last: its presence marks a complete download for `fetch --all`
    assert not (folder / "85984NED_TableInfos.json").exists()


def test_failed_refetch_keeps_the_previous_complete_file(tmp_path: Path) -> None:
    good = FakeServer()
    serve_kwb_table(good, [[kwb_record(1)]])
    with good.client() as client:
        online.fetch("85984NED", tmp_path, client=client, backoff_seconds=0)
    data_file = tmp_path / "cbs_kwb" / "85984NED_UntypedDataSet.csv.gz"
    before = data_file.read_bytes()

    bad = FakeServer()
    serve_kwb_table(bad, [[kwb_record(1)], [kwb_record(2)]])
    bad.add(f"{CBS}/85984NED/UntypedDataSet?$skip=10000", httpx.Response(502))
    with bad.client() as client, pytest.raises(OnlineError):
        online.fetch("85984NED", tmp_path, client=client, retries=0, backoff_seconds=0)

    assert data_file.read_bytes() == before
    assert leftover_temp_files(tmp_path) == []


def test_404_means_unknown_table_and_is_not_retried(tmp_path: Path) -> None:
    server = FakeServer()
    server.add(
        f"{CBS}/99999NED/TableInfos",
        httpx.Response(
            404, json={"odata.error": {"code": "", "message": {"lang": "en-US", "value": "Not found"}}}
        ),
    )

    with server.client() as client, pytest.raises(OnlineError, match="unknown table") as caught:
        online.fetch("99999NED", tmp_path, client=client, retries=3, backoff_seconds=0)

    assert "99999NED" in str(caught.value)
    assert len(server.requests) == 1


def test_400_reports_the_server_message_without_retrying(tmp_path: Path) -> None:
    server = FakeServer()
    serve_kwb_table(server, [])
    bad_filter = "Foo eq"
    server.add(
        f"{CBS}/85984NED/UntypedDataSet?$filter=Foo%20eq",
        httpx.Response(
            400, json={"odata.error": {"code": "", "message": {"value": "Syntax error at position 6."}}}
        ),
    )

    with server.client() as client, pytest.raises(OnlineError, match="Syntax error at position 6"):
        online.fetch("85984NED", tmp_path, client=client, odata_filter=bad_filter, backoff_seconds=0)

    assert server.urls().count(f"{CBS}/85984NED/UntypedDataSet?$filter=Foo%20eq") == 1


def test_connect_error_suggests_a_snapshot(tmp_path: Path) -> None:
    server = FakeServer()
    server.add(
        f"{CBS}/85984NED/TableInfos", httpx.ConnectError("[Errno -3] Temporary failure in name resolution")
    )

    with server.client() as client, pytest.raises(OnlineError) as caught:
        online.fetch("85984NED", tmp_path, client=client, retries=1, backoff_seconds=0)

    message = str(caught.value)
    assert "no internet connection" in message
    assert "--snapshot" in message and "WIJKZICHT_SNAPSHOT" in message
    assert "2 attempts" in message
    assert len(server.requests) == 2
    assert isinstance(caught.value, WijkzichtError)


def test_invalid_json_raises_online_error(tmp_path: Path) -> None:
    server = FakeServer()
    server.add(
        f"{CBS}/85984NED/TableInfos",
        httpx.Response(
            200, text="<html><body>Onderhoud</body></html>", headers={"Content-Type": "text/html"}
        ),
    )

    with server.client() as client, pytest.raises(OnlineError, match="not valid JSON") as caught:
        online.fetch("85984NED", tmp_path, client=client, backoff_seconds=0)

    assert f"{CBS}/85984NED/TableInfos" in str(caught.value)


def test_json_without_value_raises_online_error(tmp_path: Path) -> None:
    server = FakeServer()
    server.add_json(f"{CBS}/85984NED/TableInfos", {"odata.metadata": "x", "rows": []})

    with server.client() as client, pytest.raises(OnlineError, match="'value'"):
        online.fetch("85984NED", tmp_path, client=client, backoff_seconds=0)


@pytest.mark.parametrize(
    "target",
    ["", "85984", "85984NEDX", "cbs:85984NED", "pdok:provincies:2024", "pdok:gemeenten:24", "pdok:gemeenten"],
)
def test_malformed_target_lists_the_accepted_forms(tmp_path: Path, target: str) -> None:
    with pytest.raises(OnlineError) as caught:
        online.fetch(target, tmp_path, client=httpx.Client(transport=httpx.MockTransport(_no_requests)))

    message = str(caught.value)
    assert "85984NED" in message
    assert "pdok:{gemeenten|wijken|buurten}:{year}" in message


def _no_requests(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"no request expected, got {request.url}")


def test_default_client_sends_user_agent() -> None:
    client = online._new_client()
    try:
        assert client.headers["User-Agent"] == f"wijkzicht/{__version__}"
        assert client.timeout.read == online.HTTP_TIMEOUT_SECONDS
    finally:
        client.close()


def test_caller_client_is_left_open(tmp_path: Path) -> None:
    server = FakeServer()
    serve_kwb_table(server, [[kwb_record(1)]])
    client = server.client()
    online.fetch("85984NED", tmp_path, client=client, backoff_seconds=0)
    assert not client.is_closed
    client.close()


def test_default_targets() -> None:
    assert online.DEFAULT_TARGETS == ("85984NED", "50090NED", "pdok:gemeenten:2024")


# --------------------------------------------------------------------------------------------------
# PDOK
# --------------------------------------------------------------------------------------------------


def gemeente_feature(code: str, name: str, lon: float) -> dict[str, Any]:
    ring = [[lon, 52.3], [lon + 0.1, 52.3], [lon + 0.1, 52.4], [lon, 52.4], [lon, 52.3]]
    return {
        "type": "Feature",
        "id": code,
        "geometry": {"type": "MultiPolygon", "coordinates": [[ring]]},
        "properties": {
            "gemeentecode": code,
            "gemeentenaam": name,
            "jaarstatcode": f"2024{code}",
            "water": "NEE",
            "aantal_inwoners": 931298 if code == "GM0363" else None,
        },
    }


def pdok_page(features: list[dict[str, Any]], self_url: str, next_url: str | None) -> dict[str, Any]:
    links = [
        {
            "rel": "self",
            "type": "application/geo+json",
            "title": "This document as GeoJSON",
            "href": self_url,
        },
        {
            "rel": "alternate",
            "type": "text/html",
            "title": "This document as HTML",
            "href": self_url + "&f=html",
        },
    ]
    if next_url:
        links.append({"rel": "next", "type": "application/geo+json", "title": "Next page", "href": next_url})
    return {
        "type": "FeatureCollection",
        "timeStamp": "2025-01-15T10:00:00Z",
        "links": links,
        "numberReturned": len(features),
        "numberMatched": 3,
        "features": features,
    }


def test_pdok_paging_over_two_pages_writes_one_gzip_feature_collection(tmp_path: Path) -> None:
    first_url = f"{PDOK}/gemeenten/items?f=json&limit=1000"
    next_url = f"{PDOK}/gemeenten/items?f=json&limit=1000&cursor=Aa0w%7CGM0599"
    page1 = [gemeente_feature("GM0363", "Amsterdam", 4.9), gemeente_feature("GM0518", "'s-Gravenhage", 4.3)]
    page2 = [gemeente_feature("GM0599", "Rotterdam", 4.5)]
    server = FakeServer()
    server.add_json(first_url, pdok_page(page1, first_url, next_url))
    server.add_json(next_url, pdok_page(page2, next_url, None))
    calls: list[tuple[str, int, int | None]] = []

    with server.client() as client:
        written = online.fetch(
            "pdok:gemeenten:2024",
            tmp_path,
            client=client,
            progress=lambda *a: calls.append(a),
            backoff_seconds=0,
        )

    path = tmp_path / "geo" / "pdok_gemeenten_2024_wgs84.geojson.gz"
    assert written == [path]
    assert server.urls() == [first_url, next_url]
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        collection = json.load(handle)
    assert collection["type"] == "FeatureCollection"
    assert collection["features"] == page1 + page2  # properties and geometry as delivered
    assert [f["properties"]["gemeentenaam"] for f in collection["features"]][1] == "'s-Gravenhage"
    assert calls == [("pdok gemeenten 2024", 2, 3), ("pdok gemeenten 2024", 3, 3)]
    assert leftover_temp_files(tmp_path) == []


def test_pdok_without_features_raises_and_writes_nothing(tmp_path: Path) -> None:
    url = f"{PDOK.replace('2024', '2023')}/buurten/items?f=json&limit=1000"
    server = FakeServer()
    server.add_json(url, {"type": "FeatureCollection", "links": []})

    with server.client() as client, pytest.raises(OnlineError, match="features") as caught:
        online.fetch("pdok:buurten:2023", tmp_path, client=client, backoff_seconds=0)

    assert url in str(caught.value)
    assert list((tmp_path / "geo").iterdir()) == []


def test_pdok_unknown_year_is_a_clear_404(tmp_path: Path) -> None:
    server = FakeServer()
    with (
        server.client() as client,
        pytest.raises(OnlineError, match="PDOK has no wijken boundaries for 1999"),
    ):
        online.fetch("pdok:wijken:1999", tmp_path, client=client, backoff_seconds=0)
    assert len(server.requests) == 1


def test_written_gzip_is_readable_by_plain_tools(tmp_path: Path) -> None:
    """The CSV must be plain UTF-8 with \\n line ends and minimal quoting, as the readers expect."""
    server = FakeServer()
    record = kwb_record(3) | {"Gemeentenaam_1": 'Súdwest-Fryslân, "SWF"'}
    serve_kwb_table(server, [[record]])
    with server.client() as client:
        online.fetch("85984NED", tmp_path, client=client, backoff_seconds=0)
    raw = gzip.decompress((tmp_path / "cbs_kwb" / "85984NED_UntypedDataSet.csv.gz").read_bytes()).decode(
        "utf-8"
    )
    lines = raw.splitlines()
    assert lines[0] == "ID,WijkenEnBuurten,Gemeentenaam_1,SoortRegio_2,AantalInwoners_5"
    assert lines[1] == '3,BU00000003,"Súdwest-Fryslân, ""SWF""",Buurt     ,103'
    assert next(csv.reader(io.StringIO(lines[1])))[2] == 'Súdwest-Fryslân, "SWF"'


def test_an_empty_boundary_layer_is_refused_and_leaves_no_file(tmp_path: Path) -> None:
    server = FakeServer()
    server.add_json(
        f"{PDOK}/buurten/items?f=json&limit=1000",
        {"type": "FeatureCollection", "numberMatched": 0, "features": [], "links": []},
    )

    with server.client() as client, pytest.raises(OnlineError, match="no features"):
        online.fetch("pdok:buurten:2024", tmp_path, client=client, backoff_seconds=0)

    assert not (tmp_path / "geo" / "pdok_buurten_2024_wgs84.geojson.gz").exists()
    assert leftover_temp_files(tmp_path) == []
