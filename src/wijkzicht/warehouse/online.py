"""Download raw open data from CBS StatLine (OData v3) and PDOK (OGC API Features) into a cache folder.

The files written here are the same raw formats the readers in ``wijkzicht.warehouse.sources`` consume from a
snapshot, so an online fetch and an offline snapshot are interchangeable. Values are stored exactly
as delivered (CBS pads codes with spaces, e.g. ``"GM0363    "``); cleaning is the readers' job.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, urljoin

import httpx

from wijkzicht import __version__
from wijkzicht.catalogue import load_catalogue
from wijkzicht.errors import OnlineError
from wijkzicht.warehouse.privacy import reject_identifying

DEFAULT_TARGETS: tuple[str, ...] = ("85984NED", "50090NED", "pdok:gemeenten:2024")

ProgressCallback = Callable[[str, int, int | None], None]
"""Called as ``progress(label, rows_done, rows_total_or_None)`` after each downloaded page."""

CBS_BASE_URL = "https://opendata.cbs.nl/ODataApi/odata"
DATADERDEN_BASE_URL = "https://dataderden.cbs.nl/ODataApi/odata"
PDOK_ITEMS_URL = "https://api.pdok.nl/cbs/wijken-en-buurten-{year}/ogc/v1/collections/{level}/items"
PDOK_PAGE_LIMIT = 1000
PDOK_LEVELS: tuple[str, ...] = ("gemeenten", "wijken", "buurten")

# Tables published by third parties (police, ...) live in CBS's separate "dataderden" catalogue.
DATADERDEN_TABLES: frozenset[str] = frozenset({"47018NED", "47022NED"})

# Cache sub-folder per table: the readers look for each source family in its own folder. The yearly
# KWB tables are the catalogue's `kwb` family, so a table added there is fetched into the right folder.
TABLE_FAMILIES: dict[str, str] = {
    **dict.fromkeys(load_catalogue().table_ids("kwb"), "cbs_kwb"),
    "50090NED": "rivm_gezondheid",
    "47018NED": "politie",
    "47022NED": "politie",
    **dict.fromkeys(("85163NED", "85539NED", "85900NED"), "cbs_ses"),
}
DEFAULT_FAMILY = "cbs"

# DataProperties entries of these types have their own code list endpoint ``{base}/{Key}``.
DIMENSION_TYPES: frozenset[str] = frozenset({"Dimension", "GeoDimension", "GeoDetail", "TimeDimension"})

HTTP_TIMEOUT_SECONDS = 60.0
NO_CONNECTION_HINT = (
    "there seems to be no internet connection; point --snapshot (or the WIJKZICHT_SNAPSHOT "
    "environment variable) at a data snapshot folder to work offline instead"
)
TARGET_FORMS_HINT = (
    "accepted targets: a CBS table id such as '85984NED', '50090NED' or '47018NED', "
    f"or 'pdok:{{{'|'.join(PDOK_LEVELS)}}}:{{year}}' such as 'pdok:gemeenten:2024'"
)

_CBS_TABLE_ID = re.compile(r"^\d{5}[A-Za-z]{3}$")
_PDOK_TARGET = re.compile(r"^pdok:(?P<level>[a-z]+):(?P<year>\d{4})$")


# --------------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------------


def fetch(
    target: str,
    cache_dir: Path,
    *,
    client: httpx.Client | None = None,
    progress: ProgressCallback | None = None,
    odata_filter: str | None = None,
    retries: int = 3,
    backoff_seconds: float = 1.0,
) -> list[Path]:
    """Download one target raw into cache_dir; return the files written.

    ``target`` is a CBS table id (``85984NED``) or ``pdok:{gemeenten|wijken|buurten}:{year}``.
    ``odata_filter`` is passed to CBS as ``$filter`` on the data set (ignored for PDOK targets).
    Every failure is raised as :class:`OnlineError`.
    """
    target = target.strip()
    pdok_match = _PDOK_TARGET.match(target)
    if not (pdok_match or _CBS_TABLE_ID.match(target)):
        raise OnlineError(f"unknown download target {target!r}; {TARGET_FORMS_HINT}")
    if pdok_match and pdok_match["level"] not in PDOK_LEVELS:
        raise OnlineError(f"unknown PDOK level {pdok_match['level']!r} in {target!r}; {TARGET_FORMS_HINT}")

    http = _Http(client or _new_client(), retries=retries, backoff_seconds=backoff_seconds)
    try:
        if pdok_match:
            level, year = pdok_match["level"], int(pdok_match["year"])
            return [_fetch_pdok(http, level, year, Path(cache_dir), progress)]
        return _fetch_cbs_table(http, target, Path(cache_dir), progress, odata_filter)
    finally:
        if client is None:  # close only the client we created; callers own theirs
            http.client.close()


# --------------------------------------------------------------------------------------------------
# CBS StatLine OData v3
# --------------------------------------------------------------------------------------------------


def cbs_base_url(table: str) -> str:
    """The OData root of a table, in the CBS catalogue or the third-party (dataderden) one."""
    catalogue = DATADERDEN_BASE_URL if table.upper() in DATADERDEN_TABLES else CBS_BASE_URL
    return f"{catalogue}/{table}"


def cbs_family(table: str) -> str:
    """Cache sub-folder for a CBS table."""
    return TABLE_FAMILIES.get(table.upper(), DEFAULT_FAMILY)


def _fetch_cbs_table(
    http: _Http,
    table: str,
    cache_dir: Path,
    progress: ProgressCallback | None,
    odata_filter: str | None,
) -> list[Path]:
    base = cbs_base_url(table)
    folder = cache_dir / cbs_family(table)
    folder.mkdir(parents=True, exist_ok=True)
    not_found = f"unknown table id {table!r}: CBS has no such table at {base}"

    written: list[Path] = []
    # TableInfos first: it is tiny, so an unknown table id or a missing connection fails fast. It is
    # written last: a TableInfos file in the cache marks a complete download of that version (`fetch_all`).
    table_infos = _odata_values(http, f"{base}/TableInfos", not_found)
    data_properties = _odata_values(http, f"{base}/DataProperties", not_found)
    # Refuse before a single value is downloaded: aggregates per area only (wijkzicht.warehouse.privacy).
    reject_identifying(
        f"{base}/DataProperties", _dimension_keys(data_properties) + _data_columns(data_properties)
    )
    written.append(_write_json(folder / f"{table}_DataProperties.json", data_properties))

    for key in _dimension_keys(data_properties):
        pages = _odata_pages(http, f"{base}/{key}", not_found)
        path = folder / f"{table}_{key}.csv.gz"
        written.append(_write_records_csv(path, pages, ["Key", "Title", "Description"], None, path.name))

    data_url = f"{base}/UntypedDataSet" + _filter_query(odata_filter)
    total = _odata_count(http, base, odata_filter) if progress else None
    report = _page_reporter(progress, f"{table} UntypedDataSet", total)
    pages = _odata_pages(http, data_url, not_found)
    path = folder / f"{table}_UntypedDataSet.csv.gz"
    written.append(_write_records_csv(path, pages, _data_columns(data_properties), report, path.name))
    written.insert(0, _write_json(folder / f"{table}_TableInfos.json", table_infos))
    return written


def _dimension_keys(data_properties: list[dict[str, Any]]) -> list[str]:
    return [str(p["Key"]) for p in data_properties if p.get("Type") in DIMENSION_TYPES and p.get("Key")]


def _data_columns(data_properties: list[dict[str, Any]]) -> list[str]:
    """UntypedDataSet header used only when the data set is empty (e.g. a filter matching nothing)."""
    keys = [str(p["Key"]) for p in data_properties if p.get("Type") != "TopicGroup" and p.get("Key")]
    return ["ID", *keys]


def _filter_query(odata_filter: str | None) -> str:
    # Percent-encode spaces as %20 (not '+'), which every OData server decodes the same way.
    return f"?$filter={quote(odata_filter, safe=chr(39) + '(),')}" if odata_filter else ""


def _odata_values(http: _Http, url: str, not_found: str) -> list[dict[str, Any]]:
    """All entities of a (usually single-page) OData collection."""
    return [record for page in _odata_pages(http, url, not_found) for record in page]


def _odata_pages(http: _Http, url: str, not_found: str) -> Iterator[list[dict[str, Any]]]:
    """Yield each page's ``value`` list, following ``odata.nextLink`` until it is absent."""
    seen: set[str] = set()
    next_url: str | None = url
    while next_url:
        if next_url in seen:
            raise OnlineError(f"{next_url}: the server links back to a page already read (paging loop)")
        seen.add(next_url)
        document = http.get_json(next_url, not_found=not_found)
        values = document.get("value") if isinstance(document, dict) else None
        if not isinstance(values, list):
            raise OnlineError(f"{next_url}: expected an OData JSON object with a 'value' list")
        yield values
        link = document.get("odata.nextLink")
        next_url = urljoin(next_url, link) if link else None


