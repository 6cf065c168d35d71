"""Identifier lookup keys a value as the worker does, and its Elasticsearch candidates
include every raw spelling of that value."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consumers.search.identifiers import (
    IdentifierQuery,
    candidates_query,
    holders,
    holding,
    identifier_key,
    same_identifier,
)
from streams.identifiers import identifier_sightings

ALERT = {
    "alert_id": "a1",
    "agency": "co.policia",
    "country": "CO",
    "persons": [{"record_id": "p1", "given_names": "Rosa", "surnames": "Mejia"}],
    "phones": [{"record_id": "t1", "holder_ref": "p1", "number": "300 123 4567"}],
    "documents": [
        {"record_id": "d1", "holder_ref": "p1", "number": "AB 123-456", "issuing_state": "COL"}
    ],
    "accounts": [
        {
            "record_id": "a1",
            "holder_ref": "p1",
            "account_number": "0012-3456-78",
            "bic": "BCOLCOBMXXX",
        }
    ],
    "vessels": [{"record_id": "v1", "imo": "IMO 9074729", "mmsi": "351 234 000"}],
    "vehicles": [{"record_id": "c1", "plate": "abc-123", "plate_country": "CO"}],
    "online": [
        {"record_id": "o1", "kind": "EMAIL", "value": "Ro.Sa+ads@GoogleMail.com"},
        {
            "record_id": "o2",
            "kind": "HANDLE",
            "value": "https://www.facebook.com/Rosa.Mejia",
            "platform": "Facebook",
        },
        {"record_id": "o3", "kind": "AD_URL", "value": "www.example.com/ads/77?utm_source=x"},
    ],
}


def _matches(raw: str, key: str) -> bool:
    """The candidate regexp as Elasticsearch applies it (whole value, case-insensitive)."""
    should = candidates_query(key)["bool"]["should"]
    pattern = next(iter(should[0]["regexp"].values()))["value"]
    return re.fullmatch(pattern, raw, re.IGNORECASE) is not None


@pytest.mark.parametrize(
    ("query", "record_id"),
    [
        (IdentifierQuery("phone", "+57 300-123-4567"), "t1"),
        (IdentifierQuery("phone", "3001234567", "CO"), "t1"),
        (IdentifierQuery("document", "ab123456", "CO"), "d1"),
        (IdentifierQuery("document", "AB 123 456", "COL"), "d1"),
        (IdentifierQuery("account", "0012345678", "CO"), "a1"),  # without the bank's BIC
        (IdentifierQuery("imo", "9074729"), "v1"),
        (IdentifierQuery("mmsi", "351234000"), "v1"),
        (IdentifierQuery("plate", "ABC 123", "COL"), "c1"),
        (IdentifierQuery("email", "rosa@gmail.com"), "o1"),
        (IdentifierQuery("handle", "@rosa.mejia", platform="fb"), "o2"),
        (IdentifierQuery("url", "https://example.com/ads/77"), "o3"),
    ],
)
def test_a_lookup_finds_the_record_the_worker_keyed(query: IdentifierQuery, record_id: str) -> None:
    key = identifier_key(query)
    assert holding(ALERT, key) == [record_id]
    (sighting,) = [
        s
        for s in identifier_sightings(ALERT)
        if s.record_id == record_id and same_identifier(key, s.key)
    ]
    raw = {
        **{
            i["record_id"]: i
            for f in ("phones", "documents", "vehicles", "online")
            for i in ALERT[f]
        }
    }
    if record_id in raw:  # the raw spelling is a candidate of the key
        value = (
            raw[record_id].get("number") or raw[record_id].get("plate") or raw[record_id]["value"]
        )
        assert _matches(value, sighting.key)


def test_holders_are_the_persons_the_records_point_at() -> None:
    key = identifier_key(IdentifierQuery("phone", "+573001234567"))
    assert holders(ALERT, holding(ALERT, key)) == ["p1"]
    assert holders(ALERT, holding(ALERT, "imo:9074729")) == []  # a vessel has no holder


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (IdentifierQuery("phone", "300 123 4567"), "needs a country"),
        (IdentifierQuery("document", "AB123456"), "needs the issuing country"),
        (IdentifierQuery("account", "0012345678"), "needs the country"),
        (IdentifierQuery("imo", "9074720"), "check digit"),
        (IdentifierQuery("passport", "X"), "unknown identifier kind"),
    ],
)
def test_values_that_cannot_be_keyed_are_refused_with_the_reason(
    query: IdentifierQuery, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        identifier_key(query)


def test_an_account_looked_up_without_its_bank_matches_keys_with_one() -> None:
    assert same_identifier("account:CO:0012345678", "account:CO:BCOLCOBM:0012345678")
    assert not same_identifier("account:CO:0012345678", "account:PA:BCOLCOBM:0012345678")
    assert not same_identifier("account:CO:BCOLCOBM:1", "account:CO:OTHERBNK:1")
    assert not same_identifier("phone:+1", "account:CO:X:1")


# Separators agencies put in numbers, and the full-width digits of scanned forms.
SEPARATORS = st.sampled_from([" ", "-", ".", "", "  ", " / "])


@given(st.lists(SEPARATORS, min_size=9, max_size=9), st.booleans(), st.booleans())
def test_every_spelling_of_a_phone_number_is_a_candidate(
    separators: list[str], international: bool, wide: bool
) -> None:
    def spell(digits: str) -> str:
        raw = digits[0] + "".join(sep + d for sep, d in zip(separators, digits[1:], strict=True))
        raw = "+57 " + raw if international else raw
        return raw.translate(str.maketrans("0123456789", "０１２３４５６７８９")) if wide else raw

    assert _matches(spell("3001234567"), "phone:+573001234567")
    assert not _matches(spell("3001239567"), "phone:+573001234567")


def test_candidates_query_escapes_what_lucene_would_read_as_syntax() -> None:
    key = identifier_key(IdentifierQuery("email", "a.b+c@example.com"))
    pattern = candidates_query(key)["bool"]["should"][0]["regexp"]["online.value"]["value"]
    assert "\\@" in pattern and "\\." in pattern and "\\+" in pattern
    assert _matches("A.B+C@Example.COM", key)
