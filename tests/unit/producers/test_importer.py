"""Bulk import without a broker: mapping files, rows to alerts, reports, dead letters.

Publishing goes through a fake publisher and a fake dead-letter sink here (the only place
that fakes them); tests/integration/test_import.py runs the same import on the real stack.
"""

import csv
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastavro.validation import validate
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from producers.importer import ImportFailed, import_file
from producers.importer_sources import SourceError
from producers.mapping import ColumnMapping, MappingError, load_mapping
from producers.mapping_rows import to_alert
from producers.mapping_targets import ALERT_TARGET
from producers.publisher import DeliveryReport, PublishFailed
from producers.validation import problems as validation_problems
from schemas import DEAD_LETTER, field_names

EXAMPLES = Path(__file__).parents[3] / "producers" / "examples"
EXPORT, MAPPING = EXAMPLES / "co_migracion_export.csv", EXAMPLES / "co_migracion_mapping.toml"
JSONL = EXAMPLES / "tt_police_alerts.jsonl"
INVALID_EXAMPLE_ROWS = [7, 13, 18]  # spreadsheet numbering: the header is row 1

MINIMAL = """
[source]
timezone = "America/Bogota"

[alert]
agency = {value = "co.migracion"}
country = {value = "CO"}
alert_id = {uuid5 = ["RADICADO"]}
observed_at = {column = "FECHA", format = "%d/%m/%Y %H:%M"}
reported_at = {column = "FECHA", format = "%d/%m/%Y %H:%M"}

[[alert.persons]]
record_id = {value = "p1"}
given_names = "NOMBRES"
"""


TRANSACTION = """
[[alert.transactions]]
record_id = {value = "x1"}
amount = "MONTO"
currency = {value = "COP"}
occurred_at = {column = "FECHA", format = "%d/%m/%Y %H:%M"}
"""
EVENT = '[alert.event]\nkind = {value = "BORDER_CROSSING"}\n'


def mapping_of(tmp_path: Path, text: str) -> ColumnMapping:
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return load_mapping(path)


def mapping_problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(MappingError) as caught:
        mapping_of(tmp_path, text)
    return caught.value.problems


def row(**cells: str) -> dict[str, str]:
    return {"RADICADO": "MC-1", "FECHA": "14/03/2026 06:42", "NOMBRES": "Ana", **cells}


class FakePublisher:
    def __init__(self, agency: str, fail_on_flush: bool = False) -> None:
        self.agency, self.fail_on_flush = agency, fail_on_flush
        self.sent: list[dict[str, Any]] = []
        self.report = DeliveryReport()

    def publish(self, alert: dict[str, Any]) -> None:
        assert alert["agency"] == self.agency
        self.sent.append(alert)

    def flush(self) -> DeliveryReport:
        if self.fail_on_flush:
            self.report.delivered = len(self.sent) - 1
            self.report.failed.append(f"{self.sent[-1]['alert_id']!r}: Broker: timed out")
            raise PublishFailed("1 alerts failed")
        self.report.delivered = len(self.sent)
        return self.report


class FakeSink:
    def __init__(self) -> None:
        self.letters: list[dict[str, Any]] = []
        self.report = DeliveryReport()

    def send(self, letter: dict[str, Any]) -> None:
        self.letters.append(letter)

    def flush(self) -> DeliveryReport:
        self.report.delivered = len(self.letters)
        return self.report


class Publishers(dict[str, FakePublisher]):
    """A publisher factory that remembers what it made."""

    def __call__(self, agency: str) -> FakePublisher:
        self[agency] = FakePublisher(agency)
        return self[agency]


# --- the mapping file -----------------------------------------------------------------


def test_mapping_keys_are_the_alert_schema_fields() -> None:
    assert list(ALERT_TARGET.fields) == field_names("Alert")
    assert list(ALERT_TARGET.fields["phones"].fields) == field_names("Phone")
    assert ALERT_TARGET.fields["persons"].kind == "records"
    assert ALERT_TARGET.fields["observed_at"].kind == "timestamp"


def test_the_example_mapping_loads_and_reads_columns_of_the_example_export() -> None:
    mapping = load_mapping(MAPPING)
    header = EXPORT.read_text(encoding="latin-1").splitlines()[0].split(";")
    assert mapping.columns() <= set(header)
    assert mapping.source.encoding == "latin-1"


