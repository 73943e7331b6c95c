"""The wijk map: how its boundaries are served, and its time to idle against floors measured in the same run.

Usage: python benchmarks/wijk_map_benchmark.py [WAREHOUSE] [--repeat 5]
(default warehouse: $WIJKZICHT_DB or the configured default). Starts `wijkzicht serve` on a free port and
measures

1. serving `/api/map/boundaries/wijk/2024` (GeoJSON) and the vector tiles the national view of
   `/kaart?level=wijk` loads: bytes gzipped and plain; for the GeoJSON also the first request after the
   server started (cold), the median of later ones (warm) and a revalidation with the ETag (304);
2. time to idle (MapLibre's first `idle` event, from navigation start) of `/kaart?level=wijk` in headless
   Chromium, each run in a fresh browser context (nothing cached), and of two **floors**: bare pages that
   load the same MapLibre and draw in one colour the same polygons, once as the served GeoJSON and once as
   the very tiles the page loaded (recorded in a first, unmeasured, page load), each answered by the
   browser's request interception (no server, no network), with none of the page around it.

The goal is under 1.5 s for the wijk map; the difference with the tile floor is what the application adds
(values, page, server). There are no timing asserts in the tests.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Browser, Route, sync_playwright

sys.path.insert(0, str(Path(__file__).parent))
from map_benchmark import CHROMIUM, CHROMIUM_ARGS, free_port, start_server
from wijkzicht import config

PAGE = "/kaart?level=wijk"
BOUNDARIES = "/api/map/boundaries/wijk/2024"
FLOOR_PAGE = "/__floor__.html"
FLOOR_DATA = "/__floor__/wijk2024.geojson"
FLOOR_TILES = "/__floor__/tiles/"
TILE_PATH = re.compile(r"/(\d+)/(\d+)/(\d+)\.pbf$")
FLOOR_HTML = """<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>floor</title>
<link rel="stylesheet" href="/static/vendor/maplibre-gl/maplibre-gl.css">
<style>body{margin:0} #map{width:900px;height:640px}</style></head><body><div id="map"></div>
<script type="module">
const [maplibregl, data] = await Promise.all([
  import("/static/vendor/maplibre-gl/maplibre-gl.mjs"),
  SOURCE_DATA,
]);
const element = document.getElementById("map");
const map = new maplibregl.Map({container: element, bounds: [[3.31, 50.75], [7.23, 53.56]],
  style: {version: 8, sources: {areas: SOURCE}, layers: [
    {id: "bg", type: "background", paint: {"background-color": "#dde6ee"}},
    {id: "fill", type: "fill", source: "areas", LAYER paint: {"fill-color": "#fd8d3c", "fill-opacity": 0.9}},
    {id: "line", type: "line", source: "areas", LAYER paint: {"line-color": "#ffffff", "line-width": 0.5}}]}});
map.once("idle", () => { element.dataset.idleMs = Math.round(performance.now()); element.dataset.ready = "idle"; });
</script></body></html>"""


def floor_html(tiles: dict[str, object] | None) -> str:
    """The floor page drawing the GeoJSON (tiles None) or the vector tiles of the page's tile source."""
    if tiles is None:
        source, data, layer = (
            '{type: "geojson", data, promoteId: "code"}',
            f'fetch("{FLOOR_DATA}").then((r) => r.json())',
            "",
        )
    else:
        settings = {key: tiles[key] for key in ("bounds", "minzoom", "maxzoom")}
        settings["tiles"] = ["TILES_ORIGIN" + FLOOR_TILES + "{z}/{x}/{y}.pbf"]
        source = json.dumps({"type": "vector", "promoteId": "code", **settings}).replace(
            '"TILES_ORIGIN', 'location.origin + "'
        )
        data, layer = "null", f'"source-layer": "{tiles["layer"]}",'
    return FLOOR_HTML.replace("SOURCE_DATA", data).replace("SOURCE", source).replace("LAYER", layer)


def fetch(url: str, headers: dict[str, str]) -> tuple[int, int, float, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers)
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request) as response:
            body = response.read()
            status, answer = response.status, dict(response.headers)
    except urllib.error.HTTPError as error:  # 304 arrives as an "error"
        body, status, answer = b"", error.code, dict(error.headers)
    return status, len(body), time.perf_counter() - start, answer


