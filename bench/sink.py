"""Indexing throughput: the Elasticsearch sink against a bare bulk loop, same node, same run.

    python -m bench.sink [--count 6000] [--sizes 2000:1000 5000:5000 500:500] [--repeats 2]

Sink: ``ElasticsearchSink`` end to end over Alert records already on a topic: consume →
Avro decode → documents → bulk → dead letters flushed → offsets committed. Timed from the
start of its first non-empty batch to the end of the batch that indexed the last record
(group join and index creation left out). Its ``alerts.valid`` route is pointed at a
bench-only topic, so the demo's topics, sinks and indices see nothing of the bench.

Baseline: ``elasticsearch.helpers.bulk`` of the same documents, built beforehand, into an
index with the same template (mapping, 1 shard, 0 replicas, refresh 1 s), same chunk size.
Runs alternate with the baseline's and each path's best of ``--repeats`` counts (the
machines are shared). Every run writes to fresh indices; the bench deletes its indices,
topic and groups at the end. Also timed alone, the sink's own CPU work: decoding the
records (confluent's ``AvroDeserializer``, as ``borderlink.serde`` does) and building
their documents.
Alerts: the scenario generator's, repeated with fresh ids under a bench agency.
"""

import argparse
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient
from elasticsearch import Elasticsearch, helpers
from rich.console import Console
from rich.table import Table

from borderlink import logs, topics
from borderlink.serde import Codec, codec, registry_client
from borderlink.settings import Settings, settings
from consumers import ElasticsearchSink, SinkSettings, elasticsearch_client, indices
from consumers.documents import Document, alert_document
from deploy.local import Stack
from producers.scenario import generate
from schemas import register_all

console = Console(width=max(Console().width, 110))  # the table stays whole
AGENCY = "pa.bench-sink"
T = TypeVar("T")


def _alerts(count: int) -> list[dict[str, Any]]:
    base = [a for a in generate(seed=13, networks=6).alerts if a["persons"]]
    return [
        {**base[i % len(base)], "alert_id": str(uuid.uuid4()), "agency": AGENCY, "country": "PA"}
        for i in range(count)
    ]


def _produce(cfg: Settings, topic: str, payloads: list[tuple[bytes, bytes]]) -> None:
    producer = Producer({**cfg.kafka.librdkafka(), "enable.idempotence": True, "linger.ms": 20})
    for key, value in payloads:
        while True:
            try:
                producer.produce(topic, key=key, value=value)
                break
            except BufferError:  # the local queue is full: let deliveries drain it
                producer.poll(0.1)
        producer.poll(0)
    if producer.flush(60):
        raise RuntimeError("records not delivered")


def _with_prefix(cfg: Settings, prefix: str) -> Settings:
    es = cfg.elasticsearch.model_copy(update={"index_prefix": prefix})
    return cfg.model_copy(update={"elasticsearch": es})


def bare_bulk(es: Elasticsearch, prefix: str, docs: list[Document], chunk: int) -> float:
    """documents/s of helpers.bulk into a fresh alerts index like the sink's."""
    spec = indices.specs(prefix)["alerts"]
    indices.ensure(es, {"alerts": spec})
    actions = [{"_index": spec.name, "_id": d.id, "_source": d.source} for d in docs]
    started = time.perf_counter()
    indexed, _ = helpers.bulk(es, actions, chunk_size=chunk)
    elapsed = time.perf_counter() - started
    if indexed != len(docs):
        raise RuntimeError(f"bulk indexed {indexed} of {len(docs)}")
    return len(docs) / elapsed


def sink(cfg: Settings, topic: str, group: str, count: int, batch: int, chunk: int) -> float:
    """documents/s of the sink over ``count`` records on ``topic``, into fresh indices."""
    runner = ElasticsearchSink(
        cfg, SinkSettings(group_id=group, batch_size=batch, chunk_size=chunk)
    )
    runner.routes = {topic: runner.routes[topics.VALID_ALERTS]}
    spans: list[tuple[float, float]] = []  # (start, end) of each non-empty batch
    process = runner.process

    def timed(*args: Any) -> int:
        started = time.perf_counter()
        consumed = process(*args)
        if consumed:
            spans.append((started, time.perf_counter()))
        return consumed

    runner.process = timed  # type: ignore[method-assign]
    deadline = time.monotonic() + 120
    stats = runner.run(lambda: runner.stats.indexed >= count or time.monotonic() > deadline)
    if stats.indexed != count or stats.dead_lettered:
        raise RuntimeError(f"sink indexed {stats.indexed} of {count}: {stats}")
    return count / (spans[-1][1] - spans[0][0])


def _timed(count: int, work: Callable[..., T], *args: Any) -> tuple[float, T]:
    """Items/s of ``work(*args)``, and its result."""
    started = time.perf_counter()
    result = work(*args)
    return count / (time.perf_counter() - started), result


