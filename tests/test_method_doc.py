"""docs/method.md stays in step with the catalogue: every domain and every scored indicator is described."""

from __future__ import annotations

import re
from pathlib import Path

from wijkzicht.catalogue import load_catalogue

METHOD = Path(__file__).resolve().parents[1] / "docs" / "method.md"


def mentioned() -> set[str]:
    return set(re.findall(r"`([a-z][a-z0-9_]*)`", METHOD.read_text(encoding="utf-8")))


def test_every_domain_is_described() -> None:
    assert set(load_catalogue().domains) <= mentioned()


def test_every_scored_indicator_is_described() -> None:
    scored = {i.id for i in load_catalogue().indicators.values() if i.scored}
    assert scored and scored <= mentioned()


def test_every_group_characteristic_is_named_as_never_scored() -> None:
    characteristics = {i.id for i in load_catalogue().indicators.values() if i.group_characteristic}
    assert characteristics and characteristics <= mentioned()


def test_the_method_says_what_a_score_does_not_mean() -> None:
    text = " ".join(METHOD.read_text(encoding="utf-8").split())
    for phrase in ("does NOT mean", "SyRI", "no individual risk", "Migration background is context"):
        assert phrase in text
