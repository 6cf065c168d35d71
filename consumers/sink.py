"""The Elasticsearch sink: Kafka → documents → bulk index → commit.

At-least-once with idempotent writes: documents carry deterministic ids (alert id, link id),
offsets are committed only after Elasticsearch acknowledged the batch, and a document
Elasticsearch rejects goes to ``dlq.sink`` with the reason before its offset is committed.
"""

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from confluent_kafka import OFFSET_END, Consumer, Message, Producer, TopicPartition
from elastic_transport import ConnectionError as TransportConnectionError
from elasticsearch import ApiError, Elasticsearch, helpers
from pydantic_settings import BaseSettings, SettingsConfigDict

from borderlink import logs, topics
from borderlink.deadletters import for_message
from borderlink.serde import codec
from borderlink.settings import Settings, settings

from . import indices
from .documents import (
    Document,
    alert_document,
    audit_document,
    entity_document,
    hit_document,
    hub_document,
    link_document,
    network_document,
    share_document,
)

log = logs.get("consumers.sink")


# topic -> (its record, how it becomes a document, the index alias)
ROUTES: dict[str, tuple[str, Callable[[dict[str, Any]], Document], str]] = {
    topics.VALID_ALERTS: ("Alert", alert_document, "alerts"),
    topics.LINKS: ("Link", link_document, "links"),
    topics.HUBS: ("Hub", hub_document, "hubs"),
    topics.ENTITIES: ("Entity", entity_document, "entities"),
    topics.NETWORKS: ("Network", network_document, "networks"),
    topics.HITS: ("CrossBorderHit", hit_document, "hits"),
    topics.AUDIT: ("AuditEvent", audit_document, "audit"),
}
# out.<agency>.shared: what the policy stage released to each agency, one index for all,
# read by each agency through its own filtered alias (indices.view).
SHARED = re.compile(r"^out\.[a-z]{2}\.[a-z0-9-]+\.shared$")
SHARED_ROUTE = ("Share", share_document, "shared-alerts")  # each share names its own index
# Written with op_type=create, never overwritten or erased: a replayed audit record (same
# audit_id) is refused by Elasticsearch (409) and the first write stands; a tombstone is a
# dead letter, not a delete.
APPEND_ONLY = frozenset({topics.AUDIT})


class SinkSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BORDERLINK_SINK_", extra="ignore")

    group_id: str = "borderlink-sink"
    batch_size: int = 2000  # records per poll; Elasticsearch bulk requests are chunked below
    chunk_size: int = 1000
    # consume() returns early once a batch is full, so a short wait costs nothing under load
    poll_timeout_s: float = 0.2
    shards: int = 1
    replicas: int = 0
    # A new group (no committed offsets) starts at this time (epoch ms) instead of the
    # beginning: to index a window of the topics' history (the tests index their session).
    start_at_ms: int | None = None


@dataclass
class SinkStats:
    indexed: int = 0
    # older versions than the indexed ones, or audit records indexed already (a replay):
    # nothing to write
    stale: int = 0
    dead_lettered: int = 0
    batches: int = 0


def elasticsearch_client(config: Settings) -> Elasticsearch:
    es = config.elasticsearch
    return Elasticsearch(
        es.url,
        api_key=es.api_key.get_secret_value() if es.api_key else None,
        request_timeout=30,
        retry_on_timeout=True,
        max_retries=3,
    )


