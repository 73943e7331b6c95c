"""The indicator catalogue: loaded from `catalogue/indicators.yaml` and validated on load."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from wijkzicht.errors import CatalogueError
from wijkzicht.yamltext import YAMLError, load_packaged_yaml, load_yaml

DIRECTIONS = ("higher_is_worse", "higher_is_better", "neutral")
AGGREGATIONS = ("sum", "weighted_mean", "ratio", "none")
BASES = ("register", "survey")
# national: every area of a level is covered, so areas can be ranked against each other; local: only the
# municipalities that deliver it (their own resident survey), which must never enter a national ranking.
COVERAGES = ("national", "local")
# The domain that describes an area (population, density) rather than a problem: never scored or chosen.
CONTEXT_DOMAIN = "context"
# The subgroup of a figure for everyone, and the order a page or score picks a figure's subgroup in: the
# health monitor's adults before its age bands; KWB has only the total.
TOTAL_SUBGROUP = "totaal"
SUBGROUP_PREFERENCE = ("18plus", TOTAL_SUBGROUP, "18tot65", "65plus")
# The subgroups that stand for a source's whole population (surveys ask adults only): the latest picture
# takes each indicator's figure for one of these, never an age band.
POPULATION_SUBGROUPS = ("18plus", TOTAL_SUBGROUP)
# The partition of the latest picture: per indicator its latest figure within a window of years, so that
# domains measured in different years stack in one index. It stands in the subgroup column of the scores
# (its figures come from several subgroups and periods) and goes first wherever a default is chosen.
LATEST_PICTURE = "actueel"
PARTITION_PREFERENCE = (LATEST_PICTURE, *SUBGROUP_PREFERENCE)
CRIME_RATE_UNIT = "per 1 000 inwoners"


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    publisher: str
    licence: str
    boundary_year: int
    basis: str
    min_population: int
    period: int | None = None
    url: str | None = None
    coverage: str = "national"
    # How an installation gets the table: `odata` (`wijkzicht fetch` downloads it) or `file` (a download
    # from StatLine or a CBS maatwerk file placed in the data root by hand, read as that file).
    obtained: str = "odata"


@dataclass(frozen=True)
class NumberFormat:
    """How a value of one unit is written in the sources: at most `decimals` decimals, within the bounds."""

    decimals: int | None = None  # None: any number of decimals
    minimum: float | None = None
    maximum: float | None = None


# A unit the catalogue gives no format: still a plain finite number, of a size no statistic has.
ANY_NUMBER = NumberFormat(None, -1e12, 1e12)


@dataclass(frozen=True)
class SourceColumn:
    table: str  # a table id, or a family name such as "kwb"
    column: str
    # For a police table (long format, one row per crime type): the crime types whose counts add up to it.
    crime_types: tuple[str, ...] = ()

    def matches(self, raw_column: str) -> bool:
        """CBS suffixes column keys with a per-table number: `AantalInwoners` matches `AantalInwoners_5`."""
        return (
            raw_column == self.column
            or re.fullmatch(re.escape(self.column) + r"_\d+", raw_column) is not None
        )


@dataclass(frozen=True)
class Indicator:
    id: str
    name_nl: str
    name_en: str
    domain: str
    unit: str
    direction: str
    aggregation: str
    sources: tuple[SourceColumn, ...]
    group_characteristic: bool = False
    min_population: int | None = None
    # Relative weight within its domain score: equal weights unless the catalogue says otherwise.
    weight: float = 1.0
    # Residents' own judgement or experience asked in a survey (loneliness, nuisance), not a registration.
    perception: bool = False
    # Only some municipalities deliver it (a table with coverage `local`): never standardised or scored.
    local: bool = False
    # The scale an imported value must lie on (local survey questions), e.g. (0, 100) for a percentage.
    scale: tuple[float, float] | None = None

    @property
    def crime_types(self) -> tuple[str, ...]:
        """The police crime types counted by this indicator (empty for every other indicator)."""
        return tuple(code for source in self.sources for code in source.crime_types)

    @property
    def unscored_because(self) -> str | None:
        """Why the indicator enters no problem score (`group_characteristic`, `context`, `neutral` or `local`:
        a national percentile needs every area of the level), None when it does."""
        if self.group_characteristic:
            return "group_characteristic"
        if self.domain == CONTEXT_DOMAIN:
            return "context"
        if self.direction == "neutral":
            return "neutral"
        return "local" if self.local else None

    @property
    def scored(self) -> bool:
        """Whether the indicator enters a problem score: never context, neutral, a group characteristic or a
        figure only some municipalities have."""
        return self.unscored_because is None

    def name(self, language: str = "nl") -> str:
        return self.name_en if language == "en" else self.name_nl

    def summary(self) -> dict[str, object]:
        """What the CLI and the API list of an indicator."""
        return {
            "id": self.id,
            "name_nl": self.name_nl,
            "name_en": self.name_en,
            "domain": self.domain,
            "unit": self.unit,
            "direction": self.direction,
            "scored": self.scored,
            "perception": self.perception,
            "local": self.local,
            "sources": [{"table": s.table, "column": s.column} for s in self.sources],
        }


@dataclass(frozen=True)
class Catalogue:
    domains: dict[str, dict[str, str]]
    subgroups: dict[str, dict[str, str]]
    tables: dict[str, Table]
    families: dict[str, tuple[str, ...]]
    indicators: dict[str, Indicator] = field(default_factory=dict)
    units: dict[str, NumberFormat] = field(default_factory=dict)

    def number_format(self, unit: str) -> NumberFormat:
        return self.units.get(unit, ANY_NUMBER)

    @property
    def problem_domains(self) -> list[str]:
        """The domains a score, ranking or resident's input is about: every domain but the context."""
        return [domain for domain in self.domains if domain != CONTEXT_DOMAIN]

    def table_ids(self, table_or_family: str) -> tuple[str, ...]:
        return self.families.get(table_or_family, (table_or_family,))

    def columns_for(self, table_id: str) -> list[tuple[Indicator, SourceColumn]]:
        """Every (indicator, source column) the catalogue maps onto one table."""
        return [
            (indicator, source)
            for indicator in self.indicators.values()
            for source in indicator.sources
            if table_id in self.table_ids(source.table)
        ]

    def resolve_columns(self, table_id: str, raw_columns: list[str]) -> dict[str, Indicator]:
        """Map the raw columns of one table onto indicators; a catalogued column that is absent is left out."""
        resolved: dict[str, Indicator] = {}
        for indicator, source in self.columns_for(table_id):
            hits = [column for column in raw_columns if source.matches(column)]
            if len(hits) > 1:
                raise CatalogueError(
                    f"indicator {indicator.id!r}: column {source.column!r} matches several columns of "
                    f"{table_id}: {', '.join(hits)}"
                )
            if hits:
                resolved[hits[0]] = indicator
        return resolved

    def check_against_table(self, table_id: str, raw_columns: list[str]) -> None:
        """Every column the catalogue maps onto this table must exist in it (e.g. its DataProperties)."""
        missing = [
            f"{indicator.id} ({source.column})"
            for indicator, source in self.columns_for(table_id)
            if not any(source.matches(column) for column in raw_columns)
        ]
        if missing:
            raise CatalogueError(
                f"the catalogue maps columns that table {table_id} does not have: {', '.join(missing)}"
            )


