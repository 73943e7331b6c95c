"""Residents' perception beside the registered figures of the same theme, and where the two diverge.

A perception figure is one the catalogue marks `perception: true` (asked in a survey: loneliness, nuisance
from neighbours, making ends meet). Per domain, each side's figures are judged against the national average
(more or less favourable, by the indicator's direction); the theme *diverges* when residents' experience
leans one way and the registrations the other (Rotterdam's "paradox": safer on paper, felt as less safe).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wijkzicht.catalogue import load_catalogue
from wijkzicht.monitor.comparison import relation
from wijkzicht.monitor.profile import Profile, ProfileFigure


@dataclass(frozen=True)
class Theme:
    domain: str
    perceived: list[ProfileFigure]
    registered: list[ProfileFigure]
    perceived_balance: int  # more favourable minus less favourable than the national average
    registered_balance: int

    @property
    def diverges(self) -> bool:
        return self.perceived_balance * self.registered_balance < 0


def judgement(figure: ProfileFigure) -> str | None:
    """'better', 'worse' or 'equal' than the national average; None when it cannot be judged."""
    if figure.direction not in ("higher_is_worse", "higher_is_better"):
        return None
    found = relation(figure.value, figure.national_value, figure.unit)
    if found in (None, "equal"):
        return found
    return "worse" if (found == "higher") == (figure.direction == "higher_is_worse") else "better"


def balance(figures: list[ProfileFigure]) -> int:
    judged = [judgement(figure) for figure in figures]
    return judged.count("better") - judged.count("worse")


def side_by_side(profile: Profile) -> list[Theme]:
    """Every domain of the profile with at least one perception figure, perceived beside registered."""
    catalogue = load_catalogue()
    themes = []
    for domain in catalogue.domains:
        figures = [f for f in profile.figures if f.domain == domain and f.indicator in catalogue.indicators]
        perceived = [f for f in figures if catalogue.indicators[f.indicator].perception]
        registered = [f for f in figures if not catalogue.indicators[f.indicator].perception]
        if perceived:
            themes.append(Theme(domain, perceived, registered, balance(perceived), balance(registered)))
    return themes


def divergent_themes(profile: Profile) -> list[Theme]:
    """The themes where residents' experience and the registrations point in opposite directions."""
    return [theme for theme in side_by_side(profile) if theme.diverges]


def _figure_summary(figure: ProfileFigure) -> dict[str, object]:
    return {
        "indicator": figure.indicator,
        "name": figure.name,
        "unit": figure.unit,
        "period": figure.period,
        "value": figure.value,
        "gemeente_value": figure.gemeente_value,
        "national_value": figure.national_value,
        "judgement": judgement(figure),
        "source_table": figure.source_table,
        "suppressed_reason": figure.suppressed_reason,
    }


def comparison_document(profile: Profile) -> dict[str, Any]:
    """Perception beside the facts, per theme, and the divergent themes: what the profile API and
    `wijkzicht perception` report (the same as the profile page's section)."""
    themes = side_by_side(profile)
    return {
        "themes": [
            {
                "domain": theme.domain,
                "diverges": theme.diverges,
                "perceived_balance": theme.perceived_balance,
                "registered_balance": theme.registered_balance,
                "perceived": [_figure_summary(f) for f in theme.perceived],
                "registered": [_figure_summary(f) for f in theme.registered],
            }
            for theme in themes
        ],
        "divergent_themes": [theme.domain for theme in themes if theme.diverges],
    }
