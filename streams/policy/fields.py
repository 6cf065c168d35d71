"""Withholding what field paths (schemas.paths) select from an alert.

Withheld records take the references to them along (``holder_ref``, ``location_ref`` ...):
a redacted alert is still a valid alert.
"""

from collections.abc import Mapping
from typing import Any

from producers.validation import REF_FIELDS
from schemas.paths import FieldPath


def _references(item: Mapping[str, Any], removed: set[str]) -> dict[str, Any]:
    return {k: None if k in REF_FIELDS and v in removed else v for k, v in item.items()}


def _emptied(item: Mapping[str, Any], field: str) -> dict[str, Any]:
    return {**item, field: [] if isinstance(item.get(field), list) else None}


def withhold(alert: Mapping[str, Any], paths: list[FieldPath]) -> tuple[dict[str, Any], list[str]]:
    """The alert without what `paths` select, and the records it removed ('p2', ...)."""
    out = dict(alert)
    removed: list[str] = []
    for path in paths:
        value = out.get(path.top)
        if not isinstance(value, list):
            out[path.top] = None  # a nullable scalar such as notes
        elif path.field is None:
            removed += [i["record_id"] for i in value if path.selects(i)]
            out[path.top] = [i for i in value if not path.selects(i)]
        else:
            out[path.top] = [_emptied(i, path.field) if path.selects(i) else i for i in value]
    if removed:
        gone = set(removed)
        out["event"] = _references(out["event"], gone)
        for name, value in out.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                out[name] = [_references(i, gone) for i in value]
    return out, removed
