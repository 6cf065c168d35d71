"""Given audit events of searches, a lookup, a refused request, a share, a subscription
delivery and a disclosure on the real ``audit`` topic (the API's Avro codec), when the sink
indexes them and an auditor runs ``borderlink audit``, then each filter returns exactly the
planted events, newest first, the summary counts them, and replaying them (identical,
altered, or as a tombstone) neither duplicates nor changes what was indexed."""

import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from confluent_kafka import Consumer, Message, Producer, TopicPartition
from elasticsearch import Elasticsearch

from borderlink import topics
from borderlink.serde import codec
from borderlink.settings import Settings
from tests.helpers import consume_all, wait_for

MINUTE = timedelta(minutes=1)


class Plant:
    """This run's agencies, users, cases and subjects: values no other session uses."""

    def __init__(self, run_id: str) -> None:
        self.fiscalia = f"co.fiscalia-aud{run_id}"
        self.police = f"tt.police-aud{run_id}"
        self.court = f"tt.court-aud{run_id}"
        self.jdoe = f"jdoe-{run_id}"
        self.case = f"CASE-AUD-{run_id}"
        self.police_case = f"TT-AUD-{run_id}"
        self.agreement = f"oas-tip-{run_id}@3"
        self.subjects = [f"{uuid.uuid4()}/p1", f"{uuid.uuid4()}/p1"]
        # Whole milliseconds (Avro timestamp-millis), half an hour ago and after.
        self.base = datetime.now(UTC).replace(microsecond=0) - 30 * MINUTE
        self.events = {
            "old": self._event(self.base - timedelta(days=3)),
            "search": self._event(self.base + MINUTE),
            "lookup": self._event(
                self.base + 2 * MINUTE,
                action="LOOKUP",
                user=f"asmith-{run_id}",
                endpoint="GET /api/lookup",
                query="kind=phone&value=%2B50761234558",
                results=1,
            ),
            "refused": self._event(
                self.base + 3 * MINUTE,
                action="OTHER",
                user=None,
                case_ref=None,
                status=400,
                results=0,
            ),
            "share": self._event(
                self.base + 4 * MINUTE,
                action="SHARE",
                endpoint="SHARE",
                query="",
                results=2,
                recipient=self.police,
                subjects=self.subjects,
                agreement=self.agreement,
            ),
            "delivery": self._event(
                self.base + 5 * MINUTE,
                action="SUBSCRIPTION_DELIVERY",
                agency=self.police,
                user=f"analyst-{run_id}",
                case_ref=self.police_case,
                endpoint=f"DELIVER sub.analyst-{run_id}",
                query=f"subscription=s1&match=m1&record=ALERT:{self.subjects[0]}",
                results=1,
            ),
            "disclosure": self._event(
                self.base + 6 * MINUTE,
                action="DISCLOSURE",
                agency=self.police,
                user=f"analyst-{run_id}",
                case_ref=self.police_case,
                endpoint="DISCLOSE",
                query="",
                results=1,
                recipient=self.court,
                subjects=self.subjects[:1],
            ),
        }

    def _event(self, at: datetime, **fields: Any) -> dict[str, Any]:
        return {
            "audit_id": str(uuid.uuid4()),
            "action": "SEARCH",
            "agency": self.fiscalia,
            "user": self.jdoe,
            "case_ref": self.case,
            "endpoint": "GET /api/search",
            "query": "q=maria+perez",
            "status": 200,
            "results": 3,
            "recipient": None,
            "subjects": [],
            "agreement": None,
            "at": at,
            **fields,
        }

    def ids(self, *names: str) -> list[str]:
        return [self.events[name]["audit_id"] for name in names]


def _produce(config: Settings, records: list[tuple[bytes, dict[str, Any] | None]]) -> list[Message]:
    """``(key, event)`` pairs on ``audit``, encoded as the API encodes them (None: a
    tombstone); returns the delivered messages."""
    audit = codec(config.registry, "AuditEvent")
    producer = Producer({**config.kafka.librdkafka(), "enable.idempotence": True, "acks": "all"})
    delivered: list[Message] = []
    for key, event in records:
        value = None if event is None else audit.encode(event, topics.AUDIT)
        producer.produce(
            topics.AUDIT, key=key, value=value, on_delivery=lambda _, m: delivered.append(m)
        )
    assert producer.flush(30) == 0
    assert all(m.error() is None for m in delivered)
    return delivered


