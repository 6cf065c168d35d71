"""Person names: split into given names and surnames, keyed for blocking, compared.

Alerts carry names as written by the source: "PÉREZ GÓMEZ, Juan Carlos" from a police
list, "María José Pérez de la Cruz Gómez" from an NGO, "Сергей Иванов" from a passport
copy. Everything here works on folded tokens (see `text.fold`), so script, accents and
case never decide a match.
"""

import re
from dataclasses import dataclass
from itertools import permutations
from math import perm

import jellyfish
from rapidfuzz.distance import JaroWinkler

from streams.normalise.errors import NormalisationError
from streams.normalise.nicknames import canonical_given
from streams.normalise.text import fold, has_syllabic_script

_ORDERS: frozenset[str] = frozenset({"given_first", "surname_first", "unknown"})

# Particles join the word after them ("de la Cruz", "van der Berg", "bin Salman") and are
# left out of comparison: sources drop or keep them at will ("Cruz", "De la Cruz").
PARTICLES: frozenset[str] = frozenset(
    {
        *("de", "del", "la", "las", "los", "y"),  # Spanish
        *("da", "das", "do", "dos", "e"),  # Portuguese
        *("van", "von", "der", "den", "ter", "du", "le", "di"),  # Dutch, German, French
        *("bin", "bint", "ben", "ibn", "al", "el"),  # Arabic (al-/el- are split by fold)
    }
)
# A Spanish "de" surname directly after a bare one may be the second half of a compound
# paternal surname ("Pérez de la Cruz"); see `_surname_count`.
_COMPOUND_PARTICLES: frozenset[str] = frozenset({"de", "del"})
_TITLES: frozenset[str] = frozenset({"sr", "sra", "srta", "mr", "mrs", "ms", "dr", "dra"})
_SUFFIXES: frozenset[str] = frozenset({"jr", "sr", "ii", "iii", "iv"})
_DIGIT = re.compile("[0-9]")

# Scores given by `_token_similarity` to matches that are not letter-for-letter.
_NICKNAME_SCORE = 0.95  # Pepe ~ José: the table says same name, the spelling differs
_INITIAL_SCORE = 0.9  # "J" ~ "Juan": consistent, but many names start with J
_PHONETIC_SCORE = 0.9  # same metaphone code, e.g. Arabic-script "mhmd" ~ "mohammed"
_TOKEN_FLOOR = 0.8  # below this Jaro-Winkler, two tokens are different names
_EXTRA_TOKEN_PENALTY = 0.15  # a missing second surname costs a little, not a match
_GIVEN_WEIGHT = 0.4  # surnames are rarer than given names, so they weigh more
_SURNAME_WEIGHT = 0.6
_MAX_PERMUTATIONS = 5040  # exhaustive pairing up to 7 tokens a side, greedy beyond


@dataclass(frozen=True)
class PersonName:
    """A name as folded comparison tokens, particles removed, in the order written."""

    given: tuple[str, ...]
    surnames: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.given and not self.surnames:
            raise NormalisationError("person name", self, "no given name or surname")
        for token in self.tokens:
            if not token or fold(token) != token or " " in token:
                raise NormalisationError("person name", self, f"token {token!r} is not folded")

    @property
    def tokens(self) -> tuple[str, ...]:
        return self.given + self.surnames

    @property
    def first_given(self) -> str | None:
        return self.given[0] if self.given else None

    @property
    def first_surname(self) -> str | None:
        """The paternal surname under the Hispanic convention."""
        return self.surnames[0] if self.surnames else None


@dataclass(frozen=True)
class _Word:
    token: str
    caps: bool  # written in capitals among lower-case words: the surname convention
    dotted: bool  # "E." is an initial, never the particle "e"


@dataclass(frozen=True)
class _Unit:
    """One name word with the particles written before it."""

    particles: tuple[str, ...]
    core: str
    caps: bool