# Every key a catalogue entry may have: anything else is a typo or a YAML slip (an unquoted comma in a flow
# mapping turns the rest of a name into stray keys), so the loader refuses it rather than dropping it.
OBTAINED = ("odata", "file")
DOCUMENT_KEYS = frozenset({"domains", "subgroups", "tables", "table_families", "units", "indicators"})
UNIT_KEYS = frozenset({"decimals", "min", "max"})
TABLE_KEYS = frozenset(
    {
        "title",
        "publisher",
        "licence",
        "boundary_year",
        "basis",
        "min_population",
        "period",
        "url",
        "coverage",
        "obtained",
    }
)
INDICATOR_KEYS = frozenset(
    {
        "id",
        "name",
        "domain",
        "unit",
        "direction",
        "aggregation",
        "sources",
        "group_characteristic",
        "min_population",
        "weight",
        "perception",
        "scale",
    }
)
SOURCE_KEYS = frozenset({"table", "column", "crime_types"})
NAME_KEYS = frozenset({"nl", "en"})


def _known_keys(entry: Any, allowed: frozenset[str], where: str) -> dict[str, Any]:
    """The entry itself, once it is a mapping with no key outside `allowed`."""
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where}: expected a mapping, not {entry!r}")
    unknown = sorted(str(key) for key in entry if key not in allowed)
    if unknown:
        raise CatalogueError(
            f"{where}: unknown key(s) {', '.join(repr(key) for key in unknown)} (allowed: "
            f"{', '.join(sorted(allowed))}); a name with a comma must be quoted"
        )
    return entry


def _require(entry: dict[str, Any], key: str, where: str) -> Any:
    if key not in entry or entry[key] in (None, ""):
        raise CatalogueError(f"{where}: missing required field {key!r}")
    return entry[key]


