"""The one way wijkzicht reads its YAML (the catalogue, the vocabularies, the translations): the safe loader,
compiled (libyaml) where PyYAML was built with it. The pure-Python loader took most of a second of every
command's start for the catalogue and translations alone; the compiled one reads the same documents alike.

The files wijkzicht ships are read as they were the last time: their parsed documents are kept in the user's
`compiled_dir`, as Python keeps its compiled modules. Even the compiled loader builds each value in
Python, and a command such as `wijkzicht report` spent a twentieth of its CPU parsing the same 300 KB again.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

# Part of every kept document's name: raised if what is kept changes form.
KEPT_FORM = "safe-1"


def compiled_dir() -> Path | None:
    """The user's own folder for compiled forms of wijkzicht's packaged files (its YAML here, its templates
    in `web.render`), which every command would otherwise parse again; None when no such folder can be made
    private. It lies apart from the download cache (`config.cache_dir`), which the build reads as data. Its
    files are read back with marshal, so a folder that others could write to is not used."""
    try:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        folder = Path(base) / "wijkzicht-compiled"
        folder.mkdir(mode=stat.S_IRWXU, parents=True, exist_ok=True)
        found = folder.lstat()
    except (OSError, RuntimeError):  # RuntimeError: no home folder to fall back on
        return None
    private = stat.S_ISDIR(found.st_mode) and stat.S_IMODE(found.st_mode) & (stat.S_IRWXG | stat.S_IRWXO) == 0
    return folder if private and found.st_uid == os.getuid() else None


class YAMLError(Exception):
    """A text that is not YAML, in PyYAML's words (PyYAML itself loads only when a text is parsed)."""


def load_yaml(text: str) -> Any:
    """The document in `text`, with only plain types (as `yaml.safe_load`); YAMLError when it is not YAML."""
    import yaml

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        raise YAMLError(str(error)) from error


def load_packaged_yaml(text: str) -> Any:
    """`load_yaml` for a file wijkzicht ships: its document as parsed before, when the text is the same."""
    folder = compiled_dir()
    if folder is None:
        return load_yaml(text)
    key = hashlib.sha1(f"{KEPT_FORM}|{text}".encode(), usedforsecurity=False)
    kept = folder / f"yaml-{key.hexdigest()}.marshal"
    try:
        return marshal.loads(kept.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):  # not kept yet, or cut short: parse it again
        pass
    document = load_yaml(text)
    _keep(kept, document)
    return document


def _keep(file: Path, document: Any) -> None:
    """Keep the parsed document beside the others. A document marshal cannot write (one with a date) or a
    full disk only means that the next command parses the file again."""
    try:
        written = marshal.dumps(document)
        handle, temporary = tempfile.mkstemp(dir=file.parent, prefix=f"{file.name}.")
    except (OSError, ValueError):
        return
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(written)
        os.replace(temporary, file)  # whole or not at all, for a command reading it at the same time
    except OSError:
        Path(temporary).unlink(missing_ok=True)