def _indexed(es: Elasticsearch, index: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The documents with these ids, with their version and sequence number."""
    es.indices.refresh(index=index)
    found = es.search(
        index=index,
        query={"ids": {"values": ids}},
        size=100,
        version=True,
        seq_no_primary_term=True,
    )
    return {hit["_id"]: hit for hit in found["hits"]["hits"]}


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "borderlink", "audit", *args],
        env={**env, "COLUMNS": "250"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _found(env: dict[str, str], *args: str) -> list[str]:
    """The audit ids ``audit search --json`` prints, in its order."""
    out = _cli(env, "search", "--json", "--limit", "100", *args)
    return [json.loads(line)["audit_id"] for line in out.splitlines()]


def test_audit_cli_on_the_real_stack(
    config: Settings,
    agencies: dict[str, str],
    sink: Any,
    es: Elasticsearch,
    client_env: dict[str, str],
    run_id: str,
) -> None:
    """``agencies``: the session's topics exist and its schemas are registered."""
    plant = Plant(run_id)
    index = f"{config.elasticsearch.index_prefix}-audit"
    _produce(config, [(e["agency"].encode(), e) for e in plant.events.values()])
    every = plant.ids(*plant.events)
    wait_for(
        lambda: len(_indexed(es, index, every)) == len(every),
        timeout_s=300,  # the session's sink reads every session's records before these
        what="the planted audit events indexed",
        interval_s=1,
    )
    env = client_env
    p, fiscalia_all = plant, plant.ids("share", "refused", "lookup", "search", "old")

    assert _found(env, "--agency", p.fiscalia) == fiscalia_all
    assert _found(env, "--agency", p.police) == plant.ids("disclosure", "delivery")
    assert _found(env, "--agency", p.fiscalia, "--limit", "2") == fiscalia_all[:2]
    assert _found(env, "--user", p.jdoe) == plant.ids("share", "search", "old")
    assert _found(env, "--case", p.case) == plant.ids("share", "lookup", "search", "old")
    assert _found(env, "--agency", p.fiscalia, "--action", "share", "--action", "LOOKUP") == (
        plant.ids("share", "lookup")
    )
    assert _found(env, "--recipient", p.police) == plant.ids("share")
    assert _found(env, "--recipient", p.court) == plant.ids("disclosure")
    assert _found(env, "--subject", p.subjects[0]) == plant.ids("disclosure", "share")
    assert _found(env, "--subject", p.subjects[1]) == plant.ids("share")
    assert _found(env, "--agreement", p.agreement) == plant.ids("share")
    assert _found(env, "--agency", p.fiscalia, "--refused") == plant.ids("refused")
    assert _found(env, "--agency", p.fiscalia, "--since", "2h") == fiscalia_all[:-1]
    window = [
        "--since",
        (p.base + 2 * MINUTE).isoformat(),
        "--until",
        (p.base + 4 * MINUTE).isoformat(),
    ]
    assert _found(env, "--agency", p.fiscalia, *window) == plant.ids("refused", "lookup")

    (share,) = [
        json.loads(line)
        for line in _cli(env, "search", "--json", "--agreement", p.agreement).splitlines()
    ]
    event = plant.events["share"]
    assert {k: share[k] for k in event if k != "at"} == {
        k: v for k, v in event.items() if k != "at"
    }
    assert datetime.fromisoformat(share["at"]) == event["at"]

    table = _cli(env, "search", "--case", p.case)
    assert "audit events: 4 of 4, newest first (UTC)" in table
    for shown in (p.fiscalia, p.jdoe, p.police, p.subjects[1], p.agreement, "SHARE", "LOOKUP"):
        assert shown in table

    counts = json.loads(_cli(env, "summary", "--agency", p.fiscalia, "--json"))
    assert counts["total"] == 5 and not counts["truncated"]
    assert sorted(
        (r["action"], r["agency"], r["events"], r["results"]) for r in counts["by_action"]
    ) == [
        ("LOOKUP", p.fiscalia, 1, 1),
        ("OTHER", p.fiscalia, 1, 0),
        ("SEARCH", p.fiscalia, 2, 6),
        ("SHARE", p.fiscalia, 1, 2),
    ]
    assert counts["by_recipient"] == [{"agency": p.fiscalia, "recipient": p.police, "events": 1}]
    assert counts["refused"] == [{"agency": p.fiscalia, "status": 400, "events": 1}]
    # "Who received or read what I shared?": everything passed on naming the subject.
    passed = json.loads(_cli(env, "summary", "--subject", p.subjects[0], "--json"))
    assert sorted((r["agency"], r["recipient"]) for r in passed["by_recipient"]) == [
        (p.fiscalia, p.police),
        (p.police, p.court),
    ]
    tables = _cli(env, "summary", "--case", p.case)
    assert "audit events: 4, by action and agency" in tables and p.police in tables

    _replays_change_nothing(config, sink, es, env, plant, index)


def _committed_past(config: Settings, group: str, messages: list[Message]) -> bool:
    probe = Consumer({**config.kafka.librdkafka(), "group.id": group})  # reads, never joins
    try:
        done = probe.committed(
            [TopicPartition(m.topic(), m.partition()) for m in messages], timeout=10
        )
    finally:
        probe.close()
    committed = {tp.partition: tp.offset for tp in done}
    return all(committed[m.partition()] > m.offset() for m in messages)


def _replays_change_nothing(
    config: Settings, sink: Any, es: Elasticsearch, env: dict[str, str], plant: Plant, index: str
) -> None:
    every = plant.ids(*plant.events)
    before, refused_before = _indexed(es, index, every), sink.stats.stale
    listed = _cli(env, "search", "--json", "--agency", plant.fiscalia)
    share = plant.events["share"]
    forged = {**share, "status": 500, "recipient": "xx.nobody", "subjects": []}
    replayed = _produce(
        config,
        [
            *((e["agency"].encode(), e) for e in plant.events.values()),  # the same again
            (share["agency"].encode(), forged),  # same audit_id, other content
            (share["audit_id"].encode(), None),  # a tombstone aimed at the share
        ],
    )
    wait_for(
        lambda: _committed_past(config, sink.scfg.group_id, replayed),
        timeout_s=120,
        what="the replay consumed and committed by the sink",
        interval_s=1,
    )
    assert sink.stats.stale - refused_before >= len(every) + 1  # each replay a 409
    after = _indexed(es, index, every)
    assert after.keys() == before.keys() == set(every)
    for audit_id, hit in after.items():  # not written again: same version, same sequence no.
        assert (hit["_version"], hit["_seq_no"]) == (1, before[audit_id]["_seq_no"])
        assert hit["_source"] == before[audit_id]["_source"]
    assert _cli(env, "search", "--json", "--agency", plant.fiscalia) == listed
    es.indices.refresh(index=index)
    for audit_id in every:  # one document per event, in every index behind the alias
        assert es.count(index=index, query={"term": {"audit_id": audit_id}})["count"] == 1

    # The replays were refused as duplicates, not dead-lettered; the tombstone was.
    ours = {plant.fiscalia.encode(), plant.police.encode(), share["audit_id"].encode()}
    letters = codec(config.registry, "DeadLetter")
    read = consume_all(
        config,
        topics.dead_letter("sink"),
        lambda messages: any(m.key() == share["audit_id"].encode() for m in messages),
        timeout_s=60,
    )
    ours_read = [letters.decode(m.value(), m.topic()) for m in read if m.key() in ours]
    assert [(x["key"], x["value"], x["source_topic"]) for x in ours_read] == [
        (share["audit_id"].encode(), None, topics.AUDIT)
    ]
    assert "append-only" in ours_read[0]["reason"]