def test_an_unknown_key_is_named_with_the_field_it_probably_meant(tmp_path: Path) -> None:
    text = MINIMAL.replace('given_names = "NOMBRES"', 'given_name = "NOMBRES"')
    text = text.replace("[source]", '[source]\ndelimter = ";"')
    problems = mapping_problems(tmp_path, text)
    assert "alert.persons[0].given_name: unknown key; did you mean 'given_names'?" in problems
    assert "source.delimter: unknown key; did you mean 'delimiter'?" in problems


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('role = {value = "SUSPCT"}', "alert.persons[0].role: 'SUSPCT' is not one of SUSPECT"),
        ('sex = {column = "S", map = {M = "MAN"}}', "'MAN' is not one of MALE, FEMALE"),
        ('sex = {column = "S", split = ";"}', "sex: split applies to list fields only"),
        ('nationalities = {value = "VE"}', "'VE' is not a list (write ['VE'])"),
        ('full_name = {value = "A", column = "B"}', "give exactly one of column, value, uuid5"),
        ('aliases = {column = "A", format = "%d"}', "format applies to dates and date-times"),
        ('full_name = {column = "A", timezone = "Bogota"}', "unknown timezone 'Bogota'"),
    ],
)
def test_a_bad_field_spec_is_refused_naming_its_key(
    tmp_path: Path, line: str, expected: str
) -> None:
    problems = mapping_problems(tmp_path, f"{MINIMAL}{line}\n")
    assert any(expected in p for p in problems), problems


def test_required_fields_must_be_mapped_and_naive_times_need_a_zone(tmp_path: Path) -> None:
    text = MINIMAL.replace('timezone = "America/Bogota"', "")
    text += '[[alert.phones]]\nholder_ref = {value = "p1"}\n'
    problems = mapping_problems(tmp_path, text)
    assert "alert.phones[0].number: required by the Alert schema but not mapped" in problems
    assert "alert.phones[0].record_id: required by the Alert schema but not mapped" in problems
    assert any(p.startswith("alert.observed_at: the format has no %z") for p in problems)


def test_source_options_are_checked(tmp_path: Path) -> None:
    text = MINIMAL.replace("[source]", '[source]\nencoding = "latin-9x"\ndelimiter = ";;"')
    problems = mapping_problems(tmp_path, text)
    assert any(p.startswith("source.encoding: unknown encoding 'latin-9x'") for p in problems)
    assert any(p.startswith("source.delimiter: delimiter is 'auto' or one") for p in problems)


def test_a_file_that_is_not_toml_is_a_mapping_error(tmp_path: Path) -> None:
    assert "mapping.toml" in mapping_problems(tmp_path, "[alert\n")[0]


# --- one row to one alert -------------------------------------------------------------


def test_local_times_become_aware_datetimes_in_the_mapping_timezone(tmp_path: Path) -> None:
    alert, problems = to_alert(mapping_of(tmp_path, MINIMAL), row())
    assert problems == []
    assert alert["observed_at"] == datetime(2026, 3, 14, 11, 42, tzinfo=UTC)  # Bogota is UTC-5
    assert alert["persons"] == [{"record_id": "p1", "given_names": "Ana"}]


def test_a_field_timezone_and_a_utc_offset_in_the_format_win(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        'reported_at = {column = "FECHA", format = "%d/%m/%Y %H:%M"}',
        'reported_at = {column = "FECHA", format = "%d/%m/%Y %H:%M", timezone = "America/Lima"}\n'
        'notes = "NOTAS"',
    ).replace(
        'observed_at = {column = "FECHA", format = "%d/%m/%Y %H:%M"}',
        'observed_at = {column = "VISTO", format = "%Y-%m-%d %H:%M %z"}',
    )
    alert, problems = to_alert(mapping_of(tmp_path, text), row(VISTO="2026-03-14 06:00 -0400"))
    assert problems == []
    assert alert["observed_at"] == datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
    assert alert["reported_at"].utcoffset().total_seconds() == -5 * 3600
    assert "notes" not in alert  # NOTAS is empty in this row: the field is left out


