"""The one way wijkzicht reads its YAML (the catalogue, the vocabularies, the translations): the safe loader,
compiled (libyaml) where PyYAML was built with it. The pure-Python loader took most of a second of every
command's start for the catalogue and translations alone; the compiled one reads the same documents alike."""

from __future__ import annotations

from typing import Any

import yaml

YAMLError = yaml.YAMLError
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """The document in `text`, with only plain types (as `yaml.safe_load`); YAMLError when it is not YAML."""
    return yaml.load(text, Loader=_LOADER)
