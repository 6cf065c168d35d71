"""The faust app: validate inbound alerts, then resolve persons and shared identifiers.

    in.<agency> ──validate──▶ alerts.valid              (original bytes, keyed as received)
          │            └────▶ dlq.validate              (reason + original bytes)
          ├─persons─────▶ <app>-persons      (once per blocking key) ──resolve──┐
          └─identifiers─▶ <app>-identifiers  (by normalised value)   ──match────┤
                                                     corr.links (explained) ◀──┤
                                                     corr.hubs  (flagged)   ◀──┘

A pair of persons that shares several blocking keys is scored under each of them that is
not a hub (a hub is known only in its own partition); the repeats carry the same
deterministic link id, so they overwrite instead of duplicating downstream.
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

from .blocks import PersonBlocks
from .graph_stage import GraphStage
from .identifiers import IdentifierSighting, identifier_sightings
from .links import hub, identifier_link, identifier_retraction
from .normalise import NormalisationError
from .policy import PolicyStage
from .resolve import Model, blocking_keys, from_alert_person
from .resolve import record_to_json as person_to_json
from .settings import StreamSettings

log = logs.get("streams")
JSON = faust.Schema(key_serializer="json", value_serializer="json")


def _json(data: Any) -> bytes:
    return json.dumps(data).encode()


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
    model = Model.load(scfg.model_path)
    alerts = codec(cfg.registry, "Alert")
    links = codec(cfg.registry, "Link")
    hubs = codec(cfg.registry, "Hub")
    dead_letters = codec(cfg.registry, "DeadLetter")

    inbound_names = scfg.inbound_topics or topics.discover_inbound(
        AdminClient(cfg.kafka.librdkafka())
    )
    if not inbound_names:
        raise RuntimeError("no in.<agency> topics on the broker yet: borderlink topics <agency>")
    inbound = app.topic(*inbound_names)
    # The policy stage hears what the worker publishes (not the shared topics' history).
    policy = PolicyStage.create(app, cfg, scfg)
    valid_topic = policy.tap(app.topic(topics.VALID_ALERTS))
    dlq_topic = app.topic(topics.dead_letter("validate"))
    # Repartition topics belong to this app (like its table changelogs): another group
    # never replays them, and faust creates them with the app's partition count.
    persons_topic = app.topic(f"{scfg.app_id}-persons", internal=True)
    identifiers_topic = app.topic(f"{scfg.app_id}-identifiers", internal=True)
    links_topic = policy.tap(app.topic(topics.LINKS))
    hubs_topic = app.topic(topics.HUBS)
    # blocking key -> {"refs": [...], "hub": bool, "count": n}; records stored once per key
    blocks = app.Table("person-blocks", default=dict, schema=JSON)
    block_records = app.Table("person-block-records", default=dict, schema=JSON)
    # identifier key -> {"first": sighting, "alerts": [...], "holders": [...], "hub": bool,
    #                    "sightings": [...] (up to the hub: a retracted centre is replaced)}
    holders = app.Table("identifier-holders", default=dict, schema=JSON)
    # alert id -> {"agency", "persons": {blocking key: [refs]}, "identifiers": [keys]}: where
    # a retraction must reach. Keyed like the inbound topics (the SDK keys a retraction by
    # the alert it withdraws), so the alert and its retraction meet in one partition.
    alert_keys = app.Table("alert-keys", default=dict, schema=JSON)
    graph = GraphStage.create(app, cfg, scfg, policy.tap)
    # Imported here: it imports producers.privacy, which imports this package.
    from .survivor_stage import SurvivorStage

    survivors = SurvivorStage.create(app, cfg, scfg, inbound_names)

    async def reject(event: faust.EventT, error: Exception | str, withhold: bool = False) -> None:
        msg = event.message
        letter = dead_letter(
            "validate",
            f"{error} (bytes withheld: they name a protected person)" if withhold else error,
            topic=msg.topic,
            partition=msg.partition,
            offset=msg.offset,
            key=event.key,
            value=None if withhold else event.value,
        )
        dlq = topics.dead_letter("validate")
        await dlq_topic.send(key=event.key, value=dead_letters.encode(letter, dlq))
        log.warning(
            "dead letter", stage="validate", topic=msg.topic, offset=msg.offset, reason=str(error)
        )

    async def flag_hub(key: str, kind: str, count: int, threshold: int) -> None:
        record = hub(key, kind, count, threshold, now())
        await hubs_topic.send(key=key.encode(), value=hubs.encode(record, topics.HUBS))
        log.info("hub flagged", key=key, kind=kind, holders=count)

    async def retract(event: faust.EventT, retraction: dict[str, Any]) -> None:
        """Withdraw an alert from correlation: its records leave every block, identifier,
        entity and network, and the sink erases it and its links from search."""
        target = str(retraction["event"]["retracts_alert_id"])
        keys = alert_keys.get(target) or {}
        if keys.get("agency", retraction["agency"]) != retraction["agency"]:
            await reject(event, f"alert {target} is {keys['agency']}'s: only it may retract it")
            return
        # The sink erases the alert.
        await valid_topic.send(key=event.key, value=survivors.valid(retraction, event.value))
        retracted = _json({"retract": target})
        for key, refs in (keys.get("persons") or {}).items():
            await persons_topic.send(key=key.encode(), value=_json({"retract": refs}))
        for key in keys.get("identifiers") or []:
            await identifiers_topic.send(key=key.encode(), value=retracted)
        await graph.retract(target)
        await survivors.retract(target)
        alert_keys[target] = {"agency": retraction["agency"], "retracted": True}
        log.info("alert retracted", alert_id=target, agency=retraction["agency"])

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
            exposed = survivors.exposure(alert)
            if found or exposed:
                # A protected person's plaintext goes nowhere, not even to the DLQ.
                await reject(event, "; ".join(exposed + found), withhold=bool(exposed))
                continue
            if (alert.get("event") or {}).get("kind") == "RETRACTION":
                await retract(event, alert)
                continue
            await valid_topic.send(key=event.key, value=survivors.valid(alert, event.value))
            await graph.alert(alert)
            await survivors.alert(alert)
            skipped: list[NormalisationError] = []
            keys: dict[str, Any] = {"agency": alert["agency"], "persons": {}, "identifiers": []}
            for person in alert.get("persons") or []:
                record = from_alert_person(alert, person, skipped)
                message = _json({"record": person_to_json(record)})
                for key in sorted(blocking_keys(record)):
                    await persons_topic.send(key=key.encode(), value=message)
                    keys["persons"].setdefault(key, []).append(record.ref)
            for sighting in identifier_sightings(alert, skipped):
                await identifiers_topic.send(
                    key=sighting.key.encode(), value=_json(sighting.to_json())
                )
                keys["identifiers"].append(sighting.key)
            alert_keys[str(alert["alert_id"])] = keys
            if skipped:
                # The record is still resolved on what normalised; the rest is reported.
                log.info(
                    "values not normalised",
                    alert_id=str(alert["alert_id"]),
                    errors=[str(e) for e in skipped],
                )

    @app.agent(persons_topic)
    async def resolve(stream: faust.StreamT) -> None:
        # Scoring and state live in PersonBlocks (streams/blocks.py): this publishes, then saves.
        persons = PersonBlocks(
            model,
            blocks,
            block_records,
            hub_size=scfg.blocking_hub_size,
            refine_size=scfg.blocking_refine_size,
        )
        async for raw_key, raw_value in stream.items():
            key = raw_key.decode()
            message = json.loads(raw_value)
            if "retract" in message:
                persons.retract(key, message["retract"])
                continue
            resolved = persons.resolve(key, message)
            for link in resolved.links:
                await links_topic.send(
                    key=link["link_id"].encode(), value=links.encode(link, topics.LINKS)
                )
                await graph.link(link)
            for flagged in resolved.hubs:  # the key, or one of its sub-blocks
                await hubs_topic.send(
                    key=flagged["key"].encode(), value=hubs.encode(flagged, topics.HUBS)
                )
                log.info(
                    "hub flagged", key=flagged["key"], kind="blocking", holders=flagged["holders"]
                )
            persons.save(resolved)  # after the sends, as before: a failure retries it whole

    @app.agent(identifiers_topic)
    async def match_identifiers(stream: faust.StreamT) -> None:
        async for raw_key, raw_value in stream.items():
            key = raw_key.decode()
            message = json.loads(raw_value)
            entry = holders[key] or {"first": None, "alerts": [], "holders": [], "hub": False}
            if "retract" in message:
                for link in identifier_retraction(entry, message["retract"], now()):
                    await links_topic.send(
                        key=link["link_id"].encode(), value=links.encode(link, topics.LINKS)
                    )
                    await graph.link(link, hub_key=key)
                holders[key] = entry
                continue
            sighting = IdentifierSighting(**message)
            if sighting.alert_id in entry["alerts"]:
                continue  # a replay, a retracted alert, or the value twice in one alert
            entry["alerts"].append(sighting.alert_id)
            if not entry["hub"]:
                entry["sightings"] = [*entry.get("sightings", []), sighting.to_json()]
            if sighting.holder and sighting.holder not in entry["holders"]:
                entry["holders"].append(sighting.holder)
            if entry["first"] is None:
                entry["first"] = sighting.to_json()
            elif not entry["hub"]:
                # A star around the first sighting: n sightings make n-1 links, not n².
                link = identifier_link(IdentifierSighting(**entry["first"]), sighting, now())
                await links_topic.send(
                    key=link["link_id"].encode(), value=links.encode(link, topics.LINKS)
                )
                await graph.link(link, hub_key=key)
            if not entry["hub"] and len(entry["holders"]) > scfg.identifier_hub_size:
                entry["hub"] = True
                await flag_hub(key, "identifier", len(entry["holders"]), scfg.identifier_hub_size)
                await graph.hub(key)
            holders[key] = entry

    return app


def run_worker(config: Settings | None = None, stream_config: StreamSettings | None = None) -> None:
    scfg = stream_config or StreamSettings()
    app = create_app(config, scfg)
    faust.Worker(app, loglevel=scfg.log_level).execute_from_commandline()