def test_dates_splits_maps_booleans_and_numbers_follow_the_schema(tmp_path: Path) -> None:
    text = MINIMAL.replace("[[alert.persons]]", EVENT + "\n[[alert.persons]]")
    text = text.replace("[alert.event]", 'involves_survivor = "VICTIMA"\n\n[alert.event]')
    text += """
date_of_birth = {column = "NAC", format = "%d/%m/%Y"}
nationalities = {column = "PAIS", split = "/", map = {VEN = "VE", COL = "CO"}}
role = "ROL"

[[alert.documents]]
record_id = {value = "d1"}
holder_ref = {value = "p1"}
number = "DOC"
issuing_state = {value = "VEN"}
expiry = {column = "VENCE", format = "%d/%m/%Y"}

[[alert.locations]]
record_id = {value = "l1"}
lat = "LAT"

[[alert.accounts]]
record_id = {value = "a1"}
account_number = "CUENTA"

"""
    text += TRANSACTION + 'from_account_ref = {value = "a1"}\n'
    cells = row(
        VICTIMA="Sí",
        NAC="22/07/2009",
        PAIS="VEN / col",
        ROL="victim",
        DOC="V-30.456.112",
        VENCE="31/12/2030",
        LAT="7,8939",
        CUENTA="0012-3456",
        MONTO="1.500.000,50",
    )
    alert, problems = to_alert(mapping_of(tmp_path, text), cells)
    assert problems == []
    person = alert["persons"][0]
    assert person["date_of_birth"] == "2009-07-22"
    assert person["nationalities"] == ["VE", "CO"]
    assert person["role"] == "VICTIM"
    assert alert["involves_survivor"] is True
    assert alert["documents"][0]["expiry"] == date(2030, 12, 31)
    assert alert["locations"][0]["lat"] == pytest.approx(7.8939)
    assert alert["transactions"][0]["amount"] == Decimal("1500000.50")
    assert alert["event"]["kind"] == "BORDER_CROSSING"


@pytest.fixture(scope="module")
def amounts(tmp_path_factory: pytest.TempPathFactory) -> ColumnMapping:
    return mapping_of(tmp_path_factory.mktemp("amounts"), MINIMAL + TRANSACTION)


