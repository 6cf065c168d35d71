"""The main job: stack up, a multi-agency scenario published, correlated, searchable.

Runs the real pieces as a deployment would: the faust worker and the Elasticsearch sink as
their own processes (``borderlink worker``, ``borderlink sink``), agencies publishing
through the SDK, and one corrupt record to show the dead-letter path.
"""

import time
from collections import Counter
from collections.abc import Callable

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient
from elasticsearch import Elasticsearch, helpers
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from borderlink import topics
from borderlink.serde import codec, registry_client
from borderlink.settings import Settings
from borderlink.workers import running
from consumers import elasticsearch_client, search_names
from consumers.render import hits_table
from deploy.local import Stack
from producers import AlertPublisher
from producers.scenario import Scenario, generate
from schemas import register_all

console = Console()


def _publish(cfg: Settings, scenario: Scenario) -> None:
    by_agency: dict[str, list[dict]] = {}
    for alert in scenario.alerts:
        by_agency.setdefault(alert["agency"], []).append(alert)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("publishing alerts", total=len(scenario.alerts))
        for agency, alerts in by_agency.items():
            with AlertPublisher(agency, cfg) as publisher:
                for alert in alerts:
                    publisher.publish(alert)
                    progress.advance(task)


def _publish_corrupt(cfg: Settings, agency: str) -> None:
    """Bytes that are not an Avro alert, as a broken agency system might send."""
    producer = Producer(cfg.kafka.librdkafka())
    producer.produce(topics.inbound(agency), key=b"corrupt-1", value=b"<alert>not avro</alert>")
    producer.flush(10)


def _wait_indexed(
    es: Elasticsearch, index: str, ids: list[str], timeout_s: float, alive: Callable[[], None]
) -> int:
    deadline = time.monotonic() + timeout_s
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("correlating and indexing", total=len(ids))
        while time.monotonic() < deadline:
            alive()
            if es.indices.exists(index=index):
                es.indices.refresh(index=index)
                count = es.count(index=index, query={"ids": {"values": ids}})["count"]
                progress.update(task, completed=count)
                if count == len(ids):
                    return count
            time.sleep(1)
    raise TimeoutError(f"only some alerts were searchable after {timeout_s}s: see .stack/logs")


def _wait_links_settle(es: Elasticsearch, index: str, quiet_s: float = 8) -> int:
    """Links keep arriving a little after the alerts: wait until the count stops moving."""
    last, since = -1, time.monotonic()
    while time.monotonic() - since < quiet_s:
        es.indices.refresh(index=index)
        count = es.count(index=index)["count"] if es.indices.exists(index=index) else 0
        if count != last:
            last, since = count, time.monotonic()
        time.sleep(1)
    return last


def _against_truth(es: Elasticsearch, links_index: str, scenario: Scenario) -> str:
    """How the person links compare with the scenario's ground truth (same entity or not)."""
    truth = scenario.truth
    true_pairs = scenario.true_pairs("persons")
    ids = sorted({str(a["alert_id"]) for a in scenario.alerts})
    found = set()
    query = {"bool": {"filter": [
        {"term": {"kind": "SAME_PERSON"}},
        {"terms": {"left.alert_id": ids}},
        {"terms": {"right.alert_id": ids}},
    ]}}  # fmt: skip
    for hit in helpers.scan(es, index=links_index, query={"query": query}):
        left, right = hit["_source"]["left"], hit["_source"]["right"]
        found.add(
            frozenset(
                {(left["alert_id"], left["record_id"]), (right["alert_id"], right["record_id"])}
            )
        )
    correct = sum(1 for pair in found if len({truth.get(ref) for ref in pair}) == 1)
    precision = correct / len(found) if found else 0.0
    recall = len(found & true_pairs) / len(true_pairs) if true_pairs else 0.0
    return (
        f"against the scenario's ground truth: {len(found)} person links, "
        f"precision {precision:.2f}, recall {recall:.2f} of {len(true_pairs)} true pairs"
    )


