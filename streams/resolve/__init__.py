"""Incremental entity resolution of persons: blocking, Fellegi-Sunter scoring, entities.

Pure and in memory: the stream worker normalises each person of an alert into a
`PersonRecord`, passes it to `Resolver.add` and publishes the explained `Link`s it
returns. The `Model` is fitted offline (`Model.fit`, no labels) and loaded from JSON.
"""

from streams.resolve.blocking import HUB_SIZE, BlockingIndex, blocking_keys, candidate_pairs
from streams.resolve.clusters import Clusters
from streams.resolve.comparisons import (
    NULL,
    AnyShared,
    Comparison,
    DateOfBirthComparison,
    DocumentComparison,
    ExactMatch,
    ExactOrFuzzy,
    NameComparison,
    Outcome,
    PostcodeComparison,
    default_comparisons,
)
from streams.resolve.em import EmResult, expectation_maximisation, level_frequencies
from streams.resolve.explain import Decision, FieldComparison, Score
from streams.resolve.model import LevelParameters, Model, Thresholds
from streams.resolve.records import PersonRecord, from_alert_person, from_febrl
from streams.resolve.records import from_json as record_from_json
from streams.resolve.records import to_json as record_to_json
from streams.resolve.resolver import Link, Resolver

__all__ = [
    "HUB_SIZE",
    "NULL",
    "AnyShared",
    "BlockingIndex",
    "Clusters",
    "Comparison",
    "DateOfBirthComparison",
    "Decision",
    "DocumentComparison",
    "EmResult",
    "ExactMatch",
    "ExactOrFuzzy",
    "FieldComparison",
    "LevelParameters",
    "Link",
    "Model",
    "NameComparison",
    "Outcome",
    "PersonRecord",
    "PostcodeComparison",
    "Resolver",
    "Score",
    "Thresholds",
    "blocking_keys",
    "candidate_pairs",
    "default_comparisons",
    "expectation_maximisation",
    "from_alert_person",
    "from_febrl",
    "level_frequencies",
    "record_from_json",
    "record_to_json",
]