@given(amount=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_amounts_read_with_either_decimal_mark(amounts: ColumnMapping, amount: Decimal) -> None:
    latin = f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    for written in (f"{amount:,.2f}", latin):  # 1,500,000.50 and 1.500.000,50
        alert, _ = to_alert(amounts, row(MONTO=written))
        assert alert["transactions"][0]["amount"] == amount


def test_a_subject_with_empty_cells_is_left_out_and_a_holder_ref_to_it_is_a_problem(
    tmp_path: Path,
) -> None:
    text = MINIMAL + '[[alert.phones]]\nrecord_id = {value = "t1"}\nholder_ref = {value = "p1"}\n'
    text += 'number = "TEL"\n'
    mapping = mapping_of(tmp_path, text)
    alert, problems = to_alert(mapping, row(NOMBRES="", TEL="310 555 0142"))
    assert alert["persons"] == []
    assert alert["phones"] == [{"record_id": "t1", "holder_ref": "p1", "number": "310 555 0142"}]
    assert problems == []  # conversion is fine; validation names the dangling reference
    assert "phones t1: holder_ref 'p1' names no record" in validation_problems(alert)
    without_phone, _ = to_alert(mapping, row(TEL=""))
    assert without_phone["phones"] == []


def test_cells_that_cannot_be_read_are_problems_naming_field_and_column(tmp_path: Path) -> None:
    text = MINIMAL + 'sex = {column = "SEXO", map = {M = "MALE", F = "FEMALE"}}\nrole = "ROL"\n'
    alert, problems = to_alert(
        mapping_of(tmp_path, text), row(FECHA="31/09/2026 05:10", SEXO="X", ROL="jefe")
    )
    assert "observed_at" not in alert
    assert any(p.startswith("alert.observed_at: '31/09/2026 05:10' in 'FECHA'") for p in problems)
    assert "alert.persons[0].sex: 'X' in 'SEXO' is not one of m, f" in problems
    assert any(
        p.startswith("alert.persons[0].role: 'jefe' in 'ROL': expected one of") for p in problems
    )


def test_an_empty_required_cell_and_an_empty_id_column_are_problems(tmp_path: Path) -> None:
    _, problems = to_alert(mapping_of(tmp_path, MINIMAL), row(FECHA="", RADICADO=" "))
    assert "alert.observed_at: column 'FECHA' is empty" in problems
    assert "alert.alert_id: no id: column 'RADICADO' is empty" in problems


# --- deterministic ids and the agency ---------------------------------------------------


def test_uuid5_ids_are_the_same_for_the_same_row_and_agency(tmp_path: Path) -> None:
    mapping = mapping_of(tmp_path, MINIMAL)
    first, _ = to_alert(mapping, row())
    again, _ = to_alert(mapping, row(NOMBRES="another spelling"))
    other_row, _ = to_alert(mapping, row(RADICADO="MC-2"))
    other_agency, _ = to_alert(mapping, row(), agency="co.uiaf")
    assert uuid.UUID(first["alert_id"]).version == 5
    assert first["alert_id"] == again["alert_id"]
    assert len({first["alert_id"], other_row["alert_id"], other_agency["alert_id"]}) == 3


def test_agency_override_replaces_the_agency_and_keeps_the_country(tmp_path: Path) -> None:
    alert, _ = to_alert(mapping_of(tmp_path, MINIMAL), row(), agency="co.uiaf-test")
    assert (alert["agency"], alert["country"]) == ("co.uiaf-test", "CO")


# --- whole files ----------------------------------------------------------------------


def test_dry_run_checks_every_row_and_sends_nothing() -> None:
    def no_publishing(agency: str) -> FakePublisher:
        raise AssertionError("a dry run must not publish")

    seen: list[tuple[str, int, int | None]] = []
    report = import_file(
        EXPORT,
        load_mapping(MAPPING),
        dry_run=True,
        publisher_factory=no_publishing,
        progress=lambda phase, done, total: seen.append((phase, done, total)),
    )
    assert (report.rows, report.valid, report.invalid) == (18, 15, 3)
    assert (report.published, report.dead_lettered) == (0, 0)
    assert [r.row for r in report.rejected] == INVALID_EXAMPLE_ROWS
    problems = {r.row: r.problems for r in report.rejected}
    assert "day is out of range for month" in problems[7][0]
    assert problems[13] == ["phones t1: holder_ref 'p1' names no record"]
    assert "at least one subject" in problems[18][0]
    assert seen[-1] == ("check", 18, 18)


def test_valid_rows_are_published_and_invalid_ones_dead_lettered_with_the_row(
    tmp_path: Path,
) -> None:
    publishers, sink = Publishers(), FakeSink()
    report = import_file(
        EXPORT,
        load_mapping(MAPPING),
        agency="co.uiaf-test",
        publisher_factory=publishers,
        dead_letter_sink=sink,
    )
    assert (report.published, report.dead_lettered) == (15, 3)
    sent = publishers["co.uiaf-test"].sent
    assert [a["alert_id"] for a in sent] == report.alert_ids
    assert {a["country"] for a in sent} == {"CO"}
    assert [letter["source_offset"] for letter in sink.letters] == INVALID_EXAMPLE_ROWS
    for letter, rejected in zip(sink.letters, report.rejected, strict=True):
        validate(letter, DEAD_LETTER, raise_errors=True)  # encodable as a DeadLetter
        assert letter["stage"] == "import"
        assert letter["source_topic"] == "co_migracion_export.csv"
        assert letter["error_type"] == "AlertInvalid"
        assert letter["reason"] == "; ".join(rejected.problems)
        assert letter["key"] == rejected.alert_id.encode()
        assert json.loads(letter["value"])["NUM_RADICADO"].startswith("MC-")
    assert json.loads(sink.letters[0]["value"])["FECHA_CONTROL"] == "31/09/2026 05:10"


def test_an_unconfirmed_delivery_raises_with_what_was_delivered() -> None:
    sink = FakeSink()
    with pytest.raises(ImportFailed, match="Re-running the same import is safe") as caught:
        import_file(
            EXPORT,
            load_mapping(MAPPING),
            publisher_factory=lambda agency: FakePublisher(agency, fail_on_flush=True),
            dead_letter_sink=sink,
        )
    report = caught.value.report
    assert (report.published, report.valid, report.dead_lettered) == (14, 15, 3)
    assert report.failures == ["1 alerts failed"]
    assert "14 of 15 alerts published" in str(caught.value)


def test_an_error_while_sending_stops_flushes_and_reports() -> None:
    class Unreachable(FakePublisher):
        def publish(self, alert: dict[str, Any]) -> None:
            if len(self.sent) == 2:
                raise ConnectionError("schema registry unreachable")
            super().publish(alert)

    sink = FakeSink()
    with pytest.raises(ImportFailed) as caught:
        import_file(
            EXPORT, load_mapping(MAPPING), publisher_factory=Unreachable, dead_letter_sink=sink
        )
    report = caught.value.report
    assert report.published == 2
    assert report.failures == ["stopped at row 4: ConnectionError: schema registry unreachable"]
    assert isinstance(caught.value.__cause__, ConnectionError)


def test_jsonl_lines_are_alerts_and_every_problem_is_reported(tmp_path: Path) -> None:
    report = import_file(JSONL, None, dry_run=True)
    assert (report.rows, report.valid, report.invalid) == (5, 4, 1)
    assert report.rejected[0].problems == [
        "observed_at is after reported_at",
        "phones t1: holder_ref 'p2' names no record",
    ]
    lines = JSONL.read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join([lines[0], "{not json", "[1]", "", lines[1]]) + "\n")
    publishers = Publishers()
    report = import_file(
        broken,
        None,
        agency="tt.police-test",
        publisher_factory=publishers,
        dead_letter_sink=FakeSink(),
    )
    assert [r.row for r in report.rejected] == [2, 3]
    assert report.rejected[0].problems[0].startswith("not JSON")
    assert report.rejected[1].problems == ["not a JSON object"]
    assert [a["agency"] for a in publishers["tt.police-test"].sent] == ["tt.police-test"] * 2