def serving(base: str) -> bytes:
    """Print the serving figures; return the plain GeoJSON for the floor."""
    gzip_header = {"Accept-Encoding": "gzip"}
    status, size, cold, headers = fetch(base + BOUNDARIES, gzip_header)
    warm = [fetch(base + BOUNDARIES, gzip_header)[2] for _ in range(20)]
    with urllib.request.urlopen(base + BOUNDARIES) as response:
        plain = response.read()
    etag = headers.get("etag") or headers.get("ETag") or ""
    revalidated, revalidated_size, revalidate_time, _ = fetch(
        base + BOUNDARIES, {**gzip_header, "If-None-Match": etag}
    )
    print(f"{BOUNDARIES}: {len(plain):,} bytes GeoJSON, {size:,} gzipped (status {status}, ETag {etag})")
    print(
        f"  first request after start {cold * 1000:6.1f} ms; warm median {statistics.median(warm) * 1000:5.1f} ms"
    )
    print(
        f"  revalidation with ETag: {revalidated}, {revalidated_size} bytes, {revalidate_time * 1000:.1f} ms"
    )
    return plain


def idle(browser: Browser, base: str, path: str, floor: tuple[str, dict[str, bytes]] | None) -> float:
    """Seconds from navigation start to the map's first idle; a floor is (its page, its data by path)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    if floor is not None:
        html, data = floor
        context.route(base + FLOOR_PAGE, lambda route: route.fulfill(body=html, content_type="text/html"))

        def answer(route: Route) -> None:
            # a tile outside the recorded view is empty, as the server answers a tile where no polygon reaches
            route.fulfill(body=data.get(route.request.url.removeprefix(base), b""))

        context.route(re.compile(re.escape(base) + "/__floor__/.*"), answer)
    page = context.new_page()
    page.goto(base + path)
    page.wait_for_selector("#map[data-ready='idle']", timeout=60_000)
    seconds = int(page.get_attribute("#map", "data-idle-ms") or 0) / 1000
    context.close()
    return seconds


def page_tiles(browser: Browser, base: str) -> dict[str, bytes]:
    """The vector tiles one load of the page asks for, by their path (plain, as the browser decodes them);
    prints their number and bytes."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    requested: list[str] = []

    def record(
        route: Route,
    ) -> None:  # MapLibre fetches tiles in its worker: seen by routing, not by page events
        requested.append(route.request.url)
        route.continue_()

    context.route(TILE_PATH, record)
    page.goto(base + PAGE)
    page.wait_for_selector("#map[data-ready='idle']", timeout=60_000)
    context.close()
    tiles, gzipped = {}, 0
    for url in requested:
        gzipped += fetch(url, {"Accept-Encoding": "gzip"})[1]
        z, x, y = url.removesuffix(".pbf").split("/")[-3:]
        with urllib.request.urlopen(url) as response:
            tiles[f"{FLOOR_TILES}{z}/{x}/{y}.pbf"] = response.read()
    plain = sum(len(body) for body in tiles.values())
    print(f"vector tiles of the national view: {len(tiles)} tiles, {plain:,} bytes, {gzipped:,} gzipped")
    return tiles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", nargs="?", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    port = free_port()
    server = start_server(config.database_path(arguments.warehouse), port)
    base = f"http://127.0.0.1:{port}"
    try:
        plain = serving(base)
        with urllib.request.urlopen(base + "/api/map/values?level=wijk") as response:
            tile_source = json.load(response)["tiles"]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            floors = {"floor, GeoJSON": (floor_html(None), {FLOOR_DATA: plain})}
            if tile_source:
                floors["floor, the same tiles"] = (floor_html(tile_source), page_tiles(browser, base))
            print(
                f"time to idle, headless Chromium (SwiftShader), {arguments.repeat} cold runs each, interleaved"
            )
            runs: dict[str, list[float]] = {name: [] for name in [*floors, PAGE]}
            for _ in range(arguments.repeat):  # interleaved, so a busy moment hits all alike
                for name, floor_page in floors.items():
                    runs[name].append(idle(browser, base, FLOOR_PAGE, floor_page))
                runs[PAGE].append(idle(browser, base, PAGE, None))
            browser.close()
        for name, seconds in runs.items():
            print(
                f"  {name:<24} median {statistics.median(seconds):5.2f} s "
                f"(min {min(seconds):.2f}, max {max(seconds):.2f})"
            )
        floor = statistics.median(runs[[*floors][-1]])
        page = statistics.median(runs[PAGE])
        print(
            f"  the page against the floor of what it draws: {page / floor:.2f}x ({page - floor:+.2f} s); "
            "goal for the page: under 1.5 s"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
