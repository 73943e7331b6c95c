"""The wijk map: how its boundaries are served, and its time to idle against a floor measured in the same run.

Usage: python benchmarks/wijk_map_benchmark.py [WAREHOUSE] [--repeat 5]
(default warehouse: $WIJKZICHT_DB or the configured default). Starts `wijkzicht serve` on a free port and
measures

1. serving `/api/map/boundaries/wijk/2024`: bytes gzipped and plain, the first request after the server
   started (cold), the median of later ones (warm) and a revalidation with the ETag (304);
2. time to idle (MapLibre's first `idle` event, from navigation start) of `/kaart?level=wijk` in headless
   Chromium, each run in a fresh browser context (nothing cached), and of the **floor**: a bare page that
   loads the same MapLibre and draws the same GeoJSON in one colour from a local file (answered by the
   browser's request interception, so no server and no network), with none of the page around it.

The goal is under 1.5 s for the wijk map; the difference with the floor is what the application adds
(values, page, server). There are no timing asserts in the tests.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Browser, Route, sync_playwright

sys.path.insert(0, str(Path(__file__).parent))
from map_benchmark import CHROMIUM, CHROMIUM_ARGS, free_port, start_server
from wijkzicht import config

BOUNDARIES = "/api/map/boundaries/wijk/2024"
FLOOR_PAGE = "/__floor__.html"
FLOOR_DATA = "/__floor__/wijk2024.geojson"
FLOOR_HTML = """<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>floor</title>
<link rel="stylesheet" href="/static/vendor/maplibre-gl/maplibre-gl.css">
<style>body{margin:0} #map{width:900px;height:640px}</style></head><body><div id="map"></div>
<script type="module">
const [maplibregl, data] = await Promise.all([
  import("/static/vendor/maplibre-gl/maplibre-gl.mjs"),
  fetch("FLOOR_DATA").then((r) => r.json()),
]);
const element = document.getElementById("map");
const map = new maplibregl.Map({container: element, bounds: [[3.31, 50.75], [7.23, 53.56]],
  style: {version: 8, sources: {areas: {type: "geojson", data, promoteId: "code"}}, layers: [
    {id: "bg", type: "background", paint: {"background-color": "#dde6ee"}},
    {id: "fill", type: "fill", source: "areas", paint: {"fill-color": "#fd8d3c", "fill-opacity": 0.9}},
    {id: "line", type: "line", source: "areas", paint: {"line-color": "#ffffff", "line-width": 0.5}}]}});
map.once("idle", () => { element.dataset.idleMs = Math.round(performance.now()); element.dataset.ready = "idle"; });
</script></body></html>""".replace("FLOOR_DATA", FLOOR_DATA)


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


def idle(browser: Browser, base: str, path: str, geojson: bytes | None) -> float:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    if geojson is not None:
        context.route(
            base + FLOOR_PAGE, lambda route: route.fulfill(body=FLOOR_HTML, content_type="text/html")
        )

        def data(route: Route) -> None:
            route.fulfill(body=geojson, content_type="application/geo+json")

        context.route(base + FLOOR_DATA, data)
    page = context.new_page()
    page.goto(base + path)
    page.wait_for_selector("#map[data-ready='idle']", timeout=60_000)
    seconds = int(page.get_attribute("#map", "data-idle-ms") or 0) / 1000
    context.close()
    return seconds


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
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            print(
                f"time to idle, headless Chromium (SwiftShader), {arguments.repeat} cold runs each, interleaved"
            )
            runs: dict[str, list[float]] = {
                "floor (MapLibre + same GeoJSON, local)": [],
                "/kaart?level=wijk": [],
            }
            for _ in range(arguments.repeat):  # interleaved, so a busy moment hits both alike
                runs["floor (MapLibre + same GeoJSON, local)"].append(idle(browser, base, FLOOR_PAGE, plain))
                runs["/kaart?level=wijk"].append(idle(browser, base, "/kaart?level=wijk", None))
            browser.close()
        for name, seconds in runs.items():
            print(
                f"  {name:<42} median {statistics.median(seconds):5.2f} s "
                f"(min {min(seconds):.2f}, max {max(seconds):.2f})"
            )
        floor = statistics.median(runs["floor (MapLibre + same GeoJSON, local)"])
        page = statistics.median(runs["/kaart?level=wijk"])
        print(f"  the application adds {page - floor:+.2f} s to the floor; goal for the page: under 1.5 s")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
