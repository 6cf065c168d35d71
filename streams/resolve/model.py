"""The Fellegi-Sunter model: comparisons, their fitted m/u, a prior and thresholds.

A model is fitted offline, once, and saved as JSON; stream workers load that file and
never refit. Every worker, partition and replay then scores a pair identically, a
link's explanation can be reproduced later from the model version alone, and no worker
drifts towards the records its own partitions happened to see.
"""

import json
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from streams.resolve.comparisons import NULL, Comparison, default_comparisons, from_spec
from streams.resolve.em import (
    Levels,
    Probabilities,
    expectation_maximisation,
    level_frequencies,
)
from streams.resolve.explain import Decision, FieldComparison, Score
from streams.resolve.records import PersonRecord

FORMAT_VERSION = 1
RANDOM_PAIRS = 20_000  # u is resolved to about 1/20,000: rarer agreements get pseudo-counts
Pair = tuple[PersonRecord, PersonRecord]


@dataclass(frozen=True)
class Thresholds:
    """Posterior match probabilities at which a pair becomes a link.

    A MATCH merges entities, so it asks for near-certainty: posteriors run high where
    fields are correlated (street, suburb and postcode move together). A POSSIBLE_MATCH
    is published for an analyst to confirm.
    """

    match: float = 0.99
    possible_match: float = 0.5


@dataclass(frozen=True)
class LevelParameters:
    name: str
    m: float  # P(level | same person)
    u: float  # P(level | different people)

    def __post_init__(self) -> None:
        # Checked here so a damaged model file fails on load, not on the first score.
        if not (0 < self.m <= 1 and 0 < self.u <= 1):
            raise ValueError(f"level {self.name!r}: m and u must be in (0, 1]")

    @property
    def weight(self) -> float:
        return math.log2(self.m / self.u)


@dataclass(frozen=True)
class FittedComparison:
    comparison: Comparison
    levels: tuple[LevelParameters, ...]


def level_matrix(comparisons: Sequence[Comparison], pairs: Iterable[Pair]) -> Levels:
    rows = [[c.compare(a, b).level for c in comparisons] for a, b in pairs]
    return np.array(rows, dtype=np.int8).reshape(-1, len(comparisons))


