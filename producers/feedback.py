"""Analysts' corrections of the correlation: undo a link, split a record out of its entity.

    publish_feedback(undo_link("3f2a...", analyst="jdoe", agency="co.fiscalia", reason="..."))

Feedback goes to ``corr.feedback`` keyed by what it corrects, so two corrections of one
link stay in order. The worker applies it to entities and networks; what it cannot apply
(an unknown link, no reason) goes to ``dlq.feedback`` with the reason.
"""

import uuid
from typing import Any

from confluent_kafka import Producer

from borderlink import topics
from borderlink.serde import codec, now
from borderlink.settings import Settings, settings


def _feedback(analyst: str, agency: str, reason: str, case_ref: str | None) -> dict[str, Any]:
    if not reason.strip():
        raise ValueError("a reason is required: another analyst must be able to review it")
    if not topics.AGENCY_ID.match(agency):
        raise ValueError(f"agency {agency!r} is not '<iso-country>.<code>', e.g. 'co.fiscalia'")
    return {
        "feedback_id": str(uuid.uuid4()),
        "analyst": analyst,
        "agency": agency,
        "reason": reason,
        "case_ref": case_ref,
        "at": now(),
    }


def undo_link(
    link_id: str, *, analyst: str, agency: str, reason: str, case_ref: str | None = None
) -> dict[str, Any]:
    return {
        **_feedback(analyst, agency, reason, case_ref),
        "action": "UNDO_LINK",
        "link_id": link_id,
        "record": None,
    }


def split_record(
    ref: str, *, analyst: str, agency: str, reason: str, case_ref: str | None = None
) -> dict[str, Any]:
    """``ref`` is ``<alert id>/<record id>``, as links and entities show it."""
    alert_id, sep, record_id = ref.partition("/")
    if not sep or not record_id:
        raise ValueError(f"record {ref!r} is not '<alert id>/<record id>'")
    record = {"alert_id": str(uuid.UUID(alert_id)), "record_id": record_id}
    return {
        **_feedback(analyst, agency, reason, case_ref),
        "action": "SPLIT_RECORD",
        "link_id": None,
        "record": {**record, "agency": "", "country": ""},
    }


def publish_feedback(feedback: dict[str, Any], config: Settings | None = None) -> None:
    """Publish one correction and wait until the broker has it."""
    cfg = config or settings()
    value = codec(cfg.registry, "Feedback").encode(feedback, topics.FEEDBACK)
    record = feedback.get("record") or {}
    key = feedback.get("link_id") or f"{record.get('alert_id')}/{record.get('record_id')}"
    producer = Producer({**cfg.kafka.librdkafka(), "enable.idempotence": True, "acks": "all"})
    errors: list[str] = []
    producer.produce(
        topics.FEEDBACK,
        key=key.encode(),
        value=value,
        on_delivery=lambda err, _: errors.append(err.str()) if err else None,
    )
    if producer.flush(30) or errors:
        raise RuntimeError(f"feedback not delivered: {errors or 'timed out'}")
