"""Given a person resolved across a Panamanian and a Colombian alert, when Colombia retracts
its alert, then nothing of it is left in search: not the alert, not its links, not its
records in the entity or the network. Another agency cannot retract it."""

from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch

from borderlink import topics
from borderlink.serde import codec
from producers import AlertPublisher
from tests.helpers import alert, consume_all, resolved_person, run_surname, wait_for

DAY = datetime(2026, 11, 4, tzinfo=UTC)


def _retraction(agency: str, country: str, target: str) -> dict[str, Any]:
    withdrawn = alert(agency, country, DAY, "RETRACTION")
    withdrawn["event"] = {"kind": "RETRACTION", "retracts_alert_id": target}
    return withdrawn


def test_a_retraction_leaves_no_trace_in_search(
    config, agencies, worker, sink, es: Elasticsearch, run_id
):
    pa, co = agencies["PA"], agencies["CO"]
    surname = run_surname(run_id)
    person = {"date_of_birth": "1991-07-02", "sex": "FEMALE"}
    phone = f"+507 6{int(run_id, 16) % 1000:03d}-7000"
    border = alert(
        pa,
        "PA",
        DAY,
        persons=[{"record_id": "p1", "given_names": "Ana Sofia", "surnames": surname, **person}],
        phones=[{"record_id": "t1", "holder_ref": "p1", "number": phone}],
    )
    bank = alert(
        co,
        "CO",
        DAY,
        "SUSPICIOUS_TRANSACTION",
        persons=[{"record_id": "p1", "full_name": f"{surname.upper()}, ANA SOFÍA", **person}],
        accounts=[{"record_id": "a1", "holder_ref": "p1", "account_number": f"99{run_id}"}],
    )
    for agency, item in ((pa, border), (co, bank)):
        with AlertPublisher(agency, config) as publisher:
            publisher.publish(item)
    prefix = config.elasticsearch.index_prefix
    wait_for(
        lambda: resolved_person(es, prefix, border["alert_id"], records=2, entities=3),
        timeout_s=120,
        what="the person resolved across both alerts",
    )

    # Panama may not withdraw Colombia's alert; Colombia may.
    foreign = _retraction(pa, "PA", bank["alert_id"])
    own = _retraction(co, "CO", bank["alert_id"])
    for agency, item in ((pa, foreign), (co, own)):
        with AlertPublisher(agency, config) as publisher:
            publisher.publish(item)

    def gone() -> bool:
        es.indices.refresh(index=f"{prefix}-*")
        found = es.options(ignore_status=404).get(index=f"{prefix}-alerts", id=bank["alert_id"])
        touching = {
            "bool": {
                "should": [
                    {"term": {"left.alert_id": bank["alert_id"]}},
                    {"term": {"right.alert_id": bank["alert_id"]}},
                ]
            }
        }
        links = es.count(index=f"{prefix}-links", query=touching)["count"]
        in_entities = es.count(
            index=f"{prefix}-entities",
            query={
                "bool": {
                    "filter": [
                        {"term": {"members.alert_id": bank["alert_id"]}},
                        {"term": {"status": "ACTIVE"}},
                    ]
                }
            },
        )["count"]
        return not found.body.get("found") and links == 0 and in_entities == 0

    wait_for(gone, timeout_s=120, what="the retracted alert gone from every index")
    remaining = wait_for(
        lambda: resolved_person(es, prefix, border["alert_id"], records=1, entities=2),
        timeout_s=60,
        what="the person back to Panama's record alone",
    )
    assert {m["country"] for m in remaining["members"]} == {"PA"}
    assert es.get(index=f"{prefix}-alerts", id=border["alert_id"])["found"]
    # The retraction itself names the withdrawn alert: it is not indexed either.
    assert not es.options(ignore_status=404).get(index=f"{prefix}-alerts", id=own["alert_id"])[
        "found"
    ]

    letters = codec(config.registry, "DeadLetter")
    refused = [
        letters.decode(m.value(), topics.dead_letter("validate"))
        for m in consume_all(
            config,
            topics.dead_letter("validate"),
            lambda ms: any(bank["alert_id"].encode() in (m.value() or b"") for m in ms),
            timeout_s=30,
        )
    ]
    assert any(f"{co}'s: only it may retract it" in d["reason"] for d in refused)
