"""Aggregates only: the guard that keeps person-, address- and company-level data out of wijkzicht.

wijkzicht describes areas from published aggregates. After the SyRI ruling (ECLI:NL:RBDHA:2020:865) a
monitor of "problem neighbourhoods" must never hold data that points at a resident, a dwelling or a firm,
so every loader passes the column names (and OData dimension keys) of a file through `reject_identifying`
before it reads a value. A file with such a column is refused as a whole, with the column named.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

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


def normalised(column: str) -> str:
    """`Huisnummer_12` and `huis_nummer` both become `huisnummer`."""
    return re.sub(r"[^a-z0-9]", "", re.sub(r"_\d+$", "", column.strip()).lower())


def identifying(column: str) -> str | None:
    """What a column would identify (a person, an address, a company), or None for an aggregate column."""
    return IDENTIFYING_COLUMNS.get(normalised(column))


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