def _one_of(value: str, allowed: tuple[str, ...] | list[str], what: str, where: str) -> str:
    if value not in allowed:
        raise CatalogueError(f"{where}: unknown {what} {value!r} (expected one of: {', '.join(allowed)})")
    return value


def _parse_table(table_id: str, entry: dict[str, Any]) -> Table:
    where = f"table {table_id}"
    entry = _known_keys(entry, TABLE_KEYS, where)
    return Table(
        id=table_id,
        title=_require(entry, "title", where),
        publisher=_require(entry, "publisher", where),
        licence=_require(entry, "licence", where),
        boundary_year=int(_require(entry, "boundary_year", where)),
        basis=_one_of(_require(entry, "basis", where), BASES, "basis", where),
        min_population=int(_require(entry, "min_population", where)),
        period=entry.get("period"),
        url=entry.get("url"),
        coverage=_one_of(entry.get("coverage", "national"), COVERAGES, "coverage", where),
        obtained=_one_of(entry.get("obtained", "odata"), OBTAINED, "obtained", where),
    )


def _parse_unit(unit: str, entry: Any) -> NumberFormat:
    where = f"unit {unit!r}"
    entry = _known_keys(entry, UNIT_KEYS, where)
    decimals = entry.get("decimals")
    bounds = [entry.get("min"), entry.get("max")]
    if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0):
        raise CatalogueError(f"{where}: decimals must be a whole number of 0 or more, not {decimals!r}")
    if any(isinstance(b, bool) or not isinstance(b, int | float | None) for b in bounds):
        raise CatalogueError(f"{where}: min and max must be numbers, not {bounds!r}")
    minimum = ANY_NUMBER.minimum if bounds[0] is None else float(bounds[0])
    maximum = ANY_NUMBER.maximum if bounds[1] is None else float(bounds[1])
    if minimum is not None and maximum is not None and minimum >= maximum:
        raise CatalogueError(f"{where}: min must be below max, not {bounds!r}")
    return NumberFormat(decimals, minimum, maximum)


def _parse_indicator(entry: dict[str, Any], catalogue: Catalogue) -> Indicator:
    indicator_id = _require(entry, "id", "indicator") if isinstance(entry, dict) else None
    where = f"indicator {indicator_id!r}"
    entry = _known_keys(entry, INDICATOR_KEYS, where)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", indicator_id):
        raise CatalogueError(f"{where}: an id is lower case letters, digits and underscores")
    names = _known_keys(_require(entry, "name", where), NAME_KEYS, f"{where}, name")
    sources = []
    for source in _require(entry, "sources", where):
        source = _known_keys(source, SOURCE_KEYS, f"{where}, source")
        table = _require(source, "table", where)
        if table not in catalogue.tables and table not in catalogue.families:
            raise CatalogueError(f"{where}: unknown source table {table!r}")
        sources.append(
            SourceColumn(
                table=table,
                column=_require(source, "column", where),
                crime_types=_crime_types(source.get("crime_types", []), where),
            )
        )
    return Indicator(
        id=indicator_id,
        name_nl=_require(names, "nl", where),
        name_en=_require(names, "en", where),
        domain=_one_of(_require(entry, "domain", where), list(catalogue.domains), "domain", where),
        unit=str(_require(entry, "unit", where)),
        direction=_one_of(_require(entry, "direction", where), DIRECTIONS, "direction", where),
        aggregation=_one_of(_require(entry, "aggregation", where), AGGREGATIONS, "aggregation", where),
        sources=tuple(sources),
        group_characteristic=bool(entry.get("group_characteristic", False)),
        min_population=entry.get("min_population"),
        weight=_positive_weight(entry.get("weight", 1.0), where),
        perception=entry.get("perception", False) is True,
        local=any(
            catalogue.tables[table_id].coverage == "local"
            for source in sources
            for table_id in catalogue.table_ids(source.table)
        ),
        scale=_scale(entry.get("scale"), where),
    )


def _scale(value: Any, where: str) -> tuple[float, float] | None:
    if value is None:
        return None
    numbers = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    )
    if not numbers or value[0] >= value[1]:
        raise CatalogueError(f"{where}: scale must be [lowest, highest], not {value!r}")
    return float(value[0]), float(value[1])


def _crime_types(values: Any, where: str) -> tuple[str, ...]:
    codes = tuple(str(value).strip() for value in values) if isinstance(values, list) else ()
    if not isinstance(values, list) or not all(re.fullmatch(r"\d+(\.\d+){2}", code) for code in codes):
        raise CatalogueError(
            f"{where}: crime_types must be a list of police codes such as '1.1.1', not {values!r}"
        )
    if len(set(codes)) != len(codes):
        raise CatalogueError(f"{where}: a crime type is listed twice in {list(codes)}")
    return codes


