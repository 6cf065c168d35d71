"""Producer throughput: Avro through the registry (the SDK) against raw bytes, same broker.

    python -m bench.producer [--count 20000]

Also times the serializers alone: fastavro, the Apache ``avro`` package, and confluent's
``AvroSerializer`` (fastavro + registry framing). Ratios are against a baseline measured in
the same run; absolute figures vary with the machine's load.
"""

import argparse
import io
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import avro.io
import avro.schema
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient
from confluent_kafka.serialization import MessageField, SerializationContext
from fastavro import schemaless_writer
from rich.console import Console
from rich.table import Table

from borderlink import topics
from borderlink.serde import registry_client
from borderlink.settings import settings
from deploy.local import Stack
from producers import AlertPublisher
from producers.privacy import DEMO_KEY
from producers.publisher import alert_serializer
from producers.scenario import generate
from schemas import ALERT, register_all, schema_str

console = Console()
AGENCY = "pa.bench-producer"


def _alerts(count: int) -> list[dict[str, Any]]:
    """Scenario alerts, cycled with fresh ids up to ``count``, under a bench-only agency
    (never a demo agency's topic: a worker would have to process them all)."""
    base = [a for a in generate(seed=11, networks=6).alerts if a["persons"]]
    return [
        {**base[i % len(base)], "alert_id": str(uuid.uuid4()), "agency": AGENCY, "country": "PA"}
        for i in range(count)
    ]


def _rate(count: int, run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return count / (time.perf_counter() - start)


def serializers(alerts: list[dict[str, Any]]) -> list[tuple[str, float]]:
    apache_schema = avro.schema.parse(schema_str("Alert"))
    apache_writer = avro.io.DatumWriter(apache_schema)

    def apache() -> None:
        for alert in alerts:
            buf = io.BytesIO()
            apache_writer.write(alert, avro.io.BinaryEncoder(buf))

    def fast() -> None:
        for alert in alerts:
            schemaless_writer(io.BytesIO(), ALERT, alert)

    confluent = alert_serializer(registry_client(settings().registry))
    ctx = SerializationContext("bench", MessageField.VALUE)

    def framed() -> None:
        for alert in alerts:
            confluent(alert, ctx)

    n = len(alerts)
    return [
        ("avro (Apache)", _rate(n, apache)),
        ("fastavro", _rate(n, fast)),
        ("confluent AvroSerializer", _rate(n, framed)),
    ]


def producers(alerts: list[dict[str, Any]], run_id: str) -> list[tuple[str, float]]:
    cfg = settings()
    agency = alerts[0]["agency"]
    topic = topics.inbound(agency)
    raw_topic = f"bench.raw-{run_id}"
    topics.provision(AdminClient(cfg.kafka.librdkafka()), [topic, raw_topic])
    serialize = alert_serializer(registry_client(cfg.registry))
    payloads = [serialize(a, SerializationContext(topic, MessageField.VALUE)) for a in alerts]
    conf = {
        **cfg.kafka.librdkafka(),
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 20,
        "compression.type": "zstd",
    }

    def raw() -> None:
        producer = Producer(conf)
        for alert, payload in zip(alerts, payloads, strict=True):
            while True:
                try:
                    producer.produce(raw_topic, key=alert["alert_id"].encode(), value=payload)
                    break
                except BufferError:
                    producer.poll(0.1)
            producer.poll(0)
        producer.flush(60)

    def sdk() -> None:
        # The scenario has survivors: the SDK tokenises them (under the public demo key).
        with AlertPublisher(agency, cfg, privacy_key=DEMO_KEY) as publisher:
            for alert in alerts:
                publisher.publish(alert)

    n = len(alerts)
    return [
        ("raw bytes producer (baseline)", _rate(n, raw)),
        ("SDK: validate + Avro/registry + produce", _rate(n, sdk)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=20_000)
    args = parser.parse_args()
    Stack().up()
    register_all(registry_client(settings().registry))
    alerts = _alerts(args.count)
    size = sum(len(json.dumps(a, default=str)) for a in alerts) / len(alerts)
    console.print(f"{args.count} alerts, ~{size:.0f} bytes each as JSON")

    table = Table(title="serialization (alerts/s)")
    table.add_column("serializer")
    table.add_column("alerts/s", justify="right")
    table.add_column("ratio to avro (Apache)", justify="right")
    rows = serializers(alerts)
    for name, rate in rows:
        table.add_row(name, f"{rate:,.0f}", f"{rate / rows[0][1]:.1f}")
    console.print(table)

    table = Table(title="producer throughput, same broker (alerts/s)")
    table.add_column("path")
    table.add_column("alerts/s", justify="right")
    table.add_column("ratio to raw", justify="right")
    rows = producers(alerts, uuid.uuid4().hex[:8])
    for name, rate in rows:
        table.add_row(name, f"{rate:,.0f}", f"{rate / rows[0][1]:.2f}")
    console.print(table)


if __name__ == "__main__":
    main()
