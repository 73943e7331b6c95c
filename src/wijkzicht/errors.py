"""Errors that users see. Each one says where the problem is and what was expected.

An error a person can cause (a code typed wrong, a number that cannot be read) names its text by a translation
key and the values it needs, `WijkzichtError(key="error.area.unknown", code=code)`, so that the command line
and the web show it in the reader's language (`i18n.error_text`). The translations live a layer above this
module: `i18n` registers how to read a key when it loads, and `str(error)` is then the English text. A
refusal of a form's input names its `field` ("area_code", or "indicator, subgroup"): a form shows the text
beside it, and `str(error)`, which the JSON API sends, leads with it ("area_code: ...").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

# Set by wijkzicht.i18n when it loads: the English text of a key with its values.
_english: dict[str, Callable[[str, Mapping[str, object]], str]] = {}


class WijkzichtError(Exception):
    """Base class for every error wijkzicht reports to a user (never a bare traceback): a sentence, or a
    translation key and its values."""

    def __init__(
        self, message: str = "", *, key: str | None = None, field: str | None = None, **values: object
    ) -> None:
        self.key = key
        self.field = field
        self.values = values
        super().__init__(message)

    def __str__(self) -> str:
        if self.key is None:
            return super().__str__()
        english = _english.get("text")
        text = english(self.key, self.values) if english else f"{self.key} {self.values}"
        return f"{self.field}: {text}" if self.field else text

    @property
    def fields(self) -> list[str]:
        """The fields a keyed refusal names (none for a plain one)."""
        return [name.strip() for name in self.field.split(",")] if self.key and self.field else []


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
