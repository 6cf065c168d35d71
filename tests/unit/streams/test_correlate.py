from datetime import UTC, datetime

from streams.correlate import Sighting, blocking_key, compare, link_id, sightings

AT = datetime(2026, 11, 20, tzinfo=UTC)


def _alert(alert_id: str, agency: str, country: str, **person: str) -> dict:
    return {
        "alert_id": alert_id,
        "agency": agency,
        "country": country,
        "persons": [{"record_id": "p1", **person}],
    }


def test_same_person_in_two_countries_links_with_explanation() -> None:
    ((key_a, a),) = sightings(
        _alert(
            "a1",
            "pa.migracion",
            "PA",
            given_names="María José",
            surnames="Pérez Gómez",
            date_of_birth="1988-04-12",
        )
    )
    ((key_b, b),) = sightings(
        _alert(
            "b1", "co.uiaf", "CO", full_name="PEREZ GOMEZ, Maria Jose", date_of_birth="1988-04-12"
        )
    )
    assert key_a == key_b  # accents, case and order do not change the block
    link = compare(a, b, AT)
    assert link is not None
    assert link["decision"] == "MATCH" and link["cross_border"]
    assert [e["field"] for e in link["explanation"]] == ["name", "date_of_birth"]
    assert link["score"] == sum(e["weight"] for e in link["explanation"])


def test_conflicting_dates_of_birth_block_a_link() -> None:
    a = Sighting("a1", "p1", "pa.migracion", "PA", "gomez jose maria perez", "1988-04-12")
    b = Sighting("b1", "p1", "co.uiaf", "CO", "gomez jose maria perez", "1979-01-02")
    assert compare(a, b, AT) is None


def test_different_names_do_not_link_and_a_record_never_links_to_itself() -> None:
    a = Sighting("a1", "p1", "pa.migracion", "PA", "gomez jose maria perez", None)
    b = Sighting("b1", "p1", "tt.police", "TT", "persaud ravi", None)
    assert compare(a, b, AT) is None
    assert compare(a, a, AT) is None


def test_link_id_is_deterministic_and_order_free() -> None:
    left = {"alert_id": "a1", "record_id": "p1"}
    right = {"alert_id": "b1", "record_id": "p2"}
    assert link_id("SAME_PERSON", left, right) == link_id("SAME_PERSON", right, left)
    assert link_id("SAME_PERSON", left, right) != link_id("SHARED_IDENTIFIER", left, right)


def test_blocking_survives_a_dropped_short_given_name_but_not_another_person() -> None:
    full = Sighting("a", "p", "x.y", "PA", "gomez jose maria perez", None)
    short = Sighting("b", "p", "x.y", "CO", "gomez maria perez", None)
    other = Sighting("c", "p", "x.y", "CO", "gomez luisa perez", None)
    assert blocking_key(full) == blocking_key(short) == "gomez maria"
    assert blocking_key(other) != blocking_key(full)


def test_unnamed_persons_make_no_sighting() -> None:
    assert sightings(_alert("a1", "pa.migracion", "PA")) == []
