"""`wijkzicht serve`: the web application and the HTTP API over the warehouse, in one or more processes."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from wijkzicht import config
from wijkzicht.cli.common import DbOption, console, t, user_errors
from wijkzicht.errors import WijkzichtError

if TYPE_CHECKING:
    from fastapi import FastAPI

# A worker per processor: a slow answer (a cold profile) then holds one worker, not every request behind it.


def register(app: typer.Typer) -> None:
    app.command()(serve)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            help="Worker processes, each with its own read-only connection to the warehouse (default: one "
            "per processor)",
            envvar=config.WORKERS_ENV,
        ),
    ] = config.default_workers(),
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            help="Addresses of the reverse proxies whose X-Forwarded-For and -Proto headers are trusted "
            "(comma-separated, '*' for any)",
        ),
    ] = "127.0.0.1",
    db: DbOption = None,
    programmes_db: Annotated[
        str | None,
        typer.Option("--programmes-db", help="Programme steering database URL (env WIJKZICHT_PROGRAMMES_DB)"),
    ] = None,
) -> None:
    """Serve the web application and the HTTP API (docs at /api/docs) over the warehouse."""
    import uvicorn

    from wijkzicht.programmes.database import URL_ENV, database_url
    from wijkzicht.web.app import create_app

    # a worker of one process is this process
    _prepare_worker_process()
    with user_errors():
        if workers < 1:
            raise WijkzichtError(t("cli.serve.workers"))
        database = config.database_path(db)
        url = database_url(programmes_db, database)
        # Made here once, in this process, so that a missing or outdated warehouse, or an unmigrated shared
        # database, is a clear error now, and the embedded database is migrated and seeded before any worker
        # starts (workers that did it at once would race).
        application = create_app(database, url, workers=workers)
        console.print(
            t("cli.serve.listening", host=host, port=port, database=database, workers=workers),
            markup=False,
            highlight=False,
        )
        if workers == 1:
            application.state.profile_makers.start()  # before the first request waits for them
            target: FastAPI | str = application
        else:
            _close(application)
            # Each worker is a new process that makes its own application, with its own read-only
            # connection to the warehouse, from the settings in the environment (which workers inherit).
            os.environ[config.DB_ENV] = str(database)
            os.environ[URL_ENV] = url
            os.environ[config.WORKERS_ENV] = str(workers)
            target = "wijkzicht.cli.serve:worker_app"
        uvicorn.run(
            target,
            factory=workers > 1,
            workers=workers,
            host=host,
            port=port,
            log_level="warning",
            forwarded_allow_ips=forwarded_allow_ips,
        )


def worker_app() -> FastAPI:
    """The application of one worker process of `serve --workers N` (see `app_from_environment`)."""
    from wijkzicht.web.app import app_from_environment

    _prepare_worker_process()
    application = app_from_environment()
    application.state.profile_makers.start()  # before the first request waits for them
    return application


def _prepare_worker_process() -> None:
    """What a serving worker's process sets before it answers anything."""
    from wijkzicht.warehouse.binding import never_pandas
    from wijkzicht.web.deps import prefer_kept_answers

    never_pandas()
    prefer_kept_answers()


def _close(application: FastAPI) -> None:
    """The check's connections are not kept open beside the workers' own."""
    state = application.state
    state.warehouse.close()
    state.programmes.close()
