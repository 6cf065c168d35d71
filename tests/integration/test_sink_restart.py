"""The Elasticsearch sink loses nothing and duplicates nothing across restarts (issue 7).

Records go straight onto the sink's input topics (alerts.valid, corr.links, corr.entities)
through the real codecs, without a worker. Each test's sink group starts at the topics'
current end (other sessions share them) and writes under an index prefix of its own, so
what it indexed reconciles exactly with what the test produced, marked by an agency id.
"""

import math
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, Message, Producer, TopicPartition
from confluent_kafka.admin import AdminClient
from elasticsearch import Elasticsearch

from borderlink import topics
from borderlink.serde import codec, now
from borderlink.settings import Settings
from consumers import ElasticsearchSink, SinkSettings
from consumers.indices import specs
from tests.helpers import alert, consume_all, wait_for

ALERTS, LINKS, ENTITIES = 2000, 1000, 5  # with 3 versions per entity: 3,015 records
# Where each test finds its own documents: the agency its records carry.
MARKED_BY = {"alerts": "agency", "links": "left.agency", "entities": "agencies"}
TOPIC_OF = {"alerts": topics.VALID_ALERTS, "links": topics.LINKS, "entities": topics.ENTITIES}
RECORD_OF = {"alerts": "Alert", "links": "Link", "entities": "Entity"}


@dataclass(frozen=True)
class Scope:
    """One test's sink group, index prefix and agency marker."""

    config: Settings  # the test stack, with this test's index prefix
    group: str
    agency: str

    @property
    def prefix(self) -> str:
        return self.config.elasticsearch.index_prefix

    def index(self, kind: str) -> str:
        return f"{self.prefix}-{kind}"


@pytest.fixture
def scope(config: Settings, agencies: dict[str, str], es: Elasticsearch) -> Iterator[Scope]:
    """``agencies``: the session's topics exist and its schemas are registered."""
    tag = uuid.uuid4().hex[:6]
    prefix = f"{config.elasticsearch.index_prefix}-sink{tag}"
    es_config = config.elasticsearch.model_copy(update={"index_prefix": prefix})
    scope = Scope(
        config.model_copy(update={"elasticsearch": es_config}), f"sink-{tag}", f"pa.{tag}"
    )
    yield scope
    # By name: Elasticsearch refuses to delete indices by wildcard.
    if made := list(es.indices.get(index=f"{prefix}-*")):
        es.indices.delete(index=",".join(made))
    templates = ",".join(spec.name for spec in specs(prefix).values())
    es.options(ignore_status=404).indices.delete_index_template(name=templates)
    admin = AdminClient(config.kafka.librdkafka())
    admin.delete_consumer_groups([scope.group])[scope.group].result()


@contextmanager
def _probe(scope: Scope) -> Iterator[Consumer]:
    """A consumer of the sink's group that never joins it: it reads and sets its offsets."""
    probe = Consumer({**scope.config.kafka.librdkafka(), "group.id": scope.group})
    try:
        yield probe
    finally:
        probe.close()


def _start_at_end(scope: Scope) -> dict[int, int]:
    """Commit the group at the sink topics' current end; returns alerts.valid's offsets."""
    with _probe(scope) as probe:
        ends = [
            TopicPartition(topic, p, probe.get_watermark_offsets(TopicPartition(topic, p), 10)[1])
            for topic in ElasticsearchSink(scope.config).routes
            for p in probe.list_topics(topic, timeout=10).topics[topic].partitions
        ]
        probe.commit(offsets=ends, asynchronous=False)
    return {tp.partition: tp.offset for tp in ends if tp.topic == topics.VALID_ALERTS}


def _committed(probe: Consumer, topic: str, partitions: list[int]) -> dict[int, int]:
    done = probe.committed([TopicPartition(topic, p) for p in partitions], timeout=10)
    return {tp.partition: tp.offset for tp in done}


def _ref(agency: str, record_id: str = "p1") -> dict[str, Any]:
    return {
        "alert_id": str(uuid.uuid4()),
        "record_id": record_id,
        "agency": agency,
        "country": "PA",
    }


