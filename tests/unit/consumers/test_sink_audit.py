"""The sink writes audit records append-only: create (never index over an existing one), and
a tombstone on the audit topic is a dead letter, not a delete. Other topics are unchanged."""

from typing import Any

import pytest

from borderlink import topics
from borderlink.settings import Settings
from consumers import ElasticsearchSink
from consumers.documents import Document, audit_document


class FakeMessage:
    def __init__(self, topic: str, key: bytes | None, value: bytes | None) -> None:
        self._topic, self._key, self._value = topic, key, value

    def topic(self) -> str:
        return self._topic

    def key(self) -> bytes | None:
        return self._key

    def value(self) -> bytes | None:
        return self._value

    def partition(self) -> int:
        return 0

    def offset(self) -> int:
        return 7

    def error(self) -> None:
        return None


class FakeCodec:
    """Decodes every value to the record it was given; encodes to a marker."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record

    def decode(self, data: bytes | None, topic: str) -> dict[str, Any] | None:
        return None if data is None else self.record

    def encode(self, record: dict[str, Any], topic: str) -> bytes:
        return b"letter"


class FakeProducer:
    def __init__(self) -> None:
        self.produced: list[tuple[str, bytes | None]] = []

    def produce(self, topic: str, key: bytes | None, value: bytes) -> None:
        self.produced.append((topic, key))


EVENT = {"audit_id": "6534ae2d-de2b-4317-a26b-49111d19b62f", "action": "SHARE", "agency": "co.x"}


@pytest.fixture
def sink() -> ElasticsearchSink:
    sink = ElasticsearchSink(Settings(_env_file=None))  # nothing connects until it runs
    sink.routes[topics.AUDIT] = (FakeCodec(EVENT), audit_document, "acme-audit")  # type: ignore[assignment]
    sink.dead_letters = FakeCodec({})  # type: ignore[assignment]
    return sink


def test_an_audit_record_is_created_never_overwritten(sink: ElasticsearchSink) -> None:
    msg = FakeMessage(topics.AUDIT, b"co.x", b"avro")
    actions, sources = sink._actions([msg], FakeProducer())  # type: ignore[arg-type, list-item]
    (action,) = actions
    assert (action["_op_type"], action["_index"], action["_id"]) == (
        "create",
        "acme-audit",
        EVENT["audit_id"],
    )
    assert "version" not in action and sources == [msg]


def test_a_tombstone_on_the_audit_topic_is_a_dead_letter_not_a_delete(
    sink: ElasticsearchSink,
) -> None:
    producer = FakeProducer()
    tombstone = FakeMessage(topics.AUDIT, EVENT["audit_id"].encode(), None)
    actions, sources = sink._actions([tombstone], producer)  # type: ignore[arg-type, list-item]
    assert actions == [] and sources == []
    assert producer.produced == [(topics.dead_letter("sink"), EVENT["audit_id"].encode())]
    assert sink.stats.dead_lettered == 1


def test_other_topics_still_index_and_erase(sink: ElasticsearchSink) -> None:
    link = {"link_id": "l1"}
    as_document = lambda r: Document(r["link_id"], r)  # noqa: E731
    sink.routes[topics.LINKS] = (FakeCodec(link), as_document, "acme-links")  # type: ignore[assignment]
    record = FakeMessage(topics.LINKS, b"l1", b"avro")
    tombstone = FakeMessage(topics.LINKS, b"l1", None)
    actions, _ = sink._actions([record, tombstone], FakeProducer())  # type: ignore[arg-type, list-item]
    assert [(a["_op_type"], a["_id"]) for a in actions] == [("index", "l1"), ("delete", "l1")]
