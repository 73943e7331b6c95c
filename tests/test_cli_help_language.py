"""`wijkzicht --help` in the run's language: Dutch by default, English with `--lang en` or WIJKZICHT_LANG,
click's and typer's own words ("Usage:", "Options", "Show this message and exit.") included."""

from __future__ import annotations

from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from wijkzicht.cli.help_language import HELP_FILE, run_language
from wijkzicht.cli.main import app
from wijkzicht.i18n import file_translations

runner = CliRunner()
DUTCH_WORDS = ["Gebruik:", "Opties", "Toon deze hulp en stop."]
ENGLISH_WORDS = ["Usage:", "Options", "Show this message and exit."]


def _help(*args: str, env: dict[str, str] | None = None) -> str:
    result = runner.invoke(app, [*args, "--help"], env={"WIJKZICHT_LANG": "", **(env or {})})
    assert result.exit_code == 0, result.output
    return " ".join(result.output.replace("│", " ").split())  # the text, without the panels' wrapping


def test_the_help_is_dutch_by_default() -> None:
    root, build = _help(), _help("build")
    for words in (root, build):
        assert all(word in words for word in DUTCH_WORDS) and not any(w in words for w in ENGLISH_WORDS)
    assert "officiële open data over Nederlandse gemeenten" in root and "Opdrachten" in root
    assert "Taal van elke vraag, melding en fout van de run" in root
    assert "Bouw het warehouse van de monitor uit de snapshot" in build
    assert "Map met de ruwe open data" in build and "Vervang het warehouse ook als een bron" in build


@pytest.mark.parametrize(
    ("before", "env"), [(("--lang", "en"), None), (("--lang=en",), None), ((), {"WIJKZICHT_LANG": "en"})]
)
def test_the_help_is_english_by_flag_or_environment(before: tuple[str, ...], env: dict[str, str]) -> None:
    root, build = _help(*before, env=env), _help(*before, "build", env=env)
    for words in (root, build):
        assert all(word in words for word in ENGLISH_WORDS) and not any(w in words for w in DUTCH_WORDS)
    assert "official open data on Dutch gemeenten" in root and "Commands" in root
    assert (
        "Build the monitor warehouse from the snapshot" in build and "Folder with the raw open data" in build
    )
    # where to set it and what it is by default: in brackets, rich would have read them as markup and dropped them
    assert "(env WIJKZICHT_SNAPSHOT; default ../shared/data if present)" in build
    assert "(env WIJKZICHT_DB; default ~/.local/share/wijkzicht/wijkzicht.duckdb)" in build


def test_every_help_text_of_every_command_and_option_has_its_translation() -> None:
    """A new command or option without a translation would show English in a Dutch `--help`."""
    english = {texts["en"] for texts in file_translations(HELP_FILE).values()}
    missing: list[str] = []

    def walk(command: Any, path: str) -> None:
        texts = [(path, command.help)] + [
            (f"{path} {p.name}", getattr(p, "help", None)) for p in command.params
        ]
        missing.extend(where for where, text in texts if text and text not in english)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "wijkzicht")
    assert missing == []


def test_a_subcommands_options_follow_the_runs_language() -> None:
    dutch, english = _help("goals", "add"), _help("--lang", "en", "goals", "add")
    assert (
        "Nummer van het uitvoeringsprogramma" in dutch and "Jaar waarin het doel bereikt moet zijn" in dutch
    )
    assert "Number of the execution programme" not in dutch
    assert "Number of the execution programme" in english and "Year the target is to be reached" in english


def test_the_language_is_read_before_the_arguments_are_parsed() -> None:
    assert run_language(["build", "--help"], None) == "nl"
    assert run_language(["--lang", "en", "build"], None) == "en"
    assert run_language(["--lang=en"], "nl") == "en"
    assert run_language([], "en") == "en"
    assert run_language(["--lang", "fr"], None) == "nl"  # click refuses it; the refusal is then in Dutch


def _failed(*args: str) -> str:
    result = runner.invoke(app, list(args), env={"WIJKZICHT_LANG": ""})
    assert result.exit_code == 2, result.output
    return " ".join(result.output.replace("│", " ").replace("╭─", " ").split())


@pytest.mark.parametrize(
    "args",
    [("report", "--bogus"), ("rankings",), ("users",)],
    ids=["unknown option", "unknown command", "group without its command"],
)
def test_typers_own_words_follow_the_runs_language_in_errors_too(args: tuple[str, ...]) -> None:
    # typer's words are set only when it writes help or an error: each run sets them again in its language
    english, dutch = _failed("--lang", "en", *args), _failed(*args)
    texts = file_translations(HELP_FILE)
    if args == ("users",):  # the group's help, written as a usage error
        assert "Opties" in dutch and "Toon deze hulp en stop." in dutch and "Options" not in dutch
        assert "Options" in english and "Show this message and exit." in english
    else:
        assert f"{texts['cli.helpword.error']['nl']} " in dutch and "voor hulp." in dutch
        assert f"{texts['cli.helpword.error']['en']} " in english and "for help." in english
        assert "voor hulp." not in english and " Fout " not in english
