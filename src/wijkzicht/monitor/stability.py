"""Rank stability: how sure is "in the worst 10%"? The scoring repeated over its reasonable choices.

The scores of docs/method.md (sections 4-6) rest on choices: the indicator weights, the domain weights of the
index, the normalisation, the missing-data rule (minimum coverage) and the worst share. This module repeats the
scoring of one partition (the latest picture of a level) for many variants drawn from the ranges in
`catalogue/stability.yaml`, and reports per area and per score (the overall index and each domain) the share
of variants in which the area is in the worst share and its rank interval. Variant 0 is always the default
scoring, so with every range switched off the run reproduces the stored ranking exactly.

Everything is numpy over a matrix of areas x indicators: a domain score for all variants at once is one matrix
product of the normalised figures with the variants' weights.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, replace
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt

from wijkzicht.catalogue.variation import DEFAULT_NORMALISATION, NORMALISATIONS, Variation
from wijkzicht.errors import WijkzichtError
from wijkzicht.monitor import index

Matrix = npt.NDArray[np.float64]
INDEX_SCORE = "index"  # the name of the overall index among the scores (the others are domains)
# The choices a variant draws; each can be varied alone for the sensitivity table.
CHOICES = ("indicator_weights", "domain_weights", "normalisation", "min_coverage", "worst_share")
RANK_QUANTILES = (0.05, 0.5, 0.95)  # the rank interval (5th-95th percentile of the variants) and the median
STABILITY_LEVELS = ("gemeente", "wijk")


@dataclass(frozen=True)
class PictureMatrix:
    """The ranked figures of one partition: per area (row) and indicator (column), NaN where not ranked."""

    areas: list[str]
    indicators: list[str]
    domains: list[str]  # per indicator
    weights: npt.NDArray[np.float64]  # per indicator, the catalogue's
    percentiles: Matrix
    z_scores: Matrix

    @property
    def domain_names(self) -> list[str]:
        return sorted(set(self.domains))

    def columns(self, domain: str) -> npt.NDArray[np.intp]:
        return np.flatnonzero(np.array(self.domains) == domain)

    def normalised(self, normalisation: str) -> Matrix:
        return self.percentiles if normalisation == "percentile" else self.z_scores


@dataclass(frozen=True)
class Variants:
    """The choices of each variant (one column per variant); variant 0 is the default scoring."""

    indicator_weights: Matrix  # indicators x variants
    domain_weights: Matrix  # domains x variants
    normalisation: npt.NDArray[np.str_]
    min_coverage: npt.NDArray[np.float64]
    worst_share: npt.NDArray[np.float64]

    @property
    def count(self) -> int:
        return len(self.worst_share)


def load_matrix(con: duckdb.DuckDBPyConnection, partition: index.Selection) -> PictureMatrix:
    """The stored percentiles and z-scores of the partition's ranked figures, as areas x indicators.

    A z-score is NULL only for a series without spread; every area is then average (0) on it.
    """
    where, parameters = partition.where("m")
    rows = con.execute(
        f"""
        SELECT v.area_code, s.indicator, m.domain, m.weight, v.percentile, coalesce(v.z_score, 0)
        FROM standardised_values v JOIN score_memberships m USING (series) JOIN score_series s USING (series)
        WHERE {where} AND v.status = 'ranked'
        """,
        parameters,
    ).fetchall()
    areas = sorted({row[0] for row in rows})
    indicators = sorted({row[1] for row in rows})
    area_row = {code: position for position, code in enumerate(areas)}
    column = {indicator: position for position, indicator in enumerate(indicators)}
    domains = {row[1]: (row[2], row[3]) for row in rows}
    percentiles = np.full((len(areas), len(indicators)), np.nan)
    z_scores = np.full_like(percentiles, np.nan)
    for code, indicator, _, _, percentile, z_score in rows:
        percentiles[area_row[code], column[indicator]] = percentile
        z_scores[area_row[code], column[indicator]] = z_score
    return PictureMatrix(
        areas,
        indicators,
        [domains[i][0] for i in indicators],
        np.array([domains[i][1] for i in indicators], dtype=np.float64),
        percentiles,
        z_scores,
    )


def draw_variants(
    matrix: PictureMatrix,
    variation: Variation,
    rng: np.random.Generator,
    vary: frozenset[str] = frozenset(CHOICES),
) -> Variants:
    """`variation.variants` variants, each choice in `vary` drawn independently from its range; variant 0
    and every choice not in `vary` take the default scoring."""
    count = variation.variants
    defaults = index.Settings()
    factors = np.ones((len(matrix.indicators), count))
    if "indicator_weights" in vary:
        ranges = np.array([variation.weight_factor(i) for i in matrix.indicators])
        factors = _log_uniform(rng, ranges, count)
    domain_factors = np.ones((len(matrix.domain_names), count))
    if "domain_weights" in vary:
        ranges = np.array([variation.domain_weight_factor] * len(matrix.domain_names))
        domain_factors = _log_uniform(rng, ranges, count)
    variants = Variants(
        indicator_weights=matrix.weights[:, None] * factors,
        domain_weights=domain_factors,
        normalisation=_drawn(
            rng, variation.normalisations, DEFAULT_NORMALISATION, "normalisation" in vary, count
        ),
        min_coverage=_drawn(
            rng, variation.min_coverages, defaults.min_coverage, "min_coverage" in vary, count
        ),
        worst_share=_drawn(rng, variation.worst_shares, defaults.worst_share, "worst_share" in vary, count),
    )
    variants.indicator_weights[:, 0] = matrix.weights
    variants.domain_weights[:, 0] = 1.0
    return variants


def _log_uniform(rng: np.random.Generator, ranges: Matrix, count: int) -> Matrix:
    """Factors between each row's bounds, uniform on a log scale (so x0.5 is as likely as x2)."""
    low, high = np.log(ranges[:, :1]), np.log(ranges[:, 1:])
    return np.asarray(np.exp(low + (high - low) * rng.random((len(ranges), count))), dtype=np.float64)


