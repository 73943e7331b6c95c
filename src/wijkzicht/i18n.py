"""One translation source for every label of the web application: the files in `web/translations/`.

Each file holds `key: {nl: ..., en: ...}`; a module of the application keeps its labels in its own file,
and the loader refuses a key defined twice or a text missing in a language.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from wijkzicht.errors import WijkzichtError

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


@cache
def translations() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    folder = resources.files("wijkzicht").joinpath("translations")
    for file in sorted(folder.iterdir(), key=lambda f: f.name):
        if not file.name.endswith(".yaml"):
            continue
        try:
            document = yaml.safe_load(file.read_text("utf-8")) or {}
        except yaml.YAMLError as error:
            raise WijkzichtError(f"translations file {file.name} is not valid YAML: {error}") from error
        for key, texts in document.items():
            if key in merged:
                raise WijkzichtError(f"translation key {key!r} is defined twice (again in {file.name})")
            missing = [
                language for language in LANGUAGES if not isinstance(texts, dict) or language not in texts
            ]
            if missing:
                raise WijkzichtError(
                    f"translation key {key!r} in {file.name} has no text in {', '.join(missing)}"
                )
            merged[key] = {language: str(texts[language]) for language in LANGUAGES}
    return merged


class Translator:
    """`t("key", name=...)` in the language of one request."""

    def __init__(self, language: str) -> None:
        if language not in LANGUAGES:
            raise WijkzichtError(f"unknown language {language!r} (expected one of: {', '.join(LANGUAGES)})")
        self.language = language

    def __call__(self, key: str, **values: object) -> str:
        try:
            text = translations()[key][self.language]
        except KeyError:
            raise WijkzichtError(f"no translation for {key!r}") from None
        return text.format(**values) if values else text
