"""`python -m wijkzicht` runs the command line."""

from wijkzicht.cli.main import app

app()
