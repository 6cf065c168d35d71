"""The policy stage of the worker: release alerts and results to each agency as it may see them.

    validate ──alerts.valid──┐
    resolve, match ──links───┤                       ┌─▶ out.<agency>.shared (Share)
    graph ──entities─────────┼─▶ <app>-policy ─policy┼─▶ audit              (AuditEvent SHARE)
          ──networks, hits───┘   (1 partition)       └─▶ dlq.policy         (cannot decide)

The worker's agents send each of those records to its topic through `PolicyStage.tap`,
which queues a copy here: the stage sees exactly what this worker publishes, in the order
it published it, and not the history other deployments left on the shared topics. Every
input meets the same markings table, so the queue has one partition, as the graph's has.

A result that names an alert whose marking has not arrived yet waits for it (fail closed,
never shared on a guess). Each recipient's copy is compared with the last one it received
(a digest per subject and recipient): a replay or an update that changes nothing for that
recipient sends nothing, and one that makes a subject no longer releasable to it sends a
revocation. A retraction revokes the alert from everyone who received it.
"""

import base64
import hashlib
import json
import uuid
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import faust
from confluent_kafka.admin import AdminClient
from faust.streams import _current_event

from borderlink import logs, topics
from borderlink.deadletters import dead_letter
from borderlink.serde import codec, now
from borderlink.settings import Settings

from ..settings import StreamSettings
from .agreements import ResultKind, load_agreements
from .release import (
    OWN,
    Cut,
    Policy,
    Recipient,
    Release,
    Source,
    cut_entity,
    cut_hit,
    cut_link,
    cut_network,
    redact_alert,
)

log = logs.get("streams.policy")
JSON = faust.Schema(key_serializer="json", value_serializer="json")
INPUTS = {
    topics.VALID_ALERTS: "Alert",
    topics.LINKS: "Link",
    topics.ENTITIES: "Entity",
    topics.NETWORKS: "Network",
    topics.HITS: "CrossBorderHit",
}
RETRACTED = "alert retracted by its agency"
NO_LONGER = "no longer releasable to this agency"
BATCH_MAX = 500
BATCH_WINDOW_S = 0.2


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Delivery:
    """One share to send: what the recipient gets (None: a revocation)."""

    recipient: str
    kind: ResultKind
    subject: str
    cut: Cut | None
    reason: str | None = None

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.subject}"


