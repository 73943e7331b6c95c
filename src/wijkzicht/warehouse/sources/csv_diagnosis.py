"""Why a CSV file cannot be read, in words a user can act on: the encoding, the line and the column.

DuckDB's CSV reader is fast but its errors are not for users ("CSV Error on Line: 1", "Error when sniffing
file"). When it refuses a file, `diagnose` reads the file again, slowly and only then, to find the first
line that breaks the format and say what is wrong with it.
"""

from __future__ import annotations

import codecs
import csv
import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import IO

# The longest cell a publisher's table has is a few hundred characters (a name or a footnote); a longer
# one is a damaged file, not data.
LONGEST_CELL = 100_000
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
DELIMITERS = ",;\t"


def wrong_delimiter(header: list[str], delimiter: str) -> str | None:
    """The delimiter a one-column header is really separated by, if it is another one."""
    others = [other for other in DELIMITERS if other != delimiter and len(header) == 1 and other in header[0]]
    return others[0] if others else None


def _start(path: Path) -> bytes:
    with _open_bytes(path) as stream:
        return stream.read(4096)


def _open_bytes(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")  # type: ignore[return-value]


def encoding_problem(path: Path) -> str | None:
    """What the file is encoded as when it is UTF-16 rather than UTF-8 (with or without BOM), else None."""
    start = _start(path)
    if start.startswith(UTF16_BOMS) or (len(start) > 1 and start.count(b"\x00") * 4 > len(start)):
        return "the file is encoded as UTF-16"
    return None


def diagnose(path: Path, delimiter: str) -> tuple[str, int | None, str | None]:
    """(problem, line, column) of the first thing that stops the file from being read as CSV."""
    encoding = encoding_problem(path)
    if encoding:
        return encoding, None, None
    with _open_bytes(path) as stream:
        return _first_bad_record(stream, delimiter)


class _Unreadable(Exception):
    def __init__(self, line: int, problem: str) -> None:
        self.line = line
        self.problem = problem


def _first_bad_record(stream: IO[bytes], delimiter: str) -> tuple[str, int | None, str | None]:
    position = {"line": 0}  # the physical line the csv reader has reached

    def lines() -> Iterator[str]:
        for number, raw in enumerate(stream, start=1):
            position["line"] = number
            if len(raw) > LONGEST_CELL:
                raise _Unreadable(number, f"a line of {len(raw):,} bytes (no cell is that long)")
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise _Unreadable(
                    number, f"not UTF-8: byte {raw[error.start]:#04x} at position {error.start + 1}"
                ) from error
            yield line.removeprefix("\ufeff") if number == 1 else line

    header: list[str] | None = None
    try:
        for record in csv.reader(lines(), delimiter=delimiter, quotechar='"', strict=True):
            if header is None:
                header = record
                if separated_by := wrong_delimiter(header, delimiter):
                    return f"the header is one column separated by {separated_by!r}", 1, None
            elif len(record) != len(header):
                column = header[len(record)] if len(record) < len(header) else None
                return (
                    f"a row of {len(record)} fields where the header has {len(header)}",
                    position["line"],
                    column,
                )
    except _Unreadable as unreadable:
        return unreadable.problem, unreadable.line, None
    except csv.Error as error:
        return f"broken quoting ({error})", position["line"], None
    if header is None:
        return "the file is empty", None, None
    return "the file does not follow the CSV format", None, None
