"""Dead letters: what a stage could not process, with the reason and the original bytes."""

from typing import Any

from confluent_kafka import Message

from borderlink.serde import now


def dead_letter(
    stage: str,
    error: Exception | str,
    *,
    topic: str | None = None,
    partition: int | None = None,
    offset: int | None = None,
    key: bytes | None = None,
    value: bytes | None = None,
) -> dict[str, Any]:
    """A DeadLetter record (as Avro writes it)."""
    return {
        "stage": stage,
        "reason": str(error),
        "error_type": type(error).__name__ if isinstance(error, Exception) else "Rejected",
        "source_topic": topic,
        "source_partition": partition,
        "source_offset": offset,
        "key": key,
        "value": value,
        "failed_at": now(),
    }


def for_message(stage: str, error: Exception | str, msg: Message) -> dict[str, Any]:
    """The DeadLetter of a Kafka message a consumer could not handle, with its bytes."""
    return dead_letter(
        stage,
        error,
        topic=msg.topic(),
        partition=msg.partition(),
        offset=msg.offset(),
        key=msg.key(),
        value=msg.value(),
    )
