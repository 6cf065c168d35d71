"""Delivery reports of one producer: what was produced is confirmed, or nothing is committed."""

from confluent_kafka import KafkaError, Message, Producer

from borderlink.settings import Settings


def reliable_producer(config: Settings) -> Producer:
    return Producer({**config.kafka.librdkafka(), "enable.idempotence": True, "acks": "all"})


class Deliveries:
    """Pass ``report`` as ``on_delivery``; ``confirm`` flushes and raises unless every record
    produced since the last confirmation reached the broker."""

    def __init__(self) -> None:
        self.failed: list[str] = []

    def report(self, err: KafkaError | None, msg: Message) -> None:
        if err is not None:
            self.failed.append(f"{msg.topic()}: {err.str()}")

    def confirm(self, producer: Producer, what: str, timeout_s: float = 30) -> None:
        pending = producer.flush(timeout_s)
        failed, self.failed = self.failed, []
        if pending or failed:
            raise RuntimeError(f"{what} not delivered ({pending} pending; {failed[:3]})")
