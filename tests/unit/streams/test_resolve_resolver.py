"""Blocking keys, the incremental resolver, hubs and entities on hand-made records."""

import hashlib
from typing import Any

import pytest

from streams.normalise import PartialDate
from streams.resolve import (
    AnyShared,
    BlockingIndex,
    Clusters,
    DateOfBirthComparison,
    Decision,
    DocumentComparison,
    Model,
    NameComparison,
    PersonRecord,
    Resolver,
    blocking_keys,
    from_alert_person,
)

# Hand-set parameters, strongest level first. Identifiers rarely agree by chance; birth
# dates more often than a calendar suggests (placeholders, people of one age group).
MODEL = Model.from_probabilities(
    (NameComparison(), DateOfBirthComparison(), DocumentComparison(), AnyShared("phones")),
    m=[
        [0.6, 0.3, 0.095, 0.005],
        [0.85, 0.05, 0.04, 0.03, 0.03],
        [0.9, 0.05, 0.05],
        [0.7, 0.3],
    ],
    u=[
        [1e-4, 1e-3, 0.02, 0.9789],
        [1e-3, 1e-3, 5e-3, 0.05, 0.943],
        [1e-6, 1e-5, 0.999989],
        [1e-5, 0.99999],
    ],
    prior=0.05,
)


def record(alert_id: str, country: str, **person: Any) -> PersonRecord:
    documents = person.pop("documents", [])
    phones = person.pop("phones", [])
    alert = {
        "alert_id": alert_id,
        "agency": f"{country.lower()}.police",
        "country": country,
        "persons": [{"record_id": "p1", **person}],
        "documents": [{"record_id": "d1", "holder_ref": "p1", **d} for d in documents],
        "phones": [{"record_id": "ph1", "holder_ref": "p1", **p} for p in phones],
    }
    return from_alert_person(alert, alert["persons"][0])


PASSPORT = {"number": "V-12.345.678", "issuing_state": "VEN"}
PANAMA = record(
    "pa1",
    "PA",
    given_names="María José",
    surnames="Pérez Gómez",
    date_of_birth="1988-04-12",
    documents=[PASSPORT],
    phones=[{"number": "+58 412 5551234"}],
)
COLOMBIA = record(
    "co1",
    "CO",
    full_name="PEREZ GOMEZ, Maria Jose",
    date_of_birth="1988-04-12",
    phones=[{"number": "0412-555 1234", "country_hint": "VE"}],
)
GUYANA = record(
    "gy1", "GY", full_name="Maria Perez", documents=[{"number": "V12345678", "issuing_state": "VE"}]
)
BROTHER = record(
    "pa2",
    "PA",
    full_name="Mario Pérez Gómez",
    date_of_birth="1991-07-30",
    phones=[{"number": "+58 414 5559876"}],
)
SAME_BIRTHDAY = record("tt1", "TT", full_name="Ana Lucía Torres", date_of_birth="1988-04-12")


# --- blocking ----------------------------------------------------------------------------


def test_blocking_keys_are_readable() -> None:
    assert blocking_keys(PANAMA) == {
        "document:VE:V12345678",
        "phone:+584125551234",
        "name:gomez jose maria perez",
        "surname:PRS:1988",
        "given:MR:1988",
        "dob:1988-04-12",
        "initials:gojomape:0412",
    }


def test_swapped_and_misspelt_names_share_a_key() -> None:
    dob = PartialDate(1915, 11, 11)
    original = PersonRecord(ref="a", given=("michaela",), surnames=("neumann",), dob=dob)
    swapped = PersonRecord(ref="b", given=("neumann",), surnames=("michaela",), dob=dob)
    misspelt = PersonRecord(ref="c", given=("michela",), surnames=("neuman",), dob=dob)
    assert blocking_keys(original) & blocking_keys(swapped) >= {
        "name:michaela neumann",
        "initials:mine:1111",
    }
    assert "surname:NMN:1915" in blocking_keys(original) & blocking_keys(misspelt)


def test_a_record_with_nothing_to_block_on_has_no_keys() -> None:
    assert blocking_keys(PersonRecord(ref="empty")) == set()


