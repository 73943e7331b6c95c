"""The packaged YAML and templates are parsed once per user, not at every command: the parsed forms are kept
in a private folder of the user's (`yamltext.compiled_dir`) and used only for the same text."""

from __future__ import annotations

import os
import stat
from importlib import resources
from pathlib import Path

import pytest

from wijkzicht.i18n import file_translations
from wijkzicht.yamltext import YAMLError, compiled_dir, load_packaged_yaml, load_yaml


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "wijkzicht-compiled"


def _packaged(name: str) -> str:
    return resources.files("wijkzicht").joinpath(name).read_text("utf-8")


def test_a_packaged_file_is_read_as_parsed_and_kept_for_the_next_command(cache_home: Path) -> None:
    text = _packaged("catalogue/indicators.yaml")
    first = load_packaged_yaml(text)
    kept = list(cache_home.iterdir())
    assert len(kept) == 1 and stat.S_IMODE(cache_home.stat().st_mode) == 0o700
    assert first == load_yaml(text) == load_packaged_yaml(text)
    assert list(cache_home.iterdir()) == kept  # the second read used it and wrote nothing


def test_a_changed_text_is_parsed_again_and_a_spoilt_kept_file_too(cache_home: Path) -> None:
    text = _packaged("translations/charts.yaml")
    load_packaged_yaml(text)
    changed = text.replace("nl:", "nl :", 1)
    assert load_packaged_yaml(changed) == load_yaml(changed)
    assert len(list(cache_home.iterdir())) == 2
    for kept in cache_home.iterdir():
        kept.write_bytes(b"\x00cut short")
    assert load_packaged_yaml(text) == load_yaml(text)


def test_nothing_is_kept_in_a_folder_others_may_write_to(cache_home: Path) -> None:
    cache_home.mkdir(mode=0o777)
    os.chmod(cache_home, 0o777)
    assert compiled_dir() is None
    text = _packaged("translations/forms.yaml")
    assert load_packaged_yaml(text) == load_yaml(text) and list(cache_home.iterdir()) == []


def test_a_document_marshal_cannot_keep_is_still_read(cache_home: Path) -> None:
    assert load_packaged_yaml("day: 2024-05-01\n") == load_yaml("day: 2024-05-01\n")
    assert list(cache_home.iterdir()) == []


def test_a_text_that_is_not_yaml_is_a_yaml_error_with_the_place(cache_home: Path) -> None:
    with pytest.raises(YAMLError, match="line 2, column"):
        load_packaged_yaml("a: [1, 2\nb: 3\n")


def test_the_translations_read_from_kept_files_equal_the_parsed_ones(cache_home: Path) -> None:
    file_translations.cache_clear()
    parsed = file_translations("programmes.yaml")
    file_translations.cache_clear()
    assert file_translations("programmes.yaml") == parsed and any(cache_home.iterdir())
    file_translations.cache_clear()
