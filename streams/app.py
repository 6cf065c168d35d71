"""The faust app: validate inbound alerts, repartition persons, correlate them into links.

in.<agency> ──validate──▶ alerts.valid          (original bytes, keyed as received)
      │           └─────▶ dlq.validate          (reason + original bytes)
      └──persons──▶ corr.sightings (by blocking key) ──correlate──▶ corr.links (Avro)
"""

import json
from typing import Any

import faust
from confluent_kafka.admin import AdminClient

from borderlink import logs, topics
from borderlink.deadletters import dead_letter
from borderlink.serde import codec, now
from borderlink.settings import Settings, settings
from producers.validation import domain_problems

from .correlate import Sighting, compare, sightings
from .settings import StreamSettings

log = logs.get("streams")


def create_app(
    config: Settings | None = None, stream_config: StreamSettings | None = None
) -> faust.App:
    cfg, scfg = config or settings(), stream_config or StreamSettings()
    app = faust.App(
        scfg.app_id,
        broker=cfg.kafka.faust_broker(),
        store="rocksdb://",
        datadir=str(scfg.datadir),
        topic_partitions=cfg.kafka.topic_partitions,
        topic_replication_factor=cfg.kafka.topic_replication,
        processing_guarantee="at_least_once",
        producer_acks=-1,
        web_enabled=False,
        key_serializer="raw",
        value_serializer="raw",
        consumer_auto_offset_reset="earliest",
    )
    alerts = codec(cfg.registry, "Alert")
    links = codec(cfg.registry, "Link")
    dead_letters = codec(cfg.registry, "DeadLetter")

    inbound_names = scfg.inbound_topics or topics.discover_inbound(
        AdminClient(cfg.kafka.librdkafka())
    )
    if not inbound_names:
        raise RuntimeError("no in.<agency> topics on the broker yet: borderlink topics <agency>")
    inbound = app.topic(*inbound_names)
    valid_topic = app.topic(topics.VALID_ALERTS)
    dlq_topic = app.topic(topics.dead_letter("validate"))
    sightings_topic = app.topic(topics.SIGHTINGS)
    links_topic = app.topic(topics.LINKS)
    seen = app.Table(
        "sightings",
        default=list,
        schema=faust.Schema(key_serializer="json", value_serializer="json"),
    )

    async def reject(event: faust.EventT, error: Exception | str) -> None:
        msg = event.message
        letter = dead_letter(
            "validate",
            error,
            topic=msg.topic,
            partition=msg.partition,
            offset=msg.offset,
            key=event.key,
            value=event.value,
        )
        await dlq_topic.send(
            key=event.key, value=dead_letters.encode(letter, dlq_topic.get_topic_name())
        )
        log.warning(
            "dead letter", stage="validate", topic=msg.topic, offset=msg.offset, reason=str(error)
        )

    @app.agent(inbound)
    async def validate(stream: faust.StreamT) -> None:
        async for event in stream.events():
            topic = event.message.topic
            try:
                alert = alerts.decode(event.value, topic)
            except Exception as err:  # any undecodable bytes go to the DLQ, never dropped
                await reject(event, err)
                continue
            # Decoded from Avro, so schema-valid already: only the contract's domain rules.
            found = domain_problems(alert)
            if topic != topics.INBOUND_PREFIX + str(alert.get("agency")):
                found.append(f"alert of agency {alert.get('agency')!r} published on {topic}")
            if found:
                await reject(event, "; ".join(found))
                continue
            await valid_topic.send(key=event.key, value=event.value)
            for key, sighting in sightings(alert):
                await sightings_topic.send(
                    key=key.encode(), value=json.dumps(sighting.to_json()).encode()
                )

    @app.agent(sightings_topic)
    async def correlate(stream: faust.StreamT) -> None:
        async for raw_key, raw_value in stream.items():
            key = raw_key.decode()
            sighting = Sighting(**json.loads(raw_value))
            prior: list[dict[str, Any]] = seen[key]
            for earlier in prior:
                link = compare(Sighting(**earlier), sighting, now())
                if link is not None:
                    await links_topic.send(
                        key=link["link_id"].encode(), value=links.encode(link, topics.LINKS)
                    )
                    log.info(
                        "link",
                        link_id=link["link_id"],
                        decision=link["decision"],
                        cross_border=link["cross_border"],
                    )
            if sighting.to_json() not in prior:
                seen[key] = [*prior, sighting.to_json()][-scfg.max_sightings_per_key :]

    return app


def run_worker(config: Settings | None = None, stream_config: StreamSettings | None = None) -> None:
    scfg = stream_config or StreamSettings()
    app = create_app(config, scfg)
    faust.Worker(app, loglevel=scfg.log_level).execute_from_commandline()
