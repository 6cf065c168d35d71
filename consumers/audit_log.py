"""Reading the audit trail (``<prefix>-audit``): filters as an Elasticsearch query, the
events newest first, and counts by aggregations (``borderlink audit``, docs/audit.md)."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from elasticsearch import Elasticsearch
from rich.table import Table
from rich.text import Text

from schemas import schema_dict

ACTIONS: tuple[str, ...] = tuple(schema_dict("AuditAction")["symbols"])
REFUSED = 400  # the API answers 4xx when it refuses a request
BUCKETS = 1000  # terms per aggregation level; more is reported as truncated, never dropped
_DURATION = re.compile(r"^(\d+)([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_time(value: str, now: datetime) -> datetime:
    """``2h``, ``30m``, ``7d`` (that long before ``now``) or an ISO 8601 date or time
    (UTC unless it says otherwise)."""
    text = value.strip()
    if found := _DURATION.match(text):
        return now - timedelta(**{_UNITS[found[2]]: int(found[1])})
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{value!r} is neither a duration (45s, 30m, 2h, 7d, 2w) nor an ISO 8601 time "
            "(2026-11-03, 2026-11-03T08:00Z)"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_actions(values: list[str]) -> tuple[str, ...]:
    """AuditAction symbols, in any case."""
    actions = tuple(dict.fromkeys(v.strip().upper() for v in values))
    if unknown := [a for a in actions if a not in ACTIONS]:
        raise ValueError(f"unknown action {', '.join(unknown)}: one of {', '.join(ACTIONS)}")
    return actions


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class AuditFilter:
    """What an auditor asks for: every given criterion must hold (exact values)."""

    agency: str | None = None  # who acted
    user: str | None = None
    actions: tuple[str, ...] = ()  # any of them
    case_ref: str | None = None
    recipient: str | None = None  # to whom a SHARE or DISCLOSURE passed data
    subject: str | None = None  # one id among the subjects passed on
    agreement: str | None = None
    since: datetime | None = None  # at or after
    until: datetime | None = None  # before
    refused_only: bool = False

    def __post_init__(self) -> None:
        if self.since and self.until and self.since >= self.until:
            raise ValueError(
                f"the window is empty: since {_iso(self.since)} is not before "
                f"until {_iso(self.until)}"
            )

    def query(self) -> dict[str, Any]:
        exact = {
            "agency": self.agency,
            "user": self.user,
            "case_ref": self.case_ref,
            "recipient": self.recipient,
            "subjects": self.subject,
            "agreement": self.agreement,
        }
        clauses: list[dict[str, Any]] = [
            {"term": {field: value}} for field, value in exact.items() if value is not None
        ]
        if self.actions:
            clauses.append({"terms": {"action": list(self.actions)}})
        window = {
            bound: _iso(at)
            for bound, at in (("gte", self.since), ("lt", self.until))
            if at is not None
        }
        if window:
            clauses.append({"range": {"at": window}})
        if self.refused_only:
            clauses.append({"range": {"status": {"gte": REFUSED}}})
        return {"bool": {"filter": clauses}} if clauses else {"match_all": {}}


class AuditPage(NamedTuple):
    total: int  # events matching the filter, of which ``events`` are the newest
    events: list[dict[str, Any]]


class ActionCount(NamedTuple):
    action: str
    agency: str
    events: int
    results: int  # results those events disclosed


class RecipientCount(NamedTuple):
    agency: str
    recipient: str
    events: int


class RefusedCount(NamedTuple):
    agency: str
    status: int
    events: int


class AuditSummary(NamedTuple):
    total: int
    by_action: list[ActionCount]
    by_recipient: list[RecipientCount]  # SHARE and DISCLOSURE: the events naming a recipient
    refused: list[RefusedCount]
    truncated: bool  # some aggregation had more than BUCKETS terms: the rows are not all

    def as_dict(self) -> dict[str, Any]:
        rows = ("by_action", "by_recipient", "refused")
        return {
            **self._asdict(),
            **{name: [row._asdict() for row in getattr(self, name)] for name in rows},
        }


def index_name(prefix: str) -> str:
    return f"{prefix}-audit"


def search(es: Elasticsearch, prefix: str, wanted: AuditFilter, limit: int) -> AuditPage:
    """The newest ``limit`` events matching ``wanted``, newest first."""
    found = es.search(
        index=index_name(prefix),
        query=wanted.query(),
        sort=[{"at": "desc"}, {"audit_id": "asc"}],  # a stable order for events of one instant
        size=limit,
        track_total_hits=True,
    )
    return AuditPage(found["hits"]["total"]["value"], [h["_source"] for h in found["hits"]["hits"]])


def _terms(field: str, **aggs: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"terms": {"field": field, "size": BUCKETS}}
    return body | ({"aggs": aggs} if aggs else {})


SUMMARY_AGGS = {
    "actions": _terms("action", agencies=_terms("agency", results={"sum": {"field": "results"}})),
    "passed_on": {
        "filter": {"exists": {"field": "recipient"}},
        "aggs": {"agencies": _terms("agency", recipients=_terms("recipient"))},
    },
    "refused": {
        "filter": {"range": {"status": {"gte": REFUSED}}},
        "aggs": {"agencies": _terms("agency", statuses=_terms("status"))},
    },
}


def summary(es: Elasticsearch, prefix: str, wanted: AuditFilter) -> AuditSummary:
    """Counts over every event matching ``wanted``: by action and agency, by agency → recipient
    for what was passed on, and refused requests by agency and status."""
    found = es.search(
        index=index_name(prefix),
        query=wanted.query(),
        aggs=SUMMARY_AGGS,
        size=0,
        track_total_hits=True,
    )
    aggs = found["aggregations"]
    truncated = False

    def buckets(agg: dict[str, Any]) -> list[dict[str, Any]]:
        nonlocal truncated
        truncated |= agg.get("sum_other_doc_count", 0) > 0
        return agg["buckets"]

    by_action = [
        ActionCount(
            action["key"], agency["key"], agency["doc_count"], int(agency["results"]["value"])
        )
        for action in buckets(aggs["actions"])
        for agency in buckets(action["agencies"])
    ]
    by_recipient = [
        RecipientCount(agency["key"], recipient["key"], recipient["doc_count"])
        for agency in buckets(aggs["passed_on"]["agencies"])
        for recipient in buckets(agency["recipients"])
    ]
    refused = [
        RefusedCount(agency["key"], int(status["key"]), status["doc_count"])
        for agency in buckets(aggs["refused"]["agencies"])
        for status in buckets(agency["statuses"])
    ]
    total = found["hits"]["total"]["value"]
    return AuditSummary(total, by_action, by_recipient, refused, truncated)


# --- terminal output -------------------------------------------------------------------


def _what(event: dict[str, Any], shown: int = 3) -> str:
    lines = [event["endpoint"], *filter(None, [event.get("query")])]
    subjects = event.get("subjects") or []
    lines += subjects[:shown]
    if len(subjects) > shown:
        lines.append(f"+{len(subjects) - shown} more")
    if event.get("agreement"):
        lines.append(f"under {event['agreement']}")
    return "\n".join(lines)


def _when(at: str) -> str:
    return f"{datetime.fromisoformat(at).astimezone(UTC):%Y-%m-%d %H:%M:%S}"


def _cells(*values: object) -> list[Text]:
    """Table cells as plain text: callers write the recorded queries and ids, and markup in
    them (``[/]``) must be shown as written, not interpreted."""
    return [Text(str(value)) for value in values]


def events_table(page: AuditPage) -> Table:
    table = Table(title=f"audit events: {len(page.events)} of {page.total}, newest first (UTC)")
    table.add_column("when", no_wrap=True)
    table.add_column("action", no_wrap=True)
    for column in ("agency/user", "case", "what", "recipient"):
        table.add_column(column, overflow="fold")  # ids are shown whole, for the next query
    table.add_column("status", justify="right")
    table.add_column("results", justify="right")
    for event in page.events:
        status = Text(str(event["status"]), style="red" if event["status"] >= REFUSED else "")
        table.add_row(
            *_cells(
                _when(event["at"]),
                event["action"],
                "\n".join(filter(None, (event["agency"] or "(none)", event.get("user")))),
                event.get("case_ref") or "-",
                _what(event),
                event.get("recipient") or "-",
            ),
            status,
            Text(str(event["results"])),
        )
    return table


def summary_tables(counts: AuditSummary) -> list[Table]:
    actions = Table(title=f"audit events: {counts.total}, by action and agency")
    for column in ("action", "agency"):
        actions.add_column(column)
    for column in ("events", "results disclosed"):
        actions.add_column(column, justify="right")
    for row in counts.by_action:
        actions.add_row(*_cells(row.action, row.agency or "(none)", row.events, row.results))
    passed = Table(title="passed on (SHARE, DISCLOSURE)")
    for column in ("agency", "recipient"):
        passed.add_column(column)
    passed.add_column("events", justify="right")
    for share in counts.by_recipient:
        passed.add_row(*_cells(share.agency, share.recipient, share.events))
    refused = Table(title="refused requests")
    refused.add_column("agency")
    for column in ("status", "events"):
        refused.add_column(column, justify="right")
    for row in counts.refused:
        refused.add_row(*_cells(row.agency or "(none)", row.status, row.events))
    return [actions, passed, refused]
