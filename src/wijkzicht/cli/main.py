"""The `wijkzicht` command line: the app, with each module's commands added in the order of its help."""

from __future__ import annotations

import typer

from wijkzicht.cli import analysis, data, lookup, ondermijning, programmes, serve, survey
from wijkzicht.cli.common import Language, RunLanguageOption, use_language
from wijkzicht.cli.help_language import HelpInRunLanguage

app = typer.Typer(
    cls=HelpInRunLanguage,  # the help in the run's language
    help="wijkzicht: official open data on Dutch gemeenten, wijken and buurten.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def run(lang: RunLanguageOption = Language.nl) -> None:
    """wijkzicht: official open data on Dutch gemeenten, wijken and buurten."""
    use_language(lang)


data.register(app)
lookup.register(app)
serve.register(app)
analysis.register(app)
ondermijning.register(app)
survey.register(app)
programmes.register(app)
