"""Aggregates only: the guard that keeps person-, address- and company-level data out of wijkzicht.

wijkzicht describes areas from published aggregates. After the SyRI ruling (ECLI:NL:RBDHA:2020:865) a
monitor of "problem neighbourhoods" must never hold data that points at a resident, a dwelling or a firm,
so every loader passes the column names (and OData dimension keys) of a file through `reject_identifying`
before it reads a value: a column is refused by its whole name (`IDENTIFYING_COLUMNS`) or by a pattern
(`IDENTIFYING_PATTERNS`: `rinpersoon`, `persoon_id`, `leerlingnummer`, `pc6`, `woonadres`, …). And a list of
names is never enough on its own: `reject_non_area_rows` allows a table of figures only when every one of its
rows is an area, named by a CBS area code in one of its columns. A file that fails is refused as a whole,
with the column or row named.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import duckdb

from wijkzicht import codes
from wijkzicht.errors import SourceError

# Column names (lower case, letters and digits only, CBS's numeric suffix removed) that identify a person,
# an address or a company. Whole names, not parts: KWB's `Omgevingsadressendichtheid` (a density) and
# `MeestVoorkomendePostcode` (a buurt's most common postcode) are area figures and stay allowed.
IDENTIFYING_COLUMNS: dict[str, str] = {
    **dict.fromkeys(("bsn", "burgerservicenummer", "sofinummer", "anummer"), "a citizen service number"),
    **dict.fromkeys(
        (
            "naam",
            "voornaam",
            "voornamen",
            "achternaam",
            "geslachtsnaam",
            "tussenvoegsel",
            "voorletters",
            "persoonsnaam",
            "firstname",
            "lastname",
            "surname",
            "fullname",
        ),
        "the name of a person",
    ),
    **dict.fromkeys(("geboortedatum", "dateofbirth", "birthdate"), "a date of birth"),
    **dict.fromkeys(
        (
            "adres",
            "address",
            "straat",
            "straatnaam",
            "street",
            "huisnummer",
            "huisnr",
            "huisletter",
            "huisnummertoevoeging",
            "housenumber",
            "postcodehuisnummer",
            "nummeraanduiding",
            "nummeraanduidingid",
            "verblijfsobjectid",
            "adresseerbaarobjectid",
        ),
        "an address",
    ),
    **dict.fromkeys(
        (
            "kvknummer",
            "kvk",
            "kamervankoophandelnummer",
            "vestigingsnummer",
            "rsin",
            "bedrijfsnaam",
            "handelsnaam",
            "ondernemingsnaam",
            "companyname",
        ),
        "a company",
    ),
    **dict.fromkeys(
        ("iban", "rekeningnummer", "email", "emailadres", "telefoonnummer", "kenteken"),
        "a person's contact or account details",
    ),
}


# Parts of a (normalised) column name that point at a person, a pupil, a patient or an address whatever the
# words around them: the keys of CBS microdata (`rinpersoon`), registers and address files. Area figures
# stay allowed: `Omgevingsadressendichtheid` is a density, `MeestVoorkomendePostcode` a buurt's postcode.
IDENTIFYING_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"rinpersoon|rinadres|persoons?(id|nummer|nr|sleutel|key)|personid|personkey"), "a person"),
    (
        re.compile(
            r"(leerling|student|client|patient|klant|deelnemer|werknemer|inwoner)s?(id|nummer|nr|sleutel)"
        ),
        "a person",
    ),
    (re.compile(r"(^|[^a-z])(pc6|postcode6|postcodehuisnummer)"), "an address (a six-position postcode)"),
    (re.compile(r"woonadres|huisadres|straathuisnummer|straatnaam|huisnummer|huisnr|^adres"), "an address"),
    (re.compile(r"geboorte(datum|dag|maand)|birthdate|dateofbirth"), "a date of birth"),
)
# CBS codes the country NL00 in the area tables and NL01 in some others (the health monitor).
AREA_CODE = rf"{codes.ANY_PATTERN}|NL\d{{2}}"


def normalised(column: str) -> str:
    """`Huisnummer_12` and `huis_nummer` both become `huisnummer`."""
    return re.sub(r"[^a-z0-9]", "", re.sub(r"_\d+$", "", column.strip()).lower())


def identifying(column: str) -> str | None:
    """What a column would identify (a person, an address, a company), or None for an aggregate column."""
    name = normalised(column)
    if name in IDENTIFYING_COLUMNS:
        return IDENTIFYING_COLUMNS[name]
    return next((what for pattern, what in IDENTIFYING_PATTERNS if pattern.search(name)), None)


def reject_identifying(source: Path | str, columns: Iterable[str]) -> None:
    """Refuse a file (or download) whose columns identify persons, addresses or companies."""
    for column in columns:
        what = identifying(column)
        if what:
            raise SourceError(
                source,
                f"column {column!r} identifies {what}: wijkzicht accepts aggregates per area only "
                "and refuses person-, address- and company-level data",
                column=column,
                expected="figures per gemeente, wijk or buurt, never per person, address or company",
            )


def reject_non_area_rows(source: Path | str, con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Refuse a loaded table of figures unless one of its columns names an area in every row: a CBS code of
    the country, a gemeente, a wijk or a buurt (codes.py). A file keyed by anything else (a person, an
    address, a postcode, a school) is refused whatever its columns are called."""
    columns = [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall() if row[0] != "_line"]
    if not columns:
        return
    checks = ", ".join(
        f"bool_and(coalesce(regexp_full_match(upper(trim(CAST({_quoted(c)} AS VARCHAR))), '{AREA_CODE}'), false))"
        for c in columns
    )
    verdicts = con.execute(f"SELECT count(*), {checks} FROM {table}").fetchone()
    if verdicts is None or verdicts[0] == 0 or any(verdicts[1:]):
        return
    raise SourceError(
        source,
        "no column holds an area code in every row: wijkzicht accepts figures per area only, "
        f"and this file's rows are something else (columns: {', '.join(columns[:8])})",
        expected="one row per gemeente, wijk or buurt (or per area and period), keyed by its CBS code",
    )


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'