def _decode(record_codec: Codec, topic: str, payloads: list[tuple[bytes, bytes]]) -> list[Any]:
    return [record_codec.decode(value, topic) for _, value in payloads]


def _cleanup(cfg: Settings, es: Elasticsearch, prefix: str, topic: str, groups: list[str]) -> None:
    """Delete what the bench made; by name, as Elasticsearch refuses wildcard deletes."""
    if made := list(es.indices.get(index=f"{prefix}-*")):
        es.indices.delete(index=",".join(made))
    found = es.options(ignore_status=404).indices.get_index_template(name=f"{prefix}-*")
    if templates := [t["name"] for t in found.body.get("index_templates", [])]:
        es.indices.delete_index_template(name=",".join(templates))
    admin = AdminClient(cfg.kafka.librdkafka())
    for future in admin.delete_topics([topic]).values():
        future.result()
    for future in admin.delete_consumer_groups(groups).values() if groups else []:
        future.result()


def _table(
    cfg: Settings,
    es: Elasticsearch,
    prefix: str,
    topic: str,
    groups: list[str],
    count: int,
    sizes: list[tuple[int, int]],
    repeats: int,
) -> Table:
    alerts = _alerts(count)
    alert_codec = codec(cfg.registry, "Alert")
    payloads = [(a["alert_id"].encode(), alert_codec.encode(a, topic)) for a in alerts]
    _produce(cfg, topic, payloads)
    size = sum(len(v) for _, v in payloads) / len(payloads)
    console.print(f"{count:,} alerts on {topic}, ~{size:.0f} bytes each as Avro")

    title = f"indexing {count:,} alerts into Elasticsearch (documents/s, best of {repeats})"
    table = Table(title=title)
    for column in ("path", "batch / chunk", "documents/s", "ratio to bare bulk"):
        table.add_column(column, justify="left" if column == "path" else "right")
    best: dict[str, float] = {}  # documents/s, the best run of each path

    def keep(path: str, rate: float) -> None:
        best[path] = max(rate, best.get(path, 0.0))

    for r in range(repeats):  # alternated, best of each: the machine's load drifts
        decode, decoded = _timed(count, _decode, alert_codec, topic, payloads)
        keep("decode", decode)
        build, docs = _timed(count, lambda records: list(map(alert_document, records)), decoded)
        keep("build", build)
        for i, (batch, chunk) in enumerate(sizes):
            keep(f"bare{i}", bare_bulk(es, f"{prefix}-bare{i}r{r}", docs, chunk))
            groups.append(f"{prefix}-{i}r{r}")
            sink_cfg = _with_prefix(cfg, f"{prefix}-sink{i}r{r}")
            keep(f"sink{i}", sink(sink_cfg, topic, groups[-1], count, batch, chunk))
    for i, (batch, chunk) in enumerate(sizes):
        bare, mine = best[f"bare{i}"], best[f"sink{i}"]
        table.add_row(
            "bare helpers.bulk (documents prebuilt)", f"— / {chunk:,}", f"{bare:,.0f}", "1.00"
        )
        table.add_row(
            "ElasticsearchSink: consume → decode → bulk → commit",
            f"{batch:,} / {chunk:,}",
            f"{mine:,.0f}",
            f"{mine / bare:.2f}",
            end_section=True,
        )
    for path, name in (("decode", "Avro decode (AvroDeserializer)"), ("build", "documents")):
        table.add_row(f"  the sink's CPU alone: {name}", "", f"{best[path]:,.0f}")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=6_000)
    parser.add_argument(
        "--sizes",
        nargs="+",
        default=["2000:1000", "5000:5000"],
        help="sink batch:chunk pairs (the first is the default); each against bulk of its chunk",
    )
    parser.add_argument("--repeats", type=int, default=2, help="alternated runs; best counts")
    args = parser.parse_args()
    logs.configure("WARNING")  # the sink's per-batch lines would bury the table
    sizes = [(int(b), int(c)) for b, c in (size.split(":") for size in args.sizes)]
    cfg = settings()
    Stack().up()
    register_all(registry_client(cfg.registry))
    es = elasticsearch_client(cfg)
    run = uuid.uuid4().hex[:8]
    prefix, topic = f"bench-sink-{run}", f"bench.sink-{run}"
    topics.provision(AdminClient(cfg.kafka.librdkafka()), [topic])
    groups: list[str] = []  # the sinks' consumer groups, deleted at the end
    try:
        table = _table(cfg, es, prefix, topic, groups, args.count, sizes, args.repeats)
    finally:
        _cleanup(cfg, es, prefix, topic, groups)
    console.print(table)


if __name__ == "__main__":
    main()
