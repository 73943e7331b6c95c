"""One toolkit for HTML forms: posted text to a schema's input, and the schema's verdict back to the form.

Every form page follows the same steps: read the posted text (`text`, `words`, `lines`), leave out what was
left empty so the schema's defaults apply (`given`, `schema_input`), validate (`validate`), and show the
problems beside their fields (`Problems`). The record version of optimistic locking is read by `version`.
Pydantic's common refusals are shown in the person's language (translations/forms.yaml); a rule of the
domain keeps its own words, and names its field first ("end_year: …"), which is how it finds its field here.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import HTTPException
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from wijkzicht.errors import NotFoundError, WijkzichtError
from wijkzicht.i18n import Translator, error_text, translations
from wijkzicht.programmes.errors import ConflictError, ForbiddenError
from wijkzicht.programmes.schemas import MAX_IDENTIFIER

Model = TypeVar("Model", bound=BaseModel)
_SEPARATORS = re.compile(r"[\s,;]+")
_MAX_VERSION_DIGITS = 10


@dataclass
class Problems:
    """What to show on a form that was refused: a message per field, and those that belong to none."""

    by_field: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.by_field or self.general)

    def summary(self) -> str:
        """One line for a refusal that has no form to return to (an API answer, a small step form)."""
        return "; ".join([*(f"{name}: {text}" for name, text in self.by_field.items()), *self.general])


def text(form: Mapping[str, Any], name: str) -> str:
    """A posted field's text, trimmed; a missing field or an uploaded file is empty text."""
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def texts(form: Mapping[str, Any], names: Iterable[str]) -> dict[str, str]:
    return {name: text(form, name) for name in names}


def words(value: str) -> list[str]:
    """A list typed into one field, separated by spaces, commas or semicolons."""
    return [word for word in _SEPARATORS.split(value) if word]


def lines(value: str) -> list[str]:
    """A list typed one item per line."""
    return [line.strip() for line in value.splitlines() if line.strip()]


def given(values: Mapping[str, Any]) -> dict[str, Any]:
    """An empty field is 'not given', so the schema's default applies."""
    return {key: value for key, value in values.items() if value != ""}


def schema_input(schema: type[BaseModel], form: Mapping[str, Any]) -> dict[str, Any]:
    """A form's text as a schema's input, field by field: an unticked box is False, an empty field is not
    given, and a choice among numbers (an action line) is sent as the number it shows."""
    data: dict[str, Any] = {}
    for name, info in schema.model_fields.items():
        if info.annotation is bool:
            data[name] = name in form
        elif value := text(form, name):
            data[name] = int(value) if _numbered_choice(info.annotation) and value.isdigit() else value
    return data


def _numbered_choice(annotation: Any) -> bool:
    return typing.get_origin(annotation) is typing.Literal and all(
        isinstance(choice, int) for choice in typing.get_args(annotation)
    )


def version(form: Mapping[str, Any]) -> int:
    """The version the form was made from; a missing or mangled one is no input the person can correct."""
    value = text(form, "version")
    number = int(value) if value.isascii() and value.isdigit() and len(value) <= _MAX_VERSION_DIGITS else 0
    if not 1 <= number <= MAX_IDENTIFIER:  # the range of web.params.Version, for a form's hidden field
        raise HTTPException(422, "version: missing; reload the form")
    return number


def reading(language: str) -> dict[str, str]:
    """The validation context of a form in `language`: its typed numbers are read that language's way."""
    return {"language": language}


def problems(error: ValidationError, language: str) -> Problems:
    """Pydantic's problems per top-level field (a list item's problem marks its list), in `language`; a rule
    over several fields that names them ('start_year, end_year: …') marks each of them."""
    found = Problems()
    t = Translator(language)
    for problem in error.errors():
        message = _message(problem, t)
        marked = problem.get("ctx", {}).get("fields") if problem["type"] == "keyed" else None
        if marked:  # a keyed rule over fields: its translated text beside each of them
            for name in marked.split(","):
                found.by_field[name.strip()] = message
        elif problem["loc"]:
            found.by_field.setdefault(str(problem["loc"][0]), message)
        elif ":" in message:
            names, _, rest = message.partition(":")
            for name in names.split(","):
                found.by_field[name.strip()] = rest.strip()
        else:
            found.general.append(message)
    return found


def _message(problem: ErrorDetails, t: Translator) -> str:
    if problem["type"] == "keyed":  # a refusal of wijkzicht's own, keyed for the reader's language
        return t(problem["ctx"]["message_key"], **problem["ctx"])
    key = f"form.problem.{problem['type']}"
    if key in translations():
        return t(key, **problem.get("ctx", {}))
    return problem["msg"].removeprefix("Value error, ")


def rule_problems(error: WijkzichtError, fields: Iterable[str], language: str) -> Problems:
    """A rule the input breaks, to show on the form in `language`: a keyed refusal that names its fields
    (`WijkzichtError(key=..., field="area_code")`) or a plain one that names its field first ('measure_ids:
    no measure 7') marks those fields. A refusal, a conflict or a record gone is raised (403, 409, 404)."""
    known = set(fields)
    if error.fields and set(error.fields) <= known:
        message = error_text(error, language, with_field=False)
        return Problems(dict.fromkeys(error.fields, message))
    name, separator, rest = str(error).partition(":")
    if not error.key and separator and name.strip() in known:
        return Problems({name.strip(): rest.strip()})
    if isinstance(error, ForbiddenError | ConflictError | NotFoundError):
        raise error
    return Problems(general=[error_text(error, language)])


def validate(schema: type[Model], data: Mapping[str, Any], language: str) -> tuple[Model | None, Problems]:
    """The schema's instance, or None and the problems to show in `language`; numbers are read as
    `language` writes them (schemas.TypedNumber)."""
    try:
        return schema.model_validate(data, context=reading(language)), Problems()
    except ValidationError as error:
        return None, problems(error, language)
