"""The graph stage of the worker: entities, networks and cross-border hits, and feedback.

    validate ──alert structure──┐
    resolve / match ──links─────┤                      ┌─▶ corr.entities   (Entity)
    match ──identifier hubs─────┼─▶ <app>-graph ─graph─┼─▶ corr.networks   (Network)
    corr.feedback ──feedback────┘   (1 partition)      ├─▶ hits.crossborder (CrossBorderHit)
        (Avro, analysts)                               ├─▶ corr.links      (undone links)
                                                       └─▶ dlq.feedback    (cannot apply)

A network can join any records, so its state cannot be split by key: the graph topic has
one partition, and one worker of the group holds the graph while the others resolve. That
is the stage's scaling limit. It takes its messages in batches (whatever queued up while
the last batch ran, up to BATCH_MAX): every message changes the state at the cost of what
it names, and each network the batch touched is rebuilt and published once, so the stage
keeps up with a growing network by taking larger batches. Outputs are keyed by entity,
network and link id, so a reader sees each id's updates in order; versions let it (and
Elasticsearch) keep the newest.
"""

import base64
import json
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import faust
from faust.streams import _current_event

from borderlink import logs, topics
from borderlink.deadletters import dead_letter
from borderlink.serde import codec, now
from borderlink.settings import Settings

from .graph import Changes, Graph
from .relations import alert_structure
from .settings import StreamSettings

log = logs.get("streams.graph")
JSON = faust.Schema(key_serializer="json", value_serializer="json")
Tap = Callable[[faust.TopicT], Any]
# Graph messages are taken in batches: each network a batch touches is rebuilt and published
# once, so under load the work per message falls as batches grow. The window is the most a
# message waits for others when the stage is idle.
BATCH_MAX = 1000
BATCH_WINDOW_S = 0.1


def _bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data, default=str).encode()


def _millis(link: dict[str, Any]) -> dict[str, Any]:
    """The link as JSON: its timestamp as epoch milliseconds, which Avro writes as is."""
    created = link["created_at"]
    return {**link, "created_at": int(created.timestamp() * 1000)}


def _source(event: faust.EventT) -> dict[str, Any]:
    """Where a message came from, and its bytes, for a dead letter written later."""
    msg = event.message
    return {
        "topic": msg.topic,
        "partition": msg.partition,
        "offset": msg.offset,
        "value": base64.b64encode(event.value or b"").decode(),
    }


