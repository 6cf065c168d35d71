"""The worker's survivor state over plain mappings: notices once, replays silent, state that
survives a restart or a move to another worker, and who may ask and who may decide."""

from typing import Any

import pytest
from fastavro import parse_schema
from fastavro.validation import validate

from producers.privacy import NetworkKey, ProtectedRecord, Tokeniser
from schemas import schema_dict
from streams.privacy_match import (
    HitNotice,
    Refused,
    SurvivorState,
    decide_disclosure,
    request_disclosure,
)
from streams.survivor_stage import survivor_audit

KEY = NetworkKey("2026-1", bytes(range(32)))
ANA = {"full_name": "Ana María Ruiz", "date_of_birth": "1990-01-02"}


def _record(agency: str, alert_id: str, **person: Any) -> ProtectedRecord:
    phones = person.pop("phones", [])
    alert = {
        "alert_id": alert_id,
        "agency": agency,
        "country": agency[:2].upper(),
        "persons": [{"record_id": "p1", "role": "VICTIM", **person}],
        "phones": [{"record_id": "t1", "holder_ref": "p1", "number": n} for n in phones],
    }
    return Tokeniser(KEY).alert(alert)[0]


def _tables() -> list[dict[str, Any]]:
    return [{}, {}, {}, {}, {}]  # records, hits, requests, retracted, meta


def _notified(state: SurvivorState, *records: ProtectedRecord) -> list[HitNotice]:
    found = state.match(records)
    state.save()
    return found


def test_a_cross_agency_hit_notifies_each_agency_once_and_replays_notify_nothing() -> None:
    tables = _tables()
    state = SurvivorState(*tables)
    pa = _record("pa.police", "a1", **ANA, phones=["+507 6123-4567"])
    co = _record("co.migracion", "a2", full_name="ANA MARIA RUIZ", date_of_birth="1990-01-02")

    assert _notified(state, pa) == []
    to_pa, to_co = sorted(_notified(state, co), key=lambda n: n.recipient_agency == "co.migracion")

    assert (to_pa.recipient_agency, to_pa.record_ref, to_pa.match_agency) == (
        "pa.police",
        pa.ref,
        "co.migracion",
    )
    assert (to_co.record_ref, to_co.match_agency) == (co.ref, "pa.police")
    records, hits, *_ = tables
    assert hits[to_pa.hit_id]["refs"] == {"pa.police": pa.ref, "co.migracion": co.ref}
    # The same alerts again, to this worker or to a fresh one over the same tables
    assert _notified(state, pa, co) == []
    assert _notified(SurvivorState(*tables), co, pa) == []
    assert list(records) == [pa.ref, co.ref]


def test_a_worker_that_gets_the_partition_back_catches_up_from_the_tables() -> None:
    tables = _tables()
    first, second = SurvivorState(*tables), SurvivorState(*tables)
    assert _notified(first, _record("gy.police", "a1", full_name="Carlos Pérez")) == []
    # The partition moved: the second worker stored a record the first never saw
    assert _notified(second, _record("pa.police", "a2", **ANA)) == []
    # Back on the first worker, a third record matches the one only the tables hold
    found = _notified(first, _record("co.migracion", "a3", **ANA))
    assert {n.recipient_agency for n in found} == {"pa.police", "co.migracion"}
    assert tables[4]["records"] == 3


def test_a_retracted_alert_makes_no_further_hits() -> None:
    state = SurvivorState(*_tables())
    _notified(state, _record("pa.police", "a1", **ANA))
    state.retract("a1")
    assert _notified(state, _record("co.migracion", "a2", **ANA)) == []


def test_a_hit_within_one_agency_raises_no_notice() -> None:
    state = SurvivorState(*_tables())
    _notified(state, _record("pa.police", "a1", **ANA))
    assert _notified(state, _record("pa.police", "a2", **ANA)) == []


