"""``borderlink subscribe tail``: one readable line per record of a correlation topic (or an
analyst's matches), filtered by country, kind and score.

Each record type becomes a ``Line``; a filter on something a type does not carry (the kind
of a cross-border hit, the score of an entity) is refused up front rather than silently
matching nothing.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from confluent_kafka import Consumer
from rich.markup import escape

from borderlink import topics
from borderlink.serde import codec
from borderlink.settings import Settings
from streams.graph import IDENTIFIER_KINDS


@dataclass(frozen=True)
class Line:
    at: datetime
    what: str  # e.g. "LINK SAME_PERSON MATCH"
    countries: tuple[str, ...]
    labels: tuple[str, ...]
    why: str
    kinds: frozenset[str] | None = None  # None: the record type has no kind
    score: float | None = None


@dataclass(frozen=True)
class TailFilter:
    countries: frozenset[str] = frozenset()  # any of them
    kinds: frozenset[str] = frozenset()  # any of them
    min_score: float | None = None

    def accepts(self, line: Line) -> bool:
        if self.countries and not self.countries & set(line.countries):
            return False
        if self.kinds and not self.kinds & (line.kinds or set()):
            return False
        return self.min_score is None or (line.score is not None and line.score >= self.min_score)


def _link(link: dict[str, Any]) -> Line:
    parts = link["explanation"]
    if link["kind"] == "SHARED_IDENTIFIER":
        labels = [p["left"] or "" for p in parts]
        why = "shares " + ", ".join(f"{p['field']} {p['left']}" for p in parts)
        kinds = {IDENTIFIER_KINDS.get(p["field"], "OTHER") for p in parts}
    else:
        labels = [v for p in parts if p["field"] == "name" for v in (p["left"], p["right"]) if v]
        strongest = sorted(parts, key=lambda p: -abs(p["weight"]))[:4]
        why = ", ".join(
            f"{p['field']} {p['similarity']:.2f} ({p['weight']:+.1f})" for p in strongest
        )
        kinds = {"PERSON"}
    ends = (link["left"], link["right"])
    return Line(
        link["created_at"],
        f"LINK {link['kind']} {link['decision']}",
        tuple(sorted({e["country"] for e in ends})),
        tuple(labels),
        ("cross-border; " if link["cross_border"] else "") + why,
        frozenset(kinds),
        link["score"],
    )


def _entity(entity: dict[str, Any]) -> Line:
    if entity["status"] == "RETIRED":
        why = "retired: now " + ", ".join(i[:12] for i in entity["replaced_by"])
    else:
        why = f"{len(entity['members'])} records from {', '.join(entity['agencies'])}"
    return Line(
        entity["updated_at"],
        f"ENTITY {entity['kind']} v{entity['version']}",
        tuple(entity["countries"]),
        tuple(entity["labels"]),
        why,
        frozenset({entity["kind"]}),
    )


def _network(network: dict[str, Any]) -> Line:
    entities = network["entities"]
    return Line(
        network["updated_at"],
        f"NETWORK {network['status']} v{network['version']}",
        tuple(network["countries"]),
        tuple(e["label"] for e in entities[:5] if e["label"]),
        f"{network['records']} records in {len(entities)} entities"
        + (", cross-border" if network["cross_border"] else ""),
        frozenset(e["kind"] for e in entities),
    )


def _hit(hit: dict[str, Any]) -> Line:
    return Line(
        hit["at"],
        "HIT " + "+".join(hit["new_countries"]),
        tuple(hit["countries"]),
        (f"network {hit['network_id'][:12]}", f"{hit['records']} records"),
        hit["trigger"],
    )


def _match(match: dict[str, Any]) -> Line:
    return Line(
        match["at"],
        f"MATCH {match['source']} {'/'.join(match['kinds'])}",
        tuple(match["countries"]),
        tuple(match["labels"]),
        "; ".join(f"{r['rule']} {r['value']}" for r in match["reasons"]),
        frozenset(match["kinds"]),
        match["score"],
    )


# Record type of each tailable topic, its Line, and the filters it can answer.
VIEWS: dict[str, tuple[str, Callable[[dict[str, Any]], Line], frozenset[str]]] = {
    topics.LINKS: ("Link", _link, frozenset({"countries", "kinds", "min_score"})),
    topics.ENTITIES: ("Entity", _entity, frozenset({"countries", "kinds"})),
    topics.NETWORKS: ("Network", _network, frozenset({"countries", "kinds"})),
    topics.HITS: ("CrossBorderHit", _hit, frozenset({"countries"})),
}
MATCHES = ("SubscriptionMatch", _match, frozenset({"countries", "kinds", "min_score"}))


def view(topic: str, wanted: TailFilter) -> tuple[str, Callable[[dict[str, Any]], Line]]:
    """The record type and Line of ``topic``; ValueError for a topic that cannot be tailed or a
    filter its records cannot answer."""
    if topic.startswith(topics.SUBSCRIPTION_PREFIX):
        record, to_line, answers = MATCHES
    elif topic in VIEWS:
        record, to_line, answers = VIEWS[topic]
    else:
        tailable = ", ".join([*VIEWS, f"{topics.SUBSCRIPTION_PREFIX}<analyst>"])
        raise ValueError(f"cannot tail {topic!r}: expected one of {tailable}")
    asked = {"countries": wanted.countries, "kinds": wanted.kinds, "min_score": wanted.min_score}
    refused = [name for name, value in asked.items() if value and name not in answers]
    if refused:
        raise ValueError(f"{record} records carry no {' or '.join(refused)} to filter on")
    return record, to_line


def render(line: Line) -> str:
    """One line of rich markup: time, what, countries, labels and score, why."""
    score = "" if line.score is None else f" [cyan]score {line.score:.1f}[/]"
    labels = escape(" | ".join(line.labels[:4]) + (" …" if len(line.labels) > 4 else ""))
    return (
        f"[dim]{line.at:%Y-%m-%d %H:%M:%S}[/] [bold]{escape(line.what)}[/] "
        f"[green]{','.join(line.countries) or '-'}[/] {labels}{score} "
        f"[italic]{escape(line.why)}[/]"
    )


def tail(
    config: Settings,
    topic: str,
    wanted: TailFilter,
    show: Callable[[str], None],
    from_beginning: bool = False,
    limit: int | None = None,
) -> int:
    """Print the topic's records that pass ``wanted`` until interrupted (or ``limit`` lines);
    returns the lines shown. A tail commits nothing: every run starts where it is told to."""
    record, to_line = view(topic, wanted)
    decoder = codec(config.registry, record)
    consumer = Consumer(
        {
            **config.kafka.librdkafka(),
            "group.id": f"tail-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest" if from_beginning else "latest",
        }
    )
    if topic not in consumer.list_topics(timeout=10).topics:
        consumer.close()
        raise ValueError(f"no topic {topic!r} on the broker")
    consumer.subscribe([topic])
    shown = 0
    try:
        while limit is None or shown < limit:
            for msg in consumer.consume(100, timeout=0.5):
                if msg.error() or msg.value() is None:
                    continue
                try:
                    line = to_line(decoder.decode(msg.value(), topic))
                except Exception as err:  # a viewer: say so and go on, the data stays put
                    show(f"[red]cannot read offset {msg.offset()}:[/] {escape(str(err))[:200]}")
                    continue
                if wanted.accepts(line) and (limit is None or shown < limit):
                    show(render(line))
                    shown += 1
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()
    return shown
