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


def test_no_page_or_script_loads_anything_from_another_host() -> None:
    web = REPO / "src" / "wijkzicht" / "web"
    for path in [*web.glob("templates/*.html"), *web.glob("static/*.js"), *web.glob("static/*.css")]:
        text = path.read_text("utf-8")
        assert not re.search(
            r"""(src|href)=["']https?://|url\(["']?https?://|import[^;]*["']https?://""", text
        ), f"{path.name} loads something from the internet"
