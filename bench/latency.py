"""Publish → searchable latency at fixed offered loads, against the bare pipeline.

    python -m bench.latency [--rates 5 25] [--seconds 20]

Borderlink: SDK publish → worker (validate, correlate) → sink → search finds the alert,
and (second row) an entity holding its records: the graph stage's output, searchable.
Baseline, same stack and run: raw produce → consume → bulk index, no processing.
Both indices refresh every second (set explicitly), which bounds the floor of both.
The bench replays the same scenario people, so their entities and networks only grow: the
worst case for the graph stage. On a shared machine both pipelines slow down together, so
the ratio is what to compare; the load average column says how busy the machine was.
"""

import argparse
import os
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient
from elasticsearch import Elasticsearch, helpers
from rich.console import Console
from rich.table import Table

from borderlink import topics
from borderlink.serde import registry_client
from borderlink.settings import settings
from borderlink.workers import running
from consumers import elasticsearch_client
from deploy.local import Stack
from producers import AlertPublisher
from producers.privacy import DEMO_KEY
from producers.scenario import generate
from schemas import register_all
from streams.settings import StreamSettings

console = Console(width=120)
AGENCY = "pa.bench-latency"


def _alerts(count: int) -> list[dict[str, Any]]:
    base = [a for a in generate(seed=5, networks=4).alerts if a["persons"]]
    return [
        {**base[i % len(base)], "alert_id": str(uuid.uuid4()), "agency": AGENCY, "country": "PA"}
        for i in range(count)
    ]


# Which of the pending alert ids an index shows: as documents, or as entity members.
Finder = Callable[[Elasticsearch, str, list[str]], list[str]]


def _documents(es: Elasticsearch, index: str, pending: list[str]) -> list[str]:
    hits = es.search(index=index, query={"ids": {"values": pending}}, size=1000, source=False)
    return [hit["_id"] for hit in hits["hits"]["hits"]]


def _members(es: Elasticsearch, index: str, pending: list[str]) -> list[str]:
    field = "members.alert_id"  # retired entities have no members
    found = es.search(
        index=index,
        size=0,
        query={"terms": {field: pending}},
        aggs={"alerts": {"terms": {"field": field, "include": pending, "size": len(pending)}}},
    )
    return [bucket["key"] for bucket in found["aggregations"]["alerts"]["buckets"]]


def _watch(
    es: Elasticsearch,
    index: str,
    find: Finder,
    sent: dict[str, float],
    seen: dict[str, float],
    stop: threading.Event,
) -> None:
    """Search for pending ids every 50 ms; record when each one first becomes searchable."""
    while not stop.is_set():
        pending = [i for i in list(sent) if i not in seen][:1000]
        if pending and es.indices.exists(index=index):
            found = find(es, index, pending)
            now = time.monotonic()
            for alert_id in found:
                seen.setdefault(alert_id, now)
        time.sleep(0.05)


def _measure(
    es: Elasticsearch,
    watched: dict[str, Finder],
    alerts: list[dict[str, Any]],
    rate: float,
    send: Callable[[dict[str, Any]], None],
    flush: Callable[[], None],
) -> list[list[float]]:
    """Latencies until each alert shows in each watched index (index -> how to find it)."""
    sent: dict[str, float] = {}
    seens: list[dict[str, float]] = [{} for _ in watched]
    stop = threading.Event()
    watchers = [
        threading.Thread(
            target=_watch, args=(es, index, find, sent, seen, stop), daemon=True, name=index
        )
        for (index, find), seen in zip(watched.items(), seens, strict=True)
    ]
    for watcher in watchers:
        watcher.start()
    start = time.monotonic()
    for i, alert in enumerate(alerts):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        send(alert)
        flush()  # one alert at a time: latency, not batching, is measured
        sent[alert["alert_id"]] = time.monotonic()
    deadline = time.monotonic() + 60
    while any(len(seen) < len(sent) for seen in seens) and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    for watcher, seen in zip(watchers, seens, strict=True):
        watcher.join()
        if missing := len(sent) - len(seen):
            console.print(f"[red]{missing} alerts not found in {watcher.name} within 60 s[/]")
    return [[seen[i] - sent[i] for i in sent if i in seen] for seen in seens]