class PolicyState:
    """The stage's decisions over its tables; the agent only decodes, calls and sends."""

    def __init__(
        self, policy: Policy, sources: Any, alerts: Any, members: Any, networks: Any, sent: Any
    ) -> None:
        self.policy = policy
        self.sources = sources  # alert id -> Source JSON, or {"retracted": True}
        self.alerts = alerts  # alert id -> the alert's Avro bytes (base64), for later shares
        self.members = members  # entity id -> its records, from its latest update
        self.networks = networks  # network id -> its entity ids, from its latest update
        # "KIND:subject" -> {recipient: [share version, digest (None: revoked), origins,
        #                                the entity's or network's own version]}
        self.sent = sent

    def source(self, alert_id: str) -> Source | None:
        data = self.sources.get(alert_id)
        return None if data is None or data.get("retracted") else Source.from_json(data)

    def missing(self, refs: Iterable[Mapping[str, Any]]) -> list[str]:
        return sorted({str(r["alert_id"]) for r in refs} - {k for k in self._known(refs)})

    def _known(self, refs: Iterable[Mapping[str, Any]]) -> Iterable[str]:
        return (str(r["alert_id"]) for r in refs if self.sources.get(str(r["alert_id"])))

    def recipients(self, refs: Iterable[Mapping[str, Any]], kind: ResultKind) -> list[Recipient]:
        # Every originating agency gets its own data; others as the agreements say.
        return self.policy.candidates(kind, {ref["agency"] for ref in refs})

    def releases(
        self, refs: list[Mapping[str, Any]], to: Recipient, kind: ResultKind
    ) -> dict[str, Release | None]:
        involved = any(r["agency"] == to.agency for r in refs)
        today = now().date()
        out: dict[str, Release | None] = {}
        for alert_id in {str(r["alert_id"]) for r in refs}:
            source = self.source(alert_id)
            out[alert_id] = source and self.policy.release(source, to, kind, involved, today)
        return out

    def refs(self, kind: ResultKind, record: Mapping[str, Any]) -> list[dict[str, Any]] | str:
        """The records a result draws on, or the dependency ("entity:<id>", "network:<id>")
        whose update has not arrived yet: a network names only its entities, a hit only
        its network."""
        if kind is ResultKind.LINK:
            return _plain_refs([record["left"], record["right"]])
        if kind is ResultKind.ENTITY:
            return _plain_refs(record["members"])
        if kind is ResultKind.HIT:
            entity_ids = self.networks.get(record["network_id"])
            if entity_ids is None:
                return f"network:{record['network_id']}"
        else:
            entity_ids = [e["entity_id"] for e in record["entities"]]
        refs = []
        for entity_id in entity_ids:
            found = self.members.get(entity_id)
            if found is None:
                return f"entity:{entity_id}"
            refs += found
        return refs

    def result(
        self, kind: ResultKind, record: Mapping[str, Any], refs: list[dict[str, Any]]
    ) -> list[Delivery]:
        subject = record["hit_id" if kind is ResultKind.HIT else f"{kind.value.lower()}_id"]
        members = self.members
        deliveries = []
        # Those who hold a copy too: one no longer releasable to them must be revoked.
        held = self.sent.get(f"{kind.value}:{subject}") or {}
        holders = [self.policy.recipient(a) or Recipient(a, "OTHER") for a in held]
        for to in {r.agency: r for r in [*self.recipients(refs, kind), *holders]}.values():
            releases = self.releases(refs, to, kind)
            if kind is ResultKind.LINK:
                cut = cut_link(record, releases)
            elif kind is ResultKind.ENTITY:
                cut = cut_entity(record, releases)
            elif kind is ResultKind.NETWORK:
                cut = cut_network(record, members, releases)
            else:
                cut = cut_hit(record, refs, releases)
            deliveries.append(Delivery(to.agency, kind, subject, cut, None if cut else NO_LONGER))
        return deliveries

    def alert(self, alert: Mapping[str, Any], to: Recipient, involved: bool) -> Delivery | None:
        source = self.source(str(alert["alert_id"]))
        release = source and self.policy.release(
            source, to, ResultKind.ALERT, involved, now().date()
        )
        if not release:
            return None
        copy, withheld = redact_alert(alert, release)
        return Delivery(
            to.agency, ResultKind.ALERT, source.alert_id, Cut(copy, (release,), tuple(withheld))
        )

    def news(self, delivery: Delivery) -> tuple[int, list[Any]] | None:
        """The version to send `delivery` under and the entry to `record` once it is sent,
        or None when the recipient has it already (the same copy, or nothing to revoke),
        or has a newer one (an update that waited for a marking is overtaken)."""
        held = (self.sent.get(delivery.key) or {}).get(delivery.recipient)
        version, digest, _, seen = held or (0, None, [], None)
        if delivery.cut is None:
            return None if digest is None else (version + 1, [version + 1, None, [], seen])
        cut = delivery.cut
        revision = cut.payload.get("version")  # entities and networks number their updates
        if revision is not None and seen is not None and revision < seen:
            return None
        new = _digest([cut.payload, cut.withheld, [r.agreement for r in cut.releases]])
        if new == digest:
            return None
        origins = sorted({r.source.agency for r in cut.releases if r.agreement != OWN})
        return version + 1, [version + 1, new, origins, revision]

    def record(self, delivery: Delivery, entry: list[Any]) -> None:
        self.sent[delivery.key] = {**(self.sent.get(delivery.key) or {}), delivery.recipient: entry}

    def origins(self, delivery: Delivery) -> list[str]:
        """Whose data the recipient held under this subject (for a revocation's audit)."""
        held = (self.sent.get(delivery.key) or {}).get(delivery.recipient)
        return list(held[2]) if held else []

    def shared(self, kind: ResultKind, subject: str, recipient: str) -> bool:
        held = (self.sent.get(f"{kind.value}:{subject}") or {}).get(recipient)
        return bool(held and held[1])

    def revocations(self, kind: ResultKind, subject: str, reason: str) -> list[Delivery]:
        held = self.sent.get(f"{kind.value}:{subject}") or {}
        return [Delivery(r, kind, subject, None, reason) for r, e in sorted(held.items()) if e[1]]


