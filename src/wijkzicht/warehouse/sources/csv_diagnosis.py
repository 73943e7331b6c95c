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
    with gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb") as stream:
        return stream.read(4096)


def _open_text(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def encoding_problem(path: Path) -> str | None:
    """The file's encoding when it is not UTF-8 (with or without BOM), else None."""
    start = _start(path)
    if start.startswith(UTF16_BOMS) or (len(start) > 1 and start.count(b"\x00") * 4 > len(start)):
        return "the file is encoded as UTF-16"
    return None


def diagnose(path: Path, delimiter: str) -> tuple[str, int | None, str | None]:
    """(problem, line, column) of the first thing that stops the file from being read as CSV."""
    encoding = encoding_problem(path)
    if encoding:
        return encoding, None, None
    try:
        with _open_text(path) as text:
            return _first_bad_record(text, delimiter)
    except UnicodeDecodeError as error:
        return f"the file is not UTF-8 ({error.reason})", None, None


class _TooLong(Exception):
    def __init__(self, line: int, length: int) -> None:
        self.line = line
        self.length = length


def _first_bad_record(text: IO[str], delimiter: str) -> tuple[str, int | None, str | None]:
    position = {"line": 0}  # the physical line the csv reader has reached

    def lines() -> Iterator[str]:
        for number, line in enumerate(text, start=1):
            position["line"] = number
            if len(line) > LONGEST_CELL:
                raise _TooLong(number, len(line))
            yield line

    header: list[str] | None = None
    try:
        for record in csv.reader(lines(), delimiter=delimiter, quotechar='"', strict=True):
            if header is None:
                header = record
            elif len(record) != len(header):
                column = header[len(record)] if len(record) < len(header) else None
                return (
                    f"a row of {len(record)} fields where the header has {len(header)}",
                    position["line"],
                    column,
                )
    except _TooLong as long:
        return f"a line of {long.length:,} characters (no cell is that long)", long.line, None
    except csv.Error as error:
        return f"broken quoting ({error})", position["line"], None
    if header is None:
        return "the file is empty", None, None
    return "the file does not follow the CSV format", None, None
