"""Errors that users see. Each one says where the problem is and what was expected."""

from __future__ import annotations

from pathlib import Path


class WijkzichtError(Exception):
    """Base class for every error wijkzicht reports to a user (never a bare traceback)."""


class NotFoundError(WijkzichtError):
    """A code, name or id that names nothing in the warehouse (the web answers 404)."""


class SourceError(WijkzichtError):
    """A raw data file does not look like its publisher's format."""

    def __init__(
        self,
        path: Path | str,
        problem: str,
        *,
        row: int | None = None,
        column: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.row = row
        self.column = column
        self.expected = expected
        where = [str(self.path)]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        message = f"{', '.join(where)}: {problem}"
        if expected:
            message += f" (expected {expected})"
        super().__init__(message)


class LossError(WijkzichtError):
    """A build would remove more of a source's figures than it may without the user's confirmation."""


class CatalogueError(WijkzichtError):
    """The indicator catalogue is inconsistent with itself or with the sources."""


class OnlineError(WijkzichtError):
    """A download from CBS or PDOK failed after retries, or there is no connection."""


class NoDataError(WijkzichtError):
    """Neither a snapshot folder nor a reachable online source is available."""