def share_record(delivery: Delivery, version: int, at: Any) -> dict[str, Any]:
    cut = delivery.cut
    kind = delivery.kind.value
    share_id = _digest([delivery.recipient, kind, delivery.subject, version])[:32]
    record: dict[str, Any] = {
        "share_id": share_id,
        "recipient": delivery.recipient,
        "kind": kind,
        "subject_id": delivery.subject,
        "version": version,
        "revoked": cut is None,
        "reason": delivery.reason if cut is None else None,
        "sources": [r.share_source() for r in cut.releases] if cut else [],
        "withheld": list(cut.withheld) if cut else [],
        "alert": None,
        "link": None,
        "entity": None,
        "network": None,
        "hit": None,
        "shared_at": at,
    }
    if cut is not None:
        record[kind.lower()] = cut.payload
    return record


def audit_records(
    delivery: Delivery, share: Mapping[str, Any], topic: str, origins: list[str]
) -> list[dict[str, Any]]:
    """One SHARE per originating agency whose data left for another agency: what a holder
    asks the audit trail ("who received my data, under which agreement?"). A revocation
    is audited for the agencies whose data the recipient held under that subject."""
    by_origin: dict[str, list[Mapping[str, Any]]] = {}
    for source in share["sources"]:
        if source["agreement"] != OWN:
            by_origin.setdefault(source["agency"], []).append(source)
    for agency in origins if share["revoked"] else ():
        by_origin[agency] = []
    return [
        {
            "audit_id": str(uuid.UUID(hex=_digest([share["share_id"], agency])[:32])),
            "action": "SHARE",
            "agency": agency,
            "user": None,
            "case_ref": None,
            "endpoint": f"PUBLISH {topic}",
            "query": f"revoked: {share['reason']}" if share["revoked"] else "",
            "status": 410 if share["revoked"] else 200,
            "results": 0 if share["revoked"] else 1,
            "recipient": delivery.recipient,
            "subjects": [delivery.key, *(str(s["alert_id"]) for s in sources)],
            "agreement": sources[0]["agreement"] if sources else None,
            "at": share["shared_at"],
        }
        for agency, sources in sorted(by_origin.items())
    ]