def _hit() -> tuple[SurvivorState, HitNotice]:
    state = SurvivorState(*_tables())
    _notified(state, _record("pa.police", "a1", **ANA))
    notices = _notified(state, _record("co.migracion", "a2", **ANA))
    return state, next(n for n in notices if n.recipient_agency == "pa.police")


def test_only_an_agency_that_received_the_notice_may_request_and_only_from_the_holder() -> None:
    state, notice = _hit()
    request = request_disclosure(notice, "identify a minor", "PA-2026-7").to_json()

    assert state.check_request("pa.police", request) is True
    with pytest.raises(Refused, match=r"names pa\.police as requester"):
        state.check_request("co.migracion", request)  # on another agency's topic
    outsider = {**request, "requester": "gy.police", "holder": "pa.police"}
    with pytest.raises(Refused, match=r"gy\.police received no notice"):
        state.check_request("gy.police", outsider)
    with pytest.raises(Refused, match="received no notice of hit nope"):
        state.check_request("pa.police", {**request, "hit_id": "nope"})
    with pytest.raises(Refused, match=r"the matching record is co\.migracion's"):
        state.check_request("pa.police", {**request, "holder": "gy.police"})
    with pytest.raises(Refused, match="request_id"):
        state.check_request("pa.police", {**request, "request_id": "chosen"})

    state.record_request(request)
    assert state.check_request("pa.police", request) is False  # a replay
    with pytest.raises(Refused, match="already"):
        state.check_request("pa.police", {**request, "purpose": "something else"})


def test_only_the_holder_decides_once() -> None:
    state, notice = _hit()
    request = request_disclosure(notice, "identify a minor", "PA-2026-7")
    approval = decide_disclosure(request, "co.migracion", True, "consent", "desk 4").to_json()
    with pytest.raises(Refused, match="no disclosure request"):
        state.check_decision("co.migracion", approval)
    state.record_request(request.to_json())

    with pytest.raises(Refused, match=r"only co\.migracion decides"):
        state.check_decision("pa.police", {**approval, "holder": "pa.police"})
    with pytest.raises(Refused, match=r"names co\.migracion"):
        state.check_decision("pa.police", approval)  # the holder's name, the requester's topic
    with pytest.raises(Refused, match="contact point"):
        state.check_decision("co.migracion", {**approval, "contact": None})
    assert state.check_decision("co.migracion", approval) == request.to_json()

    state.record_decision(approval)
    assert state.check_decision("co.migracion", approval) is None  # a replay
    denial = {**approval, "status": "DENIED", "contact": None}
    with pytest.raises(Refused, match="decided already"):
        state.check_decision("co.migracion", denial)


def test_survivor_audit_records_are_audit_events_with_stable_ids() -> None:
    schema = parse_schema(schema_dict("AuditEvent"))
    record = {"hit_id": "h1", "request_id": "r1", "user": "jdoe"}
    audit = survivor_audit(
        "REQUEST",
        record,
        "pa.police",
        202,
        recipient="co.migracion",
        subjects=["a1/p1"],
        case_ref="PA-2026-7",
        detail={"purpose": "identify a minor"},
        where="out.co.migracion.notices",
    )
    assert validate(audit, schema, raise_errors=True)
    assert (audit["action"], audit["recipient"], audit["subjects"]) == (
        "DISCLOSURE",
        "co.migracion",
        ["a1/p1"],
    )
    assert audit["query"] == "hit_id=h1&request_id=r1&purpose=identify+a+minor"
    again = survivor_audit("REQUEST", record, "pa.police", 202, where="out.co.migracion.notices")
    assert again["audit_id"] == audit["audit_id"]  # a replay overwrites its audit document
    assert survivor_audit("REQUEST", record, "pa.police", 403)["audit_id"] != audit["audit_id"]
    notified = survivor_audit("NOTIFY", record, "co.migracion", 200, recipient="pa.police")
    assert (notified["action"], notified["results"]) == ("SHARE", 1)
