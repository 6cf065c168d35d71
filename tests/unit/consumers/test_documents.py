from typing import Any

from consumers.documents import alert_document


def _alert(*locations: dict[str, Any]) -> dict[str, Any]:
    return {"alert_id": "a1", "persons": [], "locations": list(locations)}


def _location(record_id: str, kind: str, lat: float | None, lon: float | None) -> dict[str, Any]:
    return {"record_id": record_id, "kind": kind, "name": None, "lat": lat, "lon": lon}


def test_each_location_with_both_coordinates_becomes_a_point() -> None:
    alert = _alert(
        _location("l1", "BORDER_POST", 8.53, -82.83),
        _location("l2", "CITY", 4.61, -74.08),
    )
    doc = alert_document(alert).source
    assert doc["geo"] == {"locations": [{"lat": 8.53, "lon": -82.83}, {"lat": 4.61, "lon": -74.08}]}
    assert doc["locations"] == alert["locations"]  # the reported locations stay as they are


def test_shelters_are_never_points() -> None:
    alert = _alert(_location("l1", "SHELTER", 9.93, -84.08), _location("l2", "PORT", 9.0, -79.5))
    doc = alert_document(alert).source
    assert doc["geo"]["locations"] == [{"lat": 9.0, "lon": -79.5}]
    assert doc["locations"][0]["kind"] == "SHELTER"  # withheld from the map, not deleted


def test_a_location_without_both_coordinates_is_skipped() -> None:
    alert = _alert(
        _location("l1", "CITY", 4.61, None),
        _location("l2", "CITY", None, -74.08),
        _location("l3", "ADDRESS", None, None),
        _location("l4", "WORKSITE", 0.0, 0.0),  # zero is a coordinate, not a missing one
    )
    assert alert_document(alert).source["geo"]["locations"] == [{"lat": 0.0, "lon": 0.0}]


def test_out_of_range_coordinates_are_skipped_not_wrapped() -> None:
    alert = _alert(
        _location("l1", "CITY", 95.0, 10.0),
        _location("l2", "CITY", 10.0, -180.5),
        _location("l3", "CITY", float("nan"), 10.0),
        _location("l4", "CITY", -90.0, 180.0),
    )
    assert alert_document(alert).source["geo"]["locations"] == [{"lat": -90.0, "lon": 180.0}]


def test_an_alert_without_locations_has_no_points() -> None:
    assert alert_document({"alert_id": "a1"}).source["geo"] == {"locations": []}
    assert alert_document(_alert()).source["geo"] == {"locations": []}