def _alert(agency: str, i: int) -> dict[str, Any]:
    person = {"record_id": "p1", "full_name": f"Persona Prueba {i}"}
    return alert(agency, "PA", datetime(2026, 11, 20, tzinfo=UTC), persons=[person])


def _link(agency: str, i: int, score: float = 7.5) -> dict[str, Any]:
    return {
        "link_id": f"{agency}-link-{i}",
        "kind": "SAME_PERSON",
        "decision": "MATCH",
        "score": score,
        "left": _ref(agency),
        "right": _ref(agency, "p2"),
        "cross_border": False,
        "explanation": [],
        "created_at": now(),
    }


def _entity(agency: str, i: int, version: int) -> dict[str, Any]:
    return {
        "entity_id": f"{agency}-entity-{i}",
        "kind": "PERSON",
        "status": "ACTIVE",
        "labels": [f"Persona Prueba {i} v{version}"],
        "members": [_ref(agency)],
        "countries": ["PA"],
        "agencies": [agency],
        "cross_border": False,
        "version": version,
        "updated_at": now(),
    }


def _key(kind: str, record: dict[str, Any]) -> str:
    return str(record[{"alerts": "alert_id", "links": "link_id", "entities": "entity_id"}[kind]])


def _produce(
    scope: Scope, records: list[tuple[str, dict[str, Any] | bytes]], partition: int | None = None
) -> list[Message]:
    """Encode ``(kind, record)`` pairs with the real codecs (bytes go as they are) and send
    them in order; returns the delivered messages (their partitions and offsets)."""
    codecs = {kind: codec(scope.config.registry, record) for kind, record in RECORD_OF.items()}
    producer = Producer(
        {**scope.config.kafka.librdkafka(), "enable.idempotence": True, "acks": "all"}
    )
    delivered: list[Message] = []
    for kind, record in records:
        topic = TOPIC_OF[kind]
        if isinstance(record, bytes):
            key, value = f"poison-{scope.agency}", record
        else:
            key, value = _key(kind, record), codecs[kind].encode(record, topic)
        extra = {} if partition is None else {"partition": partition}
        producer.produce(
            topic, key=key, value=value, on_delivery=lambda _, m: delivered.append(m), **extra
        )
        producer.poll(0)
    assert producer.flush(30) == 0
    assert all(m.error() is None for m in delivered)
    return delivered


def _workload(scope: Scope) -> tuple[list[tuple[str, Any]], dict[str, set[str]]]:
    """Alerts, links and three versions of each entity, in the order they are produced, and
    the ids each index must end up holding."""
    alerts = [_alert(scope.agency, i) for i in range(ALERTS)]
    links = [_link(scope.agency, i) for i in range(LINKS)]
    entities = [_entity(scope.agency, i, v) for v in (1, 2, 3) for i in range(ENTITIES)]
    records = [
        *(("alerts", a) for a in alerts),
        *(("links", x) for x in links),
        *(("entities", e) for e in entities),
    ]
    expected = {
        "alerts": {a["alert_id"] for a in alerts},
        "links": {x["link_id"] for x in links},
        "entities": {e["entity_id"] for e in entities},
    }
    return records, expected


def _hits(es: Elasticsearch, scope: Scope, kind: str) -> list[dict[str, Any]]:
    """This test's documents of one index, with their Elasticsearch versions."""
    es.indices.refresh(index=scope.index(kind))
    query = {"term": {MARKED_BY[kind]: scope.agency}}
    found = es.search(index=scope.index(kind), query=query, size=10_000, source=False, version=True)
    return found["hits"]["hits"]


def _count(es: Elasticsearch, scope: Scope, kind: str) -> int:
    if not es.indices.exists_alias(name=scope.index(kind)):
        return 0  # the sink has not created its indices yet
    es.indices.refresh(index=scope.index(kind))
    query = {"term": {MARKED_BY[kind]: scope.agency}}
    return es.count(index=scope.index(kind), query=query)["count"]


def _assert_reconciled(es: Elasticsearch, scope: Scope, expected: dict[str, set[str]]) -> None:
    """Wait until every index holds as many documents as expected, then compare the ids:
    each produced id once, nothing else."""
    wait_for(
        lambda: all(_count(es, scope, kind) >= len(ids) for kind, ids in expected.items()),
        timeout_s=100,  # a killed consumer holds its partitions until its session times out
        what="every record indexed",
        interval_s=1,
    )
    for kind, ids in expected.items():
        found = [hit["_id"] for hit in _hits(es, scope, kind)]
        assert len(found) == len(set(found)) == len(ids), kind
        assert set(found) == ids, kind