def newest(messages: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each entity's, network's and link's newest update, in the order of those updates;
    every alert and every hit (events, not states: each one counts)."""
    kept: dict[str, dict[str, Any]] = {}
    for number, message in enumerate(messages):
        event = message["topic"] in (topics.VALID_ALERTS, topics.HITS)
        subject = f"#{number}" if event else f"{message['topic']}:{message['key']}"
        kept.pop(subject, None)  # re-inserted: it now comes where its newest update came
        kept[subject] = message
    return list(kept.values())


def _bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data).encode()


def _b64(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(value).decode()


def _plain_refs(refs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "alert_id": str(r["alert_id"])} for r in refs]


class Tapped:
    """An output topic of the worker whose every send is also queued for the policy stage."""

    def __init__(self, topic: faust.TopicT, queue: faust.TopicT) -> None:
        self._topic, self._queue = topic, queue
        self._name = topic.get_topic_name()

    async def send(self, *, key: bytes | None = None, value: bytes | None = None) -> Any:
        sent = await self._topic.send(key=key, value=value)
        message = {"topic": self._name, "key": (key or b"").decode(), "value": _b64(value)}
        await self._queue.send(key=key, value=_bytes(message))
        return sent

    def get_topic_name(self) -> str:
        return self._name


@dataclass
class PolicyStage:
    """What the worker's agents call to feed the stage; ``create`` wires it into the app."""

    queue: faust.TopicT

    def tap(self, topic: faust.TopicT) -> Tapped:
        return Tapped(topic, self.queue)

    @classmethod
    def create(cls, app: faust.App, cfg: Settings, scfg: StreamSettings) -> "PolicyStage":
        policy = Policy(load_agreements(scfg.policy_dir))
        names = {*INPUTS.values(), "Share", "AuditEvent", "DeadLetter"}
        codecs = {name: codec(cfg.registry, name) for name in names}
        policy_topic = app.topic(f"{scfg.app_id}-policy", internal=True, partitions=1)
        audit_topic = app.topic(topics.AUDIT)
        dlq = topics.dead_letter("policy")
        dlq_topic = app.topic(dlq)
        admin = AdminClient(cfg.kafka.librdkafka())
        outbound: dict[str, faust.TopicT] = {}

        def out(agency: str) -> faust.TopicT:
            if agency not in outbound:
                name = topics.outbound(agency, "shared")
                # One partition: a trickle per agency, and one order for all its subjects.
                topics.provision(admin, [name], 1, cfg.kafka.topic_replication)
                outbound[agency] = app.topic(name)
            return outbound[agency]

        for recipient in policy.recipients:  # up front, so agencies can subscribe at once
            out(recipient.agency)

        def table(name: str) -> faust.Table:
            # Co-partitioned with the one-partition policy topic; no default (get -> None).
            return app.Table(name, schema=JSON, partitions=1)

        state = PolicyState(
            policy,
            table("policy-sources"),
            table("policy-alerts"),
            table("policy-members"),
            table("policy-networks"),
            table("policy-sent"),
        )
        # "alert:<id>" / "network:<id>" -> {"<topic>:<key>": the newest input waiting on it}
        pending = table("policy-pending")

        def decode(message: Mapping[str, Any]) -> dict[str, Any] | None:
            raw = message["value"]
            data = None if raw is None else base64.b64decode(raw)
            return codecs[INPUTS[message["topic"]]].decode(data, message["topic"])

        def wait(dependency: str, message: Mapping[str, Any]) -> list[Delivery]:
            # Only the newest update of a subject matters: a later one replaces it.
            subject = f"{message['topic']}:{message['key']}"
            pending[dependency] = {**(pending.get(dependency) or {}), subject: message}
            return []

        def wake(dependency: str) -> list[Delivery]:
            queued = pending.pop(dependency, None) or {}
            return [d for message in queued.values() for d in handle(message)]

        def alert_shares(deliveries: list[Delivery]) -> list[Delivery]:
            # Need to know: a result releases the alerts behind it to a recipient it touches.
            extra = []
            for d in deliveries:
                for release in d.cut.releases if d.cut else ():
                    aid = release.source.alert_id
                    if release.agreement == OWN or state.shared(ResultKind.ALERT, aid, d.recipient):
                        continue
                    raw = state.alerts.get(aid)
                    to = policy.recipient(d.recipient)
                    alert = raw and to and decode({"topic": topics.VALID_ALERTS, "value": raw})
                    shared = alert and to and state.alert(alert, to, involved=True)
                    if shared:
                        extra.append(shared)
            return extra

        def handle(message: Mapping[str, Any]) -> list[Delivery]:
            record = decode(message)
            topic = message["topic"]
            if topic == topics.VALID_ALERTS:
                assert record is not None  # alerts.valid carries no tombstones
                return on_alert(message, record)
            kind = ResultKind[INPUTS[topic].upper()] if topic != topics.HITS else ResultKind.HIT
            if record is None:  # a tombstone: the link was erased
                return state.revocations(kind, message["key"], RETRACTED)
            refs = state.refs(kind, record)
            if isinstance(refs, str):
                return wait(refs, message)
            missing = state.missing(refs)
            if missing:
                return wait(f"alert:{missing[0]}", message)
            deliveries = state.result(kind, record, refs)
            deliveries += alert_shares(deliveries)
            if kind is ResultKind.ENTITY:  # what networks and hits waiting on it need
                state.members[record["entity_id"]] = refs
                deliveries += wake(f"entity:{record['entity_id']}")
            if kind is ResultKind.NETWORK:
                state.networks[record["network_id"]] = [e["entity_id"] for e in record["entities"]]
                deliveries += wake(f"network:{record['network_id']}")
            return deliveries

        def on_alert(message: Mapping[str, Any], alert: dict[str, Any]) -> list[Delivery]:
            alert_id = str(alert["alert_id"])
            if alert["event"]["kind"] == "RETRACTION":
                target = str(alert["event"]["retracts_alert_id"])
                source = state.source(target)
                if source is None or source.agency != alert["agency"]:
                    return []  # the worker dead-letters a retraction by another agency
                state.sources[target] = {"retracted": True}
                state.alerts.pop(target, None)  # erased here too
                return state.revocations(ResultKind.ALERT, target, RETRACTED)
            if state.sources.get(alert_id, {}).get("retracted"):
                return []  # a replay of an alert retracted since
            state.sources[alert_id] = Source.of(alert).to_json()
            state.alerts[alert_id] = message["value"]
            me = [{"agency": alert["agency"], "alert_id": alert_id}]
            deliveries = [
                d
                for to in state.recipients(me, ResultKind.ALERT)
                if (d := state.alert(alert, to, involved=False))
            ]
            return deliveries + wake(f"alert:{alert_id}")

        async def deliver(delivery: Delivery) -> None:
            news = state.news(delivery)
            if news is None:
                return
            version, entry = news
            topic = out(delivery.recipient)
            share = share_record(delivery, version, now())
            await topic.send(
                key=delivery.subject.encode(),
                value=codecs["Share"].encode(share, topic.get_topic_name()),
            )
            for record in audit_records(
                delivery, share, topic.get_topic_name(), state.origins(delivery)
            ):
                value = codecs["AuditEvent"].encode(record, topics.AUDIT)
                await audit_topic.send(key=record["agency"].encode(), value=value)
            state.record(delivery, entry)  # after the sends: a crash before re-sends, never skips

        @app.agent(policy_topic, name="policy")
        async def decide(stream: faust.StreamT) -> None:
            # Batches (what queued up while the last ran): a subject updated several times
            # in one batch is decided once, on its newest update. Acked after the sends.
            async for events in stream.take_events(BATCH_MAX, within=BATCH_WINDOW_S):
                # Tables write to the partition of the event in hand, which take_events()
                # leaves unset (faust#497); the queue and its tables have one partition.
                _current_event.set(weakref.ref(events[-1]))
                for message in newest(json.loads(event.value) for event in events):
                    try:
                        deliveries = handle(message)
                    except Exception as err:  # a bug must not lose the input: park it
                        raw = base64.b64decode(message["value"]) if message.get("value") else None
                        reason = f"{type(err).__name__}: {err}"
                        letter = dead_letter("policy", reason, topic=message["topic"], value=raw)
                        await dlq_topic.send(value=codecs["DeadLetter"].encode(letter, dlq))
                        log.exception("policy decision failed", topic=message["topic"])
                        continue
                    for delivery in deliveries:
                        await deliver(delivery)

        return cls(policy_topic)
