"""The reasonable choices behind the scores, as ranges (`catalogue/stability.yaml`), for the rank-stability run."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

from wijkzicht.errors import CatalogueError
from wijkzicht.yamltext import load_packaged_yaml

NORMALISATIONS = ("percentile", "z_score")
DEFAULT_NORMALISATION = "percentile"


@dataclass(frozen=True)
class Labels:
    robust: float = 1.0  # share of variants in the worst share at or above which an area is "robust"
    borderline: float = 0.1  # ... at or above which it is a borderline case

    def label(self, share: float) -> str:
        if share >= self.robust:
            return "robust"
        return "borderline" if share >= self.borderline else "not_worst"


@dataclass(frozen=True)
class Variation:
    variants: int
    seed: int
    indicator_weight_factor: tuple[float, float]
    domain_weight_factor: tuple[float, float]
    normalisations: tuple[str, ...]
    min_coverages: tuple[float, ...]
    worst_shares: tuple[float, ...]
    sensitivity_variants: int = 200
    labels: Labels = Labels()
    # Per indicator id its own weight factor range, where it differs from `indicator_weight_factor`.
    indicator_weights: dict[str, tuple[float, float]] = field(default_factory=dict)

    def weight_factor(self, indicator: str) -> tuple[float, float]:
        return self.indicator_weights.get(indicator, self.indicator_weight_factor)

    def switched_off(self) -> Variation:
        """Every choice fixed at the scoring's default: each variant is then the default scoring."""
        return replace(
            self,
            indicator_weight_factor=(1.0, 1.0),
            domain_weight_factor=(1.0, 1.0),
            indicator_weights={},
            normalisations=(DEFAULT_NORMALISATION,),
            min_coverages=(0.5,),
            worst_shares=(0.1,),
        )


def _factor_range(value: Any, where: str) -> tuple[float, float]:
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, int | float) for v in value)):
        raise CatalogueError(f"stability.yaml: {where} must be [lowest, highest], not {value!r}")
    low, high = float(value[0]), float(value[1])
    if not 0 < low <= 1 <= high:
        raise CatalogueError(f"stability.yaml: {where} must contain 1 and be positive, not {value!r}")
    return low, high


def _shares(value: Any, where: str) -> tuple[float, ...]:
    if not (isinstance(value, list) and value and all(isinstance(v, int | float) for v in value)):
        raise CatalogueError(f"stability.yaml: {where} must be a list of shares, not {value!r}")
    if not all(0 < v <= 1 for v in value):
        raise CatalogueError(f"stability.yaml: every share in {where} must lie in (0, 1], not {value!r}")
    return tuple(float(v) for v in value)


def parse_variation(document: dict[str, Any]) -> Variation:
    normalisations = tuple(document.get("normalisations", [DEFAULT_NORMALISATION]))
    unknown = set(normalisations) - set(NORMALISATIONS)
    if unknown or not normalisations:
        raise CatalogueError(
            f"stability.yaml: unknown normalisations {sorted(unknown)} (expected some of {NORMALISATIONS})"
        )
    variants = document.get("variants")
    if not isinstance(variants, int) or variants < 1:
        raise CatalogueError(f"stability.yaml: variants must be a positive whole number, not {variants!r}")
    sensitivity_variants = document.get("sensitivity_variants", 200)
    if not isinstance(sensitivity_variants, int) or sensitivity_variants < 1:
        raise CatalogueError(
            f"stability.yaml: sensitivity_variants must be a positive whole number, not {sensitivity_variants!r}"
        )
    labels = document.get("labels", {})
    return Variation(
        variants=variants,
        seed=int(document.get("seed", 0)),
        indicator_weight_factor=_factor_range(document["indicator_weight_factor"], "indicator_weight_factor"),
        domain_weight_factor=_factor_range(document["domain_weight_factor"], "domain_weight_factor"),
        normalisations=normalisations,
        min_coverages=_shares(document["min_coverages"], "min_coverages"),
        worst_shares=_shares(document["worst_shares"], "worst_shares"),
        sensitivity_variants=sensitivity_variants,
        labels=Labels(float(labels.get("robust", 1.0)), float(labels.get("borderline", 0.1))),
        indicator_weights={
            indicator: _factor_range(bounds, f"indicator_weights.{indicator}")
            for indicator, bounds in (document.get("indicator_weights") or {}).items()
        },
    )


def load_variation() -> Variation:
    text = resources.files("wijkzicht").joinpath("catalogue/stability.yaml").read_text("utf-8")
    return parse_variation(load_packaged_yaml(text))