def _odata_count(http: _Http, base: str, odata_filter: str | None) -> int | None:
    """Row total for progress bars; best effort, because the download works without it."""
    url = f"{base}/UntypedDataSet/$count" + _filter_query(odata_filter)
    with contextlib.suppress(httpx.HTTPError):
        response = http.client.get(url)
        if response.status_code == 200 and response.text.strip().isdigit():
            return int(response.text.strip())
    return None


# --------------------------------------------------------------------------------------------------
# PDOK boundaries (OGC API Features)
# --------------------------------------------------------------------------------------------------


def pdok_items_url(level: str, year: int) -> str:
    return f"{PDOK_ITEMS_URL.format(year=year, level=level)}?f=json&limit={PDOK_PAGE_LIMIT}"


def _fetch_pdok(
    http: _Http, level: str, year: int, cache_dir: Path, progress: ProgressCallback | None
) -> Path:
    folder = cache_dir / "geo"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"pdok_{level}_{year}_wgs84.geojson.gz"
    not_found = f"PDOK has no {level} boundaries for {year}"
    label = f"pdok {level} {year}"
    with _atomic_gzip_text(path) as out:
        # Stream features straight to disk: buurt geometries for a whole year are large.
        out.write('{"type": "FeatureCollection", "features": [')
        done = 0
        for features, matched in _pdok_pages(http, pdok_items_url(level, year), not_found):
            for feature in features:
                out.write((",\n" if done else "\n") + json.dumps(feature, ensure_ascii=False))
                done += 1
            if progress:
                progress(label, done, matched)
        if not done:  # raising here leaves no file: an empty layer would hide every area's shape
            raise OnlineError(
                f"{pdok_items_url(level, year)}: {not_found} (the service returned no features)"
            )
        out.write("\n]}\n")
    return path


