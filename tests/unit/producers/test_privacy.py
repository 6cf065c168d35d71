"""Survivor tokens at the source: equal where plaintext keys are equal, keyed, unreadable."""

import base64
import json
from typing import Any

import pytest

from producers.privacy import (
    BLOOM_BITS,
    MissingKeyError,
    NetworkKey,
    PersonTokens,
    PrivacySettings,
    Tokeniser,
    bloom_filter,
    decode_b64,
    identifiers_by_holder,
    minimise_alert,
)
from producers.scenario import generate
from producers.validation import problems
from streams.privacy_match import dice

SECRET = bytes(range(32))  # tests only; a network key comes from the environment
KEY = NetworkKey("2026-1", SECRET)


def _alert(agency: str, country: str, person: dict[str, Any], **subjects: Any) -> dict[str, Any]:
    return {
        "alert_id": f"alert-{agency}",
        "agency": agency,
        "country": country,
        "persons": [{"record_id": "p1", "role": "VICTIM", **person}],
        **subjects,
    }


def _tokens(full_name: str, key: NetworkKey = KEY, **person: Any) -> PersonTokens:
    alert = _alert("pa.police", "PA", {"full_name": full_name, **person})
    return Tokeniser(key).person(alert, alert["persons"][0])


def test_same_phone_and_passport_written_two_ways_by_two_agencies_give_equal_tokens() -> None:
    # Given Panama's police with the number in E.164 and a passport with the alpha-3 state
    panama = _alert(
        "pa.police",
        "PA",
        {"full_name": "Ana Ruiz"},
        phones=[{"record_id": "ph1", "holder_ref": "p1", "number": "+507 6123-4567"}],
        documents=[
            {"record_id": "d1", "holder_ref": "p1", "number": "AB 123-4567", "issuing_state": "PAN"}
        ],
    )
    # And Colombia's migration office with a local number, a hint, and alpha-2
    colombia = _alert(
        "co.migracion",
        "CO",
        {"full_name": "ANA RUIZ"},
        phones=[
            {"record_id": "ph9", "holder_ref": "p1", "number": "6123 4567", "country_hint": "PA"}
        ],
        documents=[
            {"record_id": "d9", "holder_ref": "p1", "number": "ab1234567", "issuing_state": "PA"}
        ],
    )

    # When each tokenises its survivor under the network key
    tokeniser = Tokeniser(KEY)
    a = tokeniser.person(panama, panama["persons"][0])
    b = tokeniser.person(colombia, colombia["persons"][0])

    # Then the keys are the stream's, and their tokens are equal
    assert identifiers_by_holder(panama)["p1"] == ("document:PA:AB1234567", "phone:+50761234567")
    assert len(a.identifiers) == 2
    assert a.identifiers == b.identifiers
    assert a.name == b.name


def test_another_key_or_epoch_gives_unlinkable_tokens() -> None:
    dob = {"date_of_birth": "1990-05-12"}
    same = _tokens("María José Pérez", **dob)
    other_key = _tokens("María José Pérez", NetworkKey("2026-1", bytes(32)), **dob)
    next_epoch = _tokens("María José Pérez", NetworkKey("2026-2", SECRET), **dob)

    assert same == _tokens("María José Pérez", **dob)  # deterministic under one key
    for other in (other_key, next_epoch):
        assert other.dob is not None and same.dob is not None
        assert other.dob.day != same.dob.day
        assert other.dob.year != same.dob.year
        # Not even the name filters resemble each other: positions depend on the key
        assert other.name is not None and same.name is not None
        assert dice(other.name, same.name) < 0.7
    assert next_epoch.epoch == "2026-2"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("María José Pérez", "MARIA JOSE PEREZ"),
        ("María José Pérez", "PÉREZ, María José"),  # another order, same words
        ("Сергей Иванов", "Sergei Ivanov"),  # Cyrillic, and another Latin spelling
        ("محمد حسن", "Mohammed Hassan"),  # Arabic writes no short vowels
        ("Наталья Кузнецова", "Natalia Kuznetsova"),
        ("María José Pérez", "Maria Jose Peres"),  # a typo
    ],
)
def test_name_filters_of_one_name_written_two_ways_have_a_high_dice(a: str, b: str) -> None:
    x, y = _tokens(a).name, _tokens(b).name
    assert x is not None and y is not None
    # Half-full filters of unrelated names share about half their bits by chance (< 0.6)
    assert dice(x, y) >= 0.7


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("María José Pérez", "Juan Carlos Rodríguez"),
        ("Сергей Иванов", "Mohammed Hassan"),
        ("Ana Ruiz", "Wang Xiu Ying"),
        ("محمد حسن", "Juan Carlos Rodríguez"),
    ],
)
def test_name_filters_of_different_people_have_a_low_dice(a: str, b: str) -> None:
    x, y = _tokens(a).name, _tokens(b).name
    assert x is not None and y is not None
    assert dice(x, y) < 0.6


