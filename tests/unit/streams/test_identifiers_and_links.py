from datetime import UTC, datetime

from streams.identifiers import IdentifierSighting, identifier_sightings
from streams.links import hub, identifier_link, identifier_retraction, link_id

AT = datetime(2026, 11, 20, tzinfo=UTC)


def _alert(**subjects: list) -> dict:
    return {"alert_id": "a1", "agency": "co.policia", "country": "CO", **subjects}


def test_each_identifier_kind_normalises_to_a_meeting_key() -> None:
    alert = _alert(
        persons=[{"record_id": "p1", "given_names": "Rosa", "surnames": "Mejia"}],
        phones=[{"record_id": "t1", "holder_ref": "p1", "number": "300 123 4567"}],
        documents=[{"record_id": "d1", "number": "AB 123-456", "issuing_state": "COL"}],
        vessels=[{"record_id": "v1", "imo": "IMO 9074729", "mmsi": None}],
        vehicles=[{"record_id": "c1", "plate": "abc-123", "plate_country": "CO"}],
        online=[{"record_id": "o1", "kind": "EMAIL", "value": "Ro.Sa+ads@gmail.com"}],
    )
    keys = {s.kind: s.key for s in identifier_sightings(alert)}
    assert keys == {
        "phone": "phone:+573001234567",
        "document": "document:CO:AB123456",
        "imo": "imo:9074729",
        "plate": "plate:CO:ABC123",
        "email": "email:rosa@gmail.com",
    }
    (phone,) = [s for s in identifier_sightings(alert) if s.kind == "phone"]
    assert phone.holder is not None  # the holder's name counts distinct holders for hubs


def test_a_value_that_does_not_normalise_is_reported_not_dropped_silently() -> None:
    skipped: list = []
    found = identifier_sightings(_alert(phones=[{"record_id": "t1", "number": "12"}]), skipped)
    assert found == []
    assert len(skipped) == 1 and "12" in str(skipped[0])


def test_identifier_links_are_explained_cross_border_and_idempotent() -> None:
    pa = _alert(phones=[{"record_id": "t1", "number": "+507 6123 4567"}])
    co = {**_alert(phones=[{"record_id": "t9", "number": "+50761234567"}]), "alert_id": "b2"}
    pa = {**pa, "agency": "pa.policia", "country": "PA"}
    (first,), (later,) = identifier_sightings(pa), identifier_sightings(co)
    link = identifier_link(first, later, AT)
    assert link["cross_border"] and link["kind"] == "SHARED_IDENTIFIER"
    assert link["explanation"][0]["field"] == "phone"
    assert link["explanation"][0]["left"] == link["explanation"][0]["right"] == "+50761234567"
    assert link["link_id"] == identifier_link(later, first, AT)["link_id"]
    assert link["link_id"] == link_id("SHARED_IDENTIFIER", first.ref(), later.ref())


def test_a_hub_says_why_it_stopped_linking() -> None:
    record = hub("phone:+18006729477", "identifier", 9, 6, AT)
    assert record["holders"] == 9 and "9 different people hold" in record["reason"]
    assert "no longer links" in record["reason"]


def test_retracting_the_centre_of_a_star_links_the_rest_to_a_new_centre() -> None:
    at = datetime(2026, 11, 23, tzinfo=UTC)
    sightings = [
        IdentifierSighting("phone:+50761234567", "phone", f"a{i}", "t1", "pa.police", "PA")
        for i in range(3)
    ]
    entry = {
        "first": sightings[0].to_json(),
        "alerts": ["a0", "a1", "a2"],
        "holders": [],
        "hub": False,
        "sightings": [s.to_json() for s in sightings],
    }
    relinked = identifier_retraction(entry, "a0", at)
    assert entry["first"]["alert_id"] == "a1" and len(entry["sightings"]) == 2
    assert [(lk["left"]["alert_id"], lk["right"]["alert_id"]) for lk in relinked] == [("a1", "a2")]
    assert "a0" in entry["alerts"]  # a replay of the retracted alert stays ignored
    # Not the centre: it only leaves the list.
    assert identifier_retraction(entry, "a2", at) == []
    assert [s["alert_id"] for s in entry["sightings"]] == ["a1"]