def _pdok_pages(http: _Http, url: str, not_found: str) -> Iterator[tuple[list[Any], int | None]]:
    """Yield ``(features, numberMatched)`` per page, following the ``rel=next`` link."""
    seen: set[str] = set()
    next_url: str | None = url
    while next_url:
        if next_url in seen:
            raise OnlineError(f"{next_url}: the server links back to a page already read (paging loop)")
        seen.add(next_url)
        document = http.get_json(next_url, not_found=not_found)
        features = document.get("features") if isinstance(document, dict) else None
        if not isinstance(features, list):
            raise OnlineError(f"{next_url}: expected a GeoJSON FeatureCollection with a 'features' list")
        matched = document.get("numberMatched")
        yield features, matched if isinstance(matched, int) else None
        next_url = _next_link(document, next_url)


def _next_link(document: dict[str, Any], current_url: str) -> str | None:
    for link in document.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
            return urljoin(current_url, str(link["href"]))
    return None


# --------------------------------------------------------------------------------------------------
# HTTP with retries
# --------------------------------------------------------------------------------------------------


def _new_client() -> httpx.Client:
    return httpx.Client(
        timeout=HTTP_TIMEOUT_SECONDS,
        follow_redirects=True,
        headers={"User-Agent": f"wijkzicht/{__version__}", "Accept": "application/json"},
    )


def _is_retryable_status(status: int) -> bool:
    return status == 429 or status >= 500