@dataclass
class GraphStage:
    """What the other agents call to feed the graph; ``create`` wires it into the app."""

    topic: faust.TopicT

    async def alert(self, alert: dict[str, Any]) -> None:
        structure = alert_structure(alert)
        await self.topic.send(key=structure["alert_id"].encode(), value=_bytes(structure))

    async def link(self, link: dict[str, Any], hub_key: str | None = None) -> None:
        message = {"link": _millis(link), "hub_key": hub_key}
        await self.topic.send(key=link["link_id"].encode(), value=_bytes(message))

    async def hub(self, key: str) -> None:
        await self.topic.send(key=key.encode(), value=_bytes({"hub": key}))

    async def retract(self, alert_id: str) -> None:
        await self.topic.send(key=alert_id.encode(), value=_bytes({"retract": alert_id}))

    @classmethod
    def create(
        cls, app: faust.App, cfg: Settings, scfg: StreamSettings, tap: Tap = lambda t: t
    ) -> "GraphStage":
        """`tap` wraps each result topic (the policy stage hears what is published)."""
        codecs = {
            name: codec(cfg.registry, name)
            for name in ("Entity", "Network", "CrossBorderHit", "Link", "Feedback", "DeadLetter")
        }
        graph_topic = app.topic(f"{scfg.app_id}-graph", internal=True, partitions=1)
        feedback_topic = app.topic(topics.FEEDBACK)
        dlq = topics.dead_letter("feedback")
        results = (topics.ENTITIES, topics.NETWORKS, topics.HITS, topics.LINKS)
        outputs = {name: tap(app.topic(name)) for name in results}
        outputs |= {name: app.topic(name) for name in (dlq, topics.dead_letter("graph"))}

        def table(name: str) -> faust.Table:
            # Co-partitioned with the one-partition graph topic. No default: a missing key
            # must read as missing (``get`` -> None), as Graph expects of a mapping.
            return app.Table(name, schema=JSON, partitions=1)

        graph = Graph(
            table("graph-nodes"), table("graph-edges"), table("graph-ids"), table("graph-hubs")
        )

        def forget(sender: Any, *args: Any, **kwargs: Any) -> None:
            # Every rebalance revokes first; the graph's next holder may have written the
            # tables since, so the decoded nodes the graph keeps are not to be trusted.
            graph.forget()

        app.on_partitions_revoked.connect(forget)

        async def send(topic: str, key: str, record: dict[str, Any], name: str) -> None:
            value = codecs[name].encode(record, topic)
            await outputs[topic].send(key=key.encode(), value=value)

        async def publish(changes: Changes) -> None:
            for entity in changes.entities:
                await send(topics.ENTITIES, entity["entity_id"], entity, "Entity")
            for network in changes.networks:
                await send(topics.NETWORKS, network["network_id"], network, "Network")
            for hit in changes.hits:
                await send(topics.HITS, hit["network_id"], hit, "CrossBorderHit")
                log.info("cross-border hit", network=hit["network_id"], countries=hit["countries"])
            for link in changes.undone:
                await send(topics.LINKS, link["link_id"], link, "Link")
            for link_id in changes.erased:  # a tombstone: readers (and the sink) drop the link
                await outputs[topics.LINKS].send(key=link_id.encode(), value=None)

        async def reject(source: dict[str, Any], error: str, stage: str = "feedback") -> None:
            raw = base64.b64decode(source["value"]) if source.get("value") else None
            letter = dead_letter(
                stage,
                error,
                topic=source.get("topic"),
                partition=source.get("partition"),
                offset=source.get("offset"),
                value=raw,
            )
            topic = topics.dead_letter(stage)
            await outputs[topic].send(value=codecs["DeadLetter"].encode(letter, topic))
            log.warning("dead letter", stage=stage, reason=error)

        @app.agent(feedback_topic)
        async def feedback(stream: faust.StreamT) -> None:
            """Decode analysts' feedback and queue it behind the graph's other inputs."""
            async for event in stream.events():
                source = _source(event)
                try:
                    record = codecs["Feedback"].decode(event.value, event.message.topic)
                except Exception as err:  # undecodable: to the DLQ with its bytes
                    await reject(source, f"{type(err).__name__}: {err}")
                    continue
                message = {"feedback": record, "source": source}
                await graph_topic.send(key=event.key, value=_bytes(message))

        async def update(events: Sequence[faust.EventT]) -> None:
            messages, taken = [], []
            for event in events:
                try:
                    messages.append(json.loads(event.value))
                except ValueError as err:  # not ours: park it with why
                    await reject(_source(event), f"{type(err).__name__}: {err}", "graph")
                    continue
                taken.append(event)
            # faust tables write to the partition of the event in hand, which take_events()
            # leaves unset (faust#497); the graph topic and its tables have one partition.
            _current_event.set(weakref.ref(events[-1]))
            batch = graph.update(messages, now())
            try:
                for index, err in batch.errors.items():
                    source = _source(taken[index])
                    await reject(source, f"{type(err).__name__}: {err}", "graph")
                    log.error("graph update failed", offset=source["offset"], exc_info=err)
                for index, problems in batch.problems.items():
                    await reject(messages[index]["source"], "; ".join(problems))
                for index, undone in batch.undone.items():
                    feedback_id = messages[index]["feedback"]["feedback_id"]
                    log.info("feedback applied", feedback_id=feedback_id, undone=undone)
                await publish(batch.changes)
            except BaseException:  # unsent (a stop, a crash): read again, computed again
                graph.discard()
                raise
            # The state after the outputs: stopped in between, the batch is read again and
            # sends them again (the same versions), instead of finding them applied.
            graph.commit()

        @app.agent(graph_topic)
        async def update_graph(stream: faust.StreamT) -> None:
            # A batch's events are acked (and their offsets committed) after its outputs
            # were sent: take_events() acks when the loop body is done with the batch.
            async for events in stream.take_events(BATCH_MAX, within=BATCH_WINDOW_S):
                await update(events)

        return cls(graph_topic)