def test_unusable_files_raise_before_any_row_is_checked(tmp_path: Path) -> None:
    mapping = load_mapping(MAPPING)
    with pytest.raises(SourceError, match="not utf-8-sig text"):
        import_file(EXPORT, None, fmt="jsonl", dry_run=True)
    wrong_file = tmp_path / "other.csv"
    wrong_file.write_text("A;B\n1;2\n", encoding="latin-1")
    with pytest.raises(SourceError, match="the header lacks: APELLIDOS"):
        import_file(wrong_file, mapping, dry_run=True)
    with pytest.raises(MappingError, match="needs a mapping file"):
        import_file(EXPORT, None, dry_run=True)
    with pytest.raises(SourceError, match="cannot tell the format"):
        import_file(tmp_path / "export.dat", None, dry_run=True)


def test_a_sniffed_delimiter_and_a_short_row(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text(
        "RADICADO,FECHA,NOMBRES\r\nMC-1,14/03/2026 06:42,Ana\r\n\r\nMC-2,14/03/2026 06:50\r\n",
        encoding="utf-8",
    )
    report = import_file(export, mapping_of(tmp_path, MINIMAL), dry_run=True)
    assert report.valid == 1
    assert [(r.row, r.problems[0]) for r in report.rejected] == [
        (4, "row has 2 cells, the header 3")
    ]


def test_the_error_report_is_csv_with_one_line_per_problem_or_json(tmp_path: Path) -> None:
    report = import_file(JSONL, None, dry_run=True)
    report.write(tmp_path / "errors.csv")
    with (tmp_path / "errors.csv").open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.DictReader(f))
    assert [(line["row"], line["problem"]) for line in lines] == [
        ("5", "observed_at is after reported_at"),
        ("5", "phones t1: holder_ref 'p2' names no record"),
    ]
    report.write(tmp_path / "report.json")
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert (data["rows"], data["valid"], data["invalid"], data["dry_run"]) == (5, 4, 1, True)
    assert data["rejected"][0]["alert_id"] == "3c5e7a9b-1d2f-4b4c-9d6e-8f0a1b2c3da5"


# --- the command ----------------------------------------------------------------------


def test_the_command_exits_1_for_invalid_rows_and_2_for_a_bad_mapping(tmp_path: Path) -> None:
    from borderlink.cli import app

    runner = CliRunner()
    args = ["import", str(EXPORT), "--mapping", str(MAPPING), "--dry-run"]
    result = runner.invoke(app, [*args, "--report", str(tmp_path / "errors.csv")])
    assert result.exit_code == 1, result.output
    assert "invalid rows" in result.output
    assert (tmp_path / "errors.csv").exists()

    bad = tmp_path / "bad.toml"
    bad.write_text(MAPPING.read_text(encoding="utf-8").replace("surnames =", "surname ="))
    result = runner.invoke(app, ["import", str(EXPORT), "--mapping", str(bad), "--dry-run"])
    assert result.exit_code == 2
    assert "did you mean 'surnames'?" in result.output

    clean = tmp_path / "clean.jsonl"
    clean.write_text("\n".join(JSONL.read_text(encoding="utf-8").splitlines()[:4]) + "\n")
    assert runner.invoke(app, ["import", str(clean), "--dry-run"]).exit_code == 0
