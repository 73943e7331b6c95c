"""One translation source for every label of the web application (the files in `translations/`), and one
way per language to show numbers and dates.

Each file holds `key: {nl: ..., en: ...}`; a module of the application keeps its labels in its own file,
and the loader refuses a key defined twice or a text missing in a language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

from wijkzicht import errors
from wijkzicht.errors import WijkzichtError
from wijkzicht.yamltext import YAMLError, load_packaged_yaml

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


@cache
def translations() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for name in _file_names():
        for key, texts in file_translations(name).items():
            if key in merged:
                raise WijkzichtError(f"translation key {key!r} is defined twice (again in {name})")
            merged[key] = texts
    return merged


def _file_names() -> list[str]:
    folder = resources.files("wijkzicht").joinpath("translations")
    return sorted(file.name for file in folder.iterdir() if file.name.endswith(".yaml"))


@cache
def file_translations(name: str) -> dict[str, dict[str, str]]:
    """The texts of one translations file, for a caller that needs only those and not the wait for all
    (`wijkzicht --help` reads cli_help.yaml alone)."""
    file = resources.files("wijkzicht").joinpath("translations", name)
    try:
        document = load_packaged_yaml(file.read_text("utf-8")) or {}
    except YAMLError as error:
        raise WijkzichtError(f"translations file {name} is not valid YAML: {error}") from error
    found: dict[str, dict[str, str]] = {}
    for key, texts in document.items():
        missing = [language for language in LANGUAGES if not isinstance(texts, dict) or language not in texts]
        if missing:
            raise WijkzichtError(f"translation key {key!r} in {name} has no text in {', '.join(missing)}")
        found[key] = {language: str(texts[language]) for language in LANGUAGES}
    return found


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


def error_text(error: WijkzichtError, language: str, *, with_field: bool = True) -> str:
    """An error as its reader sees it: a keyed error in `language` (led by the field it names, unless a form
    shows it beside that field), any other in its own words."""
    if not error.key:
        return str(error)
    text = Translator(language)(error.key, **error.values)
    return f"{error.field}: {text}" if error.field and with_field else text


def _english(key: str, values: Mapping[str, object]) -> str:
    return Translator("en")(key, **values)


errors._english["text"] = _english  # str() of a keyed error: its English text (see errors.py)


# --- Numbers and dates ----------------------------------------------------------------------------

MISSING = "—"  # em dash: a value the monitor does not have (or may not show)
# Python formats with ',' for thousands and '.' for decimals (the English way); Dutch swaps the two.
_SEPARATORS: dict[str, dict[int, int] | None] = {"nl": str.maketrans(",.", ".,"), "en": None}
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
    grouped: bool = True,
) -> str:
    """The one way every page, report and command shows a number: 1234.5 as '1.234,5' in Dutch and
    '1,234.5' in English; without `decimals` a whole number has none and any other one decimal; `signed`
    puts '+' before a positive number (a change, a z-score); None is `missing`. A form's field shows its
    value without `grouped` thousands ('1234,5'), so what it shows reads back as the same number."""
    if value is None:
        return missing
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    text = format(value, _number_format(signed, grouped, decimals))
    separators = _SEPARATORS[language if language in _SEPARATORS else _known(language)]  # _known refuses it
    return text.translate(separators) if separators else text


@cache
def _number_format(signed: bool, grouped: bool, decimals: int) -> str:
    """The format specification, made once per kind (a map document formats some 30,000 numbers)."""
    return f"{'+' if signed else ''}{',' if grouped else ''}.{decimals}f"


_NUMBER = re.compile(r"[+-]?[0-9][0-9., ]*")
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-"})  # what a word processor makes of a minus
_SPACES = re.compile(r"[\s\u00a0\u202f]+")  # thousands apart with a space, a no-break or a narrow one
_DECIMAL_POINT = {"nl": ",", "en": "."}


def parse_number(text: str, language: str) -> Decimal:
    """A number as people type it, read in one place for every form: '12,5' and '12.5' on either language's
    page, thousands apart with points, commas or spaces ('1.250,75', '1,250.75', '1 250'). One point or
    comma followed by exactly three digits ('1.250', '1,250') is refused as ambiguous: it is 1250 to
    one reader and 1.25 to another. A refusal is an error keyed for the person's language."""
    typed = _SPACES.sub(" ", text.strip().translate(_MINUS_SIGNS))
    if not _NUMBER.fullmatch(typed) or typed.endswith((".", ",", " ")):
        raise WijkzichtError(key="error.number.unreadable", text=text.strip(), example=_example(language))
    sign, digits = ("-", typed[1:]) if typed[0] in "+-" else ("", typed)
    whole, fraction = _split_decimals(digits, text.strip(), language)
    groups = re.split(r"[., ]", whole)
    if len(groups) > 1 and not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
        raise WijkzichtError(key="error.number.unreadable", text=text.strip(), example=_example(language))
    return Decimal(sign + "".join(groups) + (f".{fraction}" if fraction else ""))


def _split_decimals(digits: str, typed: str, language: str) -> tuple[str, str]:
    """The whole part and the decimals: the last point or comma is the decimal one when both kinds occur,
    or when it is the only separator and not followed by three digits (a thousands group)."""
    marks = [mark for mark in ".," if mark in digits]
    last = max(digits.rfind("."), digits.rfind(","))
    if len(marks) == 2:
        return digits[:last], digits[last + 1 :]
    if not marks or digits.count(marks[0]) > 1:
        return digits, ""
    whole, fraction = digits[:last], digits[last + 1 :]
    if len(fraction) != 3 or whole.strip(" ") in ("0", ""):
        return whole, fraction
    if " " in whole:  # '1 250,500': a space groups thousands, so the mark is the decimal one
        return whole, fraction
    raise WijkzichtError(
        key="error.number.ambiguous",
        text=typed,
        thousands=whole + fraction,
        decimal=_decimal_reading(whole, fraction, language),
    )


def _decimal_reading(whole: str, fraction: str, language: str) -> str:
    """How to write the decimal reading of an ambiguous number unambiguously: '1,25' for '1,250', and
    '12,3450' for '12,345' (a fourth decimal makes three digits no thousands group)."""
    decimals = fraction.rstrip("0")
    if len(decimals) == 3:
        decimals += "0"
    return whole + (_DECIMAL_POINT[_known(language)] + decimals if decimals else "")


def _example(language: str) -> str:
    return format_number(Decimal("1250.5"), language, 1, grouped=False)


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
