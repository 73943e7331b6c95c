"""`wijkzicht survey check|import`: a municipality's own resident survey, checked, then placed in the cache."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wijkzicht import config
from wijkzicht.cli.common import CacheOption, DbOption, SnapshotOption, console, t, user_errors
from wijkzicht.cli.data import build

if TYPE_CHECKING:
    from wijkzicht.warehouse import resident_survey

survey_app = typer.Typer(
    help="A municipality's own resident survey (docs/residents.md).", no_args_is_help=True
)

FileArgument = Annotated[
    Path, typer.Argument(help="Survey CSV: area_code,period,indicator,value,respondents,margin")
]


def register(app: typer.Typer) -> None:
    app.add_typer(survey_app, name="survey")


def _checked(path: Path, db: Path | None) -> list[resident_survey.SurveyValue]:
    """The file's rows, validated against the area codes of the warehouse (a SourceError otherwise)."""
    from wijkzicht import warehouse
    from wijkzicht.warehouse import resident_survey

    with warehouse.opened(config.database_path(db)) as con:
        known = resident_survey.known_area_codes(con)
    return resident_survey.read_survey(path, known)


def _summary(values: list[resident_survey.SurveyValue]) -> str:
    suppressed = sum(value.suppressed_reason is not None for value in values)
    questions = Counter(value.indicator for value in values)
    per_question = ", ".join(f"{question} {count}" for question, count in sorted(questions.items()))
    periods = ", ".join(map(str, sorted({value.period for value in values})))
    areas = len({value.area_code for value in values})
    return t(
        "cli.survey.summary",
        rows=len(values),
        questions=per_question,
        periods=periods,
        areas=areas,
        suppressed=suppressed,
    )


@survey_app.command("check")
def check(path: FileArgument, db: DbOption = None) -> None:
    """Check a survey file against the format and the warehouse's area codes; change nothing."""

    with user_errors():
        values = _checked(path, db)
        console.print(
            f"[green]{t('cli.survey.valid')}[/]: {path}: {_summary(values)}", soft_wrap=True
        )  # paths copy whole


@survey_app.command("import")
def import_survey(
    path: FileArgument,
    cache: CacheOption = None,
    db: DbOption = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Overwrite a different survey file of the same name")
    ] = False,
    build_now: Annotated[bool, typer.Option("--build", help="Rebuild the warehouse right after")] = False,
    snapshot: SnapshotOption = None,
) -> None:
    """Check a survey file, then place it in the cache's bewoners/ folder, where the build reads it."""
    from wijkzicht.warehouse import resident_survey

    with user_errors():
        values = _checked(path, db)
        target, new = resident_survey.place_in_cache(path, config.cache_dir(cache), replace=replace)
        console.print(
            f"{t('cli.survey.placed' if new else 'cli.survey.present')}: {target}: {_summary(values)}",
            highlight=False,
            soft_wrap=True,
        )
    if build_now:
        build(snapshot=snapshot, cache=cache, db=db)
    else:
        console.print(t("cli.survey.build_next"))
