"""Blocking: which stored records a new record is compared with.

A record gets several keys; it is compared with every stored record that shares one.
Each key forgives what another misses (measured on FEBRL4, see bench/febrl.py):

- surname or first given name, phonetic, with the birth year: typos in the other name;
- exact document and exact phone: any name or date error at all;
- the set of name tokens: no date of birth, names in any order;
- first two letters of each name token, sorted, with birth month and day: swapped
  given name and surname, typos after the second letter, a wrong birth year;
- the full date of birth: both names wrong or missing;
- each name token, phonetic, with the postcode: no usable date of birth.

A key shared by more than `hub_size` records (a placeholder birth date such as 1 January,
a shelter's phone) is a hub: it stops producing candidates and is reported, so one
common value cannot make every record a candidate of every other.

The stream worker (not the in-memory `BlockingIndex`) refines a block instead once it
holds more than `blocking_refine_size` records (`streams.blocks`): it splits it by the next
attribute `refinements` lists for the key's kind, so a record meets only the earlier
ones that also agree on that, and a sub-block splits again by the attribute after. Each
attribute is one the key leaves free and that the variations the key tolerates leave
intact. Nationality first for the keys that fix a birth year: it does not depend on how
or in which script a name was written, nor on the country that reported the record. The
birth year first for the keys that do not fix one: a partial date keeps its year. The
sounds of the name words the key does not fix: a typo, a nickname or the order of the
words changes one of them at most. The birth month last: a partial date has none and
goes to the sub-block every record reads. What is left past `hub_size` is a hub.
"""

from collections.abc import Iterable, Iterator

import jellyfish

from streams.normalise import canonical_given
from streams.resolve.records import PersonRecord

# Far above a genuine block (FEBRL4's largest holds 14 records), far below the records
# that share a placeholder value in a year of alerts.
HUB_SIZE = 100
# Key kind -> the attributes that split its blocks as they grow, in order.
REFINEMENTS: dict[str, tuple[str, ...]] = {
    "dob": ("nationality", "sound"),
    "surname": ("nationality", "sound", "month"),
    "given": ("nationality", "sound", "month"),
    "initials": ("nationality", "sound", "year"),
    "name": ("year", "nationality", "month"),
    "document": ("year", "sound"),
    "phone": ("year", "sound"),
    "place": ("year", "sound"),
}


def _phonetic(token: str) -> str:
    # Metaphone is empty for a few lone letters ("w", "y"); the letter itself still blocks.
    return jellyfish.metaphone(token) or token.upper()


def blocking_keys(record: PersonRecord) -> set[str]:
    """Every blocking key of a record, each prefixed by its kind."""
    keys = {f"document:{document}" for document in record.documents}
    keys.update(f"phone:{phone}" for phone in record.phones)
    tokens = sorted(set(record.given + record.surnames))
    if tokens:
        keys.add(f"name:{' '.join(tokens)}")
    dob = record.dob
    if dob is not None:
        if record.surnames:
            keys.add(f"surname:{_phonetic(record.surnames[0])}:{dob.year}")
        if record.given:
            given = _phonetic(canonical_given(record.given[0]))
            keys.add(f"given:{given}:{dob.year}")
        if dob.day is not None:
            keys.add(f"dob:{dob}")
            if tokens:
                initials = "".join(token[:2] for token in tokens)
                keys.add(f"initials:{initials}:{dob.month:02d}{dob.day:02d}")
    if record.postcode is not None:
        keys.update(f"place:{_phonetic(token)}:{record.postcode}" for token in tokens)
    return keys


def _sounds(kind: str, record: PersonRecord) -> frozenset[str]:
    """Phonetic keys of the name words, less the one a surname or given-name key fixes."""
    given = {_phonetic(canonical_given(token)) for token in record.given}
    surnames = {_phonetic(token) for token in record.surnames}
    if kind == "surname" and record.surnames:
        surnames.discard(_phonetic(record.surnames[0]))
    if kind == "given" and record.given:
        given.discard(_phonetic(canonical_given(record.given[0])))
    return frozenset(given | surnames)


def refinements(key: str) -> tuple[str, ...]:
    """The attributes that split the block of `key` once it grows, coarsest first."""
    return REFINEMENTS.get(key.split(":", 1)[0], ())


def refined_values(key: str, attribute: str, record: PersonRecord) -> frozenset[str]:
    """The record's values of a refinement attribute (one of `refinements(key)`); empty
    when it has none, several for a dual national or several name words."""
    if attribute == "nationality":
        return frozenset(record.nationalities)
    if attribute == "year":
        return frozenset({str(record.dob.year)} if record.dob else ())
    if attribute == "month":
        month = record.dob.month if record.dob else None
        return frozenset({f"{month:02d}"} if month is not None else ())
    if attribute == "sound":
        return _sounds(key.split(":", 1)[0], record)
    raise ValueError(f"no refinement attribute {attribute!r}")


class BlockingIndex:
    """Blocking key -> refs of the records that have it, built one record at a time."""

    def __init__(self, hub_size: int = HUB_SIZE) -> None:
        self.hub_size = hub_size
        self._refs: dict[str, list[str]] = {}
        self.hubs: dict[str, int] = {}  # key -> how many records had it

    def add(self, record: PersonRecord) -> dict[str, list[str]]:
        """Index the record; return the stored refs it shares keys with, and which keys."""
        candidates: dict[str, list[str]] = {}
        for key in sorted(blocking_keys(record)):  # sorted: candidates in a stable order
            if key in self.hubs:
                self.hubs[key] += 1
                continue
            refs = self._refs.setdefault(key, [])
            if len(refs) >= self.hub_size:
                self.hubs[key] = len(refs) + 1
                del self._refs[key]
                continue
            for ref in refs:
                candidates.setdefault(ref, []).append(key)
            refs.append(record.ref)
        return candidates


def candidate_pairs(
    records: Iterable[PersonRecord], hub_size: int = HUB_SIZE
) -> Iterator[tuple[PersonRecord, PersonRecord]]:
    """(stored, new) pairs in the order a resolver fed `records` would score them."""
    index = BlockingIndex(hub_size)
    seen: dict[str, PersonRecord] = {}
    for record in records:
        if record.ref in seen:  # a replay, as `Resolver.add` skips it
            continue
        for ref in index.add(record):
            yield seen[ref], record
        seen[record.ref] = record