def test_hub_key_stops_producing_candidates_and_is_reported() -> None:
    # Given records with a placeholder birth date (1 January) and nothing else in common
    placeholder = PartialDate(1980, 1, 1)
    people = [
        PersonRecord(ref=f"r{i}", given=(given,), surnames=(surname,), dob=placeholder)
        for i, (given, surname) in enumerate(
            [("ana", "torres"), ("luis", "mendez"), ("rosa", "quispe"), ("omar", "baptiste")]
        )
    ]
    resolver = Resolver(MODEL, hub_size=2)
    # When they arrive one by one
    for person in people:
        resolver.add(person)
    # Then the date was a candidate source until a third record had it, then a hub
    assert resolver.pairs_scored == 1
    assert resolver.hubs == {"dob:1980-01-01": 4}
    # And other keys still find a duplicate that shares the hub key
    duplicate = PersonRecord(ref="r9", given=("rosa",), surnames=("quispe",), dob=placeholder)
    (link,) = resolver.add(duplicate)
    assert (link.left, link.decision) == ("r2", Decision.MATCH)
    assert "dob:1980-01-01" not in link.keys
    assert resolver.hubs == {"dob:1980-01-01": 5}


def test_blocking_index_returns_the_shared_keys() -> None:
    index = BlockingIndex()
    assert index.add(PANAMA) == {}
    candidates = index.add(COLOMBIA)
    assert set(candidates) == {PANAMA.ref}
    assert "phone:+584125551234" in candidates[PANAMA.ref]


# --- resolver ----------------------------------------------------------------------------


def test_resolver_links_duplicates_across_agencies_and_not_distinct_people() -> None:
    resolver = Resolver(MODEL)
    links = {r.ref: resolver.add(r) for r in (PANAMA, COLOMBIA, BROTHER, SAME_BIRTHDAY, GUYANA)}

    (colombia,) = links[COLOMBIA.ref]
    assert (colombia.left, colombia.right, colombia.decision) == (
        PANAMA.ref,
        COLOMBIA.ref,
        Decision.MATCH,
    )
    explained = {c.field: c.level for c in colombia.score.comparisons}
    assert explained == {
        "name": "exact",
        "date_of_birth": "exact",
        "documents": "null",
        "phones": "exact",
    }
    assert links[BROTHER.ref] == []  # compared (same surnames) but not linked
    assert links[SAME_BIRTHDAY.ref] == []  # compared (same birth date) but not linked
    (guyana,) = links[GUYANA.ref]
    assert (guyana.left, guyana.decision) == (PANAMA.ref, Decision.MATCH)
    assert guyana.keys == ("document:VE:V12345678",)
    assert resolver.pairs_scored >= 4


def test_entities_are_transitive_and_named_by_their_smallest_ref() -> None:
    resolver = Resolver(MODEL)
    for person in (PANAMA, COLOMBIA, BROTHER, GUYANA):
        resolver.add(person)
    # Guyana was linked to Panama only; Colombia to Panama: one entity all the same
    entity = resolver.entity_of(GUYANA.ref)
    assert resolver.entity_of(COLOMBIA.ref) == resolver.entity_of(PANAMA.ref) == entity
    assert entity == hashlib.sha256(b"co1/p1").hexdigest()[:32]
    assert resolver.entity_of(BROTHER.ref) != entity


def test_replaying_a_record_adds_nothing() -> None:
    resolver = Resolver(MODEL)
    resolver.add(PANAMA)
    assert len(resolver.add(COLOMBIA)) == 1
    scored = resolver.pairs_scored
    assert resolver.add(COLOMBIA) == []
    assert (resolver.pairs_scored, len(resolver)) == (scored, 2)


@pytest.mark.parametrize(
    "unions",
    [[("c", "b"), ("b", "a")], [("a", "b"), ("b", "c")], [("b", "c"), ("a", "c")]],
)
def test_clusters_union_transitively_whatever_the_order(unions: list[tuple[str, str]]) -> None:
    clusters = Clusters()
    for ref in "dcba":
        clusters.add(ref)
    for left, right in unions:
        clusters.union(left, right)
    expected = hashlib.sha256(b"a").hexdigest()[:32]
    assert [clusters.entity_id(ref) for ref in "abc"] == [expected] * 3
    assert clusters.entity_id("d") == hashlib.sha256(b"d").hexdigest()[:32]
