"""Sharing agreements: policy as data, one versioned TOML file per agreement, checked on load.

An agreement names its parties (agency id -> kind), the highest TLP label they may pass
each other, which results they share, whether a party receives only what touches its own
records (need to know), and the fields it always withholds unless the recipient is
excepted. A file that does not parse or does not validate stops the worker with the file
name and every problem in it, instead of sharing under a half-read policy.
"""

import tomllib
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from borderlink.topics import AGENCY_ID, AGENCY_KINDS, is_audience
from schemas.paths import FieldPath

# FIRST TLP 2.0, least to most restrictive; the order decides what `max_tlp` admits.
TLP_ORDER = ("CLEAR", "GREEN", "AMBER", "AMBER_STRICT", "RED")


class ResultKind(StrEnum):
    """What an agreement shares: the alerts themselves and each kind of correlation result."""

    ALERT = "ALERT"
    LINK = "LINK"
    ENTITY = "ENTITY"
    NETWORK = "NETWORK"
    HIT = "HIT"


class Withhold(BaseModel):
    """A field marking the agreement adds to every alert it shares."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str
    except_: tuple[str, ...] = Field(default=(), alias="except")
    reason: str

    @field_validator("field")
    @classmethod
    def _path(cls, value: str) -> str:
        FieldPath.parse(value)  # raises ValueError with what is wrong
        return value

    @field_validator("except_")
    @classmethod
    def _audience(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [v for v in value if not is_audience(v)]
        if bad:
            raise ValueError(f"not an agency id, country code or agency kind: {bad}")
        return value


class Agreement(BaseModel):
    """One sharing agreement at one version."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
    version: Annotated[int, Field(ge=1)]
    title: str
    valid_from: date
    valid_until: date | None = None
    max_tlp: str
    need_to_know: bool = True
    results: tuple[ResultKind, ...] = tuple(ResultKind)
    parties: dict[str, str]
    withhold: tuple[Withhold, ...] = ()

    @field_validator("max_tlp")
    @classmethod
    def _tlp(cls, value: str) -> str:
        if value not in TLP_ORDER:
            raise ValueError(f"{value!r} is not a TLP label: one of {', '.join(TLP_ORDER)}")
        return value

    @field_validator("parties")
    @classmethod
    def _parties(cls, value: dict[str, str]) -> dict[str, str]:
        problems = [f"{a!r} is not an agency id" for a in value if not AGENCY_ID.match(a)]
        problems += [
            f"{a}: {k!r} is not an agency kind" for a, k in value.items() if k not in AGENCY_KINDS
        ]
        if problems:
            raise ValueError("; ".join(problems))
        if len(value) < 2:
            raise ValueError("an agreement needs at least two parties")
        return value

    @model_validator(mode="after")
    def _window(self) -> "Agreement":
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError(
                f"valid_until {self.valid_until} is before valid_from {self.valid_from}"
            )
        return self

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def admits(self, tlp: str) -> bool:
        # An unknown label reads as RED (the schema's own fail-closed default).
        rank = TLP_ORDER.index(tlp) if tlp in TLP_ORDER else len(TLP_ORDER) - 1
        return rank <= TLP_ORDER.index(self.max_tlp)


class PolicyError(ValueError):
    """The agreements directory cannot be used: every problem, with its file."""


def load_agreements(directory: Path) -> tuple[Agreement, ...]:
    """Every ``*.toml`` in `directory`, validated; sorted by id so decisions are stable."""
    if not directory.is_dir():
        raise PolicyError(f"{directory}: no such directory of sharing agreements")
    problems: list[str] = []
    agreements: list[Agreement] = []
    for path in sorted(directory.glob("*.toml")):
        try:
            agreements.append(Agreement.model_validate(tomllib.loads(path.read_text())))
        except tomllib.TOMLDecodeError as err:
            problems.append(f"{path.name}: not TOML: {err}")
        except ValidationError as err:
            for e in err.errors():
                where = ".".join(str(p) for p in e["loc"]) or "(file)"
                problems.append(f"{path.name}: {where}: {e['msg']}")
    problems += _duplicates(agreements)
    if problems:
        raise PolicyError("invalid sharing agreements:\n  " + "\n  ".join(problems))
    return tuple(sorted(agreements, key=lambda a: a.id))


def _duplicates(agreements: Iterable[Agreement]) -> list[str]:
    seen: dict[str, int] = {}
    for a in agreements:
        seen[a.id] = seen.get(a.id, 0) + 1
    return [f"agreement {i!r} is defined in {n} files" for i, n in seen.items() if n > 1]
