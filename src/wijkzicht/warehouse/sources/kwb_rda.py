"""CBS Kerncijfers wijken en buurten 2022 (85318NED) as R data files: one `sf` data frame per level.

The snapshot's `85318NED_kwb2022_wijken_NLD_dist.rda` and `..._gemeenten_NLD_muni.rda` were built by the R
package tmap's data script from 85318NED and the generalised PDOK 2022 boundaries (EPSG:28992). The package
renamed the CBS columns and added columns of its own. Only the columns that are **unedited CBS figures** are
read, each under its CBS key so the catalogue's KWB family maps it like any other KWB table:

    population -> AantalInwoners_5, dwelling_total -> Woningvoorraad_34,
    dwelling_value -> GemiddeldeWOZWaardeVanWoningen_35, dwelling_ownership -> Koopwoningen_40,
    employment_rate -> Nettoarbeidsparticipatie_67, income_low -> k_40PersonenMetLaagsteInkomen_73,
    income_high -> k_20PersonenMetHoogsteInkomen_74, and for wijken area (km²) -> OppervlakteTotaal_111 (ha).

The package's own columns never become figures (`DERIVED_COLUMNS`): the ASCII-transliterated `name` (kept
only as a fallback area name: another source's spelling wins), `province` (point in polygon), the rounded
age shares `pop_*`, `edu_appl_sci` (a share the author computed from three education counts) and the
gemeenten's `area` (a sum of wijken). `urbanity` is the CBS figure relabelled in English and is left out.

The wijk polygons become the wijk boundaries of 2022 (transformed to WGS84 like the PDOK files); gemeente
polygons of 2022 already come from PDOK and are not duplicated. `_line` is the row's position in the frame.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

from wijkzicht.errors import SourceError
from wijkzicht.warehouse.privacy import reject_identifying
from wijkzicht.warehouse.queries import literal
from wijkzicht.warehouse.sources.staging import Staging, first_line, quoted, table_id_of

NAME_PATTERN = re.compile(r"(\d+NED)_kwb(\d{4})_(gemeenten|wijken)_(NLD_\w+)\.rda")
LEVELS = {"gemeenten": "gemeente", "wijken": "wijk"}
# tmap's column -> the CBS key of 85318NED it holds unedited.
OFFICIAL_COLUMNS = {
    "population": "AantalInwoners_5",
    "dwelling_total": "Woningvoorraad_34",
    "dwelling_value": "GemiddeldeWOZWaardeVanWoningen_35",
    "dwelling_ownership": "Koopwoningen_40",
    "employment_rate": "Nettoarbeidsparticipatie_67",
    "income_low": "k_40PersonenMetLaagsteInkomen_73",
    "income_high": "k_20PersonenMetHoogsteInkomen_74",
}
# Only the wijk frame's `area` is CBS's OppervlakteTotaal (ha / 100); the gemeenten's is a sum of wijken.
WIJK_AREA = ("area", "OppervlakteTotaal_111")
DERIVED_COLUMNS = (
    "name",
    "province",
    "pop_0_14",
    "pop_15_24",
    "pop_25_44",
    "pop_45_64",
    "pop_65plus",
    "edu_appl_sci",
    "urbanity",
)
# The area names are tmap's ASCII transliterations: staged under a long source label, so that a name from
# another source of the same boundary year (PDOK) wins (the build prefers the shortest source label).
NAMES_SOURCE = "85318NED via R-pakket tmap (namen in ASCII)"


def read_frame(path: Path) -> Any:
    """The one data frame (pandas, as rdata converts it) an .rda file of this family holds."""
    import rdata  # here, not at the top: it loads pandas, which every command that opens the warehouse paid

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # rdata warns about every sf class it has no constructor for
            objects = rdata.conversion.convert(rdata.parser.parse_file(path))
    except Exception as error:  # rdata raises many kinds of errors for a damaged file
        raise SourceError(
            path,
            f"cannot be read as an R data file: {first_line(error)}",
            expected="an .rda file holding one sf data frame",
        ) from error
    frames = [value for value in objects.values() if hasattr(value, "columns")]
    if len(frames) != 1:
        raise SourceError(
            path, f"expected one data frame, found {len(frames)}", expected="NLD_dist or NLD_muni"
        )
    return frames[0].reset_index(drop=True)


def read(staging: Staging, path: Path) -> None:
    match = NAME_PATTERN.fullmatch(path.name)
    if not match:
        raise SourceError(
            path,
            "cannot tell table, year and level from the file name",
            expected="{table}_kwb{year}_{gemeenten|wijken}_NLD_....rda",
        )
    table_id, level = table_id_of(path), LEVELS[match.group(3)]
    if table_id not in staging.catalogue.tables:
        raise SourceError(path, f"table {table_id} is not in the catalogue", expected="85318NED")
    table = staging.catalogue.tables[table_id]
    if int(match.group(2)) != table.boundary_year:
        raise SourceError(
            path,
            f"the file name says {match.group(2)}, the catalogue's table {table_id} has boundaries of "
            f"{table.boundary_year}",
        )
    frame = read_frame(path)
    reject_identifying(path, [str(column) for column in frame.columns])
    official = dict(OFFICIAL_COLUMNS)
    if level == "wijk":
        official[WIJK_AREA[0]] = WIJK_AREA[1]
    missing = [c for c in ("code", "name", "geometry", *official) if c not in frame.columns]
    if missing:
        raise SourceError(
            path,
            f"missing column {missing[0]!r}",
            column=missing[0],
            expected="tmap's NLD_dist / NLD_muni columns",
        )
    raw = _raw_columns(frame, official)
    name = staging.fresh_name("rda")
    staging.con.execute(
        f"CREATE TEMP TABLE {name} AS SELECT "
        + ", ".join(f"unnest(?) AS {quoted(column)}" for column in raw),
        list(raw.values()),
    )
    staging.stage_areas(
        path,
        f"SELECT code, name FROM {name}",
        table_id=NAMES_SOURCE,
        boundary_year=table.boundary_year,
    )
    staging.stage_values(
        path,
        name,
        table_id=table_id,
        columns=staging.catalogue.resolve_columns(table_id, list(official.values())),
        code="code",
        boundary_year=table.boundary_year,
        period=str(table.period),
    )
    staging.drop(name)
    if level == "wijk":
        _stage_geometries(staging, path, frame, table.boundary_year)


def _raw_columns(frame: Any, official: dict[str, str]) -> dict[str, list[object]]:
    """Code, name and the official columns as text under their CBS keys; R's NA becomes NULL."""
    columns: dict[str, list[object]] = {
        "_line": list(range(1, len(frame) + 1)),
        "code": [str(code).strip() for code in _values(frame, "code")],
        "name": [None if name is None else str(name) for name in _values(frame, "name")],
    }
    for column, key in official.items():
        if column == WIJK_AREA[0]:  # km² with two decimals back to CBS's whole hectares
            columns[key] = [None if v is None else str(round(float(v) * 100)) for v in _values(frame, column)]
        else:
            columns[key] = [None if v is None else _text(v) for v in _values(frame, column)]
    return columns


