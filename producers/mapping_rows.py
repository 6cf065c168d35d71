"""One export row to one alert, following a column mapping. Pure: problems are returned.

Empty cells leave their field out (the schema default applies); a subject section whose
cells are all empty adds no subject, so a row without a phone number has no phone.
"""

import uuid
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from .mapping import ColumnMapping, FieldSpec, section_columns
from .mapping_targets import ALERT_TARGET, Target

# Names of uuid5 alert ids: the same agency importing the same row gets the same id.
IMPORT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:borderlink:import")
AGENCY_TARGET = ALERT_TARGET.fields["agency"]
_LIST_ITEM = Target("string")  # list fields hold strings (nationalities, aliases...)
_TRUE = frozenset({"1", "true", "yes", "y", "si", "sí", "s", "x"})
_FALSE = frozenset({"0", "false", "no", "n"})


class CellProblem(ValueError):
    pass


@dataclass
class _Section:
    """A record being built: its fields, whether any of its cells held text, its problems."""

    record: dict[str, Any] = field(default_factory=dict)
    filled: bool = False
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    cells: Mapping[str, str]
    agency: str | None
    timezone: str | None

    def text(self, column: str) -> str:
        return (self.cells.get(column) or "").strip()

    def section(self, spec: BaseModel, target: Target, path: str) -> _Section:
        out = _Section()
        for key, sub in target.fields.items():
            value, here = getattr(spec, key), f"{path}.{key}"
            if sub.kind == "record":
                nested = self.section(value, sub, here)
                out.record[key] = nested.record
                out.problems += nested.problems
                out.filled |= nested.filled
            elif sub.kind == "records":
                out.record[key] = []
                for i, item_spec in enumerate(value):
                    item = self.section(item_spec, sub, f"{here}[{i}]")
                    # A section of constants only describes every row; others need a cell.
                    if item.filled or not section_columns(item_spec, sub):
                        out.record[key].append(item.record)
                        out.problems += item.problems
            elif value is not None:
                out.filled |= any(self.text(c) for c in value.columns())
                try:
                    converted = self.value(value, sub)
                except CellProblem as err:
                    out.problems.append(f"{here}: {err}")
                    continue
                if converted is not None:
                    out.record[key] = converted
                elif sub.required:
                    out.problems.append(f"{here}: column {value.column!r} is empty")
        return out

    def value(self, spec: FieldSpec, target: Target) -> Any:
        """The field's value, None when its cell is empty; CellProblem when it cannot be read."""
        if spec.value is not None:
            return spec.value
        if spec.uuid5:
            empty = [c for c in spec.uuid5 if not self.text(c)]
            if empty:
                raise CellProblem(f"no id: column {', '.join(map(repr, empty))} is empty")
            name = "\x1f".join([self.agency or "", *(self.text(c) for c in spec.uuid5)])
            return str(uuid.uuid5(IMPORT_NAMESPACE, name))
        assert spec.column is not None  # FieldSpec guarantees one origin
        text = self.text(spec.column)
        if not text:
            return None
        if target.kind == "strings":
            parts = text.split(spec.split) if spec.split else [text]
            return [self.typed(p.strip(), spec, _LIST_ITEM) for p in parts if p.strip()]
        return self.typed(text, spec, target)

    def typed(self, text: str, spec: FieldSpec, target: Target) -> Any:
        if spec.map is not None:
            if text.casefold() not in spec.map:
                codes = ", ".join(spec.map)
                raise CellProblem(f"{text!r} in {spec.column!r} is not one of {codes}")
            return spec.map[text.casefold()]
        try:
            return _parse(text, spec, target, spec.timezone or self.timezone)
        except ValueError as err:
            raise CellProblem(f"{text!r} in {spec.column!r}: {err}") from err


def _plain_number(text: str) -> str:
    """'1.500.000,50' and '1,500,000.50' -> '1500000.50', '-4,598' -> '-4.598': the last
    separator is the decimal one unless it occurs twice (exports in the region mix both)."""
    digits = text.replace(" ", "")
    last = max(digits.rfind(","), digits.rfind("."))
    if last < 0 or digits.count(digits[last]) > 1:
        return digits.replace(",", "").replace(".", "")
    whole = digits[:last].replace(",", "").replace(".", "")
    return f"{whole}.{digits[last + 1 :]}"


def _parse(text: str, spec: FieldSpec, target: Target, zone: str | None) -> Any:
    kind = target.kind
    if kind == "timestamp":
        # strptime gives a naive date-time unless the format has %z; the zone makes it exact.
        parsed = (
            datetime.strptime(text, spec.format)  # noqa: DTZ007 - zone attached below
            if spec.format
            else datetime.fromisoformat(text)
        )
        if parsed.tzinfo is None:
            if zone is None:
                raise ValueError("no UTC offset and the mapping names no timezone")
            parsed = parsed.replace(tzinfo=ZoneInfo(zone))
        return parsed
    if kind in ("date", "string") and spec.format:
        day = datetime.strptime(text, spec.format).date()  # noqa: DTZ007 - a calendar date
        return day if kind == "date" else day.isoformat()
    if kind == "date":
        return date.fromisoformat(text)
    if kind == "enum":
        if text.upper() not in target.symbols:
            raise ValueError(f"expected one of {', '.join(target.symbols)} (or add a map)")
        return text.upper()
    if kind == "int":
        return int(text)
    if kind == "float":
        return float(_plain_number(text))
    if kind == "decimal":
        try:
            return Decimal(_plain_number(text))
        except InvalidOperation:
            raise ValueError("not a number") from None
    if kind == "boolean":
        folded = text.casefold()
        if folded not in _TRUE | _FALSE:
            raise ValueError("expected yes/no, si/no, true/false or 1/0")
        return folded in _TRUE
    return text


def to_alert(
    mapping: ColumnMapping, cells: Mapping[str, str], agency: str | None = None
) -> tuple[dict[str, Any], list[str]]:
    """The alert a row describes and every problem met reading its cells. ``agency``
    replaces the mapped agency (the country stays as mapped)."""
    zone, resolved = mapping.source.timezone, agency
    if resolved is None and mapping.alert.agency is not None:
        # uuid5 ids are named by the agency; a bad agency cell is reported with the section.
        with suppress(CellProblem):
            resolved = _Row(cells, None, zone).value(mapping.alert.agency, AGENCY_TARGET)
    built = _Row(cells, resolved, zone).section(mapping.alert, ALERT_TARGET, "alert")
    if agency is not None:
        built.record["agency"] = agency
    return built.record, built.problems
