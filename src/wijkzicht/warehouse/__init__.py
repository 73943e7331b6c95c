"""The warehouse: raw open data read once into one embedded DuckDB file (build), and opened read-only.

`build` reads the source families (`sources/`), checks and parses every value, and writes the tidy tables,
the area registry and the publishing gate; the monitor adds its stored analyses as build steps.
"""

from wijkzicht.warehouse.builder import BuildReport, BuildStep, Progress, build, connect, data_roots, opened

__all__ = ["BuildReport", "BuildStep", "Progress", "build", "connect", "data_roots", "opened"]
