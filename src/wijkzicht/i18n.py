"""One translation source for every label of the web application (the files in `translations/`), and one
way per language to show numbers and dates.

Each file holds `key: {nl: ..., en: ...}`; a module of the application keeps its labels in its own file,
and the loader refuses a key defined twice or a text missing in a language.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

from wijkzicht.errors import WijkzichtError
from wijkzicht.yamltext import YAMLError, load_yaml

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


@cache
def translations() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    folder = resources.files("wijkzicht").joinpath("translations")
    for file in sorted(folder.iterdir(), key=lambda f: f.name):
        if not file.name.endswith(".yaml"):
            continue
        try:
            document = load_yaml(file.read_text("utf-8")) or {}
        except YAMLError as error:
            raise WijkzichtError(f"translations file {file.name} is not valid YAML: {error}") from error
        for key, texts in document.items():
            if key in merged:
                raise WijkzichtError(f"translation key {key!r} is defined twice (again in {file.name})")
            missing = [
                language for language in LANGUAGES if not isinstance(texts, dict) or language not in texts
            ]
            if missing:
                raise WijkzichtError(
                    f"translation key {key!r} in {file.name} has no text in {', '.join(missing)}"
                )
            merged[key] = {language: str(texts[language]) for language in LANGUAGES}
    return merged


class Translator:
    """`t("key", name=...)` in the language of one request."""

    def __init__(self, language: str) -> None:
        self.language = _known(language)

    def __call__(self, key: str, **values: object) -> str:
        try:
            text = translations()[key][self.language]
        except KeyError:
            raise WijkzichtError(f"no translation for {key!r}") from None
        return text.format(**values) if values else text


# --- Numbers and dates ----------------------------------------------------------------------------

MISSING = "—"  # em dash: a value the monitor does not have (or may not show)
# Python formats with ',' for thousands and '.' for decimals (the English way); Dutch swaps the two.
_SEPARATORS = {"nl": str.maketrans(",.", ".,"), "en": str.maketrans("", "")}
_MONTHS = {
    "nl": (
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def format_number(
    value: float | Decimal | None,
    language: str,
    decimals: int | None = None,
    *,
    signed: bool = False,
    missing: str = MISSING,
) -> str:
    """The one way every page, report and command shows a number: 1234.5 as '1.234,5' in Dutch and
    '1,234.5' in English; without `decimals` a whole number has none and any other one decimal; `signed`
    puts '+' before a positive number (a change, a z-score); None is `missing`."""
    if value is None:
        return missing
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    text = f"{value:{'+' if signed else ''},.{decimals}f}"
    return text.translate(_SEPARATORS[_known(language)])


def format_percent(value: float | None, language: str, decimals: int | None = None) -> str:
    """A percentage: '60,6%' in Dutch, '60.6%' in English."""
    return MISSING if value is None else format_number(value, language, decimals) + "%"


def format_money(value: Decimal | float | None, language: str) -> str:
    """Whole euros; the no-break space keeps an amount on one line in a table cell."""
    return MISSING if value is None else "€\u00a0" + format_number(value, language, 0)


def format_date(value: date, language: str) -> str:
    """'3 maart 2025' in Dutch, '3 March 2025' in English."""
    return f"{value.day} {_MONTHS[_known(language)][value.month - 1]} {value.year}"


def _known(language: str) -> str:
    if language not in LANGUAGES:
        raise WijkzichtError(f"unknown language {language!r} (expected one of: {', '.join(LANGUAGES)})")
    return language
