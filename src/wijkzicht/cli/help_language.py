"""`wijkzicht --help` in the run's language. The commands' code writes its help in English; before the
command line reads its arguments, the run's language is read from them (`--lang`, else WIJKZICHT_LANG,
else Dutch) and every help text with a translation (translations/cli_help.yaml) is put in that language,
with the words click and typer add themselves ("Usage:", "Options", "Show this message and exit.").

Typer's own words (its panels' titles, "Error", "Try ... for help") live in its rich_utils module, which
brings rich's tables and markdown with it: they are put in the run's language only when typer is about to
write help or an error, so a command that does neither (`wijkzicht report`) does not load them."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from typer._click.exceptions import ClickException
from typer.core import TyperGroup

from wijkzicht.cli.common import LANGUAGE_ENV
from wijkzicht.i18n import DEFAULT_LANGUAGE, LANGUAGES, file_translations

HELP_FILE = "cli_help.yaml"  # read alone: `wijkzicht --help` need not wait for every translation
Command = Any  # typer's own copy of click's Command and Context (typer._click), not the click package's
Context = Any
# typer's module constants that it reads each time it draws a help page, and their translations
_TYPER_WORDS = {
    "OPTIONS_PANEL_TITLE": "cli.helpword.options",
    "ARGUMENTS_PANEL_TITLE": "cli.helpword.arguments",
    "COMMANDS_PANEL_TITLE": "cli.helpword.commands",
    "DEFAULT_STRING": "cli.helpword.default",
    "ENVVAR_STRING": "cli.helpword.envvar",
    "REQUIRED_LONG_STRING": "cli.helpword.required",
    "ERRORS_PANEL_TITLE": "cli.helpword.error",
    "RICH_HELP": "cli.helpword.try_help",
}


HELP_OPTION = "--help"
_LANGUAGE = "wijkzicht.help_language"  # the run's language, in the contexts' shared `meta`


class HelpInRunLanguage(TyperGroup):
    """The root command: its help, and every subcommand's, in the run's language; and typer's words when it
    writes help (asked with --help, or for a group without its command) or an error."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        language = run_language(args, os.environ.get(LANGUAGE_ENV))
        ctx.meta[_LANGUAGE] = language
        in_language(self, ctx, language)
        if not args or HELP_OPTION in args:
            typer_words(language)
        try:
            return super().parse_args(ctx, args)
        except ClickException:
            typer_words(language)
            raise

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except ClickException:  # typer writes it next, with its own words
            typer_words(ctx.meta[_LANGUAGE])
            raise


def run_language(args: Sequence[str], environment: str | None) -> str:
    """The language a run asks for, read before click parses it: the last `--lang`, else the environment's;
    a language wijkzicht does not know is left to click to refuse."""
    chosen = environment
    for index, arg in enumerate(args):
        if arg == "--lang" and index + 1 < len(args):
            chosen = args[index + 1]
        elif arg.startswith("--lang="):
            chosen = arg.removeprefix("--lang=")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def typer_words(language: str) -> None:
    """Typer's words for its help and errors in `language` (loading the module that holds them)."""
    from typer import rich_utils

    texts = file_translations(HELP_FILE)
    for name, key in _TYPER_WORDS.items():
        setattr(rich_utils, name, texts[key][language])


def in_language(root: Command, ctx: Context, language: str) -> None:
    """Every help text of `root` and its subcommands that has a translation, in `language`."""
    texts = file_translations(HELP_FILE)
    # click writes "Usage:" itself: a formatter that writes it in `language`, for this context and the
    # contexts of the subcommands (typer brings its own copy of click: its classes are subclassed as found)
    formatter = type(
        "Formatter", (ctx.formatter_class,), {"write_usage": _usage_in(texts["cli.helpword.usage"][language])}
    )
    ctx.formatter_class = formatter
    context = type(
        "Context", (type(ctx),), {"formatter_class": formatter, "get_help": _help_with_typer_words(language)}
    )
    _translate(root, ctx, _help_texts(language), context)


def _help_with_typer_words(language: str) -> Callable[..., str]:
    """A subcommand's help (also written for a group called without its command) with typer's words."""

    def get_help(self: Any) -> str:
        typer_words(language)
        return str(super(type(self), self).get_help())

    return get_help


def _usage_in(word: str) -> Callable[..., None]:
    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        super(type(self), self).write_usage(prog, args, prefix if prefix is not None else f"{word} ")

    return write_usage


def _help_texts(language: str) -> dict[str, str]:
    """Each help text, in either language, to its text in `language`."""
    return {
        texts[known]: texts[language]
        for key, texts in file_translations(HELP_FILE).items()
        if key.startswith("cli.help.")
        for known in LANGUAGES
    }


def _translate(command: Command, ctx: Context, texts: dict[str, str], context: type[Context]) -> None:
    command.context_class = context
    if command.help:
        first = command.help.split("\n\n")[0]
        command.short_help = texts.get(first, command.short_help)  # the line in its group's list
        command.help = texts.get(command.help, command.help)
    for param in [*command.params, command.get_help_option(ctx)]:
        if getattr(param, "help", None):
            param.help = texts.get(param.help, param.help)
    for sub in getattr(command, "commands", {}).values():
        _translate(sub, ctx, texts, context)