class _Http:
    """An httpx client plus the retry policy; turns every failure into an OnlineError."""

    def __init__(self, client: httpx.Client, *, retries: int, backoff_seconds: float) -> None:
        self.client = client
        self.retries = max(0, retries)
        self.backoff_seconds = max(0.0, backoff_seconds)

    def get_json(self, url: str, *, not_found: str) -> Any:
        response = self._get(url, not_found=not_found)
        try:
            return response.json()
        except ValueError as exc:
            raise OnlineError(
                f"{url}: the response is not valid JSON ({exc}); expected a JSON document"
            ) from exc

    def _get(self, url: str, *, not_found: str) -> httpx.Response:
        attempts = self.retries + 1
        last_problem = ""
        connect_failed = False
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                self._sleep_before(attempt)
            try:
                response = self.client.get(url)
            except httpx.TransportError as exc:  # timeouts, refused connections, DNS failures, ...
                # Refused/unresolvable/unanswered connections usually mean "offline", not "server down".
                connect_failed = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                last_problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                continue
            connect_failed = False
            if response.is_success:
                return response
            if not _is_retryable_status(response.status_code):
                raise _client_error(url, response, not_found)
            last_problem = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
        if connect_failed:
            raise OnlineError(
                f"could not connect to {url} after {attempts} attempts ({last_problem}): {NO_CONNECTION_HINT}"
            )
        raise OnlineError(f"{url}: download failed after {attempts} attempts; last error: {last_problem}")

    def _sleep_before(self, attempt: int) -> None:
        delay = self.backoff_seconds * 2 ** (attempt - 2)  # backoff, 2*backoff, 4*backoff, ...
        if delay > 0:
            time.sleep(delay)


def _client_error(url: str, response: httpx.Response, not_found: str) -> OnlineError:
    if response.status_code == 404:
        return OnlineError(f"{not_found} (HTTP 404 for {url})")
    detail = _server_message(response)
    return OnlineError(
        f"{url}: HTTP {response.status_code} {response.reason_phrase}" + (f": {detail}" if detail else "")
    )


def _server_message(response: httpx.Response) -> str:
    """The human message inside an OData error body, e.g. a syntax error in a $filter."""
    try:
        error = response.json().get("odata.error", {})
        return str(error.get("message", {}).get("value", ""))
    except (ValueError, AttributeError):
        return response.text[:200].strip()


# --------------------------------------------------------------------------------------------------
# Atomic file writing
# --------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _atomic_binary(path: Path) -> Iterator[IO[bytes]]:
    """Write to a temp file next to ``path`` and rename it into place only on success.

    A crash or error mid-download therefore never leaves a truncated file that a reader would trust.
    """
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as raw:
            yield raw
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise


@contextlib.contextmanager
def _atomic_gzip_text(path: Path) -> Iterator[IO[str]]:
    with (
        _atomic_binary(path) as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as zipped,
        io.TextIOWrapper(zipped, encoding="utf-8", newline="") as text,
    ):
        yield text


def _write_json(path: Path, values: list[dict[str, Any]]) -> Path:
    with _atomic_binary(path) as raw, io.TextIOWrapper(raw, encoding="utf-8") as text:
        json.dump(values, text, ensure_ascii=False, indent=2)
        text.write("\n")
    return path