class ElasticsearchSink:
    def __init__(
        self, config: Settings | None = None, sink_config: SinkSettings | None = None
    ) -> None:
        self.cfg = config or settings()
        self.scfg = sink_config or SinkSettings()
        self.es = elasticsearch_client(self.cfg)
        self.indices = indices.specs(self.cfg.elasticsearch.index_prefix)
        self.routes = {
            topic: (codec(self.cfg.registry, record), to_document, self.indices[index].name)
            for topic, (record, to_document, index) in ROUTES.items()
        }
        record, to_document, index = SHARED_ROUTE
        self.shared_route = (
            codec(self.cfg.registry, record),
            to_document,
            self.indices[index].name,
        )
        self.views: set[str] = set()  # agencies whose view alias exists
        self.dead_letters = codec(self.cfg.registry, "DeadLetter")
        self.dlq_topic = topics.dead_letter("sink")
        self.stats = SinkStats()

    def _dead_letter(self, producer: Producer, msg: Message, error: Exception | str) -> None:
        letter = for_message("sink", error, msg)
        producer.produce(
            self.dlq_topic, key=msg.key(), value=self.dead_letters.encode(letter, self.dlq_topic)
        )
        self.stats.dead_lettered += 1
        log.warning(
            "dead letter",
            stage="sink",
            topic=msg.topic(),
            offset=msg.offset(),
            reason=str(error)[:500],
        )

    def _actions(
        self, messages: list[Message], producer: Producer
    ) -> tuple[list[dict[str, Any]], list[Message]]:
        actions, sources = [], []
        for msg in messages:
            if msg.error():
                log.error("kafka error", error=msg.error().str())
                continue
            record_codec, to_document, index = self.routes.get(msg.topic(), self.shared_route)
            append_only = msg.topic() in APPEND_ONLY
            if append_only and msg.value() is None:
                self._dead_letter(producer, msg, "append-only: a tombstone cannot erase a record")
                continue
            try:
                if msg.value() is None and msg.key():  # a tombstone: the record was erased
                    doc = Document(msg.key().decode(), {}, delete=True)
                else:
                    doc = to_document(record_codec.decode(msg.value(), msg.topic()))
            except Exception as err:  # undecodable record: DLQ with its bytes, never dropped
                self._dead_letter(producer, msg, err)
                continue
            if SHARED.match(msg.topic()):
                self._views([doc.id.split(":")[0]])
            if doc.index is not None:
                index = self.indices[doc.index].name
            if doc.delete:
                action = {"_op_type": "delete", "_index": index, "_id": doc.id}
                if doc.version is not None:  # a revocation: unless a newer share is there
                    action |= {"version": doc.version, "version_type": "external"}
                actions.append(action)
                sources.append(msg)
                continue
            op_type = "create" if append_only else "index"
            action = {"_op_type": op_type, "_index": index, "_id": doc.id, "_source": doc.source}
            if doc.version is not None:
                action |= {"version": doc.version, "version_type": "external"}
            actions.append(action)
            sources.append(msg)
        return actions, sources

    def _assigned(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        # Every agency with an outbound topic gets its views now, so an agency that has
        # received nothing yet sees an empty view rather than none.
        self._views(
            p.topic[len("out.") : -len(".shared")] for p in partitions if SHARED.match(p.topic)
        )
        if self.scfg.start_at_ms is None:
            return
        committed = consumer.committed(partitions, timeout=30)
        fresh = [
            TopicPartition(p.topic, p.partition, self.scfg.start_at_ms)
            for p in committed
            if p.offset < 0
        ]
        if fresh:
            found = consumer.offsets_for_times(fresh, timeout=30)
            at = {(p.topic, p.partition): p.offset for p in found}
            for p in partitions:
                offset = at.get((p.topic, p.partition))
                if offset is not None:  # -1 from offsets_for_times: nothing since then
                    p.offset = offset if offset >= 0 else OFFSET_END
            consumer.assign(partitions)

    def _views(self, agencies: Iterable[str]) -> None:
        new = sorted(set(agencies) - self.views)
        if new:
            indices.create_views(self.es, self.cfg.elasticsearch.index_prefix, new)
            self.views |= set(new)

    def _bulk(
        self, actions: list[dict[str, Any]], sources: list[Message]
    ) -> list[tuple[bool, dict[str, Any], Message]]:
        """Bulk index; each result comes with its message. What Elasticsearch turns away as
        busy (429) is sent again, with back-off, until it takes it (back-pressure)."""
        pending = list(zip(actions, sources, strict=True))
        done: list[tuple[bool, dict[str, Any], Message]] = []
        delay = 1.0
        while True:
            busy = []
            results = self._send([action for action, _ in pending])
            for (ok, item), (action, msg) in zip(results, pending, strict=True):
                if not ok and next(iter(item.values())).get("status") == 429:  # {op: result}
                    busy.append((action, msg))
                else:
                    done.append((ok, item, msg))
            if not busy:
                return done
            log.warning("elasticsearch busy; retrying", documents=len(busy), retry_in_s=delay)
            time.sleep(delay)
            delay = min(delay * 2, 30.0)
            pending = busy

    def _send(self, actions: list[dict[str, Any]]) -> list[tuple[bool, dict[str, Any]]]:
        """One result per action, in their order; while Elasticsearch is unreachable, wait
        and retry. No helper retries: they yield a retried item after the rest of its chunk,
        and the results would then be paired with the wrong messages."""
        delay = 1.0
        while True:
            try:
                return list(
                    helpers.streaming_bulk(
                        self.es,
                        actions,
                        chunk_size=self.scfg.chunk_size,
                        raise_on_error=False,
                        yield_ok=True,
                    )
                )
            except (TransportConnectionError, ApiError) as err:
                log.warning(
                    "elasticsearch unavailable; retrying", error=str(err)[:300], retry_in_s=delay
                )
                time.sleep(delay)
                delay = min(delay * 2, 30.0)

    def process(self, consumer: Consumer, producer: Producer) -> int:
        """One poll → index → dead-letter → commit cycle; returns records consumed."""
        messages = consumer.consume(self.scfg.batch_size, timeout=self.scfg.poll_timeout_s)
        if not messages:
            return 0
        actions, sources = self._actions(messages, producer)
        for ok, item, msg in self._bulk(actions, sources) if actions else []:
            if ok:
                self.stats.indexed += 1
            elif item.get("index", {}).get("status") == 409:
                self.stats.stale += 1  # Elasticsearch holds a newer version of this document
            elif item.get("create", {}).get("status") == 409:
                self.stats.stale += 1  # an audit record indexed already: the first write stands
            elif item.get("delete", {}).get("status") == 404:
                self.stats.indexed += 1  # erased already (a replayed retraction)
            else:
                self._dead_letter(producer, msg, f"elasticsearch rejected: {item}")
        # The DLQ write must be durable before the offsets that it replaces are committed.
        if producer.flush(30) > 0:
            raise RuntimeError("dead letters not delivered; offsets not committed")
        consumer.commit(asynchronous=False)
        self.stats.batches += 1
        return len(messages)

    def run(self, should_stop: Callable[[], bool] = lambda: False) -> SinkStats:
        indices.ensure(self.es, self.indices, self.scfg.shards, self.scfg.replicas)
        kafka = self.cfg.kafka.librdkafka()
        consumer = Consumer(
            {
                **kafka,
                "group.id": self.scfg.group_id,
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
                # The regex subscription sees topics created later (a new agency's) after
                # the next metadata refresh: every 10 s, not librdkafka's 5 min.
                "topic.metadata.refresh.interval.ms": 10_000,
            }
        )
        producer = Producer({**kafka, "enable.idempotence": True, "acks": "all"})
        # A regex subscription also picks up the topics of agencies onboarded later.
        consumer.subscribe([*self.routes, SHARED.pattern], on_assign=self._assigned)
        log.info("sink started", topics=list(self.routes), group=self.scfg.group_id)
        try:
            while not should_stop():
                if self.process(consumer, producer):
                    log.info(
                        "batch indexed",
                        indexed=self.stats.indexed,
                        dead_lettered=self.stats.dead_lettered,
                    )
        finally:
            consumer.close()
            producer.flush(30)
        return self.stats
