import copy
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from producers import AlertInvalid, check, from_json, problems

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def alert(**overrides: Any) -> dict[str, Any]:
    base = {
        "alert_id": str(uuid.uuid4()),
        "agency": "gy.police",
        "country": "GY",
        "observed_at": NOW - timedelta(hours=2),
        "reported_at": NOW,
        "event": {"kind": "ARREST"},
        "marking": {},
        "grading": {},
        "persons": [{"record_id": "p1", "full_name": "Ravi Persaud"}],
        "phones": [{"record_id": "t1", "holder_ref": "p1", "number": "600 1234"}],
    }
    return {**base, **overrides}


def test_a_well_formed_alert_has_no_problems() -> None:
    assert problems(alert()) == []
    assert check(alert())["agency"] == "gy.police"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"alert_id": "42"}, "not a UUID"),
        ({"agency": "police"}, "is not '<iso-country>.<code>'"),
        ({"agency": "co.policia"}, "does not belong to country 'GY'"),
        ({"observed_at": NOW + timedelta(hours=1)}, "observed_at is after reported_at"),
        (
            {
                "reported_at": datetime.now(UTC) + timedelta(days=1),
                "observed_at": datetime.now(UTC),
            },
            "in the future",
        ),
        ({"persons": [], "phones": []}, "at least one subject"),
        ({"event": {"kind": "RETRACTION"}, "persons": [], "phones": []}, "retracts_alert_id"),
    ],
)
def test_domain_rules_name_the_problem(overrides: dict[str, Any], expected: str) -> None:
    found = problems(alert(**overrides))
    assert any(expected in p for p in found), found


def test_references_must_name_a_record_and_ids_be_unique() -> None:
    bad = alert(phones=[{"record_id": "p1", "holder_ref": "p9", "number": "600 1234"}])
    found = problems(bad)
    assert any("record_id used twice: p1" in p for p in found)
    assert any("holder_ref 'p9' names no record" in p for p in found)


def test_schema_violations_come_before_domain_rules() -> None:
    bad = alert()
    del bad["country"]
    with pytest.raises(AlertInvalid) as caught:
        check(bad)
    assert caught.value.problems[0].startswith("schema:")


def test_from_json_turns_iso_strings_into_aware_datetimes_and_dates() -> None:
    data = {
        "observed_at": "2026-11-20T10:00:00Z",
        "reported_at": "2026-11-20T12:00:00-05:00",
        "documents": [{"expiry": "2030-01-31"}],
        "transactions": [{"occurred_at": "2026-11-19T08:30:00+00:00"}],
    }
    converted = from_json(copy.deepcopy(data))
    assert converted["observed_at"] == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert converted["reported_at"] == datetime(2026, 11, 20, 17, tzinfo=UTC)
    assert str(converted["documents"][0]["expiry"]) == "2030-01-31"
    assert converted["transactions"][0]["occurred_at"].hour == 8


def test_from_json_refuses_times_without_offset() -> None:
    with pytest.raises(AlertInvalid, match="no UTC offset"):
        from_json({"observed_at": "2026-11-20T10:00:00"})
