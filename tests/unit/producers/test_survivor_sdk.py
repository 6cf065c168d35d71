"""The SDK never lets a survivor's plaintext leave the agency: the publisher sends the
minimised alert with tokens (or refuses without a key), the importer dead-letters a
survivor's row without the row, and the worker's check catches producers that bypass it."""

import io
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastavro import schemaless_reader, schemaless_writer

from borderlink import topics
from borderlink.settings import KafkaSettings, RegistrySettings, Settings
from producers import privacy
from producers.importer import import_file
from producers.privacy import (
    MissingKeyError,
    NetworkKey,
    PersonTokens,
    Tokeniser,
    exposure,
    protect_alert,
    protected_records,
    require_key,
)
from producers.publisher import PROTECTED_ROLES, AlertPublisher, DeliveryReport
from producers.validation import problems
from schemas import ALERT

KEY = NetworkKey("2026-1", bytes(range(32)))
PLAINTEXT = ("Yulimar", "Rondón", "6123-4567", "AX4471203", "2004-06-19")


def _alert(**fields: Any) -> dict[str, Any]:
    from datetime import UTC, datetime

    return {
        "alert_id": str(uuid.uuid4()),
        "agency": "pa.migracion",
        "country": "PA",
        "observed_at": datetime(2026, 5, 1, 10, tzinfo=UTC),
        "reported_at": datetime(2026, 5, 1, 11, tzinfo=UTC),
        "event": {"kind": "BORDER_CROSSING"},
        "marking": {},
        "grading": {},
        "persons": [
            {
                "record_id": "p1",
                "role": "VICTIM",
                "given_names": "Yulimar",
                "surnames": "Rondón",
                "date_of_birth": "2004-06-19",
                "sex": "FEMALE",
            },
            {"record_id": "p2", "role": "SUSPECT", "full_name": "José Peña"},
        ],
        "phones": [{"record_id": "t1", "holder_ref": "p1", "number": "6123-4567"}],
        "documents": [
            {"record_id": "d1", "holder_ref": "p1", "number": "AX4471203", "issuing_state": "PAN"}
        ],
        "notes": "Yulimar travels with José Peña",
        **fields,
    }


def test_the_published_alert_has_tokens_and_no_survivor_plaintext() -> None:
    alert = _alert()
    published = protect_alert(alert, Tokeniser(KEY))

    assert problems(published) == [] and exposure(published) == []
    text = json.dumps(published, default=str, ensure_ascii=False)
    assert not [value for value in PLAINTEXT if value in text]
    assert "José Peña" in text  # the suspect is untouched
    (token,) = published["protected_persons"]
    assert token["person_ref"] == "p1"
    assert PersonTokens.from_json(token["tokens"]) == Tokeniser(KEY).person(
        alert, alert["persons"][0]
    )
    # It is an Alert on the wire, and the worker reads the same records back from it
    buffer = io.BytesIO()
    schemaless_writer(buffer, ALERT, published)
    read = schemaless_reader(io.BytesIO(buffer.getvalue()), ALERT, ALERT)
    (record,) = protected_records(read)
    assert record.ref == f"{alert['alert_id']}/p1" and record.agency == "pa.migracion"
    assert exposure(read) == []  # Avro's defaults on the stub are not plaintext


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda a: a["persons"][0].update(role="VICTIM"), "persons p1: a protected person with"),
        (lambda a: a.update(notes="she said..."), "notes: free text"),
        (lambda a: a["protected_persons"][0].update(person_ref="p2"), "names no protected"),
        (lambda a: a["protected_persons"][0]["tokens"].update(name_clk="AAEC"), "malformed"),
    ],
)
def test_the_worker_check_finds_plaintext_and_bad_tokens(change: Any, problem: str) -> None:
    published = protect_alert(_alert(), Tokeniser(KEY))
    if "persons p1" in problem:  # a producer that bypassed the SDK: the victim in full
        published["persons"] = _alert()["persons"]
        published["phones"] = _alert()["phones"]
    change(published)
    found = exposure(published)
    assert any(problem in p for p in found), found


def test_an_identifier_held_by_a_survivor_is_exposure() -> None:
    published = protect_alert(_alert(), Tokeniser(KEY))
    published["phones"] = _alert()["phones"]
    assert exposure(published) == ["phones t1: held by protected p1"]


def _offline() -> Settings:
    # Nothing listens there: these tests must not need a broker or a registry.
    return Settings(
        kafka=KafkaSettings(bootstrap_servers="127.0.0.1:9"),
        registry=RegistrySettings(url="http://127.0.0.1:9"),
    )