def _drawn(
    rng: np.random.Generator, options: tuple[object, ...], default: object, varied: bool, count: int
) -> npt.NDArray[Any]:
    drawn = rng.choice(np.array(options), count) if varied else np.full(count, default)
    drawn[0] = default
    return drawn


@dataclass(frozen=True)
class Positions:
    """Per area and variant: its position among the areas with a score (ties share it), NaN without one."""

    first: Matrix  # 1 + areas with a lower (better) score
    last: Matrix  # areas with a score at most as high
    areas: npt.NDArray[np.float64]  # per variant, the areas with a score


def positions(scores: Matrix) -> Positions:
    """All variants at once: sort each variant's scores (NaN last), find where each run of tied scores starts
    and ends, and put the positions back in the areas' places. Works on variants x areas, so that every sort
    runs over contiguous memory (several times faster than sorting the columns of areas x variants)."""
    by_variant = np.ascontiguousarray(scores.T)
    order = np.argsort(by_variant, axis=1)
    ordered = np.take_along_axis(by_variant, order, axis=1)
    places = np.arange(ordered.shape[1])[None, :]
    starts = np.ones_like(ordered, dtype=np.bool_)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    ends = np.ones_like(starts)
    ends[:, :-1] = starts[:, 1:]
    run_start = np.maximum.accumulate(np.where(starts, places, 0), axis=1)
    run_end = np.minimum.accumulate(np.where(ends, places, ordered.shape[1])[:, ::-1], axis=1)[:, ::-1]
    scored = ~np.isnan(ordered)
    first = np.empty_like(by_variant)
    last = np.empty_like(by_variant)
    np.put_along_axis(first, order, np.where(scored, run_start + 1.0, np.nan), axis=1)
    np.put_along_axis(last, order, np.where(scored, run_end + 1.0, np.nan), axis=1)
    return Positions(first.T, last.T, scored.sum(axis=1).astype(np.float64))


