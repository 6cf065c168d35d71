"""The graph stage of the worker: entities, networks and cross-border hits, and feedback.

    validate ──alert structure──┐
    resolve / match ──links─────┤                      ┌─▶ corr.entities   (Entity)
    match ──identifier hubs─────┼─▶ <app>-graph ─graph─┼─▶ corr.networks   (Network)
    corr.feedback ──feedback────┘   (1 partition)      ├─▶ hits.crossborder (CrossBorderHit)
        (Avro, analysts)                               ├─▶ corr.links      (undone links)
                                                       └─▶ dlq.feedback    (cannot apply)

A network can join any records, so its state cannot be split by key: the graph topic has
one partition, and one worker of the group holds the graph while the others resolve. That
is the stage's scaling limit; its work per alert is a walk over the networks it touches,
small next to resolution. Outputs are keyed by entity, network and link id, so a reader
sees each id's updates in order; versions let it (and Elasticsearch) keep the newest.
"""

import base64
import json
from dataclasses import dataclass
from typing import Any

import faust

from borderlink import logs, topics
from borderlink.deadletters import dead_letter
from borderlink.serde import codec, now
from borderlink.settings import Settings

from .graph import Changes, Graph
from .relations import alert_structure
from .settings import StreamSettings

log = logs.get("streams.graph")
JSON = faust.Schema(key_serializer="json", value_serializer="json")


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
    def create(cls, app: faust.App, cfg: Settings, scfg: StreamSettings) -> "GraphStage":
        codecs = {
            name: codec(cfg.registry, name)
            for name in ("Entity", "Network", "CrossBorderHit", "Link", "Feedback", "DeadLetter")
        }
        graph_topic = app.topic(f"{scfg.app_id}-graph", internal=True, partitions=1)
        feedback_topic = app.topic(topics.FEEDBACK)
        dlq = topics.dead_letter("feedback")
        outputs = {
            name: app.topic(name)
            for name in (
                topics.ENTITIES,
                topics.NETWORKS,
                topics.HITS,
                topics.LINKS,
                dlq,
                topics.dead_letter("graph"),
            )
        }

        def table(name: str) -> faust.Table:
            # Co-partitioned with the one-partition graph topic. No default: a missing key
            # must read as missing (``get`` -> None), as Graph expects of a mapping.
            return app.Table(name, schema=JSON, partitions=1)

        graph = Graph(
            table("graph-nodes"), table("graph-edges"), table("graph-ids"), table("graph-hubs")
        )

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

        def apply(message: dict[str, Any]) -> Changes:
            at = now()
            if "records" in message:
                return graph.add_alert(message, at)
            if "link" in message:
                return graph.add_link(message["link"], at, message["hub_key"])
            if "hub" in message:
                return graph.flag_hub(message["hub"], at)
            if "retract" in message:
                return graph.retract(message["retract"], at)
            return graph.apply_feedback(message["feedback"], at)

        @app.agent(graph_topic)
        async def update_graph(stream: faust.StreamT) -> None:
            async for event in stream.events():
                message = json.loads(event.value)
                try:
                    changes = apply(message)
                except Exception as err:  # a bug must not lose the input: park it with why
                    graph.discard()
                    await reject(_source(event), f"{type(err).__name__}: {err}", "graph")
                    log.exception("graph update failed", offset=event.message.offset)
                    continue
                if "feedback" in message:
                    if changes.problems:
                        await reject(message["source"], "; ".join(changes.problems))
                    else:
                        log.info(
                            "feedback applied",
                            feedback_id=message["feedback"]["feedback_id"],
                            undone=[link["link_id"] for link in changes.undone],
                        )
                await publish(changes)

        return cls(graph_topic)
