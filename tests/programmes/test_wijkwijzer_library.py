"""The interventions library on SQLite and PostgreSQL: Dutch full-text search, filters, ranking, who sees
what, audited and version-checked edits, import and export. The entries are hand-made test examples."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from wijkzicht.errors import NotFoundError, WijkzichtError
from wijkzicht.programmes import audit
from wijkzicht.programmes.accounts import COMMAND_LINE, PUBLIC, Actor
from wijkzicht.programmes.database import OperationalDatabase
from wijkzicht.programmes.errors import ConflictError, ForbiddenError
from wijkzicht.wijkwijzer import library
from wijkzicht.wijkwijzer.library import InterventionIn
from wijkzicht.wijkwijzer.models import Intervention

ANALYST = Actor(90, "analist", "analyst")
EDITOR = Actor(91, "redacteur", "area_editor", 9)
EXAMPLES = [
    {
        "title": "Huiswerkbegeleiding in de buurt",
        "summary": "Studenten helpen scholieren na school.",
        "domains": ["education"],
        "action_line": 1,
        "evidence": "plausible",
        "published": True,
    },
    {
        "title": "Schuldhulp aan de keukentafel",
        "summary": "Vroeg signaleren van betalingsachterstanden bij "
        "woningen van corporaties; een café als inloop.",
        "domains": ["work_poverty_inclusion"],
        "action_line": 2,
        "evidence": "effective",
        "evidence_source": "test: handmatig voorbeeld",
        "published": True,
    },
    {
        "title": "Woningen opknappen met bewoners",
        "summary": "Bewoners knappen samen portieken op.",
        "domains": ["housing", "liveability"],
        "action_line": 3,
        "evidence": "theoretical",
        "published": True,
    },
    {
        "title": "Buurtpreventie",
        "summary": "Een buurtapp en wandelingen; aandacht voor woningen en ééngezinswoningen.",
        "domains": ["safety", "liveability"],
        "action_line": 4,
        "evidence": "unknown",
        "published": True,
    },
    {
        "title": "Concept: jongerenwerk op straat",
        "summary": "Nog niet gepubliceerd.",
        "domains": ["safety"],
        "evidence": "unknown",
        "published": False,
    },
]


@pytest.fixture
def filled(store: OperationalDatabase) -> OperationalDatabase:
    with store.writing(COMMAND_LINE) as session:
        for example in EXAMPLES:
            library.create(session, COMMAND_LINE, InterventionIn(**example, example=True))
    return store


def titles(store: OperationalDatabase, actor: Actor, phrase: str = "", **filters: object) -> list[str]:
    with store.reading() as session:
        return [i.title for i in library.find(session, actor, phrase, **filters)]  # type: ignore[arg-type]


def test_dutch_words_are_found_with_and_without_diacritics_and_in_plural(filled: OperationalDatabase) -> None:
    assert titles(filled, PUBLIC, "cafe") == ["Schuldhulp aan de keukentafel"]
    assert titles(filled, PUBLIC, "CAFÉ") == ["Schuldhulp aan de keukentafel"]
    assert titles(filled, PUBLIC, "eengezinswoning") == ["Buurtpreventie"]
    assert titles(filled, PUBLIC, "scholier") == ["Huiswerkbegeleiding in de buurt"]  # text says "scholieren"
    # a word also finds the compounds it begins: "buurten" -> "buurt", "buurtpreventie" (both in a title)
    assert set(titles(filled, PUBLIC, "buurten")) == {"Buurtpreventie", "Huiswerkbegeleiding in de buurt"}
    assert titles(filled, PUBLIC, "woning bewoners") == ["Woningen opknappen met bewoners"]
    assert titles(filled, PUBLIC, "onbekendwoord") == []
    assert titles(filled, PUBLIC, '  ,;"* ') == titles(filled, PUBLIC)  # no words: no search, all entries


def test_title_matches_come_first(filled: OperationalDatabase) -> None:
    # "woningen" is in the title of one entry and in the body of two others
    found = titles(filled, PUBLIC, "woning")
    assert found[0] == "Woningen opknappen met bewoners"
    assert set(found[1:]) == {"Schuldhulp aan de keukentafel", "Buurtpreventie"}


def test_filters_combine_with_each_other_and_with_the_search(filled: OperationalDatabase) -> None:
    assert titles(filled, PUBLIC, domains=["liveability"]) == [
        "Buurtpreventie",
        "Woningen opknappen met bewoners",
    ]
    assert titles(filled, PUBLIC, domains=["liveability"], action_line=4) == ["Buurtpreventie"]
    assert titles(filled, PUBLIC, domains=["liveability"], evidence=["theoretical", "effective"]) == [
        "Woningen opknappen met bewoners"
    ]
    assert titles(filled, PUBLIC, "woningen", domains=["work_poverty_inclusion"]) == [
        "Schuldhulp aan de keukentafel"
    ]


def test_the_public_sees_published_entries_only(filled: OperationalDatabase) -> None:
    assert "Concept: jongerenwerk op straat" not in titles(filled, PUBLIC, domains=["safety"])
    assert titles(filled, ANALYST, "jongeren") == ["Concept: jongerenwerk op straat"]
    with filled.reading() as session:
        hidden = session.scalar(select(Intervention.id).where(Intervention.published.is_(False)))
        with pytest.raises(NotFoundError):
            library.get_visible(session, PUBLIC, hidden)
        assert library.get_visible(session, ANALYST, hidden).title == "Concept: jongerenwerk op straat"


def test_edits_are_authorised_version_checked_reindexed_and_audited(filled: OperationalDatabase) -> None:
    with filled.reading() as session:
        entry = session.scalar(select(Intervention).where(Intervention.title == "Buurtpreventie"))
    changed = InterventionIn(**{**EXAMPLES[3], "title": "Buurtpreventie met straatcoaches"})
    for actor in (PUBLIC, ANALYST, EDITOR):
        with pytest.raises(ForbiddenError), filled.writing(actor) as session:
            library.update(session, actor, entry.id, changed, entry.version)
    with filled.writing(COMMAND_LINE) as session:
        library.update(session, COMMAND_LINE, entry.id, changed, entry.version)
    with pytest.raises(ConflictError), filled.writing(COMMAND_LINE) as session:
        library.update(
            session, COMMAND_LINE, entry.id, changed, entry.version
        )  # started from the old version
    assert titles(filled, PUBLIC, "straatcoach") == ["Buurtpreventie met straatcoaches"]
    with filled.reading() as session:
        log = audit.history(session, "intervention", entry.id)
    assert [e.action for e in log] == ["create", "update"]
    assert (
        log[1].before["title"] == "Buurtpreventie"
        and log[1].after["title"] == "Buurtpreventie met straatcoaches"
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("domains", ["weather"], "unknown domain"),
        ("domains", [], "at least 1"),
        ("evidence", "proven", "use one of"),
        ("action_line", 7, "less than or equal to 4"),
        ("area_codes", ["Rotterdam"], "not an area code"),
        ("links", ["not a url"], "URL"),
        ("title", "", "at least 3"),
    ],
)
def test_bad_input_is_named_and_nothing_is_imported(
    filled: OperationalDatabase, field: str, value: object, message: str
) -> None:
    rows = [{**EXAMPLES[0], "title": "Een goede rij"}, {**EXAMPLES[1], field: value}]
    with (
        pytest.raises(WijkzichtError, match=rf"row 2, {field}.*{message}"),
        filled.writing(COMMAND_LINE) as session,
    ):
        library.import_rows(session, COMMAND_LINE, rows)
    assert titles(filled, ANALYST, "goede rij") == []


def test_export_and_import_round_trip_in_csv_and_json(filled: OperationalDatabase) -> None:
    with filled.reading() as session:
        everything = library.find(session, ANALYST)
        exported = {"csv": library.export_csv(everything), "json": library.export_json(everything)}
    for fmt, parse in (("csv", library.parse_csv), ("json", library.parse_json)):
        with filled.writing(COMMAND_LINE) as session:
            added = library.import_rows(session, COMMAND_LINE, parse(exported[fmt]))
            assert [library.as_record(a) | {"id": 0} for a in added] == [
                library.as_record(e) | {"id": 0, "version": 1} for e in everything
            ]
    assert len(titles(filled, PUBLIC, "keukentafel")) == 3  # the original and one per import
    with pytest.raises(WijkzichtError, match="not JSON"):
        library.parse_json("{kapot")
