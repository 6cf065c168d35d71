"""The graph stage's cost per update as networks grow: one by one, in batches, and against
rebuilding components.

    python -m bench.graph [--records 3000] [--sizes 10 100 1000] [--batches 10 100] [--tables]

Each run feeds the same number of records into ``streams.graph.Graph`` (dict stores; with
``--tables``, stores that keep JSON and decode on every read, as faust's tables do),
arranged as networks of a given size: every record is an alert with one person who HOLDS
one phone, and every person after a network's first is linked (SAME_PERSON, MATCH) to an
earlier one of its network. Alerts and links of all networks interleave, as traffic from
many agencies does.

One by one, every update rebuilds and publishes the person entity and the network it
touched, whose records list all their members: the cost per update follows network size,
not the number of records stored. In batches (``Graph.update``, what the worker's graph
stage calls with the messages that queued up meanwhile), each touched network is rebuilt
once per batch: the ratio column is the batched cost per update against one by one.

The baseline, in the same run: what a stage without incremental components would do,
union-find over every edge seen so far after each update (``streams.resolve.Clusters``),
timed on the first updates only, as it grows with everything stored.
"""

import argparse
import json
import random
import statistics
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from streams.graph import Graph
from streams.links import link_id
from streams.relations import alert_structure
from streams.resolve import Clusters

console = Console(width=150)
AT = datetime(2026, 11, 23, tzinfo=UTC)
COUNTRIES = ("CO", "CR", "EC", "GY", "PA", "PE", "TT")


def _ref(alert: dict[str, Any]) -> dict[str, str]:
    return {
        "alert_id": alert["alert_id"],
        "record_id": "p1",
        "agency": alert["agency"],
        "country": alert["country"],
    }


def workload(records: int, size: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    """Graph-topic messages (alert structures and links), networks interleaved."""
    rng = random.Random(seed)
    networks: list[list[dict[str, Any]]] = [[] for _ in range(max(1, records // size))]
    for i in range(records):
        members = networks[i % len(networks)]
        country = rng.choice(COUNTRIES)
        alert = {
            "alert_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "agency": f"{country.lower()}.police",
            "country": country,
            "persons": [{"record_id": "p1", "full_name": f"PERSON {i}"}],
            "phones": [{"record_id": "t1", "holder_ref": "p1", "number": f"+1 868 {i:07d}"}],
        }
        yield alert_structure(alert)
        if members:
            left, right = _ref(rng.choice(members)), _ref(alert)
            link = {
                "link_id": link_id("SAME_PERSON", left, right),
                "kind": "SAME_PERSON",
                "decision": "MATCH",
                "score": 20.0,
                "left": left,
                "right": right,
                "cross_border": left["country"] != right["country"],
                "explanation": [],
                "created_at": 0,
            }
            yield {"link": link, "hub_key": None}
        members.append(alert)


class JsonTable(dict[str, Any]):
    """Values kept as JSON, as in faust's RocksDB tables: every read decodes again."""

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, json.dumps(value))

    def __getitem__(self, key: str) -> Any:
        return json.loads(super().__getitem__(key))

    def get(self, key: str, default: Any = None) -> Any:
        raw = super().get(key)
        return default if raw is None else json.loads(raw)


def run_graph(records: int, size: int, batch: int = 1, tables: bool = False) -> list[float]:
    """Seconds per update; in batches, each update of a batch is charged an equal share."""
    store = JsonTable if tables else dict
    graph = Graph(store(), store(), store(), store())
    messages = list(workload(records, size))
    costs = []
    for start in range(0, len(messages), batch):
        chunk = messages[start : start + batch]
        began = time.perf_counter()
        graph.update(chunk, AT)
        graph.commit()  # as the worker does, once the batch's records are sent
        costs += [(time.perf_counter() - began) / len(chunk)] * len(chunk)
    return costs


def run_rebuild(records: int, size: int, updates: int) -> list[float]:
    """Union-find over all edges so far, after every update: the non-incremental baseline."""
    edges: list[tuple[str, str]] = []
    costs = []
    for n, message in enumerate(workload(records, size)):
        if n >= updates:
            break
        start = time.perf_counter()
        if "records" in message:
            alert_id = message["alert_id"]
            edges += [(f"{alert_id}/{a}", f"{alert_id}/{b}") for a, b, _ in message["relations"]]
        else:
            edges.append((_key(message["link"]["left"]), _key(message["link"]["right"])))
        clusters = Clusters()
        for a, b in edges:
            clusters.add(a)
            clusters.add(b)
            clusters.union(a, b)
        costs.append(time.perf_counter() - start)
    return costs


def _key(ref: dict[str, str]) -> str:
    return f"{ref['alert_id']}/{ref['record_id']}"


def _ms(costs: list[float], q: float) -> float:
    return statistics.quantiles(costs, n=100)[int(q) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--batches", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--baseline-updates", type=int, default=2000)
    parser.add_argument(
        "--tables", action="store_true", help="JSON-encoded stores, like faust's tables"
    )
    args = parser.parse_args()

    stores = "JSON tables" if args.tables else "dict stores"
    table = Table(title=f"graph stage: {args.records:,} records (+ their phones) per run, {stores}")
    columns = ["network size", "updates/s", "p50 ms", "p99 ms", "cost vs smallest"]
    for batch in args.batches:
        columns += [f"batches of {batch}: updates/s", "cost vs one by one"]
    for column in columns:
        table.add_column(column, justify="right")
    first_mean = None
    for size in args.sizes:
        costs = run_graph(args.records, size, tables=args.tables)
        mean = statistics.fmean(costs)
        first_mean = first_mean or mean
        row = [
            f"{size:,}",
            f"{len(costs) / sum(costs):,.0f}",
            f"{_ms(costs, 50):.3f}",
            f"{_ms(costs, 99):.3f}",
            f"{mean / first_mean:.2f}",
        ]
        for batch in args.batches:
            batched = run_graph(args.records, size, batch, args.tables)
            row += [
                f"{len(batched) / sum(batched):,.0f}",
                f"{statistics.fmean(batched) / mean:.3f}",
            ]
        table.add_row(*row)
    console.print(table)

    size = args.sizes[0]
    updates = args.baseline_updates
    incremental = run_graph(args.records, size, tables=args.tables)[:updates]
    rebuild = run_rebuild(args.records, size, updates)
    ratio = statistics.fmean(rebuild) / statistics.fmean(incremental)
    console.print(
        f"first {updates:,} updates, networks of {size}: incremental "
        f"{statistics.fmean(incremental) * 1000:.3f} ms/update vs rebuilding all components "
        f"{statistics.fmean(rebuild) * 1000:.3f} ms/update ({ratio:.0f} times slower, and growing "
        "with every record stored)"
    )


if __name__ == "__main__":
    main()