def _assert_newest_entities_kept(es: Elasticsearch, scope: Scope) -> None:
    for i in range(ENTITIES):
        doc = es.get(index=scope.index("entities"), id=f"{scope.agency}-entity-{i}")
        assert doc["_version"] == doc["_source"]["version"] == 3
        assert doc["_source"]["labels"] == [f"Persona Prueba {i} v3"]


def _replay_an_older_version(scope: Scope) -> None:
    """Produce entity 0's version 1 after its version 3, and wait until the sink committed it."""
    (msg,) = _produce(scope, [("entities", _entity(scope.agency, 0, 1))])
    with _probe(scope) as probe:
        wait_for(
            lambda: (
                _committed(probe, msg.topic(), [msg.partition()])[msg.partition()] > msg.offset()
            ),
            timeout_s=60,
            what="the replayed version consumed",
        )


def _dead_letters(scope: Scope, alert_ids: set[str] | None = None) -> dict[str, dict[str, Any]]:
    """dlq.sink's letters for this test's records, by key (read to the end, for 3 s): keys
    that name its agency, or its alerts' ids."""
    letters = codec(scope.config.registry, "DeadLetter")
    read = consume_all(scope.config, topics.dead_letter("sink"), lambda _: False, timeout_s=3)
    decoded = (letters.decode(m.value(), m.topic()) for m in read)
    return {
        key: letter
        for letter in decoded
        if scope.agency in (key := (letter["key"] or b"").decode()) or key in (alert_ids or ())
    }


