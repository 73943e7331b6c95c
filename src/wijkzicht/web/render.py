"""Rendering server-side pages: templates, translations and links that keep the page's state."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from wijkzicht import __version__
from wijkzicht.catalogue import load_catalogue
from wijkzicht.i18n import DEFAULT_LANGUAGE, Translator, format_date, format_money, format_number

TEMPLATES = Jinja2Templates(directory=str(Path(str(resources.files("wijkzicht.web"))) / "templates"))


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
    }


def catalogue_names(language: str) -> dict[str, dict[str, str]]:
    """The catalogue's names of domains, subgroups and indicators in the page's language."""
    catalogue = load_catalogue()
    return {
        "domain_names": {d: names[language] for d, names in catalogue.domains.items()},
        "subgroup_names": {s: names[language] for s, names in catalogue.subgroups.items()},
        "indicator_names": {i.id: i.name(language) for i in catalogue.indicators.values()},
    }


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
            **formatters(language),
            **catalogue_names(language),
            "wijkzicht_version": __version__,  # not `version`: forms pass a record's version
            "other_language": "en" if language == DEFAULT_LANGUAGE else DEFAULT_LANGUAGE,
            "language_switch": language_switch(request, language),
            **context,
        },
        status_code=status_code,
    )
