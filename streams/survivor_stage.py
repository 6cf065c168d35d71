"""The survivor stage of the worker: hit/no-hit on tokens, notices, disclosure requests.

    validate ──tokens of protected persons─┐
    validate ──retractions─────────────────┤                    ┌─▶ out.<agency>.notices
    in.<agency>.disclosures ──requests,────┼─▶ <app>-survivors ─┤   (key: hit id)
      (Avro, agencies)        decisions    ┘   (1 partition)    ├─▶ audit (AuditEvent)
                                                 survivors      └─▶ dlq.survivors (why)

A hit gives one HitNotice to each of its two agencies; a request goes on to the hit's
other agency (the holder), a decision back to the requester, each with an AuditEvent
(DISCLOSURE); what the worker refuses goes to dlq.survivors with the reason.

Protected records are few (victims only), so one partition holds them all, and disclosure
events are checked there, in order, against the hits notified. The worker holds no network
key: it sees tokens, never a survivor's name, date of birth or identifiers, and it keeps
the tokens to itself: alerts go on to alerts.valid without them (`valid`), because what
follows is read by agencies, which hold the key and could test guesses against tokens.
"""

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import faust
from confluent_kafka.admin import AdminClient

from borderlink import logs, topics
from borderlink.deadletters import dead_letter
from borderlink.serde import Codec, codec, now
from borderlink.settings import Settings
from producers.disclosures import DISCLOSURE_TYPES, TypedCodec
from producers.privacy import ProtectedRecord, exposure, protected_records

from .privacy_match import HitNotice, Refused, SurvivorState
from .settings import StreamSettings

log = logs.get("streams.survivors")
JSON = faust.Schema(key_serializer="json", value_serializer="json")
STAGE = "survivors"
# Audit ids derive from the event and its outcome, so a replay overwrites its audit document.
AUDIT_NAMESPACE = uuid.UUID("0b7e4f5a-3c2d-4e1f-8a9b-6c5d4e3f2a1b")
# The audit status of an event: a notice or an approval (200: data passed on), a request
# passed on to the holder (202: it decides), a denial or an event the worker refused (403).
PASSED, ACCEPTED, REFUSED = 200, 202, 403


def _bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data).encode()


def _millis(record: dict[str, Any]) -> dict[str, Any]:
    """A decoded record as JSON: its timestamps as epoch milliseconds, as Avro writes them."""
    return {
        name: int(value.timestamp() * 1000) if isinstance(value, datetime) else value
        for name, value in record.items()
    }


def survivor_audit(
    verb: str,
    record: dict[str, Any],
    agency: str,
    status: int,
    *,
    recipient: str | None = None,
    subjects: list[str] | None = None,
    case_ref: str | None = None,
    detail: dict[str, str] | None = None,
    where: str = "",
) -> dict[str, Any]:
    """The AuditEvent of a hit or disclosure event about ``record``'s hit: ``agency``'s
    information went to ``recipient``. NOTIFY (a notice: SHARE, as the policy stage audits
    what it passes on) or REQUEST, APPROVE, DENY, DECIDE (DISCLOSURE; ``agency`` is the
    sender, as its topic proves)."""
    ids = {field: record[field] for field in ("hit_id", "request_id") if record.get(field)}
    name = "|".join([verb, agency, *ids.values(), where, str(status)])
    return {
        "audit_id": str(uuid.uuid5(AUDIT_NAMESPACE, name)),
        "action": "SHARE" if verb == "NOTIFY" else "DISCLOSURE",
        "agency": agency,
        "user": record.get("user"),
        "case_ref": case_ref,
        "endpoint": f"{verb} {where}",
        "query": urlencode({**ids, **(detail or {})}),
        "status": status,
        "results": 1 if status == PASSED else 0,
        "recipient": recipient,
        "subjects": subjects or [],
        "agreement": None,
        "at": now(),
    }