def parse_name(
    full: str | None = None,
    *,
    given: str | None = None,
    surnames: str | None = None,
    order: str = "given_first",
) -> PersonName:
    """Split a name into folded given names and surnames.

    Either `full` (one string) or `given`/`surnames` (already split by the source).
    In `full`, a comma means "SURNAMES, Given names"; otherwise words in capitals among
    lower-case ones are the surnames ("Juan PÉREZ"); otherwise `order` decides
    ("given_first", "surname_first", or "unknown", read as given first; the Avro
    NameOrder symbols are accepted too) and, with three words or more, the last two
    are taken as surnames (Hispanic paternal + maternal). Han or Hangul names written
    surname first have a one-syllable surname.

    Free text cannot always be split right ("Juan Carlos Pérez" has one surname or two;
    "Pérez de la Cruz" is one surname or two); `name_similarity` compares all tokens
    so a wrong split costs little, but pass `given`/`surnames` when the source has them.
    """
    normalised_order = order.strip().lower()
    if normalised_order not in _ORDERS:
        raise NormalisationError("name order", order, f"expected one of {sorted(_ORDERS)}")
    if full is not None and (given is not None or surnames is not None):
        raise TypeError("pass either full or given/surnames, not both")
    if full is None:
        given_units = _units(_words(given or "", strip_titles=True), leading_particle=False)
        surname_units = _units(_words(surnames or "", strip_suffixes=True), leading_particle=True)
        return _person_name(given_units, surname_units, f"given={given!r} surnames={surnames!r}")
    if "," in full:
        surname_part, _, given_part = full.partition(",")
        given_words = _words(given_part, strip_titles=True, strip_suffixes=True)
        given_units = _units(given_words, leading_particle=False)
        surname_units = _units(_words(surname_part, strip_suffixes=True), leading_particle=True)
        return _person_name(given_units, surname_units, full)
    surname_first = normalised_order == "surname_first"
    words = _words(full, strip_titles=True, strip_suffixes=True)
    units = _units(words, leading_particle=surname_first)
    given_units, surname_units = _split(units, surname_first, has_syllabic_script(full))
    return _person_name(given_units, surname_units, full)


def _words(part: str, *, strip_titles: bool = False, strip_suffixes: bool = False) -> list[_Word]:
    words: list[_Word] = []
    for raw in part.split():
        # Two letters at least, or every initial of "J. R. SMITH" would count as capitals.
        caps = raw.isupper() and sum(ch.isalpha() for ch in raw) >= 2
        words.extend(_Word(token, caps, "." in raw) for token in fold(raw).split())
    if strip_titles and len(words) > 1 and words[0].token in _TITLES:
        words = words[1:]
    if strip_suffixes and len(words) > 1 and words[-1].token in _SUFFIXES:
        words = words[:-1]
    return words


def _units(words: list[_Word], *, leading_particle: bool) -> list[_Unit]:
    """Attach particles to the word after them.

    The first word of a given-name-first string is never a particle ("Al Pacino"),
    nor is the last word (nothing follows it) or a dotted initial.
    """
    units: list[_Unit] = []
    pending: list[str] = []
    for index, word in enumerate(words):
        is_particle = (
            word.token in PARTICLES
            and not word.dotted
            and index < len(words) - 1
            and (leading_particle or index > 0)
        )
        if is_particle:
            pending.append(word.token)
        else:
            units.append(_Unit(tuple(pending), word.token, word.caps))
            pending = []
    return units


def _split(
    units: list[_Unit], surname_first: bool, syllabic: bool
) -> tuple[list[_Unit], list[_Unit]]:
    """(given, surnames) of a full name with no comma."""
    capitals = [unit.caps for unit in units]
    if any(capitals) and not all(capitals):
        return [u for u in units if not u.caps], [u for u in units if u.caps]
    if len(units) <= 1:
        # A single name is the primary identifier, as ICAO files mononyms.
        return [], units
    if surname_first:
        count = 1 if syllabic else _surname_count(units)
        return units[count:], units[:count]
    count = _surname_count(units[::-1], reverse=True)
    return units[:-count], units[-count:]


def _surname_count(units: list[_Unit], *, reverse: bool = False) -> int:
    """How many units at the front of `units` are surnames (read backwards if reverse).

    Two when there are three units or more. Three when the first two of those form a
    compound paternal surname, a bare word then a "de" word ("Pérez de la Cruz"), and
    two given names are still left: with only one left, "Pedro José de la Torre Gómez"
    reads more naturally as given names + "de la Torre" + "Gómez".
    """
    if len(units) < 3:
        return 1
    if reverse and len(units[1].core) == 1:
        # "Juan E. Pérez": an initial before the last surname is a middle name; at the
        # end it would be an abbreviated maternal surname ("Juan Pérez G.").
        return 1
    if reverse:
        bare, de_unit = units[2], units[1]
    else:
        bare, de_unit = units[0], units[1]
    compound = (
        not bare.particles
        and bool(de_unit.particles)
        and de_unit.particles[0] in _COMPOUND_PARTICLES
        and len(units) - 3 >= 2
    )
    return 3 if compound else 2


def _person_name(given_units: list[_Unit], surname_units: list[_Unit], raw: str) -> PersonName:
    given = tuple(unit.core for unit in given_units)
    surnames = tuple(unit.core for unit in surname_units)
    if not given and not surnames:
        raise NormalisationError("person name", raw, "no letters in it")
    if any(_DIGIT.search(token) for token in given + surnames):
        raise NormalisationError("person name", raw, "digits in a name")
    return PersonName(given=given, surnames=surnames)


