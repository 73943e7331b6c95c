"""The change log of the warehouse: per build what is new, revised and gone (table `build_changes`, written
by the build in `wijkzicht.warehouse.changes`), for the administrators' data page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb


@dataclass(frozen=True)
class Change:
    subject: str  # 'figures' (of a source's indicator, level and period) or 'areas' (of a level and year)
    source_table: str | None
    indicator: str | None
    level: str | None
    boundary_year: int | None
    period: int | None
    before: int
    after: int
    new: int
    revised: int
    gone: int


@dataclass(frozen=True)
class BuildEntry:
    built_at: datetime
    accepted_loss: bool
    changes: list[Change]

    def total(self, subject: str, count: str) -> int:
        """The sum of one count (`new`, `revised`, `gone`, `before`, `after`) over a subject's changes."""
        return sum(getattr(change, count) for change in self.changes if change.subject == subject)

    @property
    def unchanged(self) -> bool:
        return not any(change.new or change.revised or change.gone for change in self.changes)


def change_log(con: duckdb.DuckDBPyConnection) -> list[BuildEntry]:
    """The builds the warehouse remembers, newest first, each with its changes (largest first)."""
    rows = con.execute("""
        SELECT built_at, accepted_loss, subject, source_table, indicator, level, boundary_year, period,
               before, after, new, revised, gone
        FROM build_changes
        ORDER BY built_at DESC, subject DESC, new + revised + gone DESC, source_table, indicator, level, period
    """).fetchall()
    entries: dict[datetime, BuildEntry] = {}
    for built_at, accepted_loss, *change in rows:
        entry = entries.setdefault(built_at, BuildEntry(built_at, accepted_loss, []))
        if change[0] == "figures" and change[1] is None:
            continue  # the marker of a build that changed nothing
        entry.changes.append(Change(*change))
    return list(entries.values())
