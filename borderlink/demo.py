"""The main job: stack up, a multi-agency scenario published, correlated, searchable.

Runs the real pieces as a deployment would: the faust worker and the Elasticsearch sink as
their own processes (``borderlink worker``, ``borderlink sink``), agencies publishing
through the SDK, and one corrupt record to show the dead-letter path. Victims are
published as keyed tokens only, under a demo-only network key unless one is configured.
"""

import time
from collections import Counter, defaultdict
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
from consumers.sink import SHARED
from deploy.local import Stack
from producers import AlertPublisher
from producers.disclosures import read_notices
from producers.privacy import DEMO_KEY, NetworkKey, PrivacySettings, is_protected
from producers.scenario import Scenario, generate
from schemas import register_all
from streams.settings import StreamSettings

console = Console()
# For this local demo only, and public: survivors' tokens need a network key, which real
# agencies share out of band (BORDERLINK_PRIVACY_KEY). Anyone can rebuild tokens under it.


def _network_key() -> NetworkKey:
    configured = PrivacySettings()
    if configured.key is not None:
        console.print(f"survivor tokens under the network key of epoch {configured.key_epoch}")
        return configured.network_key()
    console.print(
        "[yellow]survivor tokens under the DEMO-ONLY network key (public, epoch 'demo'); "
        "set BORDERLINK_PRIVACY_KEY for a real one[/]"
    )
    return DEMO_KEY


def _publish(cfg: Settings, scenario: Scenario, key: NetworkKey) -> int:
    """Publish every alert; returns how many protected persons went out as tokens only."""
    by_agency: dict[str, list[dict]] = {}
    for alert in scenario.alerts:
        by_agency.setdefault(alert["agency"], []).append(alert)
    protected = 0
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("publishing alerts", total=len(scenario.alerts))
        for agency, alerts in by_agency.items():
            with AlertPublisher(agency, cfg, privacy_key=key) as publisher:
                for alert in alerts:
                    publisher.publish(alert)
                    progress.advance(task)
            protected += publisher.report.protected
    return protected


def _protected(scenario: Scenario) -> set[tuple[str, str]]:
    return {
        (str(a["alert_id"]), p["record_id"])
        for a in scenario.alerts
        for p in a["persons"]
        if is_protected(p)
    }


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
    """How the person links compare with the scenario's ground truth (same entity or not).
    A survivor's record is published as tokens only, so a true pair with one makes no
    person link by design: those pairs are counted apart (``_survivors``)."""
    truth = scenario.truth
    protected = _protected(scenario)
    every_pair = scenario.true_pairs("persons")
    true_pairs = {pair for pair in every_pair if not pair & protected}
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
        f"precision {precision:.2f}, recall {recall:.2f} of the {len(true_pairs)} true pairs "
        f"between unprotected records ({len(every_pair) - len(true_pairs)} more involve a "
        "survivor's record: tokens only, no plaintext link)"
    )


