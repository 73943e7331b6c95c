"""VNG grenswijzigen: address-based matrices that carry figures from an old boundary year to 2024.

Each .rda file holds one matrix: rows are areas of 2024, columns areas of the old year (codes without
their GM/WK prefix), cells the number of addresses in both. (SOURCES.md says it the other way round;
the registry settles it: every row code is a 2024 area, every column code one of the old year.)
Licence CC BY-NC-SA 4.0.
"""

from __future__ import annotations

import re
from pathlib import Path

from wijkzicht import codes
from wijkzicht.errors import SourceError
from wijkzicht.warehouse.privacy import reject_identifying
from wijkzicht.warehouse.sources.staging import Staging, first_line

NAME_PATTERN = re.compile(r"grenswijziging_(toevoeging_)?(gemeente|wijk)_van_(\d{4})_naar_(\d{4})\.rda")


def read(staging: Staging, path: Path) -> None:
    match = NAME_PATTERN.fullmatch(path.name)
    if not match:
        return  # other variants (e.g. _voor_postcode) are not used
    variant = "toevoeging" if match.group(1) else "adres"
    level, from_year, to_year = match.group(2), int(match.group(3)), int(match.group(4))
    import rdata  # here, not at the top: it loads pandas, which every command that opens the warehouse paid

    try:
        matrix = next(iter(rdata.read_rda(path).values()))
    except Exception as error:  # rdata raises many kinds of errors for a damaged file
        raise SourceError(
            path,
            f"cannot be read as an R data file: {first_line(error)}",
            expected="an .rda file holding one matrix with dimnames",
        ) from error
    if getattr(matrix, "size", 0) == 0 or not hasattr(matrix, "dims"):
        return  # an empty matrix: no boundary changes between these years
    reject_identifying(path, [str(dim) for dim in matrix.dims])  # dimensions are areas, never addresses
    new_codes, old_codes = (matrix.coords[dim].values for dim in matrix.dims)
    values = matrix.values
    row_index, column_index = values.nonzero()
    prefix = codes.PREFIXES[level]
    # Lists as parameters let DuckDB insert the whole matrix in one statement.
    staging.con.execute(
        "INSERT INTO boundary_changes SELECT ?, ?, ?, ?, unnest(?), unnest(?), unnest(?), ?",
        [
            level,
            variant,
            from_year,
            to_year,
            [prefix + str(code) for code in old_codes[column_index]],  # from_code
            [prefix + str(code) for code in new_codes[row_index]],  # to_code
            values[row_index, column_index].astype(float).tolist(),
            staging.relative(path),
        ],
    )
