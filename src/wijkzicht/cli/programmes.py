"""Programme steering commands: `programmes migrate|seed|purge-contacts`, `goals list|add`, `users add|list`,
`report FOCUSAREA`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wijkzicht import config
from wijkzicht.catalogue import TOTAL_SUBGROUP
from wijkzicht.cli.common import (
    DbOption,
    LangOption,
    Language,
    collector_paused,
    console,
    headings,
    new_table,
    t,
    use_language,
    user_errors,
)
from wijkzicht.errors import WijkzichtError
from wijkzicht.i18n import format_number

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from wijkzicht.monitor.focus import FocusArea
    from wijkzicht.programmes import schemas
    from wijkzicht.programmes.database import OperationalDatabase

programmes_app = typer.Typer(help="The operational database of programme steering.", no_args_is_help=True)
users_app = typer.Typer(help="Accounts of programme steering.", no_args_is_help=True)
goals_app = typer.Typer(help="Goals of the execution programmes.", no_args_is_help=True)

ProgrammesDbOption = Annotated[
    str | None,
    typer.Option(
        "--programmes-db",
        help="SQLAlchemy URL of the operational database (env WIJKZICHT_PROGRAMMES_DB; default "
        "sqlite:///…/programmes.sqlite beside the warehouse), e.g. postgresql+psycopg://user@host/wijkzicht",
    ),
]
NATIONAL = ("nederland", "landelijk", "national")


def register(app: typer.Typer) -> None:
    app.command("report")(report_command)
    app.add_typer(programmes_app, name="programmes")
    app.add_typer(users_app, name="users")
    app.add_typer(goals_app, name="goals")


def _open(url: str) -> OperationalDatabase:
    from wijkzicht.programmes import database
    from wijkzicht.programmes.database import OperationalDatabase

    store = OperationalDatabase.open(url)
    if store.engine.dialect.name == "sqlite":
        database.upgrade(store.engine)
    else:
        database.require_current(store.engine)
    return store


@programmes_app.command("migrate")
def migrate(
    revision: Annotated[str, typer.Option(help="Target revision; 'base' empties the database")] = "head",
    db: DbOption = None,
    programmes_db: ProgrammesDbOption = None,
) -> None:
    """Bring the operational database to a revision (upgrade or downgrade)."""
    from wijkzicht.programmes import database
    from wijkzicht.programmes.database import OperationalDatabase

    with user_errors():
        store = OperationalDatabase.open(database.database_url(programmes_db, db))
        current = database.current_revision(store.engine)
        if revision == "base" or (revision != "head" and current and revision < current):
            database.downgrade(store.engine, revision)
        else:
            database.upgrade(store.engine, revision)
        after = database.current_revision(store.engine)
        console.print(t("cli.programmes.migrated", before=current or "-", after=after or "-"), markup=False)
        store.close()


@programmes_app.command("purge-contacts")
def purge_contacts(db: DbOption = None, programmes_db: ProgrammesDbOption = None) -> None:
    """Empty the contact details of resident input, and the text of rejected input, older than their retention
    periods (run it daily)."""
    from wijkzicht.programmes import database, resident_input

    with user_errors():
        store = _open(database.database_url(programmes_db, db))
        contacts, texts = resident_input.purge_expired(store)
        store.close()
        console.print(
            t(
                "cli.programmes.purged",
                contacts=contacts,
                days=resident_input.retention_days(),
                texts=texts,
                rejected_days=resident_input.rejected_retention_days(),
            )
        )


@programmes_app.command("seed")
def seed_command(db: DbOption = None, programmes_db: ProgrammesDbOption = None) -> None:
    """Add the 20 focus areas (with gemeente and wijken), their gemeenten and the ministries."""
    from wijkzicht import warehouse
    from wijkzicht.programmes import accounts, database, seed

    with user_errors(), warehouse.opened(config.database_path(db)) as con:
        store = _open(database.database_url(programmes_db, db))
        with store.writing(accounts.COMMAND_LINE) as session:
            done = seed.seed(session, con)
        store.close()
        console.print(
            t(
                "cli.programmes.seeded",
                added=done.focus_areas_added,
                updated=done.focus_areas_updated,
                organisations=done.organisations_added,
            )
        )


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name (letters, digits, . _ @ -)")],
    # the roles of programmes.models.ROLES, written out so the help needs no database modules
    role: Annotated[str, typer.Option(help="One of: partner, area_editor, administrator, analyst")],
    name: Annotated[str, typer.Option("--name", help="Display name")],
    focus_area: Annotated[str | None, typer.Option(help="Name or number (partner, area_editor)")] = None,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from standard input")] = False,
    db: DbOption = None,
    programmes_db: ProgrammesDbOption = None,
) -> None:
    """Add an account; the first administrator is made this way. The password is asked, never an argument."""
    from wijkzicht.programmes import accounts, database

    with user_errors():
        password = sys.stdin.readline().rstrip("\n") if password_stdin else _ask_password()
        _check_password(password, username)
        store = _open(database.database_url(programmes_db, db))
        with store.writing(accounts.COMMAND_LINE) as session:
            area_id = _focus_area_id(session, focus_area) if focus_area else None
            user = accounts.add_user(
                session,
                accounts.COMMAND_LINE,
                username=username,
                display_name=name,
                role=role,
                password=password,
                focus_area_id=area_id,
            )
            console.print(
                t("cli.users.added", username=user.username, role=t(f"prog.role.{user.role}")), markup=False
            )
        store.close()


@users_app.command("list")
def users_list(db: DbOption = None, programmes_db: ProgrammesDbOption = None) -> None:
    """Every account with its role and focus area."""
    from sqlalchemy import select

    from wijkzicht.programmes import database
    from wijkzicht.programmes.models import User

    with user_errors():
        store = _open(database.database_url(programmes_db, db))
        table = new_table(*headings("user", "name", "role", "focus_area", "active"))
        with store.reading() as session:
            for user in session.scalars(select(User).order_by(User.username)):
                table.add_row(
                    user.username,
                    user.display_name,
                    t(f"prog.role.{user.role}"),
                    str(user.focus_area_id or ""),
                    t("cli.text.yes") if user.active else t("cli.text.no"),
                )
        store.close()
        console.print(table)


@goals_app.command("list")
def goals_list(
    forbidden: Annotated[
        bool, typer.Option("--forbidden", help="Only goals on an indicator the method forbids")
    ] = False,
    db: DbOption = None,
    programmes_db: ProgrammesDbOption = None,
) -> None:
    """Every goal with its indicator; a goal on context or a group characteristic (made before the rule) is
    flagged, to be changed to a problem indicator."""
    from sqlalchemy import select

    from wijkzicht.catalogue import load_catalogue
    from wijkzicht.programmes import database, progress
    from wijkzicht.programmes.models import Goal

    with user_errors():
        store = _open(database.database_url(programmes_db, db))
        indicators = load_catalogue().indicators
        table = new_table(*headings("goal", "programme", "title", "indicator", "area", "allowed"))
        with store.reading() as session:
            for goal in session.scalars(select(Goal).order_by(Goal.id)):
                refusal = (
                    indicators[goal.indicator].unscored_because if goal.indicator in indicators else None
                )
                if forbidden and refusal is None:
                    continue
                allowed = (
                    t("cli.text.yes")
                    if refusal is None
                    else f"{t('cli.text.no')}: {progress.GOAL_REFUSALS[refusal]}"
                )
                table.add_row(
                    str(goal.id), str(goal.programme_id), goal.title, goal.indicator, goal.area_code, allowed
                )
        store.close()
        console.print(table)


@goals_app.command("add")
def goals_add(
    programme: Annotated[int, typer.Argument(help="Number of the execution programme")],
    title: Annotated[str, typer.Option(help="What the goal is")],
    indicator: Annotated[str, typer.Option(help="A scored problem indicator (`wijkzicht indicators`)")],
    area: Annotated[str, typer.Option(help="CBS code of a wijk of the focus area, or its gemeente")],
    target: Annotated[
        str, typer.Option(help="Target value, in the indicator's unit: 12,5 or 12.5 (read as the forms do)")
    ],
    target_year: Annotated[int, typer.Option(help="Year the target is to be reached")],
    subgroup: Annotated[str, typer.Option(help="Age group of the figure")] = TOTAL_SUBGROUP,
    reference: Annotated[str | None, typer.Option(help="gemeente, g4 or nederland")] = None,
    db: DbOption = None,
    programmes_db: ProgrammesDbOption = None,
) -> None:
    """Add a goal (unpublished), measured in the monitor like one made on the page or through the API."""
    from wijkzicht import warehouse
    from wijkzicht.programmes import accounts, database, records
    from wijkzicht.programmes.models import Goal

    with user_errors(), warehouse.opened(config.database_path(db)) as con:
        data = _goal_input(
            programme_id=programme,
            title=title,
            indicator=indicator,
            subgroup=subgroup,
            area_code=area,
            target_value=target,
            target_year=target_year,
            reference=reference,
        )
        store = _open(database.database_url(programmes_db, db))
        with store.writing(accounts.COMMAND_LINE) as session:
            goal = records.create(session, accounts.COMMAND_LINE, records.KINDS["goal"], data, con)
            assert isinstance(goal, Goal)  # the goal kind's records are goals
            console.print(
                t(
                    "cli.goals.added",
                    goal=goal.id,
                    baseline=format_number(goal.baseline_value, use_language()),
                    period=goal.baseline_period,
                ),
                markup=False,
            )
        store.close()


def _ask_password() -> str:
    """The password, typed twice without showing it; asked again until both agree."""
    while True:
        password = typer.prompt(t("cli.password"), hide_input=True)
        if password == typer.prompt(t("cli.password.again"), hide_input=True):
            return password
        console.print(t("cli.password.different"), markup=False)


def _check_password(password: str, username: str) -> None:
    """The password policy's refusal in the run's language, before any database is opened."""
    from wijkzicht.programmes import passwords

    if not passwords.MIN_LENGTH <= len(password) <= passwords.MAX_LENGTH:
        problem = t("cli.password.length", min=passwords.MIN_LENGTH, max=passwords.MAX_LENGTH)
    elif passwords.is_guessable(password, [username]):
        problem = t("form.problem.password_guessable")
    else:
        return
    raise WijkzichtError(f"{t('cli.password.field')}: {problem}")


def _goal_input(**values: object) -> schemas.GoalIn:
    """The goal as the API and the forms take it; a field that does not fit is one message naming it, in the
    run's language as the forms say it."""
    from pydantic import ValidationError

    from wijkzicht.programmes import schemas
    from wijkzicht.web import forms

    try:
        return schemas.GoalIn.model_validate(values, context=forms.reading(use_language()))
    except ValidationError as error:
        raise WijkzichtError(forms.problems(error, use_language()).summary()) from None


