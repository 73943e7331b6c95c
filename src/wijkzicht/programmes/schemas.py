"""What a person may enter, checked before anything reaches the database: one schema per kind of record,
shared by the JSON API and the HTML forms, so both refuse the same input with the same message.

Text is stored as typed; pages escape it on output (Jinja2 autoescape), so `<script>` shows as text. Control
characters other than tab and newline are refused (PostgreSQL cannot store NUL, and they hide content).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from wijkzicht import codes
from wijkzicht.catalogue import TOTAL_SUBGROUP, load_catalogue
from wijkzicht.errors import WijkzichtError
from wijkzicht.i18n import parse_number
from wijkzicht.programmes import passwords
from wijkzicht.yamltext import load_packaged_yaml

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


THEME_DOMAINS = "theme_domains"


@cache
def _vocabulary_file() -> dict[str, object]:
    text = resources.files("wijkzicht.programmes").joinpath("vocabulary.yaml").read_text("utf-8")
    return load_packaged_yaml(text)


@cache
def vocabulary() -> dict[str, list[str]]:
    """The open vocabularies: list name -> codes."""
    return {name: codes for name, codes in _vocabulary_file().items() if name != THEME_DOMAINS}  # type: ignore[misc]


@cache
def theme_domains() -> dict[str, str | None]:
    """Theme -> the monitor domain it works on (None: no single domain), checked against the catalogue."""
    return check_theme_domains(
        _vocabulary_file().get(THEME_DOMAINS), vocabulary()["themes"], set(load_catalogue().domains)
    )


def check_theme_domains(mapping: object, themes: list[str], domains: set[str]) -> dict[str, str | None]:
    """Every theme mapped exactly once, to a known domain or to null; anything else is refused."""
    where = f"vocabulary.yaml, {THEME_DOMAINS}"
    if not isinstance(mapping, dict):
        raise WijkzichtError(f"{where}: expected a mapping of theme to domain (or null)")
    unknown_themes = sorted(set(mapping) - set(themes))
    if unknown_themes:
        raise WijkzichtError(f"{where}: unknown theme(s) {', '.join(map(str, unknown_themes))}")
    unmapped = [theme for theme in themes if theme not in mapping]
    if unmapped:
        raise WijkzichtError(f"{where}: no domain (or null) for theme(s) {', '.join(unmapped)}")
    unknown_domains = sorted({str(d) for d in mapping.values() if d is not None and d not in domains})
    if unknown_domains:
        raise WijkzichtError(f"{where}: unknown domain(s) {', '.join(unknown_domains)}")
    return dict(mapping)


def _no_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise keyed(WijkzichtError(key="error.rule.control_characters"))
    return value


def _in_vocabulary(name: str) -> AfterValidator:
    def check(value: str) -> str:
        if value not in vocabulary()[name]:
            raise keyed(WijkzichtError(key="error.rule.choice", choices=", ".join(vocabulary()[name])))
        return value

    return AfterValidator(check)


def _not_guessable(value: str) -> str:
    """The password policy's refusal with its own error type, so a form shows it in the person's language."""
    if passwords.is_guessable(value):
        raise PydanticCustomError("password_guessable", passwords.GUESSABLE)
    return value


def _length(maximum: int, minimum: int = 1) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=minimum, max_length=maximum)


def _typed_number(value: object, info: ValidationInfo) -> object:
    """A number typed into a form ('12,5', '1.250,75'), read the way the form's language writes it: the
    forms validate with `context={"language": ...}`; the JSON API sends numbers and passes no language."""
    language = (info.context or {}).get("language")
    if not isinstance(value, str) or language is None:
        return value
    try:
        return parse_number(value, language)
    except WijkzichtError as refused:
        # keyed, so that the form shows it in its language (web.forms); the message is the English text
        raise keyed(refused) from None


TypedNumber = BeforeValidator(_typed_number)


def keyed(refused: WijkzichtError, fields: str = "") -> PydanticCustomError:
    """A refusal keyed for the reader's language (web.forms shows it beside `fields`, comma-separated); its
    message, which the JSON API sends, is the English text led by the fields ('end_year: ...')."""
    message = f"{fields}: {refused}" if fields else str(refused)
    return PydanticCustomError(
        "keyed",
        "{message}",
        {"message": message, "message_key": refused.key, "fields": fields, **refused.values},
    )


def _rule(fields: str, key: str) -> PydanticCustomError:
    """A rule over fields that the record breaks, e.g. `_rule("end_year", "error.rule.period_order")`."""
    return keyed(WijkzichtError(key=key), fields)


# Spelled out per alias (not built by a function) so that type checkers see each one as a type.
_PLAIN_TEXT = AfterValidator(_no_control_characters)
Title = Annotated[str, _length(200), _PLAIN_TEXT]
Password = Annotated[
    str,
    StringConstraints(min_length=passwords.MIN_LENGTH, max_length=passwords.MAX_LENGTH),
    AfterValidator(_not_guessable),
]
Short = Annotated[str, _length(300), _PLAIN_TEXT]
LongText = Annotated[str, _length(5000, minimum=0), _PLAIN_TEXT]
RequiredLongText = Annotated[str, _length(5000), _PLAIN_TEXT]
Year = Annotated[int, Field(ge=2000, le=2100)]
# Ids and versions must fit the databases' integer columns (PostgreSQL INTEGER), or the driver overflows.
MAX_IDENTIFIER = 2_147_483_647
Identifier = Annotated[int, Field(ge=1, le=MAX_IDENTIFIER)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500, pattern=r"^(https?://\S+)?$")]
Budget = Annotated[Decimal, TypedNumber, Field(ge=0, le=Decimal("999999999999.99"), decimal_places=2)]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrganisationIn(Record):
    name: Title
    kind: Annotated[str, _in_vocabulary("organisation_kinds")]
    gemeente_code: codes.GemeenteCode | None = None


class AllianceIn(Record):
    focus_area_id: Identifier
    name: Title
    chair: Title


class AllianceMemberIn(Record):
    alliance_id: Identifier
    organisation_id: Identifier
    role: Title


class ProgrammeIn(Record):
    focus_area_id: Identifier
    title: Title
    start_year: Year
    end_year: Year
    status: Literal["draft", "adopted", "running", "finished"] = "draft"
    document_url: Url | None = None
    published: bool = False

    @model_validator(mode="after")
    def _period_in_order(self) -> Self:
        if self.end_year < self.start_year:
            raise _rule("end_year", "error.rule.period_order")
        return self


class GoalIn(Record):
    """A goal names the indicator, area and baseline period; the baseline value is read from the monitor."""

    programme_id: Identifier
    title: Title
    indicator: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9_]{1,80}$")]
    subgroup: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9_]{1,20}$")] = (
        TOTAL_SUBGROUP
    )
    area_code: codes.AreaCode
    baseline_period: Year | None = None  # default: the first period the monitor has for this series
    target_value: Annotated[float, TypedNumber, Field(allow_inf_nan=False, ge=-1e12, le=1e12)]
    target_year: Year
    reference: Literal["gemeente", "g4", "nederland"] | None = None
    published: bool = False


class MeasureIn(Record):
    programme_id: Identifier
    title: Title
    description: LongText = ""
    action_line: Literal[1, 2, 3, 4]
    theme: Annotated[str, _in_vocabulary("themes")]
    owner_id: Identifier
    partners: Annotated[str, _length(1000, minimum=0), _PLAIN_TEXT] = ""
    budget: Budget = Decimal(0)
    funding_source: Annotated[str, _in_vocabulary("funding_sources")]
    ministry: Annotated[str, _in_vocabulary("ministries")] = "geen"
    status: Literal["planned", "running", "finished", "stopped"] = "planned"
    published: bool = False


class ProgressUpdateIn(Record):
    measure_id: Identifier | None = None
    goal_id: Identifier | None = None
    reported_on: date
    status: Literal["green", "amber", "red"]
    narrative: RequiredLongText

    @model_validator(mode="after")
    def _one_subject(self) -> Self:
        if (self.measure_id is None) == (self.goal_id is None):
            raise _rule("measure_id, goal_id", "error.rule.one_subject")
        if self.reported_on > date.today():
            raise _rule("reported_on", "error.rule.future")
        return self


class BlockageIn(Record):
    focus_area_id: Identifier
    title: Title
    description: RequiredLongText
    category: Literal["law", "funding", "capacity", "cooperation", "data", "other"]
    escalation: Literal["local", "alliance", "national"] = "local"
    owner_id: Identifier
    raised_on: date
    resolved_on: date | None = None
    status: Literal["open", "resolved"] = "open"
    resolution: LongText = ""
    published: bool = False

    @model_validator(mode="after")
    def _dates_and_resolution(self) -> Self:
        if self.resolved_on is not None and self.resolved_on < self.raised_on:
            raise _rule("resolved_on", "error.rule.resolved_before_raised")
        if self.status == "resolved" and (self.resolved_on is None or not self.resolution):
            raise _rule("resolved_on, resolution", "error.rule.resolved_needs")
        if self.status == "open" and self.resolved_on is not None:
            raise _rule("resolved_on", "error.rule.open_resolved")
        return self


class ExperimentIn(Record):
    programme_id: Identifier
    title: Title
    legal_basis: Short
    conditions: LongText = ""
    starts_on: date | None = None
    ends_on: date | None = None
    status: Literal["proposed", "approved", "running", "evaluated", "stopped"] = "proposed"
    evaluation: LongText = ""
    published: bool = False

    @model_validator(mode="after")
    def _dates_in_order(self) -> Self:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise _rule("ends_on", "error.rule.ends_before_start")
        return self


class CommentIn(Record):
    object_type: Literal["programme", "goal", "measure", "blockage", "experiment"]
    object_id: Identifier
    text: RequiredLongText


class UserIn(Record):
    username: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9._@-]{3,80}$")]
    display_name: Title
    role: Literal["partner", "area_editor", "administrator", "analyst"]
    focus_area_id: Identifier | None = None
    organisation_id: Identifier | None = None
    password: Password


class UserChange(Record):
    display_name: Title
    role: Literal["partner", "area_editor", "administrator", "analyst"]
    focus_area_id: Identifier | None = None
    organisation_id: Identifier | None = None
    active: bool = True
    password: Password | None = None
