"""The graph stage's cost per update as networks grow, against rebuilding components.

    python -m bench.graph [--records 3000] [--sizes 10 100 1000]

Each run feeds the same number of records into ``streams.graph.Graph`` (dict stores),
arranged as networks of a given size: every record is an alert with one person who HOLDS
one phone, and every person after a network's first is linked (SAME_PERSON, MATCH) to an
earlier one of its network. Alerts and links of all networks interleave, as traffic from
many agencies does. The graph walks only the networks an update touches, so its cost per
update follows network size, not the number of records stored.

The baseline, in the same run: what a stage without incremental components would do,
union-find over every edge seen so far after each update (``streams.resolve.Clusters``),
timed on the first updates only, as it grows with everything stored.
"""

import argparse
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

console = Console()
AT = datetime(2026, 11, 23, tzinfo=UTC)
COUNTRIES = ("CO", "CR", "EC", "GY", "PA", "PE", "TT")


def _ref(alert: dict[str, Any]) -> dict[str, str]:
    return {
        "alert_id": alert["alert_id"],
        "record_id": "p1",
        "agency": alert["agency"],
        "country": alert["country"],
    }


def workload(records: int, size: int, seed: int = 1) -> Iterator[tuple[str, dict[str, Any]]]:
    """("alert", structure) and ("link", link) events, networks interleaved."""
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
        yield "alert", alert_structure(alert)
        if members:
            left, right = _ref(rng.choice(members)), _ref(alert)
            yield (
                "link",
                {
                    "link_id": link_id("SAME_PERSON", left, right),
                    "kind": "SAME_PERSON",
                    "decision": "MATCH",
                    "score": 20.0,
                    "left": left,
                    "right": right,
                    "cross_border": left["country"] != right["country"],
                    "explanation": [],
                    "created_at": 0,
                },
            )
        members.append(alert)


def _apply(graph: Graph, kind: str, event: dict[str, Any]) -> None:
    if kind == "alert":
        graph.add_alert(event, AT)
    else:
        graph.add_link(event, AT)


def run_graph(records: int, size: int) -> list[float]:
    graph = Graph({}, {}, {}, {})
    costs = []
    for kind, event in workload(records, size):
        start = time.perf_counter()
        _apply(graph, kind, event)
        costs.append(time.perf_counter() - start)
    return costs


def run_rebuild(records: int, size: int, updates: int) -> list[float]:
    """Union-find over all edges so far, after every update: the non-incremental baseline."""
    edges: list[tuple[str, str]] = []
    costs = []
    for n, (kind, event) in enumerate(workload(records, size)):
        if n >= updates:
            break
        start = time.perf_counter()
        if kind == "alert":
            alert_id = event["alert_id"]
            edges += [(f"{alert_id}/{a}", f"{alert_id}/{b}") for a, b, _ in event["relations"]]
        else:
            edges.append((_key(event["left"]), _key(event["right"])))
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
    parser.add_argument("--baseline-updates", type=int, default=2000)
    args = parser.parse_args()

    table = Table(title=f"graph stage: {args.records:,} records (+ their phones) per run")
    for column in ("network size", "updates/s", "p50 ms", "p99 ms", "cost vs smallest"):
        table.add_column(column, justify="right")
    first_mean = None
    for size in args.sizes:
        costs = run_graph(args.records, size)
        mean = statistics.fmean(costs)
        first_mean = first_mean or mean
        table.add_row(
            f"{size:,}",
            f"{len(costs) / sum(costs):,.0f}",
            f"{_ms(costs, 50):.3f}",
            f"{_ms(costs, 99):.3f}",
            f"{mean / first_mean:.1f}",
        )
    console.print(table)

    size = args.sizes[0]
    updates = args.baseline_updates
    incremental = run_graph(args.records, size)[:updates]
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
