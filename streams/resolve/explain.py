"""A pair's score, field by field, in the shape the Link record publishes."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Decision(StrEnum):
    """Avro LinkDecision symbols, plus the outcome that publishes no link."""

    MATCH = "MATCH"
    POSSIBLE_MATCH = "POSSIBLE_MATCH"
    NON_MATCH = "NON_MATCH"


@dataclass(frozen=True)
class FieldComparison:
    """One line of an explanation: what `field` held on each side, the level it fell
    in, how similar it was, and the weight log2(m/u) that level adds to the score."""

    field: str
    left: str | None
    right: str | None
    level: str
    similarity: float
    weight: float

    def to_avro(self) -> dict[str, Any]:
        """The Avro FieldComparison record (schemas/avro/FieldComparison.avsc)."""
        return {
            "field": self.field,
            "left": self.left,
            "right": self.right,
            "similarity": self.similarity,
            "weight": self.weight,
        }


@dataclass(frozen=True)
class Score:
    """`total` is the sum of the comparisons' weights (the Link's score); `probability`
    adds the model's prior, the share of candidate pairs that match."""

    total: float
    probability: float
    decision: Decision
    comparisons: tuple[FieldComparison, ...]

    def explanation(self) -> list[dict[str, Any]]:
        return [comparison.to_avro() for comparison in self.comparisons]
