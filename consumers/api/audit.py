"""The audit trail: one AuditEvent per API request on the ``audit`` topic, delivered before
the answer is sent (no audit record, no data)."""

import asyncio
import threading
import uuid
from concurrent.futures import Future
from datetime import datetime
from typing import Any, Protocol

from confluent_kafka import KafkaError, KafkaException, Message, Producer
from confluent_kafka.schema_registry.error import SchemaRegistryError

from borderlink import logs, topics
from borderlink.serde import codec
from borderlink.settings import Settings

from .caller import Caller

log = logs.get("consumers.api.audit")


class AuditUnavailable(RuntimeError):
    """The audit record could not be delivered: the request must not be answered."""


class AuditSink(Protocol):
    async def record(self, event: dict[str, Any]) -> None: ...


def audit_event(
    caller: Caller,
    action: str,
    endpoint: str,
    query: str,
    status: int,
    results: int,
    at: datetime,
) -> dict[str, Any]:
    return {
        "audit_id": str(uuid.uuid4()),
        "action": action,
        "agency": caller.agency,
        "user": caller.user,
        "case_ref": caller.case_ref,
        "endpoint": endpoint,
        "query": query,
        "status": status,
        "results": results,
        "at": at,
    }


class AuditLog:
    """AuditEvents to Kafka through an idempotent producer, polled by a thread of its own."""

    def __init__(self, config: Settings, timeout_s: float = 10.0) -> None:
        self.codec = codec(config.registry, "AuditEvent")
        self.producer = Producer(
            {**config.kafka.librdkafka(), "enable.idempotence": True, "acks": "all"}
        )
        self.timeout_s = timeout_s
        self._stop = threading.Event()
        self._poller = threading.Thread(target=self._poll, name="audit-poller", daemon=True)
        self._poller.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.producer.poll(0.1)

    async def record(self, event: dict[str, Any]) -> None:
        delivered: Future[None] = Future()

        def report(err: KafkaError | None, _: Message) -> None:
            if err:
                delivered.set_exception(AuditUnavailable(err.str()))
            else:
                delivered.set_result(None)

        try:
            value = self.codec.encode(event, topics.AUDIT)
            self.producer.produce(
                topics.AUDIT, key=event["agency"].encode(), value=value, on_delivery=report
            )
            await asyncio.wait_for(asyncio.wrap_future(delivered), self.timeout_s)
        except (
            AuditUnavailable,
            TimeoutError,
            BufferError,
            KafkaException,
            SchemaRegistryError,
        ) as err:
            log.error(
                "audit record not delivered", error=str(err)[:300], audit_id=event["audit_id"]
            )
            raise AuditUnavailable(str(err)) from err

    def close(self) -> None:
        self._stop.set()
        self._poller.join(5)
        self.producer.flush(self.timeout_s)