def test_tokens_carry_no_plaintext() -> None:
    # Given a survivor with a name, a date of birth, a phone and a passport
    alert = _alert(
        "gy.ngo-shelter",
        "GY",
        {"given_names": "Rosa", "surnames": "Quintero", "date_of_birth": "1999-07-21"},
        phones=[{"record_id": "ph1", "holder_ref": "p1", "number": "+592 623 4567"}],
        documents=[
            {"record_id": "d1", "holder_ref": "p1", "number": "R7766554", "issuing_state": "VEN"}
        ],
    )
    tokens = Tokeniser(KEY).person(alert, alert["persons"][0])
    published = json.dumps(tokens.to_json())

    # Then neither the published text nor any decoded token holds a plaintext value
    decoded = [decode_b64(t) for t in tokens.identifiers]
    assert tokens.dob is not None and tokens.name is not None and tokens.surname is not None
    decoded += [decode_b64(t) for t in vars(tokens.dob).values() if t is not None]
    decoded += [decode_b64(tokens.name), decode_b64(tokens.surname)]
    for plain in ("quintero", "rosa", "1999", "07-21", "6234567", "r7766554", "qntr"):
        assert plain not in published.lower()
        for raw in decoded:
            assert plain.encode() not in raw.lower()
            assert plain.encode() not in base64.b64encode(raw).lower()
    # And it round-trips as JSON, the CLKs at full length
    assert PersonTokens.from_json(json.loads(published)) == tokens
    assert len(decode_b64(tokens.name)) * 8 == BLOOM_BITS


def test_the_network_key_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BORDERLINK_PRIVACY_KEY", raising=False)
    with pytest.raises(MissingKeyError, match="BORDERLINK_PRIVACY_KEY"):
        PrivacySettings().network_key()
    with pytest.raises(MissingKeyError, match="a NetworkKey is required"):
        Tokeniser(None)  # type: ignore[arg-type]
    with pytest.raises(MissingKeyError, match="at least 32"):
        NetworkKey.parse("hex:" + "ab" * 16, "1")  # 16 bytes: too short for HMAC-SHA256
    with pytest.raises(MissingKeyError, match="base64"):
        NetworkKey.parse(base64.b64encode(SECRET).decode(), "1")  # no "base64:" prefix
    with pytest.raises(MissingKeyError, match="not valid hex"):
        NetworkKey.parse("hex:zz", "1")
    with pytest.raises(MissingKeyError, match="epoch"):
        NetworkKey("", SECRET)


def test_the_key_comes_from_the_environment_in_either_encoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BORDERLINK_PRIVACY_KEY", "base64:" + base64.b64encode(SECRET).decode())
    monkeypatch.setenv("BORDERLINK_PRIVACY_KEY_EPOCH", "2026-1")
    from_env = PrivacySettings().network_key()
    assert from_env == KEY == NetworkKey.parse("hex:" + SECRET.hex(), "2026-1")
    assert SECRET.hex() not in repr(from_env)  # never logged by accident
    assert from_env.fingerprint() == KEY.fingerprint() != NetworkKey("x", SECRET).fingerprint()


def test_bloom_filter_is_a_keyed_set_of_positions() -> None:
    elements = {"b_m", "bma", "bar"}
    key = KEY.derive("clk-name")
    one = bloom_filter(elements, key, hashes=20)
    assert one == bloom_filter(sorted(elements, reverse=True), key, hashes=20)
    assert 20 < int.from_bytes(one, "big").bit_count() <= 60
    assert one != bloom_filter(elements, KEY.derive("clk-surname"), hashes=20)
    with pytest.raises(ValueError, match="power of two"):
        bloom_filter(elements, key, hashes=20, bits=1000)


def test_only_victims_are_tokenised_and_their_alert_is_minimised_yet_valid() -> None:
    # Given scenario alerts with victims who hold documents or phones
    alerts = [
        alert
        for alert in generate(seed=3, networks=3).alerts
        if any(p["role"] == "VICTIM" for p in alert["persons"])
        and any(i.get("holder_ref") for i in alert["documents"] + alert["phones"])
    ]
    assert alerts
    tokeniser = Tokeniser(KEY)
    for alert in alerts:
        victims = [p for p in alert["persons"] if p["role"] == "VICTIM"]
        # When the agency tokenises the alert and minimises it for publication
        protected = tokeniser.alert(alert)
        minimised = minimise_alert(alert)

        # Then only the victims have tokens, and the alert stays valid
        assert [r.ref.split("/")[1] for r in protected] == [v["record_id"] for v in victims]
        assert problems(minimised) == []
        assert minimised["involves_survivor"] is True and minimised["notes"] is None
        victim_ids = {v["record_id"] for v in victims}
        for person in minimised["persons"]:
            if person["record_id"] in victim_ids:
                assert person == {"record_id": person["record_id"], "role": "VICTIM"}
        for kind in ("phones", "documents", "accounts", "vehicles", "online"):
            assert not any(i.get("holder_ref") in victim_ids for i in minimised[kind])
        # And no victim's surname is left anywhere in it
        text = json.dumps(minimised, default=str).lower()
        for victim in victims:
            for word in (victim.get("surnames") or "").lower().split():
                if len(word) > 3:
                    assert word not in text or any(
                        word in (p.get("surnames") or "").lower()
                        for p in minimised["persons"]
                        if p["record_id"] not in victim_ids
                    )