def _write_records_csv(
    path: Path,
    pages: Iterator[list[dict[str, Any]]],
    empty_header: list[str],
    report: Callable[[int], None] | None,
    label: str,
) -> Path:
    """Stream OData pages into a gzip CSV; header = keys of the first record, in delivered order."""
    with _atomic_gzip_text(path) as text:
        writer = csv.writer(text, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        header: list[str] | None = None
        done = 0
        for page in pages:
            for record in page:
                if header is None:
                    header = list(record)
                    writer.writerow(header)
                writer.writerow(_record_row(record, header, label))
            done += len(page)
            if report:
                report(done)
        if header is None:
            writer.writerow(empty_header)
    return path


def _record_row(record: dict[str, Any], header: list[str], label: str) -> list[Any]:
    if len(record) != len(header) or not all(key in record for key in header):
        raise OnlineError(
            f"{label}: a record has fields {list(record)} but the first record had {header}; "
            "expected every page of an OData collection to share one set of fields"
        )
    # csv writes None as an empty field; strings go out untouched (padding kept).
    return [record[key] for key in header]


def _page_reporter(
    progress: ProgressCallback | None, label: str, total: int | None
) -> Callable[[int], None] | None:
    if progress is None:
        return None
    return lambda done: progress(label, done, total)


# --------------------------------------------------------------------------------------------------
# Filling an installation: every table the catalogue needs, only what changed
# --------------------------------------------------------------------------------------------------

UPDATE_STATUSES = ("downloaded", "unchanged", "failed")


def catalogue_targets() -> list[str]:
    """Every download the catalogue needs: its CBS tables, and PDOK boundaries of every level for each of
    their boundary years (local tables such as a municipality's own survey are imported, and tables the
    catalogue says are obtained as files are placed by hand, not fetched)."""
    catalogue = load_catalogue()
    tables = [
        table.id
        for table in catalogue.tables.values()
        if _CBS_TABLE_ID.match(table.id) and table.coverage != "local" and table.obtained == "odata"
    ]
    years = sorted({catalogue.tables[table].boundary_year for table in tables})
    return [*tables, *(f"pdok:{level}:{year}" for year in years for level in PDOK_LEVELS)]


@dataclass(frozen=True)
class UpdateResult:
    target: str
    status: str  # one of UPDATE_STATUSES
    files: tuple[Path, ...] = ()
    modified: str | None = None  # CBS TableInfos `Modified` of the version in the cache
    problem: str | None = None


def fetch_if_changed(
    target: str,
    cache_dir: Path,
    *,
    client: httpx.Client | None = None,
    progress: ProgressCallback | None = None,
    retries: int = 3,
    backoff_seconds: float = 1.0,
) -> UpdateResult:
    """Download one target unless the cache already holds its current version.

    A CBS table is current when the cache has its TableInfos (written last, so only after a complete
    download) with the same `Modified` as the service's; a PDOK boundary file is current when it exists
    (files are written under a temporary name and renamed when complete). A failure is returned, not
    raised, so one missing table does not stop the others.
    """
    target = target.strip()
    own_client = client is None
    http_client = client or _new_client()
    try:
        pdok_match = _PDOK_TARGET.match(target)
        if pdok_match:
            path = cache_dir / "geo" / f"pdok_{pdok_match['level']}_{pdok_match['year']}_wgs84.geojson.gz"
            if path.is_file():
                return UpdateResult(target, "unchanged", (path,))
        elif _CBS_TABLE_ID.match(target):
            cached = _cached_modified(cache_dir, target)
            if cached is not None:
                http = _Http(http_client, retries=retries, backoff_seconds=backoff_seconds)
                infos = _odata_values(
                    http, f"{cbs_base_url(target)}/TableInfos", f"unknown table id {target!r}"
                )
                current = str(infos[0].get("Modified")) if infos and isinstance(infos[0], dict) else None
                if current == cached:
                    return UpdateResult(target, "unchanged", modified=cached)
        files = fetch(
            target,
            cache_dir,
            client=http_client,
            progress=progress,
            retries=retries,
            backoff_seconds=backoff_seconds,
        )
        return UpdateResult(target, "downloaded", tuple(files), _cached_modified(cache_dir, target))
    except OnlineError as error:
        return UpdateResult(target, "failed", problem=str(error))
    finally:
        if own_client:
            http_client.close()


def _cached_modified(cache_dir: Path, table: str) -> str | None:
    """The `Modified` of the cached complete download of a CBS table, or None."""
    path = cache_dir / cbs_family(table) / f"{table}_TableInfos.json"
    data = cache_dir / cbs_family(table) / f"{table}_UntypedDataSet.csv.gz"
    if not (path.is_file() and data.is_file()):
        return None
    try:
        infos = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(infos, list) and infos and isinstance(infos[0], dict) and infos[0].get("Modified"):
        return str(infos[0]["Modified"])
    return None