@dataclass
class SurvivorStage:
    """What the validate agent calls; ``create`` wires the stage into the app."""

    topic: faust.TopicT
    alerts: Codec

    @staticmethod
    def exposure(alert: dict[str, Any]) -> list[str]:
        """A protected person's plaintext in an alert (a producer that bypassed the SDK):
        the alert must go nowhere, and its bytes not even to the DLQ."""
        return exposure(alert)

    def valid(self, alert: dict[str, Any], value: bytes) -> bytes:
        """What goes on alerts.valid: the bytes as received, or the alert without its tokens."""
        if not alert.get("protected_persons"):
            return value
        return self.alerts.encode({**alert, "protected_persons": []}, topics.VALID_ALERTS)

    async def alert(self, alert: dict[str, Any]) -> None:
        records = [record.to_json() for record in protected_records(alert)]
        if records:
            key = str(alert["alert_id"]).encode()
            await self.topic.send(key=key, value=_bytes({"records": records}))

    async def retract(self, alert_id: str) -> None:
        await self.topic.send(key=alert_id.encode(), value=_bytes({"retract": alert_id}))

    @classmethod
    def create(
        cls, app: faust.App, cfg: Settings, scfg: StreamSettings, inbound: list[str]
    ) -> "SurvivorStage":
        agencies = [topics.agency_of(name) for name in inbound]
        # Created with each agency (borderlink agency add / topics); here too for agencies
        # onboarded before disclosure existed, so that no notice waits on a missing topic.
        topics.provision(
            AdminClient(cfg.kafka.librdkafka()),
            [name for a in agencies for name in (topics.disclosures(a), topics.notices(a))],
            cfg.kafka.topic_partitions,
            cfg.kafka.topic_replication,
        )
        codecs = {name: codec(cfg.registry, name) for name in ("Alert", "HitNotice", "AuditEvent")}
        dead_letters = codec(cfg.registry, "DeadLetter")
        disclosures = TypedCodec(cfg.registry, DISCLOSURE_TYPES)
        survivors_topic = app.topic(f"{scfg.app_id}-survivors", internal=True, partitions=1)
        audit_topic = app.topic(topics.AUDIT)
        dlq = topics.dead_letter(STAGE)
        dlq_topic = app.topic(dlq)
        notices = {agency: app.topic(topics.notices(agency)) for agency in agencies}

        def table(name: str) -> faust.Table:
            # Co-partitioned with the one-partition survivors topic; no default (get -> None).
            return app.Table(name, schema=JSON, partitions=1)

        state = SurvivorState(
            table("survivor-records"),
            table("survivor-hits"),
            table("survivor-requests"),
            table("survivor-retracted"),
            table("survivor-meta"),
        )

        async def audit(record: dict[str, Any]) -> None:
            value = codecs["AuditEvent"].encode(record, topics.AUDIT)
            await audit_topic.send(key=record["agency"].encode(), value=value)

        async def reject(source: dict[str, Any], error: str) -> None:
            raw = base64.b64decode(source["value"]) if source.get("value") else None
            letter = dead_letter(
                STAGE,
                error,
                topic=source.get("topic"),
                partition=source.get("partition"),
                offset=source.get("offset"),
                value=raw,
            )
            await dlq_topic.send(value=dead_letters.encode(letter, dlq))
            log.warning("dead letter", stage=STAGE, topic=source.get("topic"), reason=error)

        async def notify(records: list[dict[str, Any]]) -> None:
            found: list[HitNotice] = state.match(ProtectedRecord.from_json(r) for r in records)
            for notice in found:
                record = {**notice.to_json(), "at": now()}
                topic = topics.notices(notice.recipient_agency)
                value = codecs["HitNotice"].encode(record, topic)
                await notices[notice.recipient_agency].send(key=notice.hit_id.encode(), value=value)
                # What left is the other agency's: that it holds a match. Its record is
                # the subject, so that it can ask the audit trail who was told of it.
                theirs = next(
                    (n.record_ref for n in found if n.hit_id == notice.hit_id and n is not notice),
                    None,
                )
                detail = {"strength": str(notice.strength)}
                await audit(
                    survivor_audit(
                        "NOTIFY",
                        record,
                        notice.match_agency,
                        PASSED,
                        recipient=notice.recipient_agency,
                        subjects=[theirs] if theirs else [],
                        detail=detail,
                        where=topic,
                    )
                )
                log.info("survivor hit", hit_id=notice.hit_id, recipient=notice.recipient_agency)
            state.save()  # after the sends: a failed send retries the whole message

        async def disclose(message: dict[str, Any]) -> None:
            kind, record, sender = message["disclosure"], message["record"], message["sender"]
            source = message["source"]
            inbound_topic = topics.disclosures(sender)
            verb = "REQUEST" if kind == "DisclosureRequest" else "DECIDE"
            try:
                if kind == "DisclosureRequest":
                    request, fresh = record, state.check_request(sender, record)
                    recipient = record["holder"]
                else:
                    answered = state.check_decision(sender, record)
                    fresh, request = answered is not None, answered or {}
                    recipient = request.get("requester")
                    verb = "APPROVE" if record["status"] == "APPROVED" else "DENY"
            except Refused as refused:
                where = f"{inbound_topic}@{source['partition']}:{source['offset']}"
                await reject(source, str(refused))
                await audit(
                    survivor_audit(
                        verb, record, sender, REFUSED, detail={"refused": str(refused)}, where=where
                    )
                )
                return
            if not fresh:
                return  # a replay of an event passed on already
            out = topics.notices(recipient)
            await notices[recipient].send(
                key=record["hit_id"].encode(), value=base64.b64decode(source["value"])
            )
            subject = state.record_of(record["hit_id"], sender)
            if kind == "DisclosureRequest":
                detail, status = {"purpose": record["purpose"]}, ACCEPTED
            else:
                detail = {"status": record["status"], "reason": record["reason"]}
                status = PASSED if verb == "APPROVE" else REFUSED
            await audit(
                survivor_audit(
                    verb,
                    record,
                    sender,
                    status,
                    recipient=recipient,
                    subjects=[subject] if subject else [],
                    case_ref=request["case_ref"],
                    detail=detail,
                    where=out,
                )
            )
            if kind == "DisclosureRequest":
                state.record_request(record)
            else:
                state.record_decision(record)
            log.info("disclosure passed on", kind=kind, hit_id=record["hit_id"], to=recipient)

        def source_of(event: faust.EventT) -> dict[str, Any]:
            msg = event.message
            return {
                "topic": msg.topic,
                "partition": msg.partition,
                "offset": msg.offset,
                "value": base64.b64encode(event.value or b"").decode(),
            }

        @app.agent(app.topic(*(topics.disclosures(a) for a in agencies)))
        async def receive_disclosures(stream: faust.StreamT) -> None:
            """Decode agencies' requests and decisions; queue them behind the tokens."""
            async for event in stream.events():
                source = source_of(event)
                try:
                    kind, record = disclosures.decode(event.value, event.message.topic)
                except Exception as err:  # undecodable or another type: to the DLQ with its bytes
                    await reject(source, f"{type(err).__name__}: {err}")
                    continue
                sender = topics.agency_of(event.message.topic.removesuffix(".disclosures"))
                message = {"disclosure": kind, "record": _millis(record), "sender": sender}
                await survivors_topic.send(
                    key=event.key, value=_bytes({**message, "source": source})
                )

        @app.agent(survivors_topic)
        async def survivors(stream: faust.StreamT) -> None:
            async for event in stream.events():
                message = json.loads(event.value)
                try:
                    if "records" in message:
                        await notify(message["records"])
                    elif "retract" in message:
                        state.retract(message["retract"])
                    else:
                        await disclose(message)
                except Exception as err:  # a bug must not lose the input: park it with why
                    await reject(message.get("source") or source_of(event), repr(err))
                    log.exception("survivor stage failed", offset=event.message.offset)

        return cls(survivors_topic, codecs["Alert"])
