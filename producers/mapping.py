"""Column mapping files: how the columns of an agency's export become Alert fields.

A TOML file whose ``[alert]`` table mirrors the Alert schema: ``[alert.event]`` for the
Event record, ``[[alert.persons]]`` for each person a row describes, and so on. Each field
takes a column (a plain string), a constant (``{value = ...}``) or a deterministic uuid5 of
columns (``{uuid5 = [...]}``), with options to parse dates, split lists and translate codes.
Which keys exist, and what each one takes, comes from the Alert schema when the file loads.
"""

import codecs
import difflib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from .mapping_targets import ALERT_TARGET, Target


class MappingError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {name!r} (an IANA name, e.g. 'America/Bogota')"
        ) from None
    return name


Zone = Annotated[str, AfterValidator(_known_zone)]


class FieldSpec(BaseModel):
    """Where one field's value comes from: exactly one of column, value and uuid5."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str | None = None
    value: Any = None
    uuid5: list[str] | None = Field(None, min_length=1)
    format: str | None = None  # strptime format of a date or date-time column
    timezone: Zone | None = None  # of naive date-times; default: [source].timezone
    split: str | None = None  # separator of a list held in one cell, e.g. "VE;CO"
    map: dict[str, Any] | None = None  # export code -> value, matched ignoring case

    @model_validator(mode="before")
    @classmethod
    def _column_shorthand(cls, data: Any) -> Any:
        return {"column": data} if isinstance(data, str) else data

    @field_validator("map")
    @classmethod
    def _fold_keys(cls, codes: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if codes is None else {key.casefold(): v for key, v in codes.items()}

    @model_validator(mode="after")
    def _one_origin(self) -> Self:
        given = [k for k in ("column", "value", "uuid5") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of column, value, uuid5 (got {given or 'none'})")
        return self

    def columns(self) -> list[str]:
        return self.uuid5 or ([self.column] if self.column else [])


class Source(BaseModel):
    """How to read the export."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["csv", "jsonl"] | None = None  # default: from the file's extension
    encoding: str = "utf-8-sig"  # many Latin American exports are latin-1 or cp1252
    delimiter: str = "auto"
    timezone: Zone | None = None  # of every date-time column without a UTC offset

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, encoding: str) -> str:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ValueError(
                f"unknown encoding {encoding!r} (e.g. 'utf-8-sig', 'latin-1')"
            ) from None
        return encoding

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, delimiter: str) -> str:
        if delimiter != "auto" and len(delimiter) != 1:
            raise ValueError("delimiter is 'auto' or one character, e.g. ';' or '\\t'")
        return delimiter


def _section_model(name: str, target: Target) -> type[BaseModel]:
    """A pydantic model of one record's mapping: its keys are the record's field names."""
    fields: dict[str, Any] = {}
    for key, sub in target.fields.items():
        if sub.kind == "record":
            nested = _section_model(f"{name}.{key}", sub)
            fields[key] = (nested, Field(default_factory=nested))
        elif sub.kind == "records":
            fields[key] = (list[_section_model(f"{name}.{key}", sub)], [])
        else:
            fields[key] = (FieldSpec | None, None)
    return create_model(name, __config__=ConfigDict(extra="forbid", frozen=True), **fields)


_FileModel = create_model(
    "MappingFile",
    __config__=ConfigDict(extra="forbid"),
    source=(Source, Source()),
    alert=(_section_model("alert", ALERT_TARGET) | None, None),
)


@dataclass(frozen=True)
class ColumnMapping:
    source: Source
    alert: Any  # the [alert] section (a model built from the schema), None for JSONL only

    def columns(self) -> set[str]:
        """Every column the mapping reads, to check against the file's header."""
        return set(section_columns(self.alert, ALERT_TARGET)) if self.alert else set()