@contextmanager
def _running(sink: ElasticsearchSink) -> Iterator[threading.Thread]:
    """The sink in a thread of this process; stopped by its flag (it finishes its batch)."""
    stop = threading.Event()
    thread = threading.Thread(target=sink.run, kwargs={"should_stop": stop.is_set}, daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(60)
    assert not thread.is_alive(), "the sink did not stop"


def test_a_stopped_sink_resumes_where_it_committed(scope: Scope, es: Elasticsearch) -> None:
    sink_config = SinkSettings(group_id=scope.group, batch_size=500, chunk_size=250)
    _start_at_end(scope)
    records, expected = _workload(scope)
    # A record that is not Avro at all, halfway through the alerts of one partition.
    poison = b"\x07 not avro at all"
    records.insert(ALERTS // 2, ("alerts", poison))
    _produce(scope, records)

    with _running(ElasticsearchSink(scope.config, sink_config)) as thread:
        wait_for(
            lambda: _count(es, scope, "alerts") > 0 or not thread.is_alive(),
            timeout_s=60,
            what="the first alerts indexed",
            interval_s=0.1,
        )
    stopped_at = _count(es, scope, "alerts")
    assert 0 < stopped_at < ALERTS, "the first sink was not stopped mid-way"

    second = ElasticsearchSink(scope.config, sink_config)
    with _running(second):
        _assert_reconciled(es, scope, expected)
        _replay_an_older_version(scope)
    _assert_newest_entities_kept(es, scope)
    assert second.stats.stale >= 1  # refused by Elasticsearch (409), counted, not a failure

    letters = _dead_letters(scope, expected["alerts"])
    assert list(letters) == [f"poison-{scope.agency}"]  # the replayed version is not one
    (letter,) = letters.values()
    assert letter["value"] == poison and letter["source_topic"] == topics.VALID_ALERTS
    assert letter["stage"] == "sink" and "magic byte" in letter["reason"]


def _sink_process(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "borderlink", "sink"], env=env, stdout=log, stderr=log
        )


def test_a_sink_killed_mid_batch_replays_into_the_same_documents(
    scope: Scope, es: Elasticsearch, client_env: dict[str, str], tmp_path: Path
) -> None:
    env = {
        **client_env,
        "BORDERLINK_ELASTICSEARCH__INDEX_PREFIX": scope.prefix,
        "BORDERLINK_SINK_GROUP_ID": scope.group,
        "BORDERLINK_SINK_BATCH_SIZE": "500",  # ten bulk requests per batch: time to land
        "BORDERLINK_SINK_CHUNK_SIZE": "50",  # a SIGKILL between two of them
    }
    starts = _start_at_end(scope)
    records, expected = _workload(scope)
    _produce(scope, records)

    def committed_alerts(probe: Consumer) -> int:
        """An upper bound of this test's committed alerts (others may share the topic)."""
        done = _committed(probe, topics.VALID_ALERTS, list(starts))
        return sum(done[p] - start for p, start in starts.items())

    def indexed_beyond_commit(probe: Consumer) -> bool:
        indexed = _count(es, scope, "alerts")  # first: the commit can only grow meanwhile
        committed = committed_alerts(probe)
        return 0 < committed < indexed

    first = _sink_process(env, tmp_path / "sink.log")
    with _probe(scope) as probe:
        try:
            wait_for(
                lambda: first.poll() is not None or indexed_beyond_commit(probe),
                timeout_s=60,
                what="a batch indexed but not yet committed",
                interval_s=0.02,
            )
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(30)
        assert first.returncode == -signal.SIGKILL, (tmp_path / "sink.log").read_text()[-3000:]
        # Killed mid-batch: Elasticsearch holds alerts whose offsets were never committed.
        assert _count(es, scope, "alerts") > committed_alerts(probe)

    second = _sink_process(env, tmp_path / "sink.log")
    try:
        _assert_reconciled(es, scope, expected)
        _replay_an_older_version(scope)
    finally:
        second.terminate()
        second.wait(30)
    assert second.returncode == 0, (tmp_path / "sink.log").read_text()[-3000:]
    # The replayed batch overwrote its documents in place (same ids, a higher _version).
    assert any(hit["_version"] > 1 for hit in _hits(es, scope, "alerts"))
    _assert_newest_entities_kept(es, scope)
    assert _dead_letters(scope, expected["alerts"]) == {}


def test_a_retried_document_does_not_shift_which_record_is_dead_lettered(
    scope: Scope, es: Elasticsearch, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Elasticsearch turns one document away as busy (429) and rejects another for good (NaN
    is valid Avro but not JSON): the letter carries the rejected record, nothing else."""
    _start_at_end(scope)
    busy, bad = _link(scope.agency, 0), _link(scope.agency, 3, score=math.nan)
    fine = [_link(scope.agency, i) for i in (1, 2, 4)]
    real_bulk = Elasticsearch.bulk
    marker = f'"_id":"{busy["link_id"]}"'.encode()
    turned_away = threading.Event()

    def busy_once(self: Elasticsearch, *args: Any, operations: list[bytes], **kw: Any) -> Any:
        at = next((i for i, line in enumerate(operations) if marker in line), None)
        if at is None or turned_away.is_set():
            return real_bulk(self, *args, operations=operations, **kw)
        turned_away.set()  # the node never sees it this time, and answers 429 in its place
        response = real_bulk(self, *args, operations=operations[:at] + operations[at + 2 :], **kw)
        rejection = {"type": "es_rejected_execution_exception", "reason": "write queue full"}
        item = {"_index": scope.index("links"), "_id": busy["link_id"], "status": 429}
        response.body["items"].insert(at // 2, {"index": {**item, "error": rejection}})
        response.body["errors"] = True
        return response

    monkeypatch.setattr(Elasticsearch, "bulk", busy_once)
    # One partition, in this order: the busy document comes before the rejected one.
    (*_, rejected) = _produce(
        scope, [("links", x) for x in (busy, fine[0], fine[1], bad)], partition=0
    )
    _produce(scope, [("links", fine[2])], partition=0)

    with _running(ElasticsearchSink(scope.config, SinkSettings(group_id=scope.group))):
        _assert_reconciled(es, scope, {"links": {x["link_id"] for x in (busy, *fine)}})
    assert turned_away.is_set()
    letters = _dead_letters(scope)
    assert list(letters) == [bad["link_id"]]
    assert letters[bad["link_id"]]["value"] == rejected.value()
    assert "document_parsing_exception" in letters[bad["link_id"]]["reason"]
