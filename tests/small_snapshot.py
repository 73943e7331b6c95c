"""A small part of the real snapshot, for tests that build a throw-away warehouse with an extra source."""

from __future__ import annotations

import shutil
from pathlib import Path

KWB = "cbs_kwb/85984NED_kwb2024_"
REGION_FILES = ("WijkenEnBuurten_regiocodes.csv.gz", "gemeente_wijk_subset.json.gz", "buurt_inwoners.csv.gz")


def small_snapshot(snapshot: Path, folder: Path) -> Path:
    """The 2024 region list and 2024 populations (gemeente, wijk, buurt) of the real snapshot, nothing else:
    a build of about a second."""
    for name in REGION_FILES:
        target = folder / (KWB + name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(snapshot / (KWB + name), target)
    return folder
