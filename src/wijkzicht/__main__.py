"""`python -m wijkzicht` runs the command line."""

from wijkzicht.cli import app

app()
