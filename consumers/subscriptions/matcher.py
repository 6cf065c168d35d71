"""The subscription matcher: analysts' standing queries over what was shared to their agency.

It reads the compacted ``subscriptions`` topic from its start (so a restart rebuilds the
exact set, tombstones included) into the ``<prefix>-subscriptions`` index, then, batch by
batch, percolates the ``Share`` records of every ``out.<agency>.shared`` topic (a regex
subscription: agencies onboarded later are picked up) and sends each match to
``sub.<analyst>`` (keyed by subscription id) with an AuditEvent of the delivery.

A share is its recipient's copy, cut by the policy stage (``docs/sharing.md``), and only
subscriptions of that agency may match it: an analyst receives nothing that was not
released to their agency. Revocations, networks and hits carry nothing for rules to match.

At-least-once with idempotent matches, like the sink: match ids are derived from the
subscription, the record and the share's version, and offsets are committed only once every
match, audit record and dead letter of the batch is delivered. What cannot be read or run
goes to ``dlq.subscriptions`` with the reason: invalid definitions, undecodable shares.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, Message, Producer
from confluent_kafka.admin import AdminClient
from elasticsearch import BadRequestError
from elasticsearch.helpers import BulkIndexError

from borderlink import logs, topics
from borderlink.deadletters import for_message
from borderlink.serde import codec, now
from borderlink.settings import Settings, settings
from consumers import indices
from consumers.sink import SHARED, elasticsearch_client

from .delivery import Deliveries, reliable_producer
from .percolate import BatchSearchPercolator, Percolator, StoredPercolator, has_percolator
from .records import Candidate, from_share
from .rules import SubscriptionInvalid, decoded, match_id, problems, reasons, rule_query
from .settings import MatcherSettings
from .store import read_to_end

log = logs.get("consumers.subscriptions")

STAGE = "subscriptions"
# Audit ids derive from match ids, so a replayed delivery repeats its audit id; the sink
# writes audit records with op_type=create, so Elasticsearch refuses the replay and the
# first record stands.
AUDIT_NAMESPACE = uuid.UUID("6f1d3c2e-5b7a-4e0f-9c8d-2a4b6e8f0a1c")


@dataclass
class MatcherStats:
    records: int = 0
    matches: int = 0
    dead_lettered: int = 0
    batches: int = 0
    requests: int = 0  # percolate requests (or batch searches) sent


def delivery_audit(sub: dict[str, Any], match: dict[str, Any]) -> dict[str, Any]:
    """The AuditEvent of one match delivered: which record went to whom, for which case."""
    record = f"{match['source']}:{match['record_id']}"
    return {
        "audit_id": str(uuid.uuid5(AUDIT_NAMESPACE, match["match_id"])),
        "action": "SUBSCRIPTION_DELIVERY",
        "agency": sub["agency"],
        "user": sub["analyst"],
        "case_ref": sub["case_ref"],
        "endpoint": f"DELIVER {sub['topic']}",
        "query": f"subscription={sub['subscription_id']}&match={match['match_id']}&record={record}",
        "status": 200,
        "results": 1,
        "at": match["at"],
    }


def match_record(sub: dict[str, Any], found: Candidate, clauses: list[str]) -> dict[str, Any]:
    fields = found.fields
    return {
        "match_id": match_id(sub["subscription_id"], found.source, found.record_id, found.revision),
        "subscription_id": sub["subscription_id"],
        "analyst": sub["analyst"],
        "agency": sub["agency"],
        "source": found.source,
        "record_id": found.record_id,
        "version": found.version,
        "kinds": fields["kinds"],
        "countries": fields["countries"],
        "labels": found.labels,
        "score": fields.get("score") if found.source == "LINK" else None,
        "decision": fields.get("decision") if found.source == "LINK" else None,
        "reasons": reasons(clauses),
        "at": now(),
    }


class SubscriptionMatcher:
    def __init__(
        self, config: Settings | None = None, matcher_config: MatcherSettings | None = None
    ) -> None:
        self.cfg = config or settings()
        self.mcfg = matcher_config or MatcherSettings()
        self.es = elasticsearch_client(self.cfg)
        self.prefix = self.cfg.elasticsearch.index_prefix
        registry = self.cfg.registry
        self.shares = codec(registry, "Share")
        self.definitions = codec(registry, "Subscription")
        self.matches = codec(registry, "SubscriptionMatch")
        self.audit = codec(registry, "AuditEvent")
        self.dead_letters = codec(registry, "DeadLetter")
        self.admin = AdminClient(self.cfg.kafka.librdkafka())
        self.deliveries = Deliveries()
        self.active: dict[str, dict[str, Any]] = {}
        self.provisioned: set[str] = set()
        self.stats = MatcherStats()
        self.index = indices.subscriptions_spec(self.prefix)
        self.percolator: Percolator | None = None

    # -- start-up --------------------------------------------------------------------------

    def prepare(self) -> None:
        """Make the topics it reads and writes, choose how to percolate, make its indices."""
        stored = self.mcfg.percolator
        if stored is None:
            stored = has_percolator(self.es)
        kafka, definitions = self.cfg.kafka, self.mcfg.topic
        topics.provision(
            self.admin,
            [definitions, topics.dead_letter(STAGE)],
            kafka.topic_partitions,
            kafka.topic_replication,
            compacted=[definitions],
        )
        self.index = indices.subscriptions_spec(self.prefix, percolator=stored)
        indices.ensure(self.es, {"subscriptions": self.index}, self.mcfg.shards, self.mcfg.replicas)
        if stored:
            self.percolator = StoredPercolator(self.es, self.index.name)
        else:
            batches = BatchSearchPercolator(self.es, f"{self.prefix}-percolating")
            batches.ensure()
            self.percolator = batches
        log.info("percolating", stored_queries=stored, index=self.index.name)

    def catch_up(self, definitions: Consumer, producer: Producer, timeout_s: float = 120) -> None:
        """Read every definition up to the end before the first record, then drop indexed
        queries that no longer exist (their tombstones may be compacted away by now)."""
        read_to_end(definitions, self.mcfg.topic, lambda msg: self.apply(msg, producer), timeout_s)
        self.deliveries.confirm(producer, "dead letters of subscriptions")
        indexed = self.es.search(index=self.index.name, size=10_000, source=False)["hits"]["hits"]
        stale = [hit["_id"] for hit in indexed if hit["_id"] not in self.active]
        for subscription_id in stale:
            self.es.delete(index=self.index.name, id=subscription_id, refresh=True)
        log.info("subscriptions loaded", active=len(self.active), dropped=len(stale))

    # -- definitions -----------------------------------------------------------------------

    def apply(self, msg: Message, producer: Producer) -> None:
        """One definition: index its query, or remove it (a tombstone; or an invalid update,
        which is all that compaction will keep of it)."""
        if msg.error():
            log.error("kafka error", error=msg.error().str())
            return
        subscription_id = (msg.key() or b"").decode(errors="replace")
        if msg.value() is None:
            self._remove(subscription_id)
            return
        try:
            sub = decoded(self.definitions.decode(msg.value(), msg.topic()))
            found = problems(sub)
            if sub["subscription_id"] != subscription_id:
                found.append(f"key {subscription_id!r} is not the subscription id")
            if found:
                raise SubscriptionInvalid(found)
        except Exception as err:  # undecodable or invalid: DLQ with its bytes, never dropped
            self._dead_letter(producer, msg, err)
            self._remove(subscription_id)
            return
        self._provision(sub["topic"])
        document = {**sub, "rule_query": rule_query(sub), "indexed_at": now()}
        # Refreshed at once: the next batch must see it (definitions change rarely).
        self.es.index(index=self.index.name, id=subscription_id, document=document, refresh=True)
        self.active[subscription_id] = sub
        log.info("subscription active", subscription_id=subscription_id, analyst=sub["analyst"])

    def _remove(self, subscription_id: str) -> None:
        self.active.pop(subscription_id, None)
        self.es.options(ignore_status=404).delete(
            index=self.index.name, id=subscription_id, refresh=True
        )
        log.info("subscription removed", subscription_id=subscription_id)

    def _provision(self, topic: str) -> None:
        if topic not in self.provisioned:
            kafka = self.cfg.kafka
            topics.provision(self.admin, [topic], kafka.topic_partitions, kafka.topic_replication)
            self.provisioned.add(topic)

    def _dead_letter(self, producer: Producer, msg: Message, error: Exception | str) -> None:
        dlq = topics.dead_letter(STAGE)
        value = self.dead_letters.encode(for_message(STAGE, error, msg), dlq)
        producer.produce(dlq, key=msg.key(), value=value, on_delivery=self.deliveries.report)
        self.stats.dead_lettered += 1
        log.warning("dead letter", stage=STAGE, topic=msg.topic(), reason=str(error)[:500])

    # -- shares ----------------------------------------------------------------------------

    def _candidates(
        self, messages: list[Message], producer: Producer
    ) -> list[tuple[Message, Candidate]]:
        found = []
        for msg in messages:
            if msg.error():
                log.error("kafka error", error=msg.error().str())
                continue
            if msg.value() is None:
                continue  # a tombstone, as the sink reads it: nothing to match
            try:
                candidate = from_share(self.shares.decode(msg.value(), msg.topic()))
            except Exception as err:  # undecodable share: DLQ with its bytes, never dropped
                self._dead_letter(producer, msg, err)
                continue
            if candidate is not None:
                found.append((msg, candidate))
        return found

    def match(
        self, candidates: list[tuple[Message, Candidate]], producer: Producer
    ) -> list[dict[str, Any]]:
        """Percolate, several documents per request; one SubscriptionMatch per hit of a
        subscription of the share's recipient. A chunk Elasticsearch refuses is split, and a
        record it refuses alone is dead-lettered."""
        assert self.percolator is not None, "prepare() first"
        subscribed = {sub["agency"] for sub in self.active.values()}
        # Copies for agencies nobody subscribes for cannot match: no request for them.
        candidates = [(msg, c) for msg, c in candidates if c.recipient in subscribed]
        matches, size = [], self.mcfg.percolate_chunk
        chunks = [candidates[start : start + size] for start in range(0, len(candidates), size)]
        while chunks:
            chunk = chunks.pop(0)
            recipients = {c.recipient for _, c in chunk}
            # The batch search runs only these; stored queries all run, their hits are cut.
            subscriptions = {
                sid: sub for sid, sub in self.active.items() if sub["agency"] in recipients
            }
            try:
                hits = self.percolator.percolate([c.document for _, c in chunk], subscriptions)
            except (BadRequestError, BulkIndexError) as err:
                if len(chunk) == 1:
                    self._dead_letter(producer, chunk[0][0], f"elasticsearch refused: {err}")
                else:
                    chunks += [[one] for one in chunk]
                continue
            finally:
                self.stats.requests += 1
            for hit in hits:
                sub, found = subscriptions.get(hit.subscription_id), chunk[hit.slot][1]
                # Another agency's stored query (or one no longer active): not for this copy.
                if sub is not None and sub["agency"] == found.recipient:
                    matches.append(match_record(sub, found, hit.clauses))
        return matches

    def process(self, consumer: Consumer, definitions: Consumer, producer: Producer) -> int:
        """Definitions that arrived, then one poll → percolate → deliver → commit cycle."""
        for msg in definitions.consume(100, timeout=0):
            self.apply(msg, producer)
        messages = consumer.consume(self.mcfg.batch_size, timeout=self.mcfg.poll_timeout_s)
        if not messages:
            self.deliveries.confirm(producer, "dead letters of subscriptions")
            return 0
        for match in self.match(self._candidates(messages, producer), producer):
            sub = self.active[match["subscription_id"]]
            key = sub["subscription_id"].encode()
            value = self.matches.encode(match, sub["topic"])
            producer.produce(sub["topic"], key=key, value=value, on_delivery=self.deliveries.report)
            audit = self.audit.encode(delivery_audit(sub, match), topics.AUDIT)
            producer.produce(
                topics.AUDIT,
                key=sub["agency"].encode(),
                value=audit,
                on_delivery=self.deliveries.report,
            )
            self.stats.matches += 1
        # Matches, their audit records and dead letters first; then the offsets they replace.
        self.deliveries.confirm(producer, "matches; offsets not committed")
        consumer.commit(asynchronous=False)
        self.stats.records += len(messages)
        self.stats.batches += 1
        return len(messages)

    def run(self, should_stop: Callable[[], bool] = lambda: False) -> MatcherStats:
        self.prepare()
        kafka = self.cfg.kafka.librdkafka()
        definitions = Consumer(
            {**kafka, "group.id": f"{self.mcfg.group_id}-definitions", "enable.auto.commit": False}
        )
        consumer = Consumer(
            {
                **kafka,
                "group.id": self.mcfg.group_id,
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
                # The regex subscription sees an agency onboarded later after the next
                # metadata refresh: every 10 s, as the sink, not librdkafka's 5 min.
                "topic.metadata.refresh.interval.ms": 10_000,
            }
        )
        producer = reliable_producer(self.cfg)
        try:
            self.catch_up(definitions, producer)
            consumer.subscribe([SHARED.pattern])
            log.info("matcher started", topics=SHARED.pattern, group=self.mcfg.group_id)
            while not should_stop():
                if self.process(consumer, definitions, producer):
                    stats = self.stats
                    log.info("batch matched", records=stats.records, matches=stats.matches)
        finally:
            consumer.close()
            definitions.close()
            producer.flush(30)
        return self.stats