def _bare_pipeline(es: Elasticsearch, topic: str, index: str, stop: threading.Event) -> None:
    cfg = settings()
    consumer = Consumer(
        {
            **cfg.kafka.librdkafka(),
            "group.id": f"bare-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    while not stop.is_set():
        messages = consumer.consume(500, timeout=0.05)
        if messages:
            helpers.bulk(
                es,
                (
                    {
                        "_index": index,
                        "_id": m.key().decode(),
                        "_source": {"payload_bytes": len(m.value())},
                    }
                    for m in messages
                ),
            )
            consumer.commit(asynchronous=False)
    consumer.close()


def _row(
    table: Table, name: str, rate: float, latencies: list[float], base_p50: float | None
) -> float:
    """Add a row; ``base_p50`` is the bare pipeline's (None: this is the bare pipeline)."""
    ms = sorted(x * 1000 for x in latencies)
    if not ms:  # nothing arrived within the wait
        table.add_row(name, f"{rate:g}", "0", "-", "-", "-", f"{os.getloadavg()[0]:.1f}")
        return 0.0
    p50 = statistics.median(ms)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    table.add_row(
        name,
        f"{rate:g}",
        str(len(ms)),
        f"{p50:.0f}",
        f"{p99:.0f}",
        "1.00" if base_p50 is None else f"{p50 / base_p50:.2f}" if base_p50 else "-",
        f"{os.getloadavg()[0]:.1f}",
    )
    return p50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[5.0, 25.0])
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    cfg = settings()
    stack = Stack()
    stack.up()
    register_all(registry_client(cfg.registry))
    es = elasticsearch_client(cfg)
    run = uuid.uuid4().hex[:8]
    bare_topic, bare_index = f"bench.bare-{run}", f"bench-bare-{run}"
    admin = AdminClient(cfg.kafka.librdkafka())
    topics.provision(admin, [*topics.pipeline_topics(), topics.inbound(AGENCY), bare_topic])
    # On a fresh stack the worker creates its graph topic and may subscribe before the
    # broker's metadata lists it ("Ignoring missing topic"): the graph stage then idles for
    # minutes. Made here first, with its one partition.
    topics.provision(admin, [f"{StreamSettings().app_id}-graph"], 1)
    es.indices.create(
        index=bare_index, settings={"refresh_interval": "1s", "number_of_replicas": 0}
    )
    table = Table(title="publish → searchable latency (ms)")
    columns = ("pipeline", "alerts/s", "alerts", "p50", "p99", "p50 ratio to bare", "load avg")
    for column in columns:
        table.add_column(column, justify="right" if column != "pipeline" else "left")

    stop = threading.Event()
    bare = threading.Thread(
        target=_bare_pipeline, args=(es, bare_topic, bare_index, stop), daemon=True
    )
    bare.start()
    raw = Producer({**cfg.kafka.librdkafka(), "acks": "all", "linger.ms": 0})
    with (
        running(stack.settings.logs) as workers,
        # The scenario has survivors: the SDK tokenises them (under the public demo key).
        AlertPublisher(AGENCY, cfg, privacy_key=DEMO_KEY, **{"linger.ms": 0}) as publisher,
    ):
        time.sleep(15)  # the worker joins its group and recovers its tables
        workers.check_alive()
        for rate in args.rates:
            alerts = _alerts(int(rate * args.seconds))
            (base,) = _measure(
                es,
                {bare_index: _documents},
                alerts,
                rate,
                lambda a: raw.produce(bare_topic, key=a["alert_id"].encode(), value=b"x" * 900),
                lambda: raw.flush(10),
            )
            base_p50 = _row(table, "bare: produce → consume → bulk", rate, base, None)
            alerts = _alerts(int(rate * args.seconds))
            prefix = cfg.elasticsearch.index_prefix
            searchable, correlated = _measure(
                es,
                {f"{prefix}-alerts": _documents, f"{prefix}-entities": _members},
                alerts,
                rate,
                publisher.publish,
                lambda: publisher.flush(10),
            )
            _row(table, "borderlink: SDK → worker → sink", rate, searchable, base_p50)
            _row(table, "  … its records in an entity", rate, correlated, base_p50)
            workers.check_alive()
    stop.set()
    console.print(table)


if __name__ == "__main__":
    main()