def _positive_weight(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise CatalogueError(f"{where}: weight must be a positive number, not {value!r}")
    return float(value)


def _check_group_characteristics(indicator: Indicator) -> None:
    # Group characteristics of residents describe who lives somewhere, never a problem.
    if indicator.group_characteristic and (
        indicator.domain != CONTEXT_DOMAIN or indicator.direction != "neutral"
    ):
        raise CatalogueError(
            f"indicator {indicator.id!r} is a group characteristic: it must stay in domain 'context' "
            "with direction 'neutral'"
        )


def _check_crime_rate(indicator: Indicator) -> None:
    # Police counts only become comparable between areas as a rate on the population (see docs/method.md).
    if indicator.crime_types and (
        indicator.unit != CRIME_RATE_UNIT or indicator.aggregation != "weighted_mean"
    ):
        raise CatalogueError(
            f"indicator {indicator.id!r} counts crime types: its unit must be {CRIME_RATE_UNIT!r} "
            "and its aggregation 'weighted_mean'"
        )


def _check_perception(indicator: Indicator, catalogue: Catalogue) -> None:
    # A judgement can only come from asking residents: a registration table cannot hold one.
    registered = [
        table_id
        for source in indicator.sources
        for table_id in catalogue.table_ids(source.table)
        if catalogue.tables[table_id].basis != "survey"
    ]
    if indicator.perception and registered:
        raise CatalogueError(
            f"indicator {indicator.id!r} is marked as a perception but comes from registration table(s) "
            f"{', '.join(registered)}: only survey-based sources hold residents' judgements"
        )


def _check_local(indicator: Indicator) -> None:
    # A local survey question is read from a long file (one row per question), validated on its scale, and
    # shown only as it was delivered: one source, a perception, never aggregated over areas.
    if not indicator.local:
        if indicator.scale is not None:
            raise CatalogueError(f"indicator {indicator.id!r}: only a local survey question has a scale")
        return
    if not (indicator.perception and indicator.scale and indicator.aggregation == "none"):
        raise CatalogueError(
            f"indicator {indicator.id!r} comes from a local table: it must be a perception with a scale "
            "and aggregation 'none'"
        )
    if len(indicator.sources) != 1 or indicator.sources[0].column != indicator.id:
        raise CatalogueError(
            f"indicator {indicator.id!r} comes from a local table: its one source column is its own id"
        )


def parse_catalogue(document: dict[str, Any]) -> Catalogue:
    """Build a validated catalogue from the parsed YAML document."""
    document = _known_keys(document, DOCUMENT_KEYS, "catalogue")
    for section in ("domains", "subgroups"):
        for key, names in _require(document, section, "catalogue").items():
            _known_keys(names, NAME_KEYS, f"{section} {key!r}")
    tables = {
        str(key): _parse_table(str(key), value)
        for key, value in _require(document, "tables", "catalogue").items()
    }
    families = {name: tuple(ids) for name, ids in document.get("table_families", {}).items()}
    for name, ids in families.items():
        unknown = [table_id for table_id in ids if table_id not in tables]
        if unknown:
            raise CatalogueError(f"table family {name!r}: unknown tables {', '.join(unknown)}")
    catalogue = Catalogue(
        domains=_require(document, "domains", "catalogue"),
        subgroups=_require(document, "subgroups", "catalogue"),
        tables=tables,
        families=families,
        units={str(unit): _parse_unit(str(unit), entry) for unit, entry in document.get("units", {}).items()},
    )
    for entry in _require(document, "indicators", "catalogue"):
        indicator = _parse_indicator(entry, catalogue)
        if indicator.id in catalogue.indicators:
            raise CatalogueError(f"indicator {indicator.id!r} is defined twice")
        _check_group_characteristics(indicator)
        _check_crime_rate(indicator)
        _check_perception(indicator, catalogue)
        _check_local(indicator)
        catalogue.indicators[indicator.id] = indicator
    return catalogue


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Load the catalogue from a YAML file (the packaged one by default)."""
    if path is None:
        return _packaged_catalogue()
    try:
        document = load_yaml(Path(path).read_text(encoding="utf-8"))
    except (OSError, YAMLError) as error:
        raise CatalogueError(f"{path}: cannot read the catalogue: {error}") from error
    if not isinstance(document, dict):
        raise CatalogueError(f"{path}: the catalogue must be a mapping with domains, tables and indicators")
    return parse_catalogue(document)


@cache
def _packaged_catalogue() -> Catalogue:
    text = resources.files("wijkzicht").joinpath("catalogue/indicators.yaml").read_text(encoding="utf-8")
    return parse_catalogue(load_packaged_yaml(text))
