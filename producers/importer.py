"""Bulk import of an agency export: every row becomes an alert, published or dead-lettered.

Two phases, so a file that cannot be read sends nothing:

1. check: read the whole file, build each row's alert and find every problem (pure; a dry
   run stops here);
2. send: valid alerts to ``in.<agency>``, invalid rows to ``dlq.import`` with their reasons
   and the original row, then wait for every delivery report.

No row is dropped silently: the report counts what was published and dead-lettered, and a
delivery that is not confirmed raises ImportFailed carrying that report.

A row naming a victim/survivor is published by the AlertPublisher as tokens (it refuses
without the network key; ``before_send`` lets the caller find that out before anything is
sent), and if invalid it is dead-lettered with its reasons but without the row itself.
"""

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from confluent_kafka import KafkaError, Message, Producer

from borderlink import topics
from borderlink.deadletters import dead_letter
from borderlink.serde import codec
from borderlink.settings import Settings, settings

from .importer_report import ImportFailed, ImportReport, Rejection
from .importer_sources import CheckedRow, check_csv, check_jsonl, source_format
from .mapping import ColumnMapping, MappingError
from .publisher import PROTECTED_ROLES, DeliveryReport, PublishFailed
from .validation import AlertInvalid

STAGE = "import"
# progress(phase, rows done, total or None while unknown); phases: "check", "send".
Progress = Callable[[str, int, int | None], None]


class Publisher(Protocol):
    report: DeliveryReport

    def publish(self, alert: dict[str, Any]) -> None: ...

    def flush(self) -> DeliveryReport: ...


class DeadLetterSink(Protocol):
    report: DeliveryReport

    def send(self, letter: dict[str, Any]) -> None: ...

    def flush(self) -> DeliveryReport: ...


class DeadLetterProducer:
    """Rejected rows to ``dlq.import``: registry-encoded DeadLetter records, idempotent
    producer, delivery confirmed by ``flush`` (like AlertPublisher)."""

    def __init__(self, config: Settings | None = None) -> None:
        cfg = config or settings()
        self.topic = topics.dead_letter(STAGE)
        self._codec = codec(cfg.registry, "DeadLetter")
        self._producer = Producer(
            {**cfg.kafka.librdkafka(), "enable.idempotence": True, "acks": "all"}
        )
        self.report = DeliveryReport()

    def _on_delivery(self, err: KafkaError | None, msg: Message) -> None:
        if err is None:
            self.report.delivered += 1
        else:
            self.report.failed.append(f"{msg.key()!r}: {err.str()}")

    def send(self, letter: dict[str, Any]) -> None:
        value = self._codec.encode(letter, self.topic)
        while True:
            try:
                self._producer.produce(
                    self.topic, key=letter["key"], value=value, on_delivery=self._on_delivery
                )
                break
            except BufferError:
                self._producer.poll(0.5)  # local queue full: serve delivery reports first
        self._producer.poll(0)

    def flush(self, timeout_s: float = 30.0) -> DeliveryReport:
        remaining = self._producer.flush(timeout_s)
        if remaining or self.report.failed:
            raise PublishFailed(
                f"{remaining} dead letters unconfirmed after {timeout_s}s, "
                f"{len(self.report.failed)} failed: {self.report.failed[:5]}"
            )
        return self.report


def _names_a_survivor(alert: dict[str, Any]) -> bool:
    persons = alert.get("persons") or ()
    return bool(alert.get("involves_survivor")) or any(
        isinstance(p, dict) and p.get("role") in PROTECTED_ROLES for p in persons
    )


def _letter(row: CheckedRow, source: str) -> dict[str, Any]:
    alert_id = row.alert_id
    problems = row.problems
    # The row is the survivor's plaintext: it stays at the agency (in its file), never on
    # dlq.import, which the pipeline's operators read.
    withheld = _names_a_survivor(row.alert)
    if withheld:
        problems = [*problems, f"row withheld: it names a victim/survivor (row {row.number})"]
    return dead_letter(
        STAGE,
        AlertInvalid(problems),
        topic=source,
        offset=row.number,
        key=alert_id.encode() if alert_id else None,
        value=None if withheld else row.raw,
    )


def _settle(report: ImportReport, publishers: Iterable[Publisher], sink: DeadLetterSink) -> None:
    """Wait for every delivery report; count what arrived and keep what did not."""
    publishers = list(publishers)
    for party in (*publishers, sink):
        try:
            party.flush()
        except PublishFailed as err:
            report.failures.append(str(err))
    report.published = sum(p.report.delivered for p in publishers)
    report.dead_lettered = sink.report.delivered


def _send(
    checked: list[CheckedRow],
    report: ImportReport,
    publisher_factory: Callable[[str], Publisher],
    sink: DeadLetterSink,
    progress: Progress,
) -> None:
    publishers: dict[str, Publisher] = {}
    number = 0
    try:
        for done, row in enumerate(checked, start=1):
            number = row.number
            if row.problems:
                sink.send(_letter(row, report.source))
            else:
                agency = row.alert["agency"]
                if agency not in publishers:
                    publishers[agency] = publisher_factory(agency)
                publishers[agency].publish(row.alert)
            progress("send", done, len(checked))
    except Exception as err:  # whatever stopped sending, report what got through, then raise
        report.failures.append(f"stopped at row {number}: {type(err).__name__}: {err}")
        _settle(report, publishers.values(), sink)
        raise ImportFailed(report) from err
    _settle(report, publishers.values(), sink)
    if report.failures:
        raise ImportFailed(report)


def import_file(
    path: Path,
    mapping: ColumnMapping | None,
    *,
    agency: str | None = None,
    fmt: str | None = None,
    dry_run: bool = False,
    publisher_factory: Callable[[str], Publisher] | None = None,
    dead_letter_sink: DeadLetterSink | None = None,
    progress: Progress | None = None,
    before_send: Callable[[list[dict[str, Any]]], None] | None = None,
) -> ImportReport:
    """Check every row of ``path`` and, unless ``dry_run``, publish the valid alerts and
    dead-letter the invalid rows. ``agency`` replaces the agency of every alert (the country
    stays). ``before_send`` gets the valid alerts once all are checked. MappingError,
    SourceError or what ``before_send`` raises: nothing was sent. ImportFailed: a delivery
    was not confirmed; its report says what was."""
    tell = progress or (lambda phase, done, total: None)
    kind = source_format(path, fmt, mapping)
    if kind == "jsonl":
        rows = check_jsonl(path, mapping, agency)
    elif mapping is None:
        raise MappingError(["a CSV import needs a mapping file (--mapping)"])
    else:
        rows = check_csv(path, mapping, agency)
    checked: list[CheckedRow] = []
    for row in rows:
        checked.append(row)
        tell("check", len(checked), None)
    tell("check", len(checked), len(checked))

    report = ImportReport(path.name, dry_run, rows=len(checked))
    for row in checked:
        if row.problems:
            report.rejected.append(Rejection(row.number, row.alert_id, row.problems))
        else:
            report.alert_ids.append(str(row.alert["alert_id"]))
    if not dry_run:
        if publisher_factory is None or dead_letter_sink is None:
            raise ValueError("publishing needs a publisher_factory and a dead_letter_sink")
        if before_send is not None:
            before_send([row.alert for row in checked if not row.problems])
        _send(checked, report, publisher_factory, dead_letter_sink, tell)
    return report