def _seeded_focus_areas(session: Session) -> list[FocusArea]:
    """The programme's focus areas; an unseeded database is an error with its remedy, for the national report
    as for one area's (an overview table without a single row would look like a programme without work)."""
    from sqlalchemy import select

    from wijkzicht.monitor import focus
    from wijkzicht.programmes.models import FocusArea as FocusAreaRecord

    found = [
        focus.FocusArea(area.id, area.name, area.gemeente_code, tuple(area.wijken), "-", area.certainty)
        for area in session.scalars(select(FocusAreaRecord))
    ]
    if not found:
        raise WijkzichtError(t("cli.programmes.no_focus_areas"))
    return found


def _focus_area_id(session: Session, wanted: str) -> int:
    from wijkzicht.monitor import focus

    return focus.find_focus_area(_seeded_focus_areas(session), wanted).number


def report_command(
    focus_area: Annotated[str, typer.Argument(help="Focus area (name or number), or 'nederland' for all")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to .pdf or .html")] = None,
    public: Annotated[bool, typer.Option(help="Only published parts, as the public sees them")] = False,
    lang: LangOption = None,
    db: DbOption = None,
    programmes_db: ProgrammesDbOption = None,
) -> None:
    """The governance report on progress and blockages, as PDF or HTML (default: HTML on standard output)."""
    # One document, then the program ends: the cyclic collector's sweeps would only walk again what lives
    # until then (modules, classes, the report's records, WeasyPrint's boxes), a tenth of the command's CPU;
    # without them its peak memory is the same (162 MB for an area's PDF, 167 MB for the national one).
    with collector_paused():
        _write_report(focus_area, output, public=public, lang=lang, db=db, programmes_db=programmes_db)


def _write_report(
    focus_area: str,
    output: Path | None,
    *,
    public: bool,
    lang: Language | None,
    db: Path | None,
    programmes_db: str | None,
) -> None:
    from wijkzicht import warehouse
    from wijkzicht.programmes import accounts, database
    from wijkzicht.warehouse.binding import parameters_without_pandas
    from wijkzicht.web import render
    from wijkzicht.web.programmes import report

    language = use_language(lang)
    # the report reads goals' series and no geometry: the spatial extension is not loaded; nor is pandas,
    # which DuckDB would import for the first parameter of a query (a third of the command's own time)
    with (
        user_errors(),
        parameters_without_pandas(),
        warehouse.opened(config.database_path(db), spatial=False) as con,
    ):
        if output is not None and output.suffix not in (".pdf", ".html"):
            raise WijkzichtError(t("cli.report.suffix", path=output))
        store = _open(database.database_url(programmes_db, db))
        actor = accounts.PUBLIC if public else accounts.Actor(None, "commandoregel", "analyst")
        with store.reading() as session:
            document: report.NationalReport | report.AreaReport
            if focus_area.strip().lower() in NATIONAL:
                _seeded_focus_areas(session)
                document = report.national_report(session, actor, con)
            else:
                document = report.area_report(session, actor, con, _focus_area_id(session, focus_area))
            html = report.render_html(document, language)
        store.close()
        if output is None:
            sys.stdout.write(html)
        elif output.suffix == ".pdf":
            output.write_bytes(render.render_pdf(html))
        else:
            output.write_text(html, encoding="utf-8")
        if output is not None:
            console.print(t("cli.report.written", path=output), markup=False)
