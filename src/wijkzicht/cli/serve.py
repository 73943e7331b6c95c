"""`wijkzicht serve`: the web application and the HTTP API over the warehouse."""

from __future__ import annotations

from typing import Annotated

import typer

from wijkzicht import config
from wijkzicht.cli.common import DbOption, console, user_errors


def register(app: typer.Typer) -> None:
    app.command()(serve)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    db: DbOption = None,
    programmes_db: Annotated[
        str | None,
        typer.Option("--programmes-db", help="Programme steering database URL [env WIJKZICHT_PROGRAMMES_DB]"),
    ] = None,
) -> None:
    """Serve the web application and the HTTP API (docs at /api/docs) over the warehouse."""
    import uvicorn

    from wijkzicht.web.app import create_app

    with user_errors():
        database = config.database_path(db)
        # a missing or outdated warehouse, or an unmigrated shared database, is a clear error, now
        application = create_app(database, programmes_db)
        console.print(f"wijkzicht op [bold]http://{host}:{port}/[/] (warehouse {database}); Ctrl+C stopt")
        uvicorn.run(application, host=host, port=port, log_level="warning")
