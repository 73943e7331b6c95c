"""Source readers: one per publisher and table family.

A reader turns the raw files of its family, exactly as the publisher delivers them (from the snapshot
or from `wijkzicht fetch`'s cache, which share one layout), into two staging tables of raw text:

- `stage_areas`: the areas a file declares (code, boundary year, level, name);
- `stage_cells`: one row per (indicator, subgroup, area, boundary year, period) with the raw value,
  the file, line and column it came from.

Parsing values, checking codes and finding duplicates happen once, for all readers, in
`wijkzicht.warehouse`, so every source gets the same rules and the same error messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from wijkzicht.warehouse.resident_survey import SURVEY_FOLDER
from wijkzicht.warehouse.sources import (
    bewoners,
    cbs_inkomen,
    gezondheid,
    grenswijzigen,
    kwb,
    kwb_rda,
    pdok,
    politie,
    politie_gemeente,
    programma,
    ses,
    wijkbuurtkaart,
)
from wijkzicht.warehouse.sources.staging import Staging

Reader = Callable[[Staging, Path], None]


@dataclass(frozen=True)
class SourceFamily:
    name: str
    patterns: tuple[str, ...]  # globs relative to a data root
    read: Reader
    # Read after every other file of every root: it checks its area codes against the areas they declare.
    needs_every_area: bool = False


FAMILIES: tuple[SourceFamily, ...] = (
    SourceFamily(
        "CBS kerncijfers wijken en buurten: regio's", ("cbs_kwb/*_WijkenEnBuurten*.csv.gz",), kwb.read_regions
    ),
    SourceFamily(
        "CBS kerncijfers wijken en buurten: metadata", ("cbs_kwb/*_TableInfos.json",), kwb.read_table_info
    ),
    SourceFamily(
        "CBS kerncijfers wijken en buurten: gemeente/wijk",
        ("cbs_kwb/*_subset.json.gz",),
        kwb.read_subset_json,
    ),
    SourceFamily(
        "CBS kerncijfers wijken en buurten: buurt",
        ("cbs_kwb/*_buurt_inwoners.csv.gz",),
        kwb.read_buurt_inwoners,
    ),
    SourceFamily(
        "CBS kerncijfers wijken en buurten: tabel", ("cbs_kwb/*_UntypedDataSet.csv.gz",), kwb.read_dataset
    ),
    SourceFamily(
        "CBS kerncijfers wijken en buurten: R-databestand (tmap)",
        ("cbs_kwb/*_kwb*_NLD_*.rda",),
        kwb_rda.read,
    ),
    SourceFamily(
        "CBS wijk- en buurtkaart 2017",
        ("cbs_wijkbuurtkaart/wijkbuurtkaart*_attributen.csv.gz",),
        wijkbuurtkaart.read,
    ),
    SourceFamily("CBS inkomen per gemeente en wijk", ("cbs_inkomen/kvk*-wb*.xlsx",), cbs_inkomen.read),
    SourceFamily(
        "RIVM gezondheidsmonitor: regio's", ("rivm_gezondheid/*_WijkenEnBuurten.csv.gz",), kwb.read_regions
    ),
    SourceFamily(
        "RIVM gezondheidsmonitor: metadata", ("rivm_gezondheid/*_TableInfos.json",), kwb.read_table_info
    ),
    SourceFamily(
        "RIVM gezondheidsmonitor",
        # the snapshot's extracts, and the table as `wijkzicht fetch 50090NED` writes it (not its code lists)
        ("rivm_gezondheid/50090NED_gezondheid_*.csv.gz", "rivm_gezondheid/*_UntypedDataSet.csv.gz"),
        gezondheid.read,
    ),
    SourceFamily("CBS SES-WOA: export", ("cbs_ses/*_*.csv",), ses.read),
    # as `wijkzicht fetch 85163NED` writes it (85539NED, 85900NED once the catalogue names them)
    SourceFamily("CBS SES-WOA: regio's", ("cbs_ses/*_WijkenEnBuurten.csv.gz",), ses.read_regions),
    SourceFamily("CBS SES-WOA: metadata", ("cbs_ses/*_TableInfos.json",), kwb.read_table_info),
    SourceFamily("CBS SES-WOA: tabel", ("cbs_ses/*_UntypedDataSet.csv.gz",), ses.read_dataset),
    SourceFamily("Politie: regio's", ("politie/*_WijkenEnBuurten*.csv.gz",), politie.read_regions),
    SourceFamily(
        "Politie: metadata",
        (
            "politie/*_TableInfos.csv",
            "politie/*_SoortMisdrijf.csv",
            "politie/*_Perioden.csv",
            # as `wijkzicht fetch 47018NED` writes them
            "politie/*_TableInfos.json",
            "politie/*_SoortMisdrijf.csv.gz",
            "politie/*_Perioden.csv.gz",
        ),
        politie.read_metadata,
    ),
    # After the metadata: the counts are checked against the crime-type list.
    SourceFamily("Politie: misdrijven", ("politie/*_UntypedDataSet.csv.gz",), politie.read_counts),
    # Gemeenten by name: read after every other file, when the names of its boundary year are known.
    SourceFamily(
        "Politie: misdrijven per gemeente",
        ("politie/47013NED_*.csv",),
        politie_gemeente.read,
        needs_every_area=True,
    ),
    SourceFamily("PDOK gemeentegrenzen", ("geo/pdok_*.geojson.gz",), pdok.read),
    SourceFamily("NPLV focusgebieden", ("programma/nplv_focusgebieden.csv",), programma.read),
    SourceFamily("VNG grenswijzigingen", ("grenswijzigen/grenswijziging_*.rda",), grenswijzigen.read),
    SourceFamily(
        "Bewonersenquête van de gemeente", (f"{SURVEY_FOLDER}/*.csv",), bewoners.read, needs_every_area=True
    ),
)


def discover(root: Path) -> Iterator[tuple[SourceFamily, Path]]:
    """Every (family, file) under one data root, in a stable order."""
    for family in FAMILIES:
        for pattern in family.patterns:
            for path in sorted(root.glob(pattern)):
                if not path.name.startswith("."):  # skip half-written downloads (.name.part)
                    yield family, path
