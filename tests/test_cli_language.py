"""One language per command-line run: Dutch by default, English with `--lang en` or WIJKZICHT_LANG; the
password prompt and its refusals included, and never a word of the other language."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner, Result

from wijkzicht.cli.main import app
from wijkzicht.warehouse.connection import SCHEMA_VERSION

runner = CliRunner()
# Words of the English prompt and refusals that a Dutch run must not show (nor their Dutch ones an English).
ENGLISH = re.compile(r"\b(error|password|repeat|confirmation|use|characters|differ)\b", re.IGNORECASE)
DUTCH = re.compile(r"\b(fout|wachtwoord|herhaal|gebruik|tekens|verschillen)\b", re.IGNORECASE)


def add_user(tmp_path: Path, typed: str, *before: str, env: dict[str, str] | None = None) -> Result:
    """`wijkzicht users add`, the password typed at the prompt (twice, or as `typed` says)."""
    where = ["--db", str(tmp_path / "none.duckdb"), "--programmes-db", f"sqlite:///{tmp_path / 'p.sqlite'}"]
    command = [*before, "users", "add", "ans", "--role", "analyst", "--name", "Ans", *where]
    return runner.invoke(app, command, input=typed, env=env)


def test_a_dutch_run_asks_and_refuses_the_password_in_dutch_only(tmp_path: Path) -> None:
    result = add_user(tmp_path, "kort\nkort\n")
    assert result.exit_code == 1
    assert "Wachtwoord:" in result.output and "Herhaal het wachtwoord:" in result.output
    assert "fout: wachtwoord: gebruik 12 tot 200 tekens (een zin werkt goed)" in result.output
    assert not ENGLISH.search(result.output), result.output


def test_two_different_passwords_are_asked_again_in_the_runs_language(tmp_path: Path) -> None:
    result = add_user(tmp_path, "een lange zin als wachtwoord\nnog een andere zin\nkort\nkort\n")
    assert "de twee wachtwoorden verschillen; probeer het opnieuw" in result.output
    assert result.output.count("Herhaal het wachtwoord:") == 2
    assert not ENGLISH.search(result.output), result.output


def test_a_guessable_password_is_refused_in_dutch(tmp_path: Path) -> None:
    result = add_user(tmp_path, "wachtwoord1234\nwachtwoord1234\n")
    assert result.exit_code == 1 and "fout: wachtwoord: te makkelijk te raden" in result.output


@pytest.mark.parametrize(
    ("before", "env"),
    [(("--lang", "en"), None), ((), {"WIJKZICHT_LANG": "en"})],
    ids=["flag", "environment"],
)
def test_english_by_flag_or_environment(tmp_path: Path, before: tuple[str, ...], env: dict[str, str]) -> None:
    result = add_user(tmp_path, "short\nshort\n", *before, env=env)
    assert result.exit_code == 1
    assert "Password:" in result.output and "Repeat the password:" in result.output
    assert "error: password: use 12 to 200 characters (a sentence works well)" in result.output
    assert not DUTCH.search(result.output), result.output


def test_an_unknown_language_is_refused(tmp_path: Path) -> None:
    result = add_user(tmp_path, "", "--lang", "fr")
    assert result.exit_code == 2 and "fr" in result.output


def test_the_commands_own_errors_follow_the_run_language(warehouse_path: Path, tmp_path: Path) -> None:
    where = ["--db", str(warehouse_path), "--programmes-db", f"sqlite:///{tmp_path / 'p.sqlite'}"]
    dutch = runner.invoke(app, ["report", "9", "-o", str(tmp_path / "r.docx"), *where])
    english = runner.invoke(app, ["--lang", "en", "report", "9", "-o", str(tmp_path / "r.docx"), *where])
    assert dutch.exit_code == english.exit_code == 1
    assert f"fout: --output: {tmp_path / 'r.docx'} moet eindigen op .pdf of .html" in " ".join(
        dutch.output.split()
    )
    assert "error: --output:" in english.output and "must end in .pdf or .html" in " ".join(
        english.output.split()
    )


def test_a_warehouse_of_an_older_version_is_refused_in_the_runs_language(tmp_path: Path) -> None:
    older = tmp_path / "older.duckdb"
    with duckdb.connect(str(older)) as con:
        con.execute("CREATE TABLE build_info AS SELECT ? AS schema_version", [SCHEMA_VERSION - 1])
    dutch = runner.invoke(app, ["area", "GM0363", "--db", str(older)])
    english = runner.invoke(app, ["--lang", "en", "area", "GM0363", "--db", str(older)])
    assert dutch.exit_code == english.exit_code == 1
    assert f"fout: het warehouse in {older} is gebouwd door een oudere versie van wijkzicht" in " ".join(
        dutch.output.split()
    )
    assert "voer `wijkzicht build` opnieuw uit" in " ".join(dutch.output.split())
    assert f"error: the warehouse at {older} was built by an older wijkzicht" in " ".join(
        english.output.split()
    )


def test_fetch_without_targets_says_so_in_the_runs_language() -> None:
    dutch = runner.invoke(app, ["fetch"])
    english = runner.invoke(app, ["--lang", "en", "fetch"])
    assert dutch.exit_code == english.exit_code == 1
    assert "fout: noem ten minste één tabel, of gebruik --all" in dutch.output
    assert "error: name at least one target, or use --all" in english.output


# Words of one language's output that the other's must not show: the commands' headings, summaries, verdicts
# and errors (indicator ids, source columns and the CBS's table titles are names, the same in both).
DUTCH_WORDS = re.compile(
    r"\b(fout|waarde|periode|groep|grensjaar|grensjaren|naam|gunstiger|ongunstiger|gelijk|percentiel|"
    r"bijdrage|gewicht|beleving|feiten|jaar|niveau|eenheid|bron|richting|zekerheid|onbekende?|geen|"
    r"slechtste|dekking|totaalindex|veranderingen|reeks|methode|hoger|lager|gemiddelde|gebieden|"
    r"verbeterd|verslechterd|totaal|niet|dit|deze|het|een|laag|middel|hoog|kies|toegestaan|gebruiker)\b",
    re.IGNORECASE,
)
ENGLISH_WORDS = re.compile(
    r"\b(error|value|period|group|boundary|name|better|worse|equal|percentile|weight|contribution|"
    r"perception|facts|year|level|unit|source|direction|certainty|population|unknown|worst|coverage|"
    r"overall|changes|series|method|higher|lower|average|areas|improved|worsened|total|the|and|not|this|"
    r"with|low|medium|high|expected|allowed|user)\b",
    re.IGNORECASE,
)
WIJK = "WK059915"  # Charlois: figures of every kind, perception included
COMMANDS = {
    "area": ["area", WIJK],
    "areas search": ["areas", "search", "charlois"],
    "indicators": ["indicators", "--domain", "health"],
    "rank": ["rank", "--level", "wijk", "--gemeente", "GM0599", "--limit", "3"],
    "explain": ["explain", WIJK],
    "compare": ["compare", WIJK, "--indicator", "moeite_met_rondkomen"],
    "perception": ["perception", WIJK],
    "similar": ["similar", WIJK, "-k", "2"],
    "trend": ["trend", WIJK, "--indicator", "moeite_met_rondkomen"],
    "focus list": ["focus", "list"],
    "focus show": ["focus", "show", "9", "--indicator", "moeite_met_rondkomen"],
    "ondermijning": ["ondermijning", WIJK],
    "unknown area": ["area", "XX123"],
    "empty search": ["areas", "search", " "],
    "unknown level": ["rank", "--level", "provincie"],
    "users list": ["users", "list"],
    "goals list": ["goals", "list"],
}
NEEDS_WAREHOUSE = set(COMMANDS) - {"indicators"}
NEEDS_PROGRAMMES = {"users list", "goals list"}


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_speaks_one_language(
    warehouse_path: Path, tmp_path: Path, command: str, language: str
) -> None:
    where = ["--db", str(warehouse_path)] if command in NEEDS_WAREHOUSE else []
    if command in NEEDS_PROGRAMMES:
        where += ["--programmes-db", f"sqlite:///{tmp_path / 'p.sqlite'}"]
    result = runner.invoke(app, ["--lang", language, *COMMANDS[command], *where], env={"COLUMNS": "400"})
    assert result.exit_code in (0, 1) and result.output.strip(), result.output
    own, other = (DUTCH_WORDS, ENGLISH_WORDS) if language == "nl" else (ENGLISH_WORDS, DUTCH_WORDS)
    assert own.search(result.output), f"{command} said nothing in its own language: {result.output}"
    leaked = sorted({word.lower() for word in other.findall(result.output)})
    assert not leaked, f"{command} --lang {language} shows {leaked}:\n{result.output}"


def test_every_build_step_reads_in_the_runs_language(capsys: pytest.CaptureFixture[str]) -> None:
    """The warehouse names its steps in Dutch; a build with --lang en shows them in English, line by line."""
    from wijkzicht.cli.common import Language, stage_lines, use_language
    from wijkzicht.monitor.stored import ANALYSES
    from wijkzicht.warehouse.builder import FINISHING_STEPS

    finishing = [
        "kaarten",  # the stored map documents (cli/data.py)
        "profielen",  # the stored profiles (`build --profiles`), and how far that long step is
        "profielen: 400/20450",
        "afronden",
        "wijzigingen ten opzichte van de vorige bouw",
        "klaar",
    ]  # inline in build_raw_warehouse and the build command
    labels = [label for label, _ in (*FINISHING_STEPS, *ANALYSES)] + finishing
    try:
        use_language(Language.en)
        line = stage_lines()
        for number, label in enumerate(labels):
            line(label, number, len(labels))
    finally:
        use_language(Language.nl)
    shown = re.findall(r"^\[\d+/\d+\] [\d.]+ s  (.+)$", capsys.readouterr().err, re.MULTILINE)
    assert len(shown) == len(labels) and "observations" in shown and "map boundaries" in shown
    assert "profiles: 400/20450" in shown
    untranslated = [step for step in shown if step in labels and step != "scores"]  # 'scores' in both
    assert not untranslated and not [step for step in shown if DUTCH_WORDS.search(step)]
