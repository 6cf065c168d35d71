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
from borderlink.lag import group_lag
from borderlink.serde import codec, registry_client
from borderlink.settings import Settings
from borderlink.workers import running
from consumers import SinkSettings, elasticsearch_client, search_names
from consumers.render import hits_table
from consumers.sink import ROUTES as SINK_ROUTES
from deploy.local import Stack
from producers import AlertPublisher
from producers.scenario import Scenario, generate
from schemas import register_all
from streams.settings import StreamSettings

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


def _wait_drained(
    cfg: Settings, groups: dict[str, list[str]], timeout_s: float, alive: Callable[[], None]
) -> None:
    """Until the worker and the sink have committed everything published so far, twice in a
    row (the worker's outputs are the sink's inputs, so one quiet look is not enough)."""
    kafka = cfg.kafka.librdkafka()
    admin, consumer = AdminClient(kafka), Consumer({**kafka, "group.id": "demo-lag-probe"})
    deadline, quiet = time.monotonic() + timeout_s, 0
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("correlating and indexing", total=None)
            while quiet < 2:
                alive()
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the pipeline still lags after {timeout_s}s: .stack/logs")
                lags = [group_lag(admin, consumer, g, read) for g, read in groups.items()]
                behind = sum(lag or 0 for lag in lags)
                progress.update(task, description=f"correlating and indexing: {behind} behind")
                quiet = quiet + 1 if behind == 0 and None not in lags else 0
                time.sleep(2)
    finally:
        consumer.close()


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


def _networks(es: Elasticsearch, prefix: str, scenario: Scenario) -> None:
    """Entities and networks as indexed, and how the networks compare with the true ones."""
    ids = sorted({str(a["alert_id"]) for a in scenario.alerts})
    query = {"bool": {"filter": [
        {"term": {"status": "ACTIVE"}}, {"terms": {"members.alert_id": ids}},
    ]}}  # fmt: skip
    network_of: dict[tuple[str, str], str] = {}
    kinds: Counter[str] = Counter()
    for hit in helpers.scan(es, index=f"{prefix}-entities", query={"query": query}):
        entity = hit["_source"]
        kinds[entity["kind"]] += 1
        for m in entity["members"]:
            network_of[(m["alert_id"], m["record_id"])] = entity["network_id"]
    networks = set(network_of.values())
    cross_border = {"term": {"cross_border": True}}
    wanted = {"ids": {"values": sorted(networks)}}
    crossing = es.count(
        index=f"{prefix}-networks", query={"bool": {"filter": [wanted, cross_border]}}
    )["count"]
    hits = es.count(index=f"{prefix}-hits", query={"terms": {"network_id": sorted(networks)}})
    console.print(
        f"entities: {dict(kinds.most_common())}; {len(networks)} networks, {crossing} of them "
        f"cross-border; {hits['count']} cross-border hits on hits.crossborder"
    )
    # The scenario's own networks are the entity ids' scopes n1, n2...; "bg" is background.
    true_network = {
        ref: entity.split(":")[1].split(".")[0]
        for ref, entity in scenario.truth.items()
        if ref in network_of
    }
    table = Table(title="networks against the scenario's truth")
    columns = ("true network", "records", "Borderlink networks", "largest holds", "+ others")
    for column in columns:
        table.add_column(column, justify="right")
    for name in sorted({n for n in true_network.values() if n.startswith("n")}):
        found = Counter(network_of[r] for r, n in true_network.items() if n == name)
        total = sum(found.values())
        (largest, held), *_ = found.most_common(1)
        # Records of background people or other networks that the largest one took in.
        others = sum(1 for r, n in true_network.items() if network_of[r] == largest and n != name)
        table.add_row(name, str(total), str(len(found)), f"{held / total:.0%}", str(others))
    console.print(table)
    mixed = Counter(
        network
        for network in networks
        if len({n for r, n in true_network.items() if network_of[r] == network and n[0] == "n"}) > 1
    )
    console.print(f"Borderlink networks that mix two true networks: {len(mixed)}")


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
    ids = sorted({str(a["alert_id"]) for a in scenario.alerts})
    aggs = es.search(
        index=links_index,
        size=0,
        query={"terms": {"left.alert_id": ids}},
        aggs={
            "decision": {"terms": {"field": "decision"}},
            "cross_border": {"terms": {"field": "cross_border"}},
        },
    )["aggregations"]
    decisions = {b["key"]: b["doc_count"] for b in aggs["decision"]["buckets"]}
    crossing = {b["key_as_string"]: b["doc_count"] for b in aggs["cross_border"]["buckets"]}
    console.print(f"links: {decisions}; cross-border: {crossing.get('true', 0)}")
    console.print(_against_truth(es, links_index, scenario))
    _networks(es, prefix, scenario)
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
        inbound = [topics.inbound(a) for a in agencies]
        groups = {StreamSettings().app_id: inbound, SinkSettings().group_id: list(SINK_ROUTES)}
        _wait_drained(cfg, groups, 600, workers.check_alive)
        ids = [str(a["alert_id"]) for a in scenario.alerts]
        # A retraction takes its alert out of search, and is not indexed itself.
        events = [a["event"] for a in scenario.alerts]
        withdrawn = [str(e["retracts_alert_id"]) for e in events if e["kind"] == "RETRACTION"]
        es.indices.refresh(index=f"{prefix}-*")
        found = es.count(index=f"{prefix}-alerts", query={"ids": {"values": ids}})["count"]
        expected = len(ids) - 2 * len(withdrawn)
        verdict = "as expected" if found == expected else f"[red]expected {expected}[/]"
        console.print(
            f"{found} of {len(ids)} alerts searchable with their links and networks, {verdict}: "
            f"{len(withdrawn)} were withdrawn by retractions, which are not indexed either"
        )
    _summary(es, prefix, scenario, cfg)
    console.print("the stack keeps running: [bold].venv/bin/borderlink stack down[/] stops it")
