"""The web application: server-rendered pages and a JSON API over the same domain core as the CLI."""