def _summary(es: Elasticsearch, prefix: str, scenario: Scenario, cfg: Settings) -> None:
    agencies = Counter((a["country"], a["agency"]) for a in scenario.alerts)
    table = Table(title="alerts published")
    table.add_column("country")
    table.add_column("agency")
    table.add_column("alerts", justify="right")
    for (country, agency), n in sorted(agencies.items()):
        table.add_row(country, agency, str(n))
    console.print(table)

    links_index = f"{prefix}-links"
    aggs = es.search(
        index=links_index,
        size=0,
        aggs={
            "decision": {"terms": {"field": "decision"}},
            "cross_border": {"terms": {"field": "cross_border"}},
        },
    )["aggregations"]
    decisions = {b["key"]: b["doc_count"] for b in aggs["decision"]["buckets"]}
    crossing = {b["key_as_string"]: b["doc_count"] for b in aggs["cross_border"]["buckets"]}
    console.print(f"links: {decisions}; cross-border: {crossing.get('true', 0)}")
    console.print(_against_truth(es, links_index, scenario))
    hubs_index = f"{prefix}-hubs"
    if es.indices.exists(index=hubs_index):
        for hit in es.search(index=hubs_index, size=5)["hits"]["hits"]:
            console.print(f"hub: {hit['_source']['reason']}")

    top = es.search(
        index=links_index, size=1, sort=[{"score": "desc"}], query={"term": {"cross_border": True}}
    )["hits"]["hits"]
    if top:
        ref = top[0]["_source"]["left"]
        alert = es.get(index=f"{prefix}-alerts", id=ref["alert_id"])["_source"]
        person = next(p for p in alert["persons"] if p["record_id"] == ref["record_id"])
        name = person.get("full_name") or f"{person.get('given_names')} {person.get('surnames')}"
        console.print(hits_table(name, search_names(es, prefix, name)))
        console.print(f"try it yourself: [bold].venv/bin/borderlink search {name!r}[/]")

    letters = codec(cfg.registry, "DeadLetter")
    consumer = Consumer(
        {
            **cfg.kafka.librdkafka(),
            "group.id": f"demo-dlq-{time.time_ns()}",
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([topics.dead_letter("validate")])
    reasons = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not reasons:
        msg = consumer.poll(0.5)
        if msg is not None and not msg.error():
            letter = letters.decode(msg.value(), msg.topic())
            reasons.append(f"{letter['source_topic']}: {letter['reason'][:120]}")
    consumer.close()
    for reason in reasons:
        console.print(f"dead letter (nothing dropped): {reason}")


def run(cfg: Settings, seed: int = 7, networks: int = 4) -> None:
    stack = Stack()
    console.rule("1. local stack")
    console.print(f"stack healthy in {stack.up():.1f}s")

    console.rule("2. contract and topics")
    for subject, schema_id in register_all(registry_client(cfg.registry)).items():
        console.print(f"schema {subject}: id {schema_id}")
    scenario = generate(seed=seed, networks=networks)
    agencies = sorted({a["agency"] for a in scenario.alerts})
    topics.provision(
        AdminClient(cfg.kafka.librdkafka()),
        [*topics.pipeline_topics(), *(topics.inbound(a) for a in agencies)],
        cfg.kafka.topic_partitions,
        cfg.kafka.topic_replication,
    )
    console.print(f"{len(agencies)} agencies in {len({a[:2] for a in agencies})} countries")

    es = elasticsearch_client(cfg)
    prefix = cfg.elasticsearch.index_prefix
    with running(stack.settings.logs) as workers:
        for name, proc in workers.procs.items():
            console.print(f"started {name} (pid {proc.pid}, log {workers.log_file(name)})")
        console.rule("3. agencies publish")
        _publish(cfg, scenario)
        _publish_corrupt(cfg, agencies[0])
        console.print(f"published {len(scenario.alerts)} alerts and 1 corrupt record")

        console.rule("4. correlated and searchable")
        ids = [str(a["alert_id"]) for a in scenario.alerts]
        _wait_indexed(es, f"{prefix}-alerts", ids, 300, workers.check_alive)
        links = _wait_links_settle(es, f"{prefix}-links")
        console.print(f"{len(ids)} alerts searchable, {links} links indexed")
    _summary(es, prefix, scenario, cfg)
    console.print("the stack keeps running: [bold].venv/bin/borderlink stack down[/] stops it")