def _phonetic(token: str) -> str:
    # Metaphone is empty for a few lone letters ("w", "y"); the letter itself still blocks.
    return jellyfish.metaphone(token) or token.upper()


def phonetic_keys(name: PersonName) -> dict[str, str]:
    """Metaphone and NYSIIS codes of the first given name (nickname resolved) and surname."""
    keys: dict[str, str] = {}
    if name.first_given is not None:
        given = canonical_given(name.first_given)
        keys["given_metaphone"] = _phonetic(given)
        keys["given_nysiis"] = jellyfish.nysiis(given)
    if name.first_surname is not None:
        keys["surname_metaphone"] = _phonetic(name.first_surname)
        keys["surname_nysiis"] = jellyfish.nysiis(name.first_surname)
    return keys


def name_key(name: PersonName) -> str | None:
    """Blocking key on the first (paternal) surname: its metaphone code, e.g. "PRS"."""
    return _phonetic(name.first_surname) if name.first_surname is not None else None


def given_name_key(name: PersonName) -> str | None:
    """Blocking key on the first given name, nickname resolved: "Pepe" and "José" -> "JS"."""
    if name.first_given is None:
        return None
    return _phonetic(canonical_given(name.first_given))


def name_similarity(a: PersonName, b: PersonName) -> float:
    """How alike two names are, in [0, 1]; symmetric, 1.0 for the same tokens.

    The best of three readings: given names against given names and surnames against
    surnames; the same with one name's parts swapped (a data-entry slip); and all
    tokens against all tokens, which forgives a split made in the wrong place.
    Tokens pair up one-to-one by Jaro-Winkler, with credit for an initial, a nickname
    and a shared metaphone code; a missing second surname costs a little.
    """
    aligned = _weighted(
        (_GIVEN_WEIGHT, _part_score(a.given, b.given)),
        (_SURNAME_WEIGHT, _part_score(a.surnames, b.surnames)),
    )
    # Equal weights keep the swapped reading symmetric in a and b.
    swapped = _weighted(
        (0.5, _part_score(a.surnames, b.given)),
        (0.5, _part_score(a.given, b.surnames)),
    )
    everything = _best_pairing(a.tokens, b.tokens) / max(len(a.tokens), len(b.tokens))
    return min(1.0, max(aligned, swapped, everything))


def _weighted(*parts: tuple[float, float | None]) -> float:
    known = [(weight, score) for weight, score in parts if score is not None]
    if not known:
        return 0.0
    return sum(weight * score for weight, score in known) / sum(weight for weight, _ in known)


def _part_score(xs: tuple[str, ...], ys: tuple[str, ...]) -> float | None:
    """Mean similarity of the paired tokens; None when neither side has this part."""
    if not xs and not ys:
        return None
    if not xs or not ys:
        return 0.0
    small, large = sorted((len(xs), len(ys)))
    mean = _best_pairing(xs, ys) / small
    return mean * (1.0 - _EXTRA_TOKEN_PENALTY * (1.0 - small / large))


def _best_pairing(xs: tuple[str, ...], ys: tuple[str, ...]) -> float:
    """Sum of token similarities under the best one-to-one pairing."""
    if len(xs) > len(ys):
        xs, ys = ys, xs
    matrix = [[_token_similarity(x, y) for y in ys] for x in xs]
    if perm(len(ys), len(xs)) <= _MAX_PERMUTATIONS:
        return max(
            sum(row[column] for row, column in zip(matrix, columns, strict=True))
            for columns in permutations(range(len(ys)), len(xs))
        )
    # Long names (rare): greedy pairing, highest scores first.
    pairs = sorted(
        ((score, i, j) for i, row in enumerate(matrix) for j, score in enumerate(row)),
        reverse=True,
    )
    used_x: set[int] = set()
    used_y: set[int] = set()
    total = 0.0
    for score, i, j in pairs:
        if i not in used_x and j not in used_y:
            used_x.add(i)
            used_y.add(j)
            total += score
    return total


def _token_similarity(x: str, y: str) -> float:
    if x == y:
        return 1.0
    if len(x) == 1 or len(y) == 1:
        return _INITIAL_SCORE if x[0] == y[0] else 0.0
    if canonical_given(x) == canonical_given(y):
        return _NICKNAME_SCORE
    score = JaroWinkler.similarity(x, y)
    # Abjads (Arabic, Hebrew) write no short vowels, so their transliteration is a
    # consonant skeleton that string distance misses but metaphone codes match.
    phonetic = jellyfish.metaphone(x)
    if len(phonetic) >= 2 and phonetic == jellyfish.metaphone(y):
        score = max(score, _PHONETIC_SCORE)
    return score if score >= _TOKEN_FLOOR else 0.0
