"""Subscriptions on their compacted topic: publish one, remove one (a tombstone), read all."""

import time
import uuid
from collections.abc import Callable
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, Message, TopicPartition
from confluent_kafka.admin import AdminClient

from borderlink import topics
from borderlink.serde import codec
from borderlink.settings import Settings, settings

from .delivery import Deliveries, reliable_producer
from .rules import decoded
from .settings import MatcherSettings


def _topic(topic: str | None) -> str:
    return topic or MatcherSettings().topic


def _send(config: Settings, topic: str, key: str, value: bytes | None) -> None:
    producer, deliveries = reliable_producer(config), Deliveries()
    producer.produce(topic, key=key.encode(), value=value, on_delivery=deliveries.report)
    deliveries.confirm(producer, "subscription")


def publish_subscription(
    sub: dict[str, Any], config: Settings | None = None, topic: str | None = None
) -> None:
    """Publish a definition (``rules.new_subscription``) and wait until the broker has it.
    The analyst's topic is created here, so it can be tailed before the first match."""
    cfg = config or settings()
    kafka = cfg.kafka
    admin = AdminClient(kafka.librdkafka())
    topics.provision(admin, [sub["topic"]], kafka.topic_partitions, kafka.topic_replication)
    name = _topic(topic)
    value = codec(cfg.registry, "Subscription").encode(sub, name)
    _send(cfg, name, sub["subscription_id"], value)


def remove_subscription(
    subscription_id: str, config: Settings | None = None, topic: str | None = None
) -> None:
    """A tombstone: the matcher drops the query, and compaction eventually the definition."""
    _send(config or settings(), _topic(topic), subscription_id, None)


def read_to_end(
    consumer: Consumer, topic: str, handle: Callable[[Message], None], timeout_s: float = 30
) -> None:
    """Assign every partition of ``topic`` from its start and hand each message to ``handle``
    up to the ends the partitions had when called; later messages keep arriving on the next
    polls (the matcher's, which keeps polling)."""
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    ends = {}
    for p in partitions:
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
        if high > low:
            ends[p] = high
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    deadline = time.monotonic() + timeout_s
    while ends:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{topic} not read to its end in {timeout_s}s")
        for msg in consumer.consume(500, timeout=0.5):
            handle(msg)
            if not msg.error() and msg.offset() + 1 >= ends.get(msg.partition(), 0):
                ends.pop(msg.partition(), None)


def read_subscriptions(
    config: Settings | None = None, topic: str | None = None, timeout_s: float = 30
) -> dict[str, Any]:
    """The current definitions, by id: the topic read to its end, the last value per key."""
    cfg = config or settings()
    name, decoder = _topic(topic), codec(cfg.registry, "Subscription")
    current: dict[str, Any] = {}

    def keep(msg: Message) -> None:
        if msg.error():
            return
        if msg.value() is None:
            current.pop(msg.key().decode(), None)
        else:
            current[msg.key().decode()] = decoded(decoder.decode(msg.value(), name))

    group = f"subscriptions-reader-{uuid.uuid4().hex}"  # reads only: never commits
    consumer = Consumer({**cfg.kafka.librdkafka(), "group.id": group, "enable.auto.commit": False})
    try:
        read_to_end(consumer, name, keep, timeout_s)
    finally:
        consumer.close()
    return current
