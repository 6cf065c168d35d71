"""Polling helpers for tests against the real stack (no fixed sleeps)."""

import time
import uuid
from collections.abc import Callable
from typing import Any

from confluent_kafka import Consumer

from borderlink.settings import Settings


def wait_for(
    condition: Callable[[], Any],
    timeout_s: float = 60,
    what: str = "condition",
    interval_s: float = 0.5,
) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


def consume_all(
    config: Settings, topic: str, until: Callable[[list[Any]], bool], timeout_s: float = 60
) -> list[Any]:
    """Messages of ``topic`` from the beginning until ``until(messages)`` holds."""
    consumer = Consumer(
        {
            **config.kafka.librdkafka(),
            "group.id": f"probe-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    messages: list[Any] = []
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline and not until(messages):
            msg = consumer.poll(0.5)
            if msg is not None and not msg.error():
                messages.append(msg)
    finally:
        consumer.close()
    return messages
