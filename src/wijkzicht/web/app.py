"""The application factory: one read-only warehouse connection, the page and API routers, error pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wijkzicht import __version__, config, warehouse
from wijkzicht.errors import NotFoundError, WijkzichtError
from wijkzicht.monitor.areas import area_names
from wijkzicht.monitor.observations import read_value_partitions
from wijkzicht.monitor.rankings import read_directory
from wijkzicht.programmes.database import database_url as programmes_database_url
from wijkzicht.programmes.schemas import theme_domains
from wijkzicht.web import assets
from wijkzicht.web.compressed import GZIP_LEVEL, GZIP_MINIMUM_SIZE
from wijkzicht.web.deps import ProfileMakers, WarehouseCache
from wijkzicht.web.monitor import api, kaart, ondermijning, pages
from wijkzicht.web.monitor.profile_content import prepare_maker
from wijkzicht.web.programmes import api as programmes_api
from wijkzicht.web.programmes import pages as programmes_pages
from wijkzicht.web.programmes import setup as programmes_setup
from wijkzicht.web.render import error_message, error_response, page, request_language
from wijkzicht.web.residents import pages as residents
from wijkzicht.web.security import SecurityHeaders
from wijkzicht.web.wijkwijzer import api as wijkwijzer_web
from wijkzicht.web.wijkwijzer import pages as wijkwijzer_pages

STATIC = Path(str(resources.files("wijkzicht.web"))) / "static"


def create_app(database: Path, programmes_db: str | None = None, *, workers: int = 1) -> FastAPI:
    """The wijkzicht web application over the warehouse at `database` (opened read-only), with programme
    steering on the operational database `programmes_db` (a SQLAlchemy URL; default beside the warehouse),
    as one of `workers` server processes (they share the processors)."""

    # Opened now, not at start-up, so a missing or outdated warehouse fails before a server starts. It is
    # read-only and lives as long as the application (a lifespan that closed it would leave an application
    # that a test client started twice unable to answer).
    connection = warehouse.connect(database)
    connection.execute(f"SET threads = {config.query_threads(workers)}")
    app = FastAPI(
        title="wijkzicht",
        summary="Open data on Dutch gemeenten, wijken and buurten for the Nationaal Programma Leefbaarheid "
        "en Veiligheid",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=_stop_profile_makers,
    )
    app.state.warehouse = connection
    app.state.cache = WarehouseCache(connection)
    app.state.profile_makers = ProfileMakers(database, prepare_maker)
    # read once: the footer's sources and every profile share what the installation holds
    app.state.installed_sources = app.state.cache.installation().sources
    # and the names the area search looks up, so that no searcher waits while a worker reads them; and what
    # every ranking and values page looks up first (the first 20 clients at once would each read it)
    app.state.cache(area_names)
    app.state.cache(read_directory)
    app.state.cache(read_value_partitions)
    app.state.cache.has_stored_profiles()  # and whether a profile never asked for may be stored
    app.add_middleware(DropEmptyQueryParameters)
    app.add_middleware(SecurityHeaders)
    # Pages and JSON compress well; a response that is already compressed (the map's) is passed through.
    # Level 6, not Starlette's 9: a profile's JSON (105 kB) then takes 1.4 ms instead of 3.1 ms to compress,
    # for 2% more bytes.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_SIZE, compresslevel=GZIP_LEVEL)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router, prefix="/api")
    app.include_router(pages.router)
    app.include_router(kaart.router)
    app.include_router(ondermijning.router)
    app.include_router(programmes_api.router)
    app.include_router(programmes_pages.router)
    app.include_router(residents.router)
    app.include_router(residents.api_router)
    programmes_setup.install(app, programmes_database_url(programmes_db, database))
    app.add_middleware(HeadAsGet)  # outermost: a HEAD answers with the headers of the whole GET
    app.include_router(wijkwijzer_web.router)
    app.include_router(wijkwijzer_pages.router)
    theme_domains()  # the programme themes' mapping to catalogue domains is checked at start
    _add_api_documentation(app)
    _add_error_handlers(app)
    _prepare_routes(app)
    return app


# A path that no route takes: matching it tries every route of every router.
_NO_ROUTE: Scope = {"type": "http", "method": "GET", "path": "/\0", "root_path": "", "headers": []}


def _prepare_routes(app: FastAPI) -> None:
    """Prepare every route now, before the first request. FastAPI prepares the routes of an included router
    (their parameters' validators) when a request first reaches that router, on the event loop, and the
    requests that come meanwhile wait: a new worker's first API profile took 25 to 99 ms instead of 7 to 9.
    Matching a path that no route takes reaches every router; it takes some 0.15 s per worker at start."""
    for route in app.router.routes:
        route.matches(dict(_NO_ROUTE))


@asynccontextmanager
async def _stop_profile_makers(app: FastAPI) -> AsyncIterator[None]:
    yield
    # Stopped here, in order: uvicorn then ends a worker by the signal it was sent, and makers stopped that
    # way leave their work queues' semaphores behind (a warning at every stop of the server).
    app.state.profile_makers.close()


def app_from_environment() -> FastAPI:
    """The application of one worker of `wijkzicht serve --workers N`: each worker process makes its own,
    with its own read-only warehouse connection, from the settings the command put in the environment."""
    return create_app(config.database_path(), programmes_database_url(), workers=config.workers())


class DropEmptyQueryParameters:
    """`?period=&domain=` means "not chosen": an HTML form sends empty fields for its unset filters, and the
    pages and the API treat a parameter left empty as a parameter not given."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            kept = [(key, value) for key, value in pairs if value.strip()]
            scope = {**scope, "query_string": urlencode(kept).encode("latin-1")}
        await self.app(scope, receive, send)


class HeadAsGet:
    """`HEAD` on any page or API address answers as `GET` would, with its status and headers (the length
    included) and without the body; the routes declare GET only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


def _add_api_documentation(app: FastAPI) -> None:
    # Swagger UI from the installed assets, never from a CDN: the application works offline.
    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request) -> Response:
        if any(name.startswith("swagger-ui/") for name in assets.missing()):
            message = (
                "Swagger UI is not installed: run ./install.sh (the API itself works; /api/openapi.json)"
            )
            return page(
                request, "error.html", request_language(request), status_code=503, status=503, message=message
            )
        return get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="wijkzicht API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, error: NotFoundError) -> Response:
        return error_response(request, 404, error_message(request, error))

    @app.exception_handler(WijkzichtError)
    async def bad_request(request: Request, error: WijkzichtError) -> Response:
        return error_response(request, 400, error_message(request, error))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        if request.url.path.startswith("/api/"):  # the list of problems the OpenAPI document declares
            return JSONResponse({"detail": jsonable_encoder(error.errors())}, status_code=422)
        # Name the bad parameter and what was expected, e.g. "query parameter 'period': ..."
        problems = [
            f"{' '.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()
        ]
        return error_response(request, 422, "; ".join(problems))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        return error_response(request, error.status_code, str(error.detail), error.headers)
