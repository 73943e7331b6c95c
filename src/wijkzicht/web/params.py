"""The HTTP parameters the API and the pages share, each declared once: its type, range and description.

Area codes are checked by the one grammar in `wijkzicht.codes` (lower case accepted, normalised): a
malformed code answers 422 with `codes.invalid_message` and the parameter's name; a well-formed code that
is in no boundary year answers 404 from the registry.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path, Query
from pydantic import AfterValidator, Field

from wijkzicht import codes
from wijkzicht.catalogue import LATEST_PICTURE, load_catalogue
from wijkzicht.programmes.schemas import MAX_IDENTIFIER

CODE_DESCRIPTION = f"CBS area code (upper or lower case), e.g. {', '.join(codes.EXAMPLES['wijk'])}"

AreaCodePath = Annotated[codes.AnyCode, Path(description=CODE_DESCRIPTION)]
AreaCodeQuery = Annotated[codes.AnyCode | None, Query(description=CODE_DESCRIPTION)]
GemeenteQuery = Annotated[codes.GemeenteCode | None, Query(description="Only this gemeente, e.g. GM0599")]

# The levels of the area registry (as `codes.LEVELS`), and the ones that are ranked and mapped.
Level = Literal["land", "gemeente", "wijk", "buurt"]
RankedLevel = Literal["gemeente", "wijk", "buurt"]
# Rankings also rank the focus areas, each scored as one wijk (monitor.focus_scores).
RankingLevel = Literal["gemeente", "wijk", "buurt", "focusgebied"]

Period = Annotated[int | None, Query(ge=1900, le=2100, description="Period (year)")]
BoundaryYear = Annotated[int | None, Query(ge=1900, le=2100, description="Boundary year (indeling)")]
BoundaryYearPath = Annotated[int, Path(ge=1900, le=2100, description="Boundary year (indeling)")]
# A web-mercator map tile (the tiles stored hold zoom 4 to 10).
TileZoom = Annotated[int, Path(ge=0, le=24, description="Tile zoom level")]
TileIndex = Annotated[int, Path(ge=0, description="Tile column (x) or row (y) at that zoom")]
# The catalogue's subgroups, and the latest picture that scores stand in beside them.
_SUBGROUPS = (*load_catalogue().subgroups, LATEST_PICTURE)


def _known_subgroup(name: str) -> str:
    if name not in _SUBGROUPS:
        raise ValueError(f"unknown subgroup {name!r}: choose one of {', '.join(_SUBGROUPS)}")
    return name


# Listed in the API description as an enumeration.
Subgroup = Annotated[
    str | None,
    AfterValidator(lambda name: None if name is None else _known_subgroup(name)),
    Query(
        description=(
            f"Subgroup (age group); for scores also {LATEST_PICTURE!r}, the latest picture (each indicator's "
            "latest figure within the window; the default)"
        ),
        json_schema_extra={"enum": list(_SUBGROUPS)},
    ),
]
FocusAreaNumber = Annotated[int, Path(ge=1, le=100, description="Focus area number")]
Language = Annotated[Literal["nl", "en"], Query(description="Language of labels and texts")]

# Pagination (a page gives its own name with `Annotated[PageNumber, Query(alias=...)]`).
# Where an area found by the search page leads: its profile, its residents' page or Zicht op Ondermijning.
SearchDestination = Annotated[
    Literal["gebied", "wijk", "ondermijning"], Query(description="The page a found area links to")
]
PageNumber = Annotated[int, Query(ge=1, le=100_000, description="Page number, from 1")]
PageSize = Annotated[int, Query(ge=1, le=1000, description="Rows per page")]

# Record ids and versions in paths and queries are bounded like those in bodies: a larger number is a 422
# naming the parameter, never an overflow inside the database driver.
RecordId = Annotated[int, Path(ge=1, le=MAX_IDENTIFIER)]
Version = Annotated[
    int, Query(ge=1, le=MAX_IDENTIFIER, description="The version you saw (optimistic locking)")
]
# The same version in a JSON body: a record's or an account's change, a moderation.
BodyVersion = Annotated[
    int, Field(ge=1, le=MAX_IDENTIFIER, description="The version you started from (optimistic locking)")
]