def _values(frame: Any, column: str) -> list[Any]:
    """A column as Python values, with R's NA (pandas NA or NaN) as None."""
    return list(frame[column].to_numpy(dtype=object, na_value=None))


def _text(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def _stage_geometries(staging: Staging, path: Path, frame: Any, year: int) -> None:
    """The polygons as WKT in RD New (EPSG:28992), transformed to WGS84 (lon, lat) like the PDOK files."""
    rows = [
        (str(code).strip(), _wkt(geometry))
        for code, geometry in zip(frame["code"], frame["geometry"], strict=True)
        if geometry is not None and len(geometry)
    ]
    staging.con.execute(
        f"""
        INSERT INTO geometries
        SELECT code, {year}, 'wijk',
               ST_Transform(ST_GeomFromText(wkt), 'EPSG:28992', 'EPSG:4326', always_xy := true),
               {literal(staging.relative(path))}
        FROM (SELECT unnest(?) AS code, unnest(?) AS wkt)
        """,
        [[code for code, _ in rows], [wkt for _, wkt in rows]],
    )


def _wkt(multipolygon: list) -> str:
    polygons = (
        "(" + ", ".join("(" + ", ".join(f"{x:.0f} {y:.0f}" for x, y in ring) + ")" for ring in polygon) + ")"
        for polygon in multipolygon
    )
    return "MULTIPOLYGON (" + ", ".join(polygons) + ")"
