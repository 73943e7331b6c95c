"""Rendering server-side pages: templates, translations and links that keep the page's state."""

from __future__ import annotations

from decimal import Decimal
from importlib import resources
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from wijkzicht import __version__
from wijkzicht.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translator

TEMPLATE_FOLDER = Path(str(resources.files("wijkzicht.web"))) / "templates"
NO_VALUE = "\u2013"  # en dash


def format_programme_number(value: float | None, decimals: int = 1) -> str:
    return NO_VALUE if value is None else f"{value:.{decimals}f}"


def format_money(value: Decimal | None) -> str:
    # no-break spaces: an amount never wraps across lines in a table cell
    return NO_VALUE if value is None else "€\u00a0" + f"{value:,.0f}".replace(",", "\u202f")


# The one place that extends the templates: every environment (the site's and the reports') gets these.
FILTERS = {"prog_number": format_programme_number, "prog_money": format_money}


def template_environment() -> Environment:
    """A template environment on the site's templates, for documents made without a request (reports)."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATE_FOLDER), autoescape=select_autoescape(["html"])
    )
    environment.filters.update(FILTERS)
    return environment


TEMPLATES = Jinja2Templates(env=template_environment())


def link(path: str, language: str, **state: object) -> str:
    """A URL that carries the view's state (level, period, indicator, language ...) so a link reproduces it."""
    query = {key: value for key, value in state.items() if value is not None and value != ""}
    if language != DEFAULT_LANGUAGE:
        query["lang"] = language
    return path + ("?" + urlencode(query, doseq=True) if query else "")


def format_number(value: float | None, language: str, decimals: int | None = None) -> str:
    """1234.5 as '1.234,5' in Dutch and '1,234.5' in English; counts without decimals; None as a dash."""
    if value is None:
        return "—"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    text = f"{value:,.{decimals}f}"
    return text.translate(str.maketrans(",.", ".,")) if language == "nl" else text


def language_switch(request: Request, language: str) -> str:
    """The current URL in the other language."""
    query = [(key, value) for key, value in request.query_params.multi_items() if key != "lang"]
    if language == DEFAULT_LANGUAGE:
        query.append(("lang", "en"))
    return request.url.path + ("?" + urlencode(query) if query else "")


def page(
    request: Request, template: str, language: str, status_code: int = 200, **context: object
) -> HTMLResponse:
    t = Translator(language)
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "lang": language,
            "t": t,
            "link": lambda path, **state: link(path, language, **state),
            "num": lambda value, decimals=None: format_number(value, language, decimals),
            "wijkzicht_version": __version__,  # not `version`: forms pass a record's version
            "other_language": "en" if language == DEFAULT_LANGUAGE else DEFAULT_LANGUAGE,
            "language_switch": language_switch(request, language),
            **context,
        },
        status_code=status_code,
    )


def request_language(request: Request) -> str:
    """The language a request asks for with `?lang=`, or the default."""
    wanted = request.query_params.get("lang", DEFAULT_LANGUAGE)
    return wanted if wanted in LANGUAGES else DEFAULT_LANGUAGE


def error_response(request: Request, status: int, message: str) -> Response:
    """The site's one error answer: JSON `{"detail": ...}` under /api, else the error page."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=status)
    return page(
        request, "error.html", request_language(request), status_code=status, status=status, message=message
    )
