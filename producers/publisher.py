"""The agency SDK: validate an alert, serialize it through the registry, publish it.

    with AlertPublisher("gy.police") as publisher:
        publisher.publish(alert)        # raises AlertInvalid with every problem found

Idempotent producer (acks=all), delivery report per record, flush on exit. The key is the
alert id (or the retracted alert's id), so an alert and its retraction stay in order.

An alert with a protected person (role VICTIM) is published as `privacy.protect_alert`
writes it: minimised, with the person's keyed tokens, never its identifying fields. That
needs the network key (`privacy_key`, else BORDERLINK_PRIVACY_KEY): without one the
publisher raises MissingKeyError and sends nothing of that alert.
"""

from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from confluent_kafka import KafkaError, Message, Producer
from confluent_kafka.schema_registry import SchemaRegistryClient, record_subject_name_strategy
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from borderlink import logs, topics
from borderlink.serde import registry_client
from borderlink.settings import Settings, settings
from schemas import schema_str

from .validation import AlertInvalid, domain_problems, schema_problems

if TYPE_CHECKING:
    from .privacy import NetworkKey, Tokeniser

log = logs.get("producers")
# privacy.PROTECTED_ROLES, spelt here so that alerts without survivors never import privacy
# (it loads the stream's normalisation, ~1.5 s); a unit test keeps the two equal.
PROTECTED_ROLES = frozenset({"VICTIM"})


class PublishFailed(RuntimeError):
    pass


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: list[str] = field(default_factory=list)
    protected: int = 0  # protected persons sent as tokens only


def alert_serializer(registry: SchemaRegistryClient) -> AvroSerializer:
    # The contract is registered centrally (borderlink schemas register), never by an agency.
    return AvroSerializer(
        registry,
        schema_str("Alert"),
        conf={
            "auto.register.schemas": False,
            "subject.name.strategy": record_subject_name_strategy,
        },
    )


def ordering_key(alert: dict[str, Any]) -> bytes:
    event = alert.get("event") or {}
    return str(event.get("retracts_alert_id") or alert["alert_id"]).encode()


class AlertPublisher:
    def __init__(
        self,
        agency: str,
        config: Settings | None = None,
        privacy_key: "NetworkKey | None" = None,
        **producer_conf: Any,
    ) -> None:
        cfg = config or settings()
        self.topic = topics.inbound(agency)
        self.agency = agency
        self._privacy_key = privacy_key
        self._tokeniser: Tokeniser | None = None
        self._serialize = alert_serializer(registry_client(cfg.registry))
        self._producer = Producer(
            {
                **cfg.kafka.librdkafka(),
                "enable.idempotence": True,
                "acks": "all",
                "linger.ms": 20,
                "compression.type": "zstd",
                **producer_conf,
            }
        )
        self.report = DeliveryReport()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.flush()

    def _on_delivery(self, err: KafkaError | None, msg: Message) -> None:
        if err is None:
            self.report.delivered += 1
        else:
            self.report.failed.append(f"{msg.key()!r}: {err.str()}")
            log.error("delivery failed", topic=msg.topic(), key=msg.key(), error=err.str())

    def _as_published(self, alert: dict[str, Any]) -> dict[str, Any]:
        """The alert as it may leave the agency: as it is, or minimised with the tokens
        of its protected persons (MissingKeyError without a network key)."""
        if not any(p.get("role") in PROTECTED_ROLES for p in alert.get("persons") or ()):
            return alert
        # Tokens are made of fields the schema requires: report those missing readably first.
        found = schema_problems(alert)
        if found:
            raise AlertInvalid(found)
        from . import privacy

        if self._tokeniser is None:
            key = self._privacy_key or privacy.PrivacySettings().network_key()
            self._tokeniser = privacy.Tokeniser(key)
        return privacy.protect_alert(alert, self._tokeniser)

    def publish(self, alert: dict[str, Any]) -> None:
        """Validate and enqueue one alert; delivery is confirmed by ``flush``."""
        if alert.get("agency") != self.agency:
            raise PermissionError(
                f"this publisher speaks for {self.agency}, not {alert.get('agency')}"
            )
        found = domain_problems(alert)
        if found:
            raise AlertInvalid(found)
        published = self._as_published(alert)
        try:
            value = self._serialize(published, SerializationContext(self.topic, MessageField.VALUE))
        except Exception as err:
            # The writer checks types as it goes; only a failure pays for the readable report.
            raise AlertInvalid(schema_problems(alert) or [f"schema: {err}"]) from err
        while True:
            try:
                self._producer.produce(
                    self.topic, value=value, key=ordering_key(alert), on_delivery=self._on_delivery
                )
                break
            except BufferError:
                # Local queue full: serve delivery reports to make room (back-pressure).
                self._producer.poll(0.5)
        self.report.protected += len(published.get("protected_persons") or ())
        self._producer.poll(0)

    def flush(self, timeout_s: float = 30.0) -> DeliveryReport:
        remaining = self._producer.flush(timeout_s)
        if remaining:
            raise PublishFailed(f"{remaining} alerts not delivered within {timeout_s}s")
        if self.report.failed:
            raise PublishFailed(
                f"{len(self.report.failed)} alerts failed: {self.report.failed[:5]}"
            )
        return self.report