def section_columns(section: BaseModel, target: Target) -> list[str]:
    """The columns a section of the mapping reads, its nested sections included."""
    found = []
    for key, sub in target.fields.items():
        value = getattr(section, key)
        if sub.kind == "record":
            found += section_columns(value, sub)
        elif sub.kind == "records":
            found += [c for item in value for c in section_columns(item, sub)]
        elif value is not None:
            found += value.columns()
    return found


def _where(loc: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def _keys_at(loc: tuple[str | int, ...]) -> list[str]:
    """The keys allowed where an unknown key was found, for a 'did you mean' hint."""
    if not loc:
        return list(_FileModel.model_fields)
    if loc[0] == "source":
        return list(Source.model_fields)
    target = ALERT_TARGET
    for part in (p for p in loc[1:] if isinstance(p, str)):
        target = target.fields[part]
        if not target.fields:
            return list(FieldSpec.model_fields)
    return list(target.fields)


def _pydantic_problems(err: ValidationError) -> list[str]:
    problems = []
    for e in err.errors():
        loc = tuple(e["loc"])
        if e["type"] == "extra_forbidden":
            keys = _keys_at(loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), keys, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"expected one of {', '.join(keys)}"
            problems.append(f"{_where(loc)}: unknown key; {hint}")
        else:
            problems.append(f"{_where(loc)}: {e['msg'].removeprefix('Value error, ')}")
    return problems


def _constants(spec: FieldSpec, kind: str) -> list[Any]:
    """Every constant a spec can yield as one value (a list field's constant item by item)."""
    given = [] if spec.value is None else [spec.value]
    if kind == "strings" and isinstance(spec.value, list):
        given = spec.value
    return [*given, *(spec.map or {}).values()]


def _spec_problems(spec: FieldSpec, target: Target, source: Source) -> list[str]:
    """Options that make no sense for the field's type, and constants it cannot take."""
    kind, problems = target.kind, []
    if spec.uuid5 and kind != "string":
        problems.append(f"uuid5 makes a string, but this field is {kind}")
    if spec.split and kind != "strings":
        problems.append("split applies to list fields only")
    if spec.format and kind not in ("timestamp", "date", "string"):
        problems.append(f"format applies to dates and date-times, not to {kind}")
    if spec.timezone and kind != "timestamp":
        problems.append("timezone applies to date-times only")
    naive = spec.column and kind == "timestamp" and spec.format and "%z" not in spec.format
    if naive and not (spec.timezone or source.timezone):
        problems.append("the format has no %z: name a timezone here or in [source]")
    if kind == "strings" and spec.value is not None and not isinstance(spec.value, list):
        problems.append(f"{spec.value!r} is not a list (write [{spec.value!r}])")
    problems += [p for c in _constants(spec, kind) if (p := target.refuses(c))]
    return problems


def _section_problems(section: BaseModel, target: Target, source: Source, path: str) -> list[str]:
    problems = []
    for key, sub in target.fields.items():
        value, here = getattr(section, key), f"{path}.{key}"
        if sub.kind == "record":
            problems += _section_problems(value, sub, source, here)
        elif sub.kind == "records":
            for i, item in enumerate(value):
                problems += _section_problems(item, sub, source, f"{here}[{i}]")
        elif value is not None:
            problems += [f"{here}: {p}" for p in _spec_problems(value, sub, source)]
        elif sub.required and here != "alert.agency":  # --agency may give the agency
            problems.append(f"{here}: required by the Alert schema but not mapped")
    return problems


def load_mapping(path: Path) -> ColumnMapping:
    """Read and check a mapping file. MappingError lists the problems, each naming its key
    (the structure first; types and constants once the structure is right)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise MappingError([f"{path}: {err}"]) from err
    try:
        parsed = _FileModel.model_validate(data)
    except ValidationError as err:
        raise MappingError(_pydantic_problems(err)) from err
    mapping = ColumnMapping(parsed.source, parsed.alert)
    if mapping.alert is not None:
        problems = _section_problems(mapping.alert, ALERT_TARGET, mapping.source, "alert")
        if problems:
            raise MappingError(problems)
    return mapping
