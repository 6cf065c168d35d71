"""Fellegi-Sunter parameters without labels: u from random pairs, m by EM on candidates.

Pairs are level-index vectors (one column per comparison, `NULL` = -1 for a missing
value, which the likelihood skips). Identical vectors are counted once, so EM costs
as much for a million candidate pairs as for the few thousand patterns among them.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from streams.resolve.comparisons import NULL

Levels = npt.NDArray[np.int8]  # (pairs, comparisons)
Probabilities = list[npt.NDArray[np.float64]]  # per comparison, one value per level

# Pseudo-count per level: a level never seen in the sample keeps a small probability
# instead of zero, which would give it an infinite weight.
PSEUDO_COUNT = 0.5
_FLOOR = 1e-12


@dataclass(frozen=True)
class EmResult:
    m: Probabilities
    u: Probabilities
    prior: float  # share of the pairs that match (lambda)
    iterations: int
    converged: bool


def level_frequencies(
    levels: Levels,
    sizes: Sequence[int],
    weights: npt.NDArray[np.float64] | None = None,
) -> Probabilities:
    """Smoothed share of each level among the non-NULL values of each column."""
    if weights is None:
        weights = np.ones(len(levels))
    shares = []
    for column, size in enumerate(sizes):
        values = levels[:, column]
        known = values != NULL
        counts = np.bincount(values[known], weights=weights[known], minlength=size)
        shares.append((counts + PSEUDO_COUNT) / (counts.sum() + PSEUDO_COUNT * size))
    return shares


def _log_likelihood(patterns: Levels, probabilities: Probabilities) -> npt.NDArray[np.float64]:
    total = np.zeros(len(patterns))
    for column, p in enumerate(probabilities):
        # A trailing 0 is picked by index -1 (NULL): a missing value adds nothing.
        table = np.append(np.log(np.maximum(p, _FLOOR)), 0.0)
        total += table[patterns[:, column]]
    return total


def match_posterior(
    patterns: Levels, m: Probabilities, u: Probabilities, prior: float
) -> npt.NDArray[np.float64]:
    """P(match | levels) of each row."""
    prior_log_odds = np.log(prior) - np.log1p(-prior)
    log_odds = prior_log_odds + _log_likelihood(patterns, m) - _log_likelihood(patterns, u)
    return 1.0 / (1.0 + np.exp(-np.clip(log_odds, -700, 700)))


def _initial_m(sizes: Sequence[int]) -> Probabilities:
    # Matches mostly agree: most mass on the strongest level, the rest falling off.
    initial = []
    for size in sizes:
        tail = 0.5 ** np.arange(1, size)
        initial.append(np.concatenate(([0.9], 0.1 * tail / tail.sum())))
    return initial


def expectation_maximisation(
    levels: Levels,
    sizes: Sequence[int],
    u: Probabilities,
    *,
    fix_u: bool,
    prior: float = 0.1,
    max_iterations: int = 200,
    tolerance: float = 1e-6,
) -> EmResult:
    """m (and u unless `fix_u`) and the match share of the pairs, by EM.

    `u` starts from (or, fixed, stays at) the level shares among random pairs, which
    are nearly all non-matches. EM stops when no probability moves more than `tolerance`.
    """
    patterns, counts = np.unique(levels, axis=0, return_counts=True)
    counts = counts.astype(np.float64)
    m = _initial_m(sizes)
    for iteration in range(1, max_iterations + 1):
        posterior = match_posterior(patterns, m, u, prior)
        matched = counts * posterior
        new_prior = float(np.clip(matched.sum() / counts.sum(), _FLOOR, 1 - _FLOOR))
        new_m = level_frequencies(patterns, sizes, matched)
        new_u = u if fix_u else level_frequencies(patterns, sizes, counts - matched)
        change = max(
            abs(new_prior - prior),
            *(float(np.abs(a - b).max()) for a, b in zip(new_m + new_u, m + u, strict=True)),
        )
        m, u, prior = new_m, new_u, new_prior
        if change < tolerance:
            return EmResult(m, u, prior, iteration, converged=True)
    return EmResult(m, u, prior, max_iterations, converged=False)