def in_worst_share(at: Positions, worst_share: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """The rule of docs/method.md section 5: the share of areas at least as bad is at most the worst share, so
    a tie at the threshold is wholly in or wholly out."""
    with np.errstate(invalid="ignore"):
        return np.asarray((at.areas - at.first + 1) / at.areas <= worst_share, dtype=np.bool_)


def exponential(at: Positions) -> Matrix:
    """The English Indices of Deprivation's exponential transformation of the rank fraction (section 6)."""
    fraction = at.last / at.areas
    return np.asarray(-index.EXPONENTIAL_CONSTANT * np.log(1 - fraction * index.EXPONENTIAL_SPAN))


def domain_scores(matrix: PictureMatrix, variants: Variants, domain: str) -> Matrix:
    """Areas x variants: the weighted mean of the normalised figures the area has, NaN below the coverage."""
    columns = matrix.columns(domain)
    scores = np.full((len(matrix.areas), variants.count), np.nan)
    ranked = ~np.isnan(matrix.percentiles[:, columns])
    for normalisation in NORMALISATIONS:
        chosen = variants.normalisation == normalisation
        if not chosen.any():
            continue
        weights = variants.indicator_weights[np.ix_(columns, chosen)]
        figures = np.nan_to_num(matrix.normalised(normalisation)[:, columns])
        with np.errstate(invalid="ignore", divide="ignore"):
            scores[:, chosen] = (figures @ weights) / (ranked @ weights)
    covered = ranked.sum(axis=1)[:, None] >= variants.min_coverage[None, :] * len(columns)
    return np.where(covered, np.round(scores, index.SCORE_DECIMALS), np.nan)


def index_scores(exponentials: dict[str, Matrix], variants: Variants) -> Matrix:
    """Areas x variants: the weighted mean of the exponential domain scores, for areas with scores in at least
    the minimum coverage of the domains scored in the variant."""
    stacked = np.stack(list(exponentials.values()))  # domains x areas x variants
    scored = ~np.isnan(stacked)
    weights = variants.domain_weights[:, None, :] * scored
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (np.nan_to_num(stacked) * weights).sum(axis=0) / weights.sum(axis=0)
    domains_in_variant = scored.any(axis=1).sum(axis=0)
    covered = scored.sum(axis=0) >= variants.min_coverage[None, :] * domains_in_variant[None, :]
    return np.where(covered, np.round(means, index.SCORE_DECIMALS), np.nan)


@dataclass(frozen=True)
class ScoreRun:
    """One score (a domain or the index) over all variants."""

    scores: Matrix
    at: Positions
    worst: npt.NDArray[np.bool_]


def run_variants(matrix: PictureMatrix, variants: Variants) -> dict[str, ScoreRun]:
    """Every score of the partition for every variant: the domains, then the overall index."""
    runs: dict[str, ScoreRun] = {}
    for domain in matrix.domain_names:
        scores = domain_scores(matrix, variants, domain)
        at = positions(scores)
        runs[domain] = ScoreRun(scores, at, in_worst_share(at, variants.worst_share))
    overall = index_scores({d: exponential(runs[d].at) for d in matrix.domain_names}, variants)
    at = positions(overall)
    runs[INDEX_SCORE] = ScoreRun(overall, at, in_worst_share(at, variants.worst_share))
    return runs


@dataclass(frozen=True)
class AreaStability:
    area_code: str
    score: str  # a domain, or "index"
    variants: int  # variants in which the area has this score
    worst_variants: int  # ... in which it is in the worst share
    worst_share: float  # worst_variants / variants
    rank_low: int  # rank interval (1 = most problems): 5th percentile of the variants' ranks
    rank_median: int
    rank_high: int  # 95th percentile
    percentile_median: float  # median national percentile (mid-rank, 100 = most problems)
    label: str  # robust | borderline | not_worst


def summarise(matrix: PictureMatrix, runs: dict[str, ScoreRun], variation: Variation) -> list[AreaStability]:
    summaries = []
    for score, run in runs.items():
        scored = ~np.isnan(run.scores)
        counts = scored.sum(axis=1)
        worst = (run.worst & scored).sum(axis=1)
        ranks = run.at.areas - run.at.last + 1  # 1 + areas with a strictly higher score
        low, median, high = (_row_quantile(ranks, counts, q) for q in RANK_QUANTILES)
        with np.errstate(invalid="ignore", divide="ignore"):
            percentiles = 100 * ((run.at.first + run.at.last) / 2 - 1) / (run.at.areas - 1)
        percentiles = np.where(run.at.areas == 1, 50.0, percentiles)
        percentile_median = np.full(len(counts), np.nan)
        has = counts > 0
        percentile_median[has] = np.nanmedian(np.where(scored, percentiles, np.nan)[has], axis=1)
        for row in np.flatnonzero(counts):
            share = float(worst[row] / counts[row])
            summaries.append(
                AreaStability(
                    matrix.areas[row],
                    score,
                    int(counts[row]),
                    int(worst[row]),
                    share,
                    int(low[row]),
                    int(median[row]),
                    int(high[row]),
                    float(percentile_median[row]),
                    variation.labels.label(share),
                )
            )
    return summaries


def _row_quantile(values: Matrix, counts: npt.NDArray[np.intp], quantile: float) -> Matrix:
    """Per row the quantile of its values that are not NaN, as one of those values (the smallest value with
    at least `quantile` of the row at or below it, numpy's `inverted_cdf`); NaN for a row without values."""
    ordered = np.sort(values, axis=1)  # NaN last
    chosen = np.clip(np.ceil(quantile * counts).astype(np.intp) - 1, 0, values.shape[1] - 1)
    picked = np.take_along_axis(ordered, chosen[:, None], axis=1)[:, 0]
    return np.where(counts > 0, picked, np.nan)


@dataclass(frozen=True)
class Sensitivity:
    score: str
    choice: str
    areas: int  # areas with this score in the default scoring
    changed_share: float  # share of them whose worst-share membership changes in at least one variant
    flip_share: float  # mean share of them whose membership differs from the default, per variant


def sensitivity(matrix: PictureMatrix, variation: Variation) -> list[Sensitivity]:
    """Per choice, varied alone (the others at their default): how much worst-share membership moves."""
    table = []
    alone = replace(variation, variants=variation.sensitivity_variants)
    for number, choice in enumerate(CHOICES):
        rng = np.random.default_rng([variation.seed, number + 1])
        runs = run_variants(matrix, draw_variants(matrix, alone, rng, frozenset({choice})))
        for score, run in runs.items():
            default_scored = ~np.isnan(run.scores[:, 0])
            differs = run.worst[default_scored] != run.worst[default_scored, :1]
            table.append(
                Sensitivity(
                    score,
                    choice,
                    int(default_scored.sum()),
                    float(differs.any(axis=1).mean()) if differs.size else 0.0,
                    float(differs.mean()) if differs.size else 0.0,
                )
            )
    return table


def run(matrix: PictureMatrix, variation: Variation) -> dict[str, ScoreRun]:
    """The stability run: every choice varied together, from the stated seed."""
    rng = np.random.default_rng([variation.seed, 0])
    return run_variants(matrix, draw_variants(matrix, variation, rng))


# --- Stored at build time ---------------------------------------------------------------------------------

STABILITY_TABLE = """CREATE OR REPLACE TABLE rank_stability (
    area_code VARCHAR, level VARCHAR, boundary_year INTEGER, period INTEGER, subgroup VARCHAR, score VARCHAR,
    variants INTEGER, worst_variants INTEGER, worst_share DOUBLE, rank_low INTEGER, rank_median INTEGER,
    rank_high INTEGER, percentile_median DOUBLE, label VARCHAR)"""
SENSITIVITY_TABLE = """CREATE OR REPLACE TABLE rank_sensitivity (
    level VARCHAR, boundary_year INTEGER, period INTEGER, subgroup VARCHAR, score VARCHAR, choice VARCHAR,
    variants INTEGER, areas INTEGER, changed_share DOUBLE, flip_share DOUBLE)"""


def store_stability(con: duckdb.DuckDBPyConnection, variation: Variation) -> None:
    """Run the stability over the latest picture of each level and keep it in the warehouse, so pages read it."""
    con.execute(STABILITY_TABLE)
    con.execute(SENSITIVITY_TABLE)
    for level in STABILITY_LEVELS:
        try:
            partition = index.latest_partition(con, index.Selection(level=level))
        except WijkzichtError:
            continue  # a warehouse without scores at this level (a partial snapshot) has nothing to vary
        key = (partition.level, partition.boundary_year, partition.period, partition.subgroup)
        matrix = load_matrix(con, partition)
        stability = summarise(matrix, run(matrix, variation), variation)
        _insert(con, "rank_stability", [(r.area_code, *key, *astuple(r)[1:]) for r in stability])
        sensitive = sensitivity(matrix, variation)
        _insert(
            con,
            "rank_sensitivity",
            [(*key, s.score, s.choice, variation.sensitivity_variants, *astuple(s)[2:]) for s in sensitive],
        )


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple[object, ...]]) -> None:
    """Insert column-wise (one list per column): row by row would take longer than the run itself."""
    if not rows:
        return
    columns = [list(column) for column in zip(*rows, strict=True)]
    con.execute(f"INSERT INTO {table} SELECT {', '.join(['unnest(?)'] * len(columns))}", columns)


