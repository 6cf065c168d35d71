"""The policy stage's decisions over its tables (plain dicts here): who gets a copy, when
nothing is re-sent, when a copy is revoked, and that an overtaken update is never sent."""

from streams.policy import Policy, Source
from streams.policy.agreements import Agreement, ResultKind
from streams.policy.stage import Delivery, PolicyState, audit_records, newest, share_record

BULLETIN = Agreement.model_validate(
    {
        "id": "bulletin",
        "version": 1,
        "title": "t",
        "valid_from": "2026-01-01",
        "max_tlp": "AMBER",
        "need_to_know": False,
        "parties": {"co.policia": "POLICE", "tt.ctu": "POLICE", "pa.migracion": "IMMIGRATION"},
    }
)


def alert(alert_id: str, agency: str, tlp: str = "AMBER") -> dict:
    return {
        "alert_id": alert_id,
        "agency": agency,
        "country": agency[:2].upper(),
        "event": {"kind": "SIGHTING"},
        "marking": {"tlp": tlp, "releasable_to": [], "originator_control": False, "fields": []},
        "grading": {"source_reliability": "A", "information_credibility": "C1"},
        "persons": [{"record_id": "p1", "full_name": "Ana"}],
    }


def state_with(*alerts: dict) -> PolicyState:
    state = PolicyState(Policy([BULLETIN]), {}, {}, {}, {}, {})
    for a in alerts:
        state.sources[a["alert_id"]] = Source.of(a).to_json()
    return state


def entity(version: int, *members: tuple[str, str]) -> dict:
    refs = [
        {"alert_id": a, "record_id": "p1", "agency": g, "country": g[:2].upper()}
        for a, g in members
    ]
    return {
        "entity_id": "e1",
        "labels": ["ANA"],
        "members": refs,
        "countries": [],
        "agencies": [],
        "cross_border": False,
        "version": version,
    }


def result(state: PolicyState, record: dict) -> list[Delivery]:
    refs = state.refs(ResultKind.ENTITY, record)
    assert not isinstance(refs, str)
    return state.result(ResultKind.ENTITY, record, refs)


def test_a_network_waits_for_its_entities_and_a_hit_for_its_network():
    state = state_with(alert("a1", "co.policia"))
    network = {"network_id": "n1", "entities": [{"entity_id": "e1"}]}
    assert state.refs(ResultKind.NETWORK, network) == "entity:e1"
    assert state.refs(ResultKind.HIT, {"network_id": "n1"}) == "network:n1"
    state.members["e1"] = [{"alert_id": "a1", "agency": "co.policia"}]
    state.networks["n1"] = ["e1"]
    assert state.refs(ResultKind.HIT, {"network_id": "n1"}) == state.members["e1"]


def sent(state: PolicyState, deliveries: list[Delivery]) -> list[Delivery]:
    """Send what is news, as the agent does, and return it."""
    out = []
    for d in deliveries:
        news = state.news(d)
        if news:
            state.record(d, news[1])
            out.append(d)
    return out


def test_an_amber_alert_goes_to_every_party_and_its_own_agency_once():
    a = alert("a1", "co.policia")
    state = state_with(a)
    to = state.recipients([{"agency": "co.policia", "alert_id": "a1"}], ResultKind.ALERT)
    deliveries = [d for r in to if (d := state.alert(a, r, involved=False))]
    assert {d.recipient for d in deliveries} == {"co.policia", "tt.ctu", "pa.migracion"}
    assert len(sent(state, deliveries)) == 3
    assert sent(state, deliveries) == []  # a replay: nothing new for anyone


def test_a_red_alert_reaches_no_one_but_its_agency():
    a = alert("a1", "co.policia", "RED")
    state = state_with(a)
    to = state.recipients([{"agency": "co.policia", "alert_id": "a1"}], ResultKind.ALERT)
    assert [d.recipient for r in to if (d := state.alert(a, r, involved=False))] == ["co.policia"]


def test_an_entity_update_that_hides_a_member_is_sent_and_an_overtaken_one_is_not():
    state = state_with(alert("a1", "co.policia"), alert("a2", "pa.migracion"))
    first = sent(state, result(state, entity(1, ("a1", "co.policia"))))
    assert {d.recipient for d in first} == {"co.policia", "tt.ctu", "pa.migracion"}
    grown = entity(3, ("a1", "co.policia"), ("a2", "pa.migracion"))
    assert len(sent(state, result(state, grown))) == 3
    stale = entity(2, ("a1", "co.policia"))  # waited for a marking, overtaken meanwhile
    assert sent(state, result(state, stale)) == []


def test_a_subject_no_longer_releasable_is_revoked_from_those_who_hold_it():
    state = state_with(alert("a1", "co.policia"))
    sent(state, result(state, entity(1, ("a1", "co.policia"))))
    state.sources["a1"] = {"retracted": True}
    revoked = sent(state, result(state, entity(2, ("a1", "co.policia"))))
    assert {d.recipient for d in revoked} == {"co.policia", "tt.ctu", "pa.migracion"}
    assert all(d.cut is None for d in revoked)
    assert sent(state, state.revocations(ResultKind.ENTITY, "e1", "gone")) == []  # revoked once


def test_missing_markings_are_named_and_shares_are_audited_per_originating_agency():
    state = state_with(alert("a1", "co.policia"))
    refs = [
        {"alert_id": "a1", "agency": "co.policia"},
        {"alert_id": "a9", "agency": "pa.migracion"},
    ]
    assert state.missing(refs) == ["a9"]
    (to_tt,) = [
        d for d in result(state, entity(1, ("a1", "co.policia"))) if d.recipient == "tt.ctu"
    ]
    share = share_record(to_tt, 1, 0)
    assert (
        share["entity"]["members"][0]["alert_id"] == "a1"
        and share["sources"][0]["agreement"] == "bulletin@1"
    )
    (audit,) = audit_records(to_tt, share, "out.tt.ctu.shared", [])
    assert (audit["agency"], audit["recipient"], audit["agreement"]) == (
        "co.policia",
        "tt.ctu",
        "bulletin@1",
    )
    assert audit["subjects"] == ["ENTITY:e1", "a1"]
    (own,) = [
        d for d in result(state, entity(1, ("a1", "co.policia"))) if d.recipient == "co.policia"
    ]
    assert (
        audit_records(own, share_record(own, 1, 0), "out.co.policia.shared", []) == []
    )  # own data


def test_a_batch_keeps_each_states_newest_update_and_every_event_in_order():
    def m(topic: str, key: str, value: str) -> dict:
        return {"topic": topic, "key": key, "value": value}

    batch = [
        m("alerts.valid", "k", "alert-1"),
        m("corr.entities", "e1", "e1-v1"),
        m("hits.crossborder", "n1", "hit-1"),
        m("alerts.valid", "k", "alert-2"),  # the same key: a second alert all the same
        m("corr.entities", "e1", "e1-v2"),
        m("hits.crossborder", "n1", "hit-2"),
    ]
    assert [x["value"] for x in newest(batch)] == [
        "alert-1",
        "hit-1",
        "alert-2",
        "e1-v2",
        "hit-2",
    ]
