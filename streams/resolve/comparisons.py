"""Comparisons: small named objects that put one field of a record pair into a level.

Each comparison reads one field of two records and answers with a level (strongest
first, e.g. exact / close / far) or `NULL` when either side has no value. The model
attaches Fellegi-Sunter m and u probabilities to every level; NULL weighs nothing,
because a missing value is no evidence either way. Comparisons are frozen dataclasses
whose fields are their whole configuration, so a fitted model saves them as JSON.
"""

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar

from rapidfuzz.distance import OSA, JaroWinkler

from streams.normalise import (
    PartialDate,
    PersonName,
    canonical_given,
    date_agreement,
    iso,
    name_similarity,
)
from streams.resolve.records import PersonRecord

NULL = -1  # level of a pair where a side has no value: weight 0

# Similarity credited to a one-keystroke slip, as `date_agreement` credits a day typo.
_TYPO_SIMILARITY = 0.6
_CLOSE_NAME = 0.9  # `name_similarity` of names that differ by typos or an initial
_TOKEN_AGREES = 0.9  # Jaro-Winkler of one name word keyed with a typo
_DAY_UNKNOWN = 0.8  # `date_agreement` of the same year and month where a day is unknown


@dataclass(frozen=True)
class Outcome:
    """How one field of a pair compared: the level, a similarity, the values shown."""

    level: int
    similarity: float
    left: str | None
    right: str | None


@dataclass(frozen=True)
class Comparison(ABC):
    """Base of all comparisons: `field` names it in explanations and in the model."""

    field: str
    levels: ClassVar[tuple[str, ...]]

    @abstractmethod
    def compare(self, a: PersonRecord, b: PersonRecord) -> Outcome: ...

    def spec(self) -> dict[str, Any]:
        return {"kind": type(self).__name__, **asdict(self)}

    def _outcome(
        self, level: str, similarity: float, left: str | None, right: str | None
    ) -> Outcome:
        return Outcome(self.levels.index(level), similarity, left, right)


def _null(left: str | None, right: str | None) -> Outcome:
    return Outcome(NULL, 0.0, left, right)


def _one_edit(x: str, y: str) -> bool:
    """One substitution, insertion, deletion or swap of neighbours: a keying slip."""
    return OSA.distance(x, y, score_cutoff=1) <= 1


@dataclass(frozen=True)
class ExactMatch(Comparison):
    """Equal or not, e.g. a state or sex."""

    levels: ClassVar[tuple[str, ...]] = ("exact", "far")

    def compare(self, a: PersonRecord, b: PersonRecord) -> Outcome:
        x, y = getattr(a, self.field), getattr(b, self.field)
        if x is None or y is None:
            return _null(x, y)
        return self._outcome("exact", 1.0, x, y) if x == y else self._outcome("far", 0.0, x, y)


@dataclass(frozen=True)
class ExactOrFuzzy(Comparison):
    """Text equal, close by Jaro-Winkler (typos), or far, e.g. a street or suburb."""

    close: float = 0.88
    levels: ClassVar[tuple[str, ...]] = ("exact", "close", "far")

    def compare(self, a: PersonRecord, b: PersonRecord) -> Outcome:
        x, y = getattr(a, self.field), getattr(b, self.field)
        if x is None or y is None:
            return _null(x, y)
        if x == y:
            return self._outcome("exact", 1.0, x, y)
        similarity = JaroWinkler.similarity(x, y)
        return self._outcome("close" if similarity >= self.close else "far", similarity, x, y)


@dataclass(frozen=True)
class PostcodeComparison(Comparison):
    """Postcodes equal, one keystroke apart, in one area (same leading digits), or far."""

    field: str = "postcode"
    area_digits: int = 2
    levels: ClassVar[tuple[str, ...]] = ("exact", "typo", "area", "far")

    def compare(self, a: PersonRecord, b: PersonRecord) -> Outcome:
        x, y = getattr(a, self.field), getattr(b, self.field)
        if x is None or y is None:
            return _null(x, y)
        if x == y:
            return self._outcome("exact", 1.0, x, y)
        if _one_edit(x, y):
            return self._outcome("typo", _TYPO_SIMILARITY, x, y)
        if x[: self.area_digits] == y[: self.area_digits]:
            return self._outcome("area", self.area_digits / max(len(x), len(y)), x, y)
        return self._outcome("far", 0.0, x, y)


def _show_name(name: PersonName | None) -> str | None:
    # Police-list order, "SURNAMES, Given", so the split the parser made is visible.
    if name is None:
        return None
    return f"{' '.join(name.surnames)}, {' '.join(name.given)}".strip(", ")


def _token_agrees(x: str, y: str) -> bool:
    if x == y or canonical_given(x) == canonical_given(y):
        return True
    # An initial agrees with nothing on its own: too many names share a first letter.
    return min(len(x), len(y)) > 1 and JaroWinkler.similarity(x, y) >= _TOKEN_AGREES