# --- Reading the stored run -----------------------------------------------------------------------------


def stored_for_area(
    con: duckdb.DuckDBPyConnection, code: str, partition: index.Selection
) -> dict[str, AreaStability]:
    """The area's stored stability per score (the index and each domain) in the partition; empty outside the
    latest picture, which is the only partition the build runs it on."""
    where, parameters = partition.where("s")
    rows = con.execute(
        f"""SELECT score, variants, worst_variants, worst_share, rank_low, rank_median, rank_high,
                   percentile_median, label
            FROM rank_stability s WHERE s.area_code = ? AND {where}""",
        [code, *parameters],
    ).fetchall()
    return {row[0]: AreaStability(code, *row) for row in rows}


@dataclass(frozen=True)
class StoredSensitivity:
    partition: index.Selection
    variants: int
    rows: list[Sensitivity]


def stored_sensitivity(con: duckdb.DuckDBPyConnection, level: str) -> StoredSensitivity | None:
    """The sensitivity table of a level's latest picture, as the build stored it."""
    rows = con.execute(
        """SELECT boundary_year, period, subgroup, variants, score, choice, areas, changed_share, flip_share
           FROM rank_sensitivity WHERE level = ? ORDER BY score, choice""",
        [level],
    ).fetchall()
    if not rows:
        return None
    partition = index.Selection(level, rows[0][0], rows[0][1], rows[0][2])
    return StoredSensitivity(partition, rows[0][3], [Sensitivity(*row[4:]) for row in rows])


def label_counts(con: duckdb.DuckDBPyConnection, level: str, score: str = INDEX_SCORE) -> dict[str, int]:
    """How many areas of the level's latest picture carry each label on a score."""
    rows = con.execute(
        "SELECT label, count(*) FROM rank_stability WHERE level = ? AND score = ? GROUP BY label",
        [level, score],
    ).fetchall()
    return dict(rows)
