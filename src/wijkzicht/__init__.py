"""wijkzicht: official open data on Dutch gemeenten, wijken and buurten for the NPLV."""

__version__ = "0.1.0"
