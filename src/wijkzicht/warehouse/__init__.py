"""The warehouse: raw open data read once into one embedded DuckDB file (`builder.build`), and opened
read-only (`opened`, `connect`).

The build reads the source families (`sources/`), checks and parses every value, and writes the tidy tables,
the area registry and the publishing gate; the monitor adds its stored analyses as build steps. Importing
this package loads only the opening of the file: a reader does not wait for the build's source readers.
"""

from wijkzicht.warehouse.connection import connect, opened

__all__ = ["connect", "opened"]
