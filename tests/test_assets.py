"""Browser assets: pinned in package.json/package-lock.json, copied from node_modules, never from a CDN."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from wijkzicht.web import assets

REPO = Path(__file__).resolve().parents[1]


def test_every_vendored_package_is_pinned_to_one_exact_version_in_package_and_lock() -> None:
    package = json.loads((REPO / "package.json").read_text("utf-8"))["dependencies"]
    lock = json.loads((REPO / "package-lock.json").read_text("utf-8"))["packages"]
    used = {source.split("/")[0] for source in assets.FILES.values()} | {"axe-core"}
    assert used <= set(package), f"not in package.json: {used - set(package)}"
    for name in used:
        assert re.fullmatch(r"\d+\.\d+\.\d+", package[name]), f"{name} is not pinned: {package[name]}"
        assert lock[f"node_modules/{name}"]["version"] == package[name]
    assert package["maplibre-gl"].startswith("6."), "the map page is written for MapLibre GL JS 6 (ES module)"


def test_install_copies_the_listed_files_and_missing_reports_none(tmp_path: Path) -> None:
    node_modules, vendor = tmp_path / "node_modules", tmp_path / "vendor"
    for source in assets.FILES.values():
        (node_modules / source).parent.mkdir(parents=True, exist_ok=True)
        (node_modules / source).write_text(f"hand-made stand-in for {source}", "utf-8")
    assert assets.missing(vendor) == list(assets.FILES)
    copied = assets.install(node_modules, vendor)
    assert len(copied) == len(assets.FILES) and assets.missing(vendor) == []
    assert (vendor / assets.MAP_LIBRARY).read_text("utf-8").endswith("maplibre-gl/dist/maplibre-gl.mjs")


def test_install_without_npm_ci_names_what_is_absent_and_copies_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"maplibre-gl\.mjs.*npm ci"):
        assets.install(tmp_path / "node_modules", tmp_path / "vendor")
    assert not (tmp_path / "vendor").exists()


# Loading, not linking: a hyperlink to a source's web page is fine, a script, style sheet, image, font or
# fetch from another host is not.
REMOTE_LOAD = re.compile(
    r"""<(script|img|iframe|source|audio|video|embed)\b[^>]*\ssrc=["']?(https?:)?//"""
    r"""|<link\b[^>]*\shref=["']?(https?:)?//"""
    r"""|url\(["']?(https?:)?//"""
    r"""|(import|fetch)\s*\(?\s*["'`](https?:)?//"""
    r"""|from\s*["'](https?:)?//""",
    re.IGNORECASE,
)


def test_the_remote_load_check_catches_a_cdn_and_allows_a_link() -> None:
    assert REMOTE_LOAD.search('<script src="https://unpkg.com/maplibre-gl"></script>')
    assert REMOTE_LOAD.search('<link rel="stylesheet" href="//cdn.example/x.css">')
    assert REMOTE_LOAD.search('import maplibregl from "https://esm.sh/maplibre-gl";')
    assert not REMOTE_LOAD.search(
        '<a href="https://opendata.cbs.nl/statline/#/CBS/nl/dataset/85984NED">CBS</a>'
    )


def test_no_page_or_script_loads_anything_from_another_host() -> None:
    web = REPO / "src" / "wijkzicht" / "web"
    checked = [*web.glob("templates/**/*.html"), *web.glob("static/*.js"), *web.glob("static/*.css")]
    assert checked
    for path in checked:
        found = REMOTE_LOAD.search(path.read_text("utf-8"))
        assert not found, f"{path.name} loads something from another host: {found.group(0)}"