@dataclass(frozen=True)
class NameComparison(Comparison):
    """Whole names: the same tokens, close (typos, initials, nicknames, swapped parts),
    partly the same (one token agrees: a part missing or replaced), or far."""

    field: str = "name"
    levels: ClassVar[tuple[str, ...]] = ("exact", "close", "partial", "far")

    def compare(self, a: PersonRecord, b: PersonRecord) -> Outcome:
        x, y = a.name, b.name
        left, right = _show_name(x), _show_name(y)
        if x is None or y is None:
            return _null(left, right)
        if sorted(x.tokens) == sorted(y.tokens):
            return self._outcome("exact", 1.0, left, right)
        similarity = name_similarity(x, y)
        if similarity >= _CLOSE_NAME:
            return self._outcome("close", similarity, left, right)
        if any(_token_agrees(s, t) for s in x.tokens for t in y.tokens):
            return self._outcome("partial", similarity, left, right)
        return self._outcome("far", similarity, left, right)


def _digits(date: PartialDate) -> str:
    return iso(date).replace("-", "")


@dataclass(frozen=True)
class DateOfBirthComparison(Comparison):
    """Dates of birth: exact; same month where a day is unknown; a typo (one digit
    keyed wrong, neighbours swapped, day and month swapped, other day of the month);
    same year where a month is unknown (or a year off by one, day and month equal);
    or far."""

    field: str = "date_of_birth"
    levels: ClassVar[tuple[str, ...]] = ("exact", "month", "typo", "year", "far")

    def compare(self, a: PersonRecord, b: PersonRecord) -> Outcome:
        x, y = a.dob, b.dob
        left, right = (iso(x) if x else None), (iso(y) if y else None)
        if x is None or y is None:
            return _null(left, right)
        agreement = date_agreement(x, y)
        full = x.day is not None and y.day is not None
        if full and x == y:
            return self._outcome("exact", 1.0, left, right)
        if agreement == _DAY_UNKNOWN:
            return self._outcome("month", agreement, left, right)
        if full and (agreement >= _TYPO_SIMILARITY or _one_edit(_digits(x), _digits(y))):
            return self._outcome("typo", max(agreement, _TYPO_SIMILARITY), left, right)
        if agreement > 0:
            return self._outcome("year", agreement, left, right)
        return self._outcome("far", 0.0, left, right)


@dataclass(frozen=True)
class AnyShared(Comparison):
    """Sets of identifiers (phones, nationalities): some value shared, or none."""

    levels: ClassVar[tuple[str, ...]] = ("exact", "far")

    def compare(self, a: PersonRecord, b: PersonRecord) -> Outcome:
        xs, ys = getattr(a, self.field), getattr(b, self.field)
        left, right = "; ".join(xs) or None, "; ".join(ys) or None
        if not xs or not ys:
            return _null(left, right)
        if set(xs) & set(ys):
            return self._outcome("exact", 1.0, left, right)
        return self._outcome("far", 0.0, left, right)


def _issuer(key: str) -> str:
    return key.partition(":")[0]


@dataclass(frozen=True)
class DocumentComparison(Comparison):
    """Documents: one shared; one misread character apart (same issuer); or different
    numbers from the same issuer. Documents of different issuers are no evidence: a
    person may hold a passport of each nationality."""

    field: str = "documents"
    levels: ClassVar[tuple[str, ...]] = ("exact", "typo", "far")

    def compare(self, a: PersonRecord, b: PersonRecord) -> Outcome:
        xs, ys = a.documents, b.documents
        left, right = "; ".join(xs) or None, "; ".join(ys) or None
        if set(xs) & set(ys):
            return self._outcome("exact", 1.0, left, right)
        same_issuer = [(x, y) for x in xs for y in ys if _issuer(x) == _issuer(y)]
        if not same_issuer:
            return _null(left, right)
        if any(_one_edit(x, y) for x, y in same_issuer):
            return self._outcome("typo", _TYPO_SIMILARITY, left, right)
        return self._outcome("far", 0.0, left, right)


KINDS: dict[str, type[Comparison]] = {
    kind.__name__: kind
    for kind in (
        ExactMatch,
        ExactOrFuzzy,
        PostcodeComparison,
        NameComparison,
        DateOfBirthComparison,
        AnyShared,
        DocumentComparison,
    )
}


def from_spec(spec: dict[str, Any]) -> Comparison:
    """The comparison a `Comparison.spec()` describes."""
    kind = KINDS[spec["kind"]]
    options = {f.name: spec[f.name] for f in fields(kind) if f.name in spec}
    return kind(**options)


def default_comparisons() -> tuple[Comparison, ...]:
    """Every field a PersonRecord has; fields a source never fills stay NULL (weight 0)."""
    return (
        NameComparison(),
        DateOfBirthComparison(),
        DocumentComparison(),
        AnyShared("phones"),
        ExactMatch("sex"),
        AnyShared("nationalities"),
        ExactOrFuzzy("street_number"),
        ExactOrFuzzy("street"),
        ExactOrFuzzy("premises"),
        ExactOrFuzzy("suburb"),
        PostcodeComparison(),
        ExactMatch("state"),
    )