def _survivors(cfg: Settings, scenario: Scenario, published: int) -> None:
    """The hits on survivors' tokens, as the agencies were told on out.<agency>.notices,
    against the truth: only pairs of protected records at two agencies can be hits."""
    protected = _protected(scenario)
    refs: defaultdict[str, set[tuple[str, str]]] = defaultdict(set)
    for agency in sorted({a["agency"] for a in scenario.alerts}):
        for kind, notice in read_notices(agency, cfg):
            alert_id, _, record_id = notice.get("record_ref", "").partition("/")
            if kind == "HitNotice" and (alert_id, record_id) in protected:
                refs[notice["hit_id"]].add((alert_id, record_id))
    hits = {frozenset(pair) for pair in refs.values() if len(pair) == 2}
    agency_of = {str(a["alert_id"]): a["agency"] for a in scenario.alerts}
    true_pairs = {
        pair
        for pair in scenario.true_pairs("persons")
        if pair <= protected and len({agency_of[alert_id] for alert_id, _ in pair}) == 2
    }
    console.print(
        f"survivors: {published} protected records published as tokens only; "
        f"{len(hits)} hits between agencies ({2 * len(hits)} notices on out.<agency>.notices), "
        f"{len(hits & true_pairs)} of them true, of {len(true_pairs)} true pairs of survivor "
        "records at two agencies"
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


KIND_NAMES = {
    "ALERT": "alerts",
    "LINK": "links",
    "ENTITY": "entities",
    "NETWORK": "networks",
    "HIT": "hits",
}


def _sharing(es: Elasticsearch, prefix: str) -> None:
    """What the policy stage released to each agency (docs/sharing.md), and a check of the
    rules on every copy: a RED alert reaches only the agencies its marking names."""
    shared = f"{prefix}-shared-*"
    es.indices.refresh(index=shared)
    aggs = {
        "kinds": {"terms": {"field": "share.kind", "size": 10}},
        "recipients": {"cardinality": {"field": "share.recipient"}},
        "withheld": {"terms": {"field": "share.withheld.reason", "size": 10}},
    }
    found = es.search(index=shared, size=0, aggs=aggs)
    kinds = {b["key"]: b["doc_count"] for b in found["aggregations"]["kinds"]["buckets"]}
    recipients = found["aggregations"]["recipients"]["value"]
    console.print(
        f"shared: {found['hits']['total']['value']} copies to {recipients} agencies "
        f"({', '.join(f'{n} {KIND_NAMES[k]}' for k, n in sorted(kinds.items()))}), "
        "each in its agency's view <prefix>-view-<agency>-*"
    )
    table = Table(title="what the copies lack, and why (copies with such a part)")
    table.add_column("reason")
    table.add_column("copies", justify="right")
    for bucket in found["aggregations"]["withheld"]["buckets"]:
        table.add_row(bucket["key"], str(bucket["doc_count"]))
    console.print(table)
    red = helpers.scan(es, index=shared, query={"query": {"term": {"share.sources.tlp": "RED"}}})
    checked = broken = 0
    for hit in red:
        share = hit["_source"]["share"]
        for source in share["sources"]:
            if source["tlp"] == "RED":
                checked += 1
                own = source["agreement"] == "own"
                names = _releasable_to(es, prefix, source["alert_id"])
                recipient = share["recipient"]
                broken += not (own or recipient in names or recipient[:2].upper() in names)
    verdict = "[green]none elsewhere[/]" if not broken else f"[red]{broken} elsewhere[/]"
    console.print(
        f"RED sources in copies: {checked}, each with its agency or one it names: {verdict}"
    )


def _releasable_to(es: Elasticsearch, prefix: str, alert_id: str) -> set[str]:
    """Who an alert names as its recipients (agency ids, country codes), from the
    pipeline's own index."""
    found = es.search(index=f"{prefix}-alerts", query={"term": {"alert_id": alert_id}}, size=1)
    hits = found["hits"]["hits"]
    return set(hits[0]["_source"]["marking"]["releasable_to"]) if hits else set()


def _summary(
    es: Elasticsearch, prefix: str, scenario: Scenario, cfg: Settings, protected: int
) -> None:
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
    _survivors(cfg, scenario, protected)
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
        [*topics.pipeline_topics(), *(t for a in agencies for t in topics.agency_topics(a))],
        cfg.kafka.topic_partitions,
        cfg.kafka.topic_replication,
    )
    console.print(f"{len(agencies)} agencies in {len({a[:2] for a in agencies})} countries")
    key = _network_key()

    es = elasticsearch_client(cfg)
    prefix = cfg.elasticsearch.index_prefix
    with running(stack.settings.logs) as workers:
        for name, proc in workers.procs.items():
            console.print(f"started {name} (pid {proc.pid}, log {workers.log_file(name)})")
        console.rule("3. agencies publish")
        protected = _publish(cfg, scenario, key)
        _publish_corrupt(cfg, agencies[0])
        console.print(f"published {len(scenario.alerts)} alerts and 1 corrupt record")

        console.rule("4. correlated and searchable")
        app_id = StreamSettings().app_id
        # The survivor stage's topic too: its notices are read below.
        worker_reads = [*(topics.inbound(a) for a in agencies), f"{app_id}-survivors"]
        groups = {app_id: worker_reads, SinkSettings().group_id: list(SINK_ROUTES)}
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
        console.rule("5. shared with each agency, as its markings allow")
        # The policy stage's queue, then the sink's copies of what it released.
        listed = AdminClient(cfg.kafka.librdkafka()).list_topics(timeout=10).topics
        shared = sorted(t for t in listed if SHARED.match(t))
        drained = {app_id: [f"{app_id}-policy"], SinkSettings().group_id: shared}
        _wait_drained(cfg, drained, 600, workers.check_alive)
        _sharing(es, prefix)
    _summary(es, prefix, scenario, cfg, protected)
    console.print("the stack keeps running: [bold].venv/bin/borderlink stack down[/] stops it")
