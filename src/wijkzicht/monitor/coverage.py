"""What this installation measures: per problem domain how many of the catalogue's scored indicators have
national figures in the warehouse, and why a domain has none; and which sources the warehouse holds.

A reader must be able to tell "not measured here" from "fine": every page that lists domains lists all of
the catalogue's problem domains, and a domain without figures says so with its reason (issue #15).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from wijkzicht.catalogue import Catalogue, Indicator, load_catalogue
from wijkzicht.records import plain

# Why a domain has no national figures in this installation (the texts are translations `coverage.reason.*`).
NO_SOURCE = "no_source"  # none of the domain's source tables is in the warehouse
LOCAL_ONLY = "local_only"  # its figures cover only part of the country (series_coverage)
NOT_IN_SOURCE = "not_in_source"  # the source table is there, without these indicators' columns


YEAR_AT_END = re.compile(r"\s+\d{4}$")


@dataclass(frozen=True)
class DomainCoverage:
    domain: str
    indicators: int  # the catalogue's scored indicators of the domain
    measured: int  # of those, the ones with national figures in this warehouse
    reason: str | None = None  # None when measured; else NO_SOURCE, LOCAL_ONLY or NOT_IN_SOURCE
    sources: list[str] = field(default_factory=list)  # the sources the reason is about
    publishers: list[str] = field(default_factory=list)  # their publishers, for plain-language pages
    gemeenten: int | None = None  # LOCAL_ONLY: gemeenten with figures ...
    gemeenten_in_country: int | None = None  # ... of the gemeenten of its boundary year

    @property
    def is_measured(self) -> bool:
        return self.reason is None

    def as_dict(self) -> dict[str, object]:
        return plain(self)


@dataclass(frozen=True)
class InstalledSource:
    """A source the warehouse holds figures, boundaries or boundary changes from."""

    id: str
    publisher: str
    title: str
    licence: str

    @property
    def label(self) -> str:
        """How a list of sources names it: publisher, title and licence."""
        return f"{self.publisher}, {self.title} ({self.licence})"


def domain_coverage(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> list[DomainCoverage]:
    """Every problem domain of the catalogue, in catalogue order, with what this installation measures."""
    national = {
        row[0]
        for row in con.execute(
            "SELECT DISTINCT indicator FROM series_coverage WHERE coverage = 'national'"
        ).fetchall()
    }
    local = {
        row[0]: (row[1], row[2])
        for row in con.execute(
            """SELECT indicator, max(gemeenten_with_value), arg_max(gemeenten_in_country, gemeenten_with_value)
               FROM series_coverage WHERE coverage = 'local' GROUP BY indicator"""
        ).fetchall()
    }
    present = {row[0] for row in con.execute("SELECT DISTINCT source_table FROM provenance").fetchall()}
    result = []
    for domain in catalogue.problem_domains:
        scored = [i for i in catalogue.indicators.values() if i.domain == domain and i.scored]
        measured = [i for i in scored if i.id in national]
        if measured:
            result.append(DomainCoverage(domain, len(scored), len(measured)))
            continue
        partly = [i for i in scored if i.id in local]
        if partly:
            gemeenten, in_country = max(local[i.id] for i in partly)
            tables = _tables(catalogue, partly) & present
            result.append(
                DomainCoverage(
                    domain,
                    len(scored),
                    0,
                    LOCAL_ONLY,
                    _names(catalogue, partly, only=tables),
                    _publishers(catalogue, partly, tables),
                    gemeenten,
                    in_country,
                )
            )
            continue
        there = _tables(catalogue, scored) & present
        reason = NOT_IN_SOURCE if there else NO_SOURCE
        result.append(
            DomainCoverage(
                domain,
                len(scored),
                0,
                reason,
                _names(catalogue, scored, only=there or None),
                _publishers(catalogue, scored, there or None),
            )
        )
    return result


def installation_domains(con: duckdb.DuckDBPyConnection) -> list[DomainCoverage]:
    """`domain_coverage` with the packaged catalogue (for a cache keyed on its arguments)."""
    return domain_coverage(con, load_catalogue())


def _tables(catalogue: Catalogue, indicators: list[Indicator]) -> set[str]:
    return {table for i in indicators for source in i.sources for table in catalogue.table_ids(source.table)}


def _publishers(catalogue: Catalogue, indicators: list[Indicator], only: set[str] | None) -> list[str]:
    tables = sorted(_tables(catalogue, indicators) if only is None else only & _tables(catalogue, indicators))
    return list(dict.fromkeys(catalogue.tables[table_id].publisher for table_id in tables))


def _names(catalogue: Catalogue, indicators: list[Indicator], only: set[str] | None = None) -> list[str]:
    """The sources of the indicators by title, publisher and table id; a yearly family (KWB) once, by the
    title its tables share without their year."""
    names: list[str] = []
    for indicator in indicators:
        for source in indicator.sources:
            tables = [
                catalogue.tables[table_id]
                for table_id in catalogue.table_ids(source.table)
                if only is None or table_id in only
            ]
            if not tables:
                continue
            if source.table in catalogue.families and len(tables) > 1:
                name = f"{YEAR_AT_END.sub('', tables[0].title)} ({tables[0].publisher})"
            else:
                name = f"{tables[0].title} ({tables[0].publisher}, {tables[0].id})"
            if name not in names:
                names.append(name)
    return names


def installed_sources(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> list[InstalledSource]:
    """The sources this warehouse holds something of, in catalogue order, then boundaries and their changes.

    Only these may be named as the origin of the figures (a footer must not name the police when no police
    figures were loaded)."""
    present = {row[0] for row in con.execute("SELECT DISTINCT source_table FROM provenance").fetchall()}
    sources = [
        InstalledSource(table.id, table.publisher, table.title, table.licence)
        for table in catalogue.tables.values()
        if table.id in present
    ]
    if _has_rows(con, "geometries"):
        sources.append(
            InstalledSource("pdok", "CBS / Kadaster via PDOK", "Bestuurlijke grenzen", "CC BY 4.0")
        )
    if _has_rows(con, "boundary_changes"):
        sources.append(InstalledSource("vng", "VNG", "Grenswijzigingen", "CC BY-NC-SA 4.0"))
    return sources


def _has_rows(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    try:
        row = con.execute(f"SELECT count(*) > 0 FROM {table}").fetchone()
    except duckdb.Error:
        return False
    return bool(row and row[0])