def random_pairs(records: Sequence[PersonRecord], count: int, seed: int) -> list[Pair]:
    """Pairs of distinct records drawn at random: almost all different people, so
    their level shares estimate u."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):
        i, j = rng.sample(range(len(records)), 2)
        pairs.append((records[i], records[j]))
    return pairs


@dataclass(frozen=True)
class Model:
    """Fitted comparisons, the prior and the thresholds: all that scoring needs."""

    fitted: tuple[FittedComparison, ...]
    prior: float  # share of candidate pairs that match, from EM
    thresholds: Thresholds = Thresholds()

    @classmethod
    def fit(
        cls,
        records: Sequence[PersonRecord],
        sample_pairs: Iterable[Pair],
        *,
        comparisons: Sequence[Comparison] | None = None,
        thresholds: Thresholds = Thresholds(),
        random_pair_count: int = RANDOM_PAIRS,
        seed: int = 0,
    ) -> "Model":
        """Estimate u from random pairs of `records`, then m and the prior by EM on
        `sample_pairs` (candidate pairs from the same blocking the resolver uses, so
        the prior is the share of matches among the pairs it will score). No labels.

        u stays where the random pairs put it (as splink does), so a level's weight says
        how rare that agreement is between any two people, whatever blocking produced
        the pair. Re-estimated on candidates, u would absorb the blocking: on FEBRL4,
        names agree exactly in 12% of blocked non-matches but 0.01% of random pairs.
        """
        comparisons = tuple(comparisons or default_comparisons())
        sizes = [len(c.levels) for c in comparisons]
        randoms = random_pairs(records, random_pair_count, seed)
        u = level_frequencies(level_matrix(comparisons, randoms), sizes)
        result = expectation_maximisation(
            level_matrix(comparisons, sample_pairs), sizes, u, fix_u=True
        )
        if not result.converged:
            raise ValueError(f"EM did not converge in {result.iterations} iterations")
        return cls.from_probabilities(comparisons, result.m, result.u, result.prior, thresholds)

    @classmethod
    def fit_labelled(
        cls,
        records: Sequence[PersonRecord],
        sample_pairs: Iterable[Pair],
        is_match: Callable[[Pair], bool],
        *,
        comparisons: Sequence[Comparison] | None = None,
        thresholds: Thresholds = Thresholds(),
        random_pair_count: int = RANDOM_PAIRS,
        seed: int = 0,
    ) -> "Model":
        """u from random pairs as in `fit`; m and the prior from labelled candidate pairs.

        For alerts, where EM is unreliable: their records are few per person and hub
        phones make "shares a phone" the strongest latent class, so EM fits that instead
        of "same person". Labels come from a training scenario with ground truth (never
        the data the model is evaluated on).
        """
        comparisons = tuple(comparisons or default_comparisons())
        sizes = [len(c.levels) for c in comparisons]
        randoms = random_pairs(records, random_pair_count, seed)
        u = level_frequencies(level_matrix(comparisons, randoms), sizes)
        pairs = list(sample_pairs)
        matches = [pair for pair in pairs if is_match(pair)]
        if not matches:
            raise ValueError("no matching pair among the labelled pairs")
        m = level_frequencies(level_matrix(comparisons, matches), sizes)
        return cls.from_probabilities(comparisons, m, u, len(matches) / len(pairs), thresholds)

    @classmethod
    def from_probabilities(
        cls,
        comparisons: Sequence[Comparison],
        m: Probabilities,
        u: Probabilities,
        prior: float,
        thresholds: Thresholds = Thresholds(),
    ) -> "Model":
        fitted = tuple(
            FittedComparison(
                comparison,
                tuple(
                    LevelParameters(name, float(mi), float(ui))
                    for name, mi, ui in zip(comparison.levels, ms, us, strict=True)
                ),
            )
            for comparison, ms, us in zip(comparisons, m, u, strict=True)
        )
        return cls(fitted, prior, thresholds)

    @property
    def comparisons(self) -> tuple[Comparison, ...]:
        return tuple(f.comparison for f in self.fitted)

    def score(self, a: PersonRecord, b: PersonRecord) -> Score:
        lines = []
        for fitted in self.fitted:
            outcome = fitted.comparison.compare(a, b)
            if outcome.level == NULL:
                level, weight = "null", 0.0
            else:
                parameters = fitted.levels[outcome.level]
                level, weight = parameters.name, parameters.weight
            lines.append(
                FieldComparison(
                    fitted.comparison.field,
                    outcome.left,
                    outcome.right,
                    level,
                    outcome.similarity,
                    weight,
                )
            )
        total = sum(line.weight for line in lines)
        probability = self.probability(total)
        return Score(total, probability, self.decide(probability), tuple(lines))

    def probability(self, total: float) -> float:
        log_odds = total + math.log2(self.prior / (1 - self.prior))
        return 1.0 / (1.0 + 2.0 ** -max(min(log_odds, 1000.0), -1000.0))

    def decide(self, probability: float) -> Decision:
        if probability >= self.thresholds.match:
            return Decision.MATCH
        if probability >= self.thresholds.possible_match:
            return Decision.POSSIBLE_MATCH
        return Decision.NON_MATCH

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "prior": self.prior,
            "thresholds": {
                "match": self.thresholds.match,
                "possible_match": self.thresholds.possible_match,
            },
            "comparisons": [
                {
                    **f.comparison.spec(),
                    "levels": [{"name": p.name, "m": p.m, "u": p.u} for p in f.levels],
                }
                for f in self.fitted
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Model":
        if data.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"model format {data.get('format_version')!r} is not supported")
        fitted = []
        for entry in data["comparisons"]:
            comparison = from_spec(entry)
            levels = tuple(LevelParameters(p["name"], p["m"], p["u"]) for p in entry["levels"])
            if tuple(p.name for p in levels) != comparison.levels:
                raise ValueError(f"{comparison.field}: levels do not match {comparison.levels}")
            fitted.append(FittedComparison(comparison, levels))
        return cls(tuple(fitted), data["prior"], Thresholds(**data["thresholds"]))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "Model":
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
