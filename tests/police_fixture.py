"""A stand-in for CBS's third-party OData service (dataderden) serving 47018NED, for tests without internet.

The metadata it serves is the real metadata from the data snapshot; the counts are the hand-made pages in
`fixtures/politie/` (see the README there: invented numbers, never real police figures).
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import Any

import httpx

FIXTURES = Path(__file__).parent / "fixtures" / "politie"
BASE = "https://dataderden.cbs.nl/ODataApi/odata/47018NED"
METADATA = ("TableInfos", "DataProperties", "SoortMisdrijf", "Perioden")


def _records(path: Path) -> list[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as stream:
        return [{key: value or None for key, value in row.items()} for row in csv.DictReader(stream)]


class PoliceService:
    """An httpx transport answering like dataderden; `pages` can be replaced to serve other counts."""

    def __init__(self, snapshot: Path) -> None:
        folder = snapshot / "politie"
        self.collections = {name: _records(folder / f"47018NED_{name}.csv") for name in METADATA}
        self.collections["WijkenEnBuurten"] = _records(
            folder / "47018NED_WijkenEnBuurten_indeling2024.csv.gz"
        )
        self.pages = [
            json.loads((FIXTURES / f"47018NED_UntypedDataSet_page{n}.json").read_text()) for n in (1, 2)
        ]
        self.requested: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.requested.append(url)
        if not url.startswith(BASE + "/"):
            return httpx.Response(404, json={"odata.error": {"message": {"value": "not in this catalogue"}}})
        name = url.removeprefix(BASE + "/").split("?")[0]
        if name == "UntypedDataSet":
            return httpx.Response(200, json=self.pages[1] if "skip=" in url else self.pages[0])
        if name in self.collections:
            return httpx.Response(200, json={"value": self.collections[name]})
        return httpx.Response(404)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))


def page_rows() -> list[dict[str, Any]]:
    """Every hand-made row, in the order of the two pages."""
    return [
        row
        for n in (1, 2)
        for row in json.loads((FIXTURES / f"47018NED_UntypedDataSet_page{n}.json").read_text())["value"]
    ]
