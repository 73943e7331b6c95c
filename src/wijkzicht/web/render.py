"""Rendering server-side pages (templates, translations and links that keep the page's state), PDFs and
error answers; the API's JSON documents are written by `records.as_json`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, select_autoescape
from markupsafe import Markup

from wijkzicht import __version__
from wijkzicht.catalogue import LATEST_PICTURE, load_catalogue
from wijkzicht.errors import WijkzichtError
from wijkzicht.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    Translator,
    error_text,
    format_date,
    format_money,
    format_number,
)
from wijkzicht.monitor.index import Settings
from wijkzicht.yamltext import compiled_dir

if TYPE_CHECKING:
    # FastAPI is imported where a page is answered, not here: the reports of `wijkzicht report` render these
    # templates without a server, and importing FastAPI was a fifth of that command's time.
    from fastapi import Request
    from fastapi.responses import HTMLResponse, Response
    from fastapi.templating import Jinja2Templates

TEMPLATE_FOLDER = Path(str(resources.files("wijkzicht.web"))) / "templates"


@cache
def template_environment() -> Environment:
    """The site's templates, shared by the pages and the documents made without a request (reports,
    factsheets).

    One per process, so that each template is compiled once: a report or factsheet made with an environment
    of its own compiled its four templates again every time (about 45 ms of a request's CPU). Compiled
    templates are also kept in the user's `yamltext.compiled_dir` for the next process, as Python keeps its
    modules (Jinja compares each with its template's text before using it): a command such as `wijkzicht
    report` starts with them compiled.
    Nothing is registered in it: pages and reports pass their formatters and names as context
    (`formatters`, `catalogue_names`), so no module extends the templates behind the others' backs."""
    folder = compiled_dir()
    return Environment(
        loader=FileSystemLoader(TEMPLATE_FOLDER),
        autoescape=select_autoescape(["html"]),
        bytecode_cache=FileSystemBytecodeCache(str(folder)) if folder is not None else None,
    )


@cache
def _templates() -> Jinja2Templates:
    from fastapi.templating import Jinja2Templates

    return Jinja2Templates(env=template_environment())


def render_pdf(html: str) -> bytes:
    """A document rendered by the templates as PDF: the governance reports and an area's factsheet."""
    try:
        with _no_library_search():
            from weasyprint import HTML  # imported late: it loads pango, which only the PDF needs
    except OSError:  # a system whose libraries are not where their file names lead: let WeasyPrint search
        from weasyprint import HTML

    return HTML(string=html).write_pdf()


@contextmanager
def _no_library_search() -> Iterator[None]:
    """While WeasyPrint loads, `ctypes.util.find_library` answers "not found" at once.

    WeasyPrint opens each C library by several names in turn, Windows' and macOS' among them, and cffi asks
    `find_library` for every name the dynamic loader does not know: on Linux that runs ldconfig, gcc and ld,
    some fifty processes and a fifth of a second of CPU for names that cannot exist here. Each list also
    holds the library's own file name (libpango-1.0.so.0), which the loader finds itself."""
    import ctypes.util  # here: only a PDF needs it

    search = ctypes.util.find_library
    ctypes.util.find_library = _not_found
    try:
        yield
    finally:
        ctypes.util.find_library = search


def _not_found(name: str) -> None:
    return None


def link(path: str, language: str, **state: object) -> str:
    """A URL that carries the view's state (level, period, indicator, language ...) so a link reproduces it."""
    query = {key: value for key, value in state.items() if value is not None and value != ""}
    if language != DEFAULT_LANGUAGE:
        query["lang"] = language
    return path + ("?" + urlencode(query, doseq=True) if query else "")


def language_switch(request: Request, language: str) -> str:
    """The current URL in the other language."""
    query = [(key, value) for key, value in request.query_params.multi_items() if key != "lang"]
    if language == DEFAULT_LANGUAGE:
        query.append(("lang", "en"))
    return request.url.path + ("?" + urlencode(query) if query else "")


def formatters(language: str) -> dict[str, Callable[..., str]]:
    """The template helpers that show numbers, amounts and dates in the page's language."""
    return {
        "num": lambda value, decimals=None, signed=False: format_number(
            value, language, decimals, signed=signed
        ),
        "money": lambda value: format_money(value, language),
        "date": lambda value: format_date(value, language),
        "years_of": years_of,
    }


class _Dated(Protocol):
    @property
    def period(self) -> int: ...


def years_of(figures: Iterable[_Dated]) -> str:
    """The distinct years of some figures (anything with a `period`), in order: "2020, 2022"."""
    return ", ".join(str(year) for year in sorted({figure.period for figure in figures}))


@cache
def catalogue_names(language: str) -> Mapping[str, Mapping[str, str]]:
    """The catalogue's names of domains, subgroups and indicators in the page's language.

    Made once per language (the packaged catalogue does not change while the program runs): every page and
    the charts of a profile asked for them, and making them cost 0.8 ms a time. Shared, so read-only."""
    catalogue = load_catalogue()
    return {
        "domain_names": {d: names[language] for d, names in catalogue.domains.items()},
        "subgroup_names": {
            **{s: names[language] for s, names in catalogue.subgroups.items()},
            LATEST_PICTURE: Translator(language)("picture.name"),
        },
        "indicator_names": {i.id: i.name(language) for i in catalogue.indicators.values()},
    }


def page(
    request: Request, template: str, language: str, *, status_code: int = 200, **context: object
) -> HTMLResponse:
    return _templates().TemplateResponse(
        request,
        template,
        {
            **_page_context(language),
            "wijkzicht_version": __version__,  # not `version`: forms pass a record's version
            # The sources the warehouse holds (set by the application): the footer names only these.
            "installed_sources": getattr(request.app.state, "installed_sources", ()),
            "other_language": "en" if language == DEFAULT_LANGUAGE else DEFAULT_LANGUAGE,
            "language_switch": language_switch(request, language),
            **context,
        },
        status_code=status_code,
    )


def fragment(template: str, language: str, **context: object) -> Markup:
    """Part of a page, rendered without a request (so it can be made once and kept, or made in another
    process): it sees what a page's template sees, but not the request, the footer's sources or the
    language switch, which belong to the page around it."""
    rendered = template_environment().get_template(template).render(**_page_context(language), **context)
    return Markup(rendered)  # escaped already: the environment autoescapes HTML templates


def _page_context(language: str) -> dict[str, object]:
    """What every page's template sees in its language, whatever the request."""
    return {
        "lang": language,
        "t": Translator(language),
        "link": lambda path, **state: link(path, language, **state),
        **formatters(language),
        **catalogue_names(language),
        # the scores' latest picture (a partition of its own) is named, not shown as a subgroup
        "latest_picture": LATEST_PICTURE,
        "picture_window": Settings().picture_window,
    }


def request_language(request: Request) -> str:
    """The language a request asks for with `?lang=`, or the default."""
    wanted = request.query_params.get("lang", DEFAULT_LANGUAGE)
    return wanted if wanted in LANGUAGES else DEFAULT_LANGUAGE


def error_message(request: Request, error: WijkzichtError) -> str:
    """A page shows an error in its language; the API keeps one language (English) for its clients."""
    if request.url.path.startswith("/api/"):
        return str(error)
    return error_text(error, request_language(request))


def error_response(
    request: Request, status: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """The site's one error answer: JSON `{"detail": ...}` under /api, else the error page; with the
    error's headers (a 429's Retry-After)."""
    from fastapi.responses import JSONResponse

    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    answer = page(
        request, "error.html", request_language(request), status_code=status, status=status, message=message
    )
    answer.headers.update(headers or {})
    return answer
