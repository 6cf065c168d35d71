"""Polling helpers for tests against the real stack (no fixed sleeps)."""

import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, TopicPartition

from borderlink.settings import Settings

# Probes read from this session's start: a reused stack keeps earlier sessions' records.
SESSION_START_MS = int((time.time() - 60) * 1000)


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
    """Messages of ``topic`` written since the session started, until ``until(messages)``."""
    consumer = Consumer(
        {
            **config.kafka.librdkafka(),
            "group.id": f"probe-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    # High watermarks first: a record written after this point has an offset at or above
    # them, so a partition with nothing since the session start starts there, never at a
    # later "end" that could skip a record written meanwhile.
    highs = {
        p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
        for p in partitions
    }
    starts = consumer.offsets_for_times(
        [TopicPartition(topic, p, SESSION_START_MS) for p in partitions], timeout=10
    )
    consumer.assign(
        [
            TopicPartition(
                topic, tp.partition, tp.offset if tp.offset >= 0 else highs[tp.partition]
            )
            for tp in starts
        ]
    )
    messages: list[Any] = []
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline and not until(messages):
            for msg in consumer.consume(500, timeout=0.5):
                if not msg.error():
                    messages.append(msg)
    finally:
        consumer.close()
    return messages


def start_worker(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """A real ``borderlink worker`` process, returned once faust says it is ready."""
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "borderlink", "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    wait_for(
        lambda: b"Worker]: Ready" in log_path.read_bytes() or proc.poll() is not None,
        timeout_s=120,
        what="faust worker ready",
    )
    assert proc.poll() is None, log_path.read_text()[-3000:]
    return proc


def alert(
    agency: str, country: str, observed_at: datetime, kind: str = "BORDER_CROSSING", **fields: Any
) -> dict[str, Any]:
    """A minimal valid alert (reported an hour after it was observed); ``fields`` add the
    subjects or override anything."""
    return {
        "alert_id": str(uuid.uuid4()),
        "agency": agency,
        "country": country,
        "observed_at": observed_at,
        "reported_at": observed_at + timedelta(hours=1),
        "event": {"kind": kind},
        "marking": {},
        "grading": {},
        **fields,
    }
