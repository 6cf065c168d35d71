"""Polling helpers for tests against the real stack (no fixed sleeps)."""

import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    """Messages of ``topic`` written since the session started, until ``until(messages)``.

    Tombstones (a retraction erasing a link) are left out: every caller wants records."""
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
                if not msg.error() and msg.value() is not None:
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


@contextmanager
def running_api(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """A real ``borderlink serve`` process on a free loopback port: its URL, once it answers."""
    with socket.socket() as probe:  # a port nobody holds now; the server binds it next
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "borderlink", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            with urllib.request.urlopen(f"{url}/console/", timeout=2) as page:
                return page.status == 200
        except OSError:
            return proc.poll() is not None

    try:
        wait_for(up, timeout_s=60, what="the search API")
        assert proc.poll() is None, log_path.read_text()[-3000:]
        yield url
    finally:
        proc.terminate()
        proc.wait(30)


def place(name: str, country: str, lat: float, lon: float, kind: str = "CITY") -> dict[str, Any]:
    """A Location record ``l1`` (where an alert's event happened, when it points at it)."""
    return {
        "record_id": "l1",
        "kind": kind,
        "name": name,
        "country": country,
        "lat": lat,
        "lon": lon,
    }


# Sinks read every session's records from the shared topics, so a test that searches by
# name needs a name no other session used: a surname spelt from the run id, one syllable
# per hex digit, with letters that Cyrillic writes one for one (a transliteration test).
_SYLLABLES = ("ka", "lo", "mi", "nu", "ra", "se", "to", "vi", "do", "ze", "pa", "ro", "sa")
_SYLLABLES += ("ti", "mo", "ne")
_CYRILLIC = str.maketrans("kalominurstevdzpKALOMINURSTEVDZP", "каломинурстевдзпКАЛОМИНУРСТЕВДЗП")


def run_surname(run_id: str, cyrillic: bool = False) -> str:
    """E.g. 'Kalomirase' for run id '012345..' ('Каломирасе' in Cyrillic)."""
    surname = "".join(_SYLLABLES[int(c, 16)] for c in run_id[:6]).capitalize()
    return surname.translate(_CYRILLIC) if cyrillic else surname


def resolved_person(
    es: Any, prefix: str, alert_id: str, records: int = 2, entities: int = 4, agency: str = ""
) -> dict[str, Any] | None:
    """The current person entity of the alert once Elasticsearch holds all of it: its
    ``records`` records merged, its network of ``entities`` entities, their alerts and the
    links that merged them (the sink indexes topics in no particular order). None until then.
    With ``agency``: all of it in that agency's views, which is what the API searches."""
    es.indices.refresh(index=f"{prefix}-*")

    def index(name: str) -> str:
        return f"{prefix}-view-{agency}-{name}" if agency else f"{prefix}-{name}"

    if agency and not es.indices.exists_alias(name=index("entities")):
        return None  # the sink has not created the agency's views yet
    person_of = [
        {"term": {"members.alert_id": alert_id}},
        {"term": {"kind": "PERSON"}},
        {"term": {"status": "ACTIVE"}},
    ]
    people = es.search(index=index("entities"), query={"bool": {"filter": person_of}})
    found = [h["_source"] for h in people["hits"]["hits"]]
    if not found or len(found[0]["members"]) != records:
        return None
    network_of = {"term": {"network_id": found[0]["network_id"]}}
    networks = es.search(index=index("networks"), query=network_of)["hits"]["hits"]
    if not networks or len(networks[0]["_source"]["entities"]) != entities:
        return None
    alert_ids = sorted({m["alert_id"] for m in found[0]["members"]})
    merging = [
        {"term": {"kind": "SAME_PERSON"}},
        {"term": {"decision": "MATCH"}},
        {"terms": {"left.alert_id": alert_ids}},
    ]
    links = es.count(index=index("links"), query={"bool": {"filter": merging}})["count"]
    alerts = es.count(index=index("alerts"), query={"terms": {"alert_id": alert_ids}})["count"]
    return found[0] if links >= records - 1 and alerts == len(alert_ids) else None
