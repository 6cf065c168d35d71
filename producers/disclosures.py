"""Survivor hit notices and disclosure at an agency: read what it was told, ask, answer.

    told = read_notices("pa.migracion")              # from out.pa.migracion.notices
    request = new_request(notice, purpose="...", case_ref="PA-2026-0412")
    publish_disclosure("pa.migracion", "DisclosureRequest", request)

A HitNotice says that another agency holds a record matching one of the agency's
protected (survivor) records, and nothing more. A DisclosureRequest goes to that agency,
the holder, which alone approves or denies (DisclosureDecision). Both travel on the
sender's ``in.<agency>.disclosures``; the stream worker checks them and passes them on to
the other agency's ``out.<agency>.notices`` (docs/survivor-protection.md).
"""

import json
import struct
import time
from collections.abc import Iterable
from typing import Any, cast

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Producer,
    TopicPartition,
)

from borderlink import topics
from borderlink.serde import codec, now, registry_client
from borderlink.settings import RegistrySettings, Settings, settings
from schemas import NAMESPACE, full_name

NOTICE_TYPES = ("HitNotice", "DisclosureRequest", "DisclosureDecision")
DISCLOSURE_TYPES = ("DisclosureRequest", "DisclosureDecision")
Notice = tuple[str, dict[str, Any]]  # (record type, record)


class TypedCodec:
    """Records of a topic that carries several types, each its own registry subject
    (RecordNameStrategy): encoded by type, decoded by the schema they were written with."""

    def __init__(self, registry: RegistrySettings, names: Iterable[str]) -> None:
        self._client = registry_client(registry)
        self._codecs = {full_name(name): codec(registry, name) for name in names}
        self._written: dict[int, str] = {}  # schema id -> full name of the record

    def encode(self, name: str, record: dict[str, Any], topic: str) -> bytes:
        return self._codecs[full_name(name)].encode(record, topic)

    def decode(self, data: bytes | None, topic: str) -> Notice:
        """(record type, record); ValueError for anything but one of the types."""
        if data is None or len(data) < 5 or data[0] != 0:
            raise ValueError(f"not a Confluent Avro record ({topic})")
        (schema_id,) = struct.unpack(">I", data[1:5])
        if schema_id not in self._written:
            schema = json.loads(self._client.get_schema(schema_id).schema_str)
            name = schema.get("name", "")
            qualified = name if "." in name else f"{schema.get('namespace', NAMESPACE)}.{name}"
            self._written[schema_id] = qualified
        name = self._written[schema_id]
        if name not in self._codecs:
            expected = ", ".join(n.rsplit(".", 1)[1] for n in self._codecs)
            raise ValueError(f"{topic} carries {expected}, not {name}")
        record = cast(dict[str, Any], self._codecs[name].decode(data, topic))  # not a tombstone
        return name.rsplit(".", 1)[1], record


def read_topic(cfg: Settings, topic: str, group: str, timeout_s: float = 30.0) -> list[Any]:
    """Every record of ``topic`` from its beginning to its end as of now. ``group`` only
    names the client (nothing is committed): an agency's must start with '<agency>.'."""
    consumer = Consumer(
        {
            **cfg.kafka.librdkafka(),
            "group.id": group,
            "enable.auto.commit": False,
            "enable.partition.eof": True,
        }
    )
    try:
        found = consumer.list_topics(topic, timeout=10).topics[topic]
        if found.error is not None:
            raise ValueError(f"{topic}: {found.error.str()} (borderlink topics <agency>)")
        ends = {}
        for partition in found.partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), 10)
            if high > low:
                ends[partition] = high
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in ends])
        messages: list[Any] = []
        deadline = time.monotonic() + timeout_s
        while ends:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{topic} not read to its end in {timeout_s}s")
            for msg in consumer.consume(500, timeout=0.5):
                error = msg.error()
                if error is not None and error.code() != KafkaError._PARTITION_EOF:
                    raise KafkaException(error)
                if error is None:
                    messages.append(msg)
                if error is not None or msg.offset() + 1 >= ends.get(msg.partition(), 0):
                    ends.pop(msg.partition(), None)
        return messages
    finally:
        consumer.close()


def read_notices(agency: str, config: Settings | None = None) -> list[Notice]:
    """What the agency was told on out.<agency>.notices, oldest first per hit."""
    cfg = config or settings()
    topic = topics.notices(agency)
    decoder = TypedCodec(cfg.registry, NOTICE_TYPES)
    messages = read_topic(cfg, topic, f"{agency}.notices-reader")
    return [decoder.decode(msg.value(), topic) for msg in messages]


def new_request(
    notice: dict[str, Any], purpose: str, case_ref: str, user: str | None = None
) -> dict[str, Any]:
    """The DisclosureRequest of a HitNotice the agency received (ValueError without a
    purpose or a case)."""
    from streams.privacy_match import HitNotice, Strength, request_disclosure

    fields = ("hit_id", "recipient_agency", "record_ref", "match_agency", "epoch")
    received = HitNotice(**{f: notice[f] for f in fields}, strength=Strength(notice["strength"]))
    return {**request_disclosure(received, purpose, case_ref, user).to_json(), "at": now()}


def new_decision(
    request: dict[str, Any],
    agency: str,
    approve: bool,
    reason: str,
    contact: str | None = None,
    user: str | None = None,
) -> dict[str, Any]:
    """The DisclosureDecision of a request the agency received (PermissionError unless it
    is the holder; ValueError without a reason, or approving without a contact)."""
    from streams.privacy_match import DisclosureRequest, decide_disclosure

    fields = ("request_id", "hit_id", "requester", "holder", "purpose", "case_ref", "user")
    received = DisclosureRequest(**{f: request[f] for f in fields})
    decision = decide_disclosure(received, agency, approve, reason, contact, user)
    return {**decision.to_json(), "at": now()}


def publish_disclosure(
    agency: str, kind: str, record: dict[str, Any], config: Settings | None = None
) -> None:
    """Publish a DisclosureRequest or DisclosureDecision on in.<agency>.disclosures, keyed
    by hit id, and wait until the broker has it."""
    cfg = config or settings()
    if kind not in DISCLOSURE_TYPES:
        raise ValueError(f"{kind} is not one of {DISCLOSURE_TYPES}")
    topic = topics.disclosures(agency)
    value = TypedCodec(cfg.registry, [kind]).encode(kind, record, topic)
    producer = Producer({**cfg.kafka.librdkafka(), "enable.idempotence": True, "acks": "all"})
    errors: list[str] = []
    producer.produce(
        topic,
        key=record["hit_id"].encode(),
        value=value,
        on_delivery=lambda err, _: errors.append(err.str()) if err else None,
    )
    if producer.flush(30) or errors:
        raise RuntimeError(f"{kind} not delivered to {topic}: {errors or 'timed out'}")
