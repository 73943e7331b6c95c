"""Browser assets from npm, copied into `web/static/vendor/` at install time and served by the application.

`package.json` pins the packages and `package-lock.json` their exact files; `npm ci` puts them in
`node_modules/`, and `python -m wijkzicht.web.assets` copies only what the pages load. Nothing is fetched
from a CDN at run time, so the application works offline; a page that needs a missing asset says so.
"""

from __future__ import annotations

import shutil
import sys
from importlib import resources
from pathlib import Path

VENDOR = Path(str(resources.files("wijkzicht.web"))) / "static" / "vendor"
# target (under static/vendor) -> source (under node_modules). MapLibre GL JS 6 loads its worker from
# the folder of its own module, so the two .mjs files stay side by side.
FILES = {
    "maplibre-gl/maplibre-gl.mjs": "maplibre-gl/dist/maplibre-gl.mjs",
    "maplibre-gl/maplibre-gl-worker.mjs": "maplibre-gl/dist/maplibre-gl-worker.mjs",
    "maplibre-gl/maplibre-gl.css": "maplibre-gl/dist/maplibre-gl.css",
    "maplibre-gl/LICENSE.txt": "maplibre-gl/LICENSE.txt",
    "swagger-ui/swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui/swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
    "swagger-ui/LICENSE": "swagger-ui-dist/LICENSE",
}
MAP_LIBRARY = "maplibre-gl/maplibre-gl.mjs"


def missing(vendor: Path = VENDOR) -> list[str]:
    """The vendored files that are not installed (relative to `vendor`)."""
    return [target for target in FILES if not (vendor / target).is_file()]


def install(node_modules: Path, vendor: Path = VENDOR) -> list[Path]:
    """Copy the needed files of the npm packages into `vendor`; refuse when a source file is absent."""
    absent = [source for source in FILES.values() if not (node_modules / source).is_file()]
    if absent:
        raise FileNotFoundError(
            f"not in {node_modules}: {', '.join(absent)}; run `npm ci` in the repository first"
        )
    copied = []
    for target, source in FILES.items():
        destination = vendor / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(node_modules / source, destination)
        copied.append(destination)
    return copied


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd() / "node_modules"
    for path in install(root):
        print(f"installed {path}")