def _publisher(serialized: list[dict[str, Any]], key: NetworkKey | None) -> AlertPublisher:
    """A publisher whose serializer (where records become bytes to send) is a spy."""
    publisher = AlertPublisher("pa.migracion", _offline(), privacy_key=key, log_level=0)
    publisher._serialize = lambda record, _: serialized.append(record) or b"avro"  # type: ignore[method-assign]
    return publisher


def test_the_publisher_refuses_a_survivor_without_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BORDERLINK_PRIVACY_KEY", raising=False)
    serialized: list[dict[str, Any]] = []
    publisher = _publisher(serialized, key=None)
    with pytest.raises(MissingKeyError, match="BORDERLINK_PRIVACY_KEY"):
        publisher.publish(_alert())
    assert serialized == []  # nothing of it was made into bytes, let alone sent


def test_the_publisher_sends_what_protect_alert_writes() -> None:
    serialized: list[dict[str, Any]] = []
    publisher = _publisher(serialized, KEY)
    try:
        alert = _alert()
        publisher.publish(alert)
        publisher.publish(_alert(persons=[alert["persons"][1]], phones=[], documents=[]))
    finally:
        publisher._producer.purge()
    survivor, other = serialized
    assert survivor == protect_alert(alert, Tokeniser(KEY))
    assert other["persons"] == [alert["persons"][1]] and "protected_persons" not in other
    assert publisher.report.protected == 1
    assert PROTECTED_ROLES == privacy.PROTECTED_ROLES


def test_require_key_only_when_an_alert_names_a_survivor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BORDERLINK_PRIVACY_KEY", raising=False)
    require_key([_alert(persons=[{"record_id": "p2", "role": "SUSPECT"}])])
    with pytest.raises(MissingKeyError):
        require_key([_alert()])
    monkeypatch.setenv("BORDERLINK_PRIVACY_KEY", "hex:" + bytes(range(32)).hex())
    require_key([_alert()])


class Collected:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.letters: list[dict[str, Any]] = []
        self.report = DeliveryReport()

    def __call__(self, agency: str) -> "Collected":
        return self

    def publish(self, alert: dict[str, Any]) -> None:
        self.sent.append(alert)

    def send(self, letter: dict[str, Any]) -> None:
        self.letters.append(letter)

    def flush(self) -> DeliveryReport:
        return self.report


def _export(tmp_path: Path) -> Path:
    lines = [
        _alert(),
        _alert(phones=[{"record_id": "t1", "holder_ref": "p9", "number": "6123-4567"}]),
    ]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(json.dumps(line, default=str) for line in lines) + "\n")
    return path


def test_an_invalid_survivor_row_is_dead_lettered_without_the_row(tmp_path: Path) -> None:
    out = Collected()
    report = import_file(_export(tmp_path), None, publisher_factory=out, dead_letter_sink=out)

    assert (report.valid, report.invalid) == (1, 1)
    (letter,) = out.letters
    assert letter["value"] is None and letter["source_offset"] == 2
    assert "holder_ref 'p9' names no record" in letter["reason"]
    assert "row withheld: it names a victim/survivor" in letter["reason"]


def test_a_missing_key_stops_an_import_before_anything_is_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BORDERLINK_PRIVACY_KEY", raising=False)
    out = Collected()
    with pytest.raises(MissingKeyError):
        import_file(
            _export(tmp_path),
            None,
            publisher_factory=out,
            dead_letter_sink=out,
            before_send=require_key,
        )
    assert out.sent == [] and out.letters == []


def test_each_agency_has_its_disclosure_and_notice_topics() -> None:
    mine = {"in.gy.police", "in.gy.police.disclosures", "out.gy.police.notices"}
    assert mine <= set(topics.agency_topics("gy.police"))
    assert topics.agency_of("in.gy.ngo-shelter") == "gy.ngo-shelter"
    for not_alerts in ("in.gy.police.disclosures", "out.gy.police.notices", "gy.police"):
        with pytest.raises(ValueError, match="not an agency's alert topic"):
            topics.agency_of(not_alerts)

    class Admin:
        def list_topics(self, timeout: float) -> Any:
            names = ["in.gy.police", "in.gy.police.disclosures", "gy.police", "in.sr.kpa"]
            return type("Metadata", (), {"topics": dict.fromkeys(names)})

    assert topics.discover_inbound(Admin()) == ["in.gy.police", "in.sr.kpa"]  # type: ignore[arg-type]
