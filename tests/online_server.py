"""A fake CBS OData v3 + PDOK OGC API service built from the recorded responses in tests/fixtures/online/.

It answers like the real services: OData documents with `odata.metadata`, `value` and, when a collection
is longer than a page, an absolute `odata.nextLink` with `$skip`; PDOK FeatureCollections with
`numberMatched` and a `rel=next` link. Unknown URLs get CBS's 404. `requests` records every URL asked.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

FIXTURES = Path(__file__).parent / "fixtures" / "online"
CBS = "https://opendata.cbs.nl/ODataApi/odata"
DATADERDEN = "https://dataderden.cbs.nl/ODataApi/odata"
PDOK = "https://api.pdok.nl/cbs/wijken-en-buurten-{year}/ogc/v1/collections/{level}/items"
NOT_FOUND = {"odata.error": {"code": "", "message": {"lang": "en-US", "value": "Resource not found."}}}


def recorded(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


def _ses_tables() -> dict[str, list[dict[str, Any]]]:
    """85163NED as OData: code lists and data from the export rows, DataProperties from its headers.

    The topic titles, groups and units are the export's headers split at '/'; the topic keys (Hoog_5, ...)
    follow CBS's Title_Number style but are not the real table's keys, which the snapshot does not hold. The
    reader maps by title, so the keys do not matter. `Modified` is a test value.
    """
    rows = recorded("cbs/85163NED/export_rows.json")
    code, name = "Regiocode (gemeente, wijk, buurt) (code)", "Wijken en buurten"
    properties: list[dict[str, Any]] = [
        {
            "odata.type": "Cbs.OData.GeoDetail",
            "ID": 0,
            "Position": 0,
            "ParentID": None,
            "Type": "GeoDetail",
            "Key": "WijkenEnBuurten",
            "Title": name,
            "Description": "",
            "MapYear": 2019,
        },
        {
            "odata.type": "Cbs.OData.TimeDimension",
            "ID": 1,
            "Position": 1,
            "ParentID": None,
            "Type": "TimeDimension",
            "Key": "Perioden",
            "Title": "Perioden",
            "Description": "",
        },
    ]
    groups: dict[tuple[str, ...], int] = {}
    keys: dict[str, str] = {}
    for header in [h for h in rows[0] if h not in ("Perioden", name, code)]:
        path, unit = re.fullmatch(r"(.*) \((.*)\)", header).groups()  # type: ignore[union-attr]
        titles = path.split("/")
        parent = None
        for depth in range(1, len(titles)):
            group = tuple(titles[:depth])
            if group not in groups:
                groups[group] = len(properties)
                properties.append(
                    {
                        "odata.type": "Cbs.OData.TopicGroup",
                        "ID": len(properties),
                        "Position": None,
                        "ParentID": parent,
                        "Type": "TopicGroup",
                        "Key": "",
                        "Title": titles[depth - 1],
                    }
                )
            parent = groups[group]
        stem = titles[-2] if titles[-1] in ("Waarde", "Gemiddelde score") else titles[-1]
        key = f"{re.sub(r'[^A-Za-z]', '', stem.title())}_{len(keys) + 1}"
        keys[header] = key
        properties.append(
            {
                "odata.type": "Cbs.OData.Topic",
                "ID": len(properties),
                "Position": len(keys) + 1,
                "ParentID": parent,
                "Type": "Topic",
                "Key": key,
                "Title": titles[-1],
                "Description": None,
                "Datatype": "Double",
                "Unit": unit.lower() if unit == "Aantal" else unit,
                "Decimals": 1,
                "Default": "Missing",
                "PresentationType": "Absolute",
            }
        )
    return {
        "TableInfos": [
            {
                "ID": 0,
                "Identifier": "85163NED",
                "Catalog": "CBS",
                "Modified": "2023-03-23T02:00:00",
                "Title": "Sociaal-economische status; scores per wijk en buurt, regio-indeling 2019",
            }
        ],
        "DataProperties": properties,
        "WijkenEnBuurten": [{"Key": r[code], "Title": r[name], "Description": None} for r in rows],
        "Perioden": [{"Key": "2019JJ00", "Title": "2019", "Description": None, "Status": "Definitief"}],
        "UntypedDataSet": [
            {"ID": number, "WijkenEnBuurten": r[code], "Perioden": f"{r['Perioden']}JJ00"}
            | {keys[h]: r[h] for h in keys}
            for number, r in enumerate(rows)
        ],
    }


def _health_tables() -> dict[str, list[dict[str, Any]]]:
    """50090NED as OData from the snapshot's rows; DataProperties titles are the keys without their number,
    and `Modified` is a test value (the snapshot has no metadata of this table)."""
    rows = recorded("cbs/50090NED/UntypedDataSet.json")
    ses_names = {
        r["Regiocode (gemeente, wijk, buurt) (code)"].strip(): r["Wijken en buurten"]
        for r in recorded("cbs/85163NED/export_rows.json")
    }
    dims = {
        "Leeftijd": "Dimension",
        "Marges": "Dimension",
        "WijkenEnBuurten": "GeoDetail",
        "Perioden": "TimeDimension",
    }
    properties = [
        {
            "odata.type": f"Cbs.OData.{kind}",
            "ID": i,
            "ParentID": None,
            "Type": kind,
            "Key": key,
            "Title": key.rsplit("_", 1)[0],
        }
        if (kind := dims.get(key, "Topic")) != "Topic"
        else {
            "odata.type": "Cbs.OData.Topic",
            "ID": i,
            "ParentID": None,
            "Type": "Topic",
            "Key": key,
            "Title": key.rsplit("_", 1)[0],
            "Unit": "%",
        }
        for i, key in enumerate(k for k in rows[0] if k != "ID")
    ]
    return {
        "TableInfos": [
            {
                "ID": 0,
                "Identifier": "50090NED",
                "Catalog": "CBS",
                "Modified": "2022-11-30T02:00:00",
                "Title": "Gezondheid per wijk en buurt; 2012/2016/2020 (indeling 2020)",
            }
        ],
        "DataProperties": properties,
        "Leeftijd": [
            {"Key": "20300", "Title": "18 jaar of ouder", "Description": None, "CategoryGroupID": None}
        ],
        "Marges": [{"Key": "MW00000", "Title": "Waarde", "Description": None, "CategoryGroupID": None}],
        # Titles: the names these codes have in the SES-WOA export (indeling 2019; 50090NED is on 2020's)
        "WijkenEnBuurten": [
            {
                "Key": f"{r['WijkenEnBuurten']:<10}",
                "Title": ses_names[r["WijkenEnBuurten"]],
                "Description": None,
            }
            for r in rows
        ],
        "Perioden": [{"Key": "2020JJ00", "Title": "2020", "Description": None, "Status": "Definitief"}],
        # padded to 10 characters as the service delivers codes (the snapshot extract has them trimmed)
        "UntypedDataSet": [r | {"WijkenEnBuurten": f"{r['WijkenEnBuurten']:<10}"} for r in rows],
    }


def _kwb_2017() -> dict[str, list[dict[str, Any]]]:
    """83765NED (KWB 2017) for Amsterdam: 844,947 inhabitants, the wijk- en buurtkaart 2017's AANT_INW
    (cbs_wijkbuurtkaart/wijkbuurtkaart2017_gemeente_attributen.csv.gz). The snapshot has no 83765NED
    metadata: its TableInfos and DataProperties are 85984NED's entries with this table's id, title and a test
    `Modified`, and the inhabitants' key is numbered differently (`AantalInwoners_8`) to show that columns
    are matched by name, not by key number."""
    kwb = _recorded_table("cbs/85984NED")
    infos = [
        kwb["TableInfos"][0]
        | {
            "Identifier": "83765NED",
            "Title": "Kerncijfers wijken en buurten 2017",
            "ShortTitle": "Kerncijfers wijken en buurten 2017",
            "Period": "2017",
            "Modified": "2018-10-31T02:00:00",
        }
    ]
    renumber = {"AantalInwoners_5": "AantalInwoners_8"}
    properties = [
        p | {"Key": renumber.get(p["Key"], p["Key"])}
        for p in kwb["DataProperties"]
        if p["Key"] != "Woningvoorraad_35"
    ]
    return {
        "TableInfos": infos,
        "DataProperties": properties,
        "WijkenEnBuurten": [{"Key": "GM0363    ", "Title": "Amsterdam", "Description": None}],
        "UntypedDataSet": [
            {
                "ID": 0,
                "WijkenEnBuurten": "GM0363    ",
                "Gemeentenaam_1": f"{'Amsterdam':<40}",
                "SoortRegio_2": "Gemeente  ",
                "AantalInwoners_8": "    844947",
            }
        ],
    }


def _recorded_table(folder: str) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {}
    for path in sorted((FIXTURES / folder).glob("*.json")):
        document = recorded(f"{folder}/{path.name}")
        tables[path.stem] = document["value"] if isinstance(document, dict) else document
    return tables


class FakeService:
    """Serve recorded tables; `page_size` small so paging is exercised; `modified` overrides TableInfos dates."""

    def __init__(self, page_size: int = 2, pdok_page_size: int = 1) -> None:
        self.page_size = page_size
        self.pdok_page_size = pdok_page_size
        self.tables: dict[str, tuple[str, dict[str, list[dict[str, Any]]]]] = {
            "85984NED": (CBS, _recorded_table("cbs/85984NED")),
            "47018NED": (DATADERDEN, _recorded_table("dataderden/47018NED")),
            "50090NED": (CBS, _health_tables()),
            "85163NED": (CBS, _ses_tables()),
            "83765NED": (CBS, _kwb_2017()),
        }
        self.boundaries: dict[tuple[str, int], list[dict[str, Any]]] = {
            ("wijken", 2024): recorded("pdok/wijken_2024.json")
        }
        self.requests: list[str] = []
        self.fail_on: str | None = None  # a URL substring answered with `failure`
        self.failure: BaseException = httpx.RemoteProtocolError(
            "Server disconnected without sending a response."
        )

    def serve_whole_catalogue(self, tables: list[str], years: list[int]) -> None:
        """Also answer for every other catalogued table (as 83765NED, with its own id) and every boundary file
        (one stand-in feature), so `fetch --all` finds everything it asks for."""
        template = _kwb_2017()
        for table in tables:
            if table not in self.tables:
                endpoints = json.loads(json.dumps(template))
                endpoints["TableInfos"][0] |= {"Identifier": table, "Modified": "2025-01-01T02:00:00"}
                # no figure of this table is in the snapshot: CBS's '.' (not available), never a made-up value
                # (84286NED, KWB 2018, carries the other marker, 'x', so both reach the build)
                marker = "x" if table == "84286NED" else "."
                endpoints["UntypedDataSet"][0]["AantalInwoners_8"] = f"{marker:>10}"
                self.tables[table] = (CBS, endpoints)
        wijk = recorded("pdok/wijken_2024.json")[0]  # WK0363AE Burgwallen-Oude Zijde
        names = {
            "gemeenten": {"gemeentecode": "GM0363", "gemeentenaam": "Amsterdam"},
            "wijken": wijk["properties"],
            "buurten": wijk["properties"] | {"buurtcode": "BU0363AE01", "buurtnaam": "Kop Zeedijk"},
        }
        for year in years:
            for level, properties in names.items():
                # a stand-in: the wijk's geometry under the level's codes (the snapshot has no more shapes)
                self.boundaries.setdefault((level, year), [wijk | {"properties": properties}])

    def add_table(self, table: str, endpoints: dict[str, list[dict[str, Any]]], base: str = CBS) -> None:
        self.tables[table] = (base, endpoints)

    def set_modified(self, table: str, modified: str) -> None:
        self.tables[table][1]["TableInfos"][0]["Modified"] = modified

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle))

    def handle(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.requests.append(url)
        if self.fail_on and self.fail_on in url:
            raise self.failure
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        skip = int(query.get("$skip", query.get("cursor", ["0"]))[0])
        if parts.netloc == "api.pdok.nl":
            return self._pdok(url, parts.path, skip, int(query.get("limit", ["10"])[0]))
        base = f"{parts.scheme}://{parts.netloc}/ODataApi/odata"
        match = re.fullmatch(r"/ODataApi/odata/(\w+)/(\w+)(/\$count)?", parts.path)
        if not match or match[1] not in self.tables or self.tables[match[1]][0] != base:
            return httpx.Response(404, json=NOT_FOUND)
        table, endpoint = match[1], match[2]
        values = self.tables[table][1].get(endpoint)
        if values is None:
            return httpx.Response(404, json=NOT_FOUND)
        if match[3]:
            return httpx.Response(200, text=str(len(values)))
        page: dict[str, Any] = {
            "odata.metadata": f"{base}/{table}/$metadata#Cbs.OData.WebAPI.{endpoint}",
            "value": values[skip : skip + self.page_size],
        }
        if skip + self.page_size < len(values):
            page["odata.nextLink"] = f"{base}/{table}/{endpoint}?$skip={skip + self.page_size}"
        return httpx.Response(200, json=page)

    def _pdok(self, url: str, path: str, skip: int, limit: int) -> httpx.Response:
        match = re.fullmatch(r"/cbs/wijken-en-buurten-(\d{4})/ogc/v1/collections/(\w+)/items", path)
        features = self.boundaries.get((match[2], int(match[1]))) if match else None
        if features is None:
            return httpx.Response(404, json={"title": "Not Found", "status": 404})
        size = min(limit, self.pdok_page_size)
        document: dict[str, Any] = {
            "type": "FeatureCollection",
            "timeStamp": "2025-01-01T00:00:00Z",
            "numberMatched": len(features),
            "numberReturned": len(features[skip : skip + size]),
            "features": features[skip : skip + size],
            "links": [{"rel": "self", "type": "application/geo+json", "href": url}],
        }
        if skip + size < len(features):
            base = url.split("?")[0]
            document["links"].append(
                {
                    "rel": "next",
                    "type": "application/geo+json",
                    "href": f"{base}?f=json&limit={limit}&cursor={skip + size}",
                }
            )
        return httpx.Response(200, json=document)
