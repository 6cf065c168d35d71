"""Reading an export: CSV rows through a column mapping, or JSONL lines that are alerts.

Each row becomes a CheckedRow: its alert, every problem found, and the original row as JSON
bytes (what a dead letter carries). A file that cannot be read at all raises SourceError
before any row is checked, so nothing of it is ever sent.
"""

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .mapping import ColumnMapping, MappingError
from .mapping_rows import to_alert
from .validation import AlertInvalid, domain_problems, from_json, problems

FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_DELIMITERS = ",;\t|"


class SourceError(ValueError):
    """The file cannot be read as the mapping says (encoding, header, format)."""


@dataclass
class CheckedRow:
    number: int  # as a spreadsheet shows it (CSV header = row 1), or the JSONL line number
    raw: bytes
    alert: dict[str, Any]
    problems: list[str]

    @property
    def alert_id(self) -> str | None:
        value = self.alert.get("alert_id")
        return str(value) if value else None


def source_format(path: Path, fmt: str | None, mapping: ColumnMapping | None) -> str:
    """--format, else the mapping's [source].format, else the file's extension."""
    chosen = fmt or (mapping.source.format if mapping else None) or FORMATS.get(path.suffix.lower())
    if chosen is None:
        raise SourceError(f"{path.name}: cannot tell the format; pass --format csv or jsonl")
    return chosen


def _verdict(alert: dict[str, Any], found: list[str]) -> list[str]:
    # Schema errors on a partly converted alert repeat what conversion said; the domain
    # rules (references, subjects, agency) still add what conversion could not see.
    return found + domain_problems(alert) if found else problems(alert)


def _text(path: Path, encoding: str) -> str:
    try:
        return path.read_text(encoding=encoding)
    except UnicodeDecodeError as err:
        raise SourceError(
            f"{path.name} is not {encoding} text (byte {err.start}); "
            "set [source] encoding in the mapping, e.g. 'latin-1' or 'cp1252'"
        ) from err
    except OSError as err:
        raise SourceError(f"{path}: {err.strerror}") from err


def _csv_rows(text: str, delimiter: str) -> Iterator[list[str]]:
    if delimiter == "auto":
        try:
            delimiter = csv.Sniffer().sniff(text[:8192], delimiters=_DELIMITERS).delimiter
        except csv.Error:
            delimiter = ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def check_csv(path: Path, mapping: ColumnMapping, agency: str | None) -> Iterator[CheckedRow]:
    if mapping.alert is None:
        raise MappingError(["a CSV import needs an [alert] section in the mapping"])
    if agency is None and mapping.alert.agency is None:
        raise MappingError(["alert.agency: not mapped; map it or pass --agency"])
    rows = _csv_rows(_text(path, mapping.source.encoding), mapping.source.delimiter)
    header = [name.strip() for name in next(rows, [])]
    missing = sorted(mapping.columns() - set(header))
    if missing:
        raise SourceError(
            f"{path.name}: the mapping reads columns the header lacks: {', '.join(missing)} "
            f"(header: {', '.join(header) or 'empty'}); check [source] delimiter and encoding"
        )
    for number, values in enumerate(rows, start=2):
        if not any(v.strip() for v in values):
            continue  # a blank line between records is no row
        cells = dict(zip(header, values, strict=False))
        original: dict[str, Any] = dict(cells)
        found = []
        if len(values) != len(header):
            found.append(f"row has {len(values)} cells, the header {len(header)}")
            original["_extra_cells"] = values[len(header) :]
        alert, conversion = to_alert(mapping, cells, agency)
        raw = json.dumps(original, ensure_ascii=False).encode()
        yield CheckedRow(number, raw, alert, _verdict(alert, found + conversion))


def _jsonl_row(number: int, line: str, agency: str | None) -> CheckedRow:
    raw = line.encode()
    try:
        data = json.loads(line)
    except json.JSONDecodeError as err:
        return CheckedRow(number, raw, {}, [f"not JSON: {err}"])
    if not isinstance(data, dict):
        return CheckedRow(number, raw, {}, ["not a JSON object"])
    if agency is not None:
        data["agency"] = agency
    try:
        alert = from_json(data)
    except AlertInvalid as err:
        return CheckedRow(number, raw, data, _verdict(data, err.problems))
    return CheckedRow(number, raw, alert, problems(alert))


def check_jsonl(
    path: Path, mapping: ColumnMapping | None, agency: str | None
) -> Iterator[CheckedRow]:
    """Each line is one alert in JSON form; a mapping, if given, lends only its [source]."""
    text = _text(path, mapping.source.encoding if mapping else "utf-8-sig")
    # split("\n"), not splitlines(): JSON strings may hold U+2028, which splitlines cuts at.
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield _jsonl_row(number, line.strip(), agency)
