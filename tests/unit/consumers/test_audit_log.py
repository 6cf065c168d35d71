"""Reading the audit trail: filters → Elasticsearch query DSL, time parsing, aggregations
read back into rows, and the terminal table (on a fake Elasticsearch)."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from rich.console import Console

from consumers import audit_log
from consumers.audit_log import AuditFilter, parse_actions, parse_time

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class FakeElasticsearch:
    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.requests: list[dict[str, Any]] = []

    def search(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        return self.answer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45s", NOW - timedelta(seconds=45)),
        ("30m", NOW - timedelta(minutes=30)),
        ("2h", NOW - timedelta(hours=2)),
        ("7d", NOW - timedelta(days=7)),
        ("2w", NOW - timedelta(weeks=2)),
        ("2026-11-03", datetime(2026, 11, 3, tzinfo=UTC)),  # no zone: UTC
        ("2026-11-03T08:00", datetime(2026, 11, 3, 8, tzinfo=UTC)),
        ("2026-11-03T08:00Z", datetime(2026, 11, 3, 8, tzinfo=UTC)),
        ("2026-11-03T03:00-05:00", datetime(2026, 11, 3, 8, tzinfo=UTC)),
    ],
)
def test_times_are_durations_before_now_or_iso(text: str, expected: datetime) -> None:
    assert parse_time(text, NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "2 h", "-2h", "2y", "", "2026-13-01"])
def test_a_time_that_is_neither_says_what_it_takes(text: str) -> None:
    with pytest.raises(ValueError, match=r"neither a duration .* nor an ISO 8601 time"):
        parse_time(text, NOW)


def test_actions_are_the_schema_symbols_in_any_case() -> None:
    assert parse_actions(["share", "DISCLOSURE", "Share"]) == ("SHARE", "DISCLOSURE")
    assert "SUBSCRIPTION_DELIVERY" in audit_log.ACTIONS
    with pytest.raises(ValueError, match=r"unknown action READ: one of SEARCH, LOOKUP"):
        parse_actions(["read"])


def test_no_filter_matches_everything() -> None:
    assert AuditFilter().query() == {"match_all": {}}


def test_each_filter_is_an_exact_clause_and_all_must_hold() -> None:
    wanted = AuditFilter(
        agency="co.fiscalia",
        user="jdoe",
        actions=("SHARE", "DISCLOSURE"),
        case_ref="CASE-2026-114",
        recipient="tt.police",
        subject="3f2a/p1",
        agreement="oas-tip-2026@3",
        since=datetime(2026, 11, 3, 3, tzinfo=timezone(timedelta(hours=-5))),
        until=datetime(2026, 11, 4, tzinfo=UTC),
        refused_only=True,
    )
    assert wanted.query() == {
        "bool": {
            "filter": [
                {"term": {"agency": "co.fiscalia"}},
                {"term": {"user": "jdoe"}},
                {"term": {"case_ref": "CASE-2026-114"}},
                {"term": {"recipient": "tt.police"}},
                {"term": {"subjects": "3f2a/p1"}},
                {"term": {"agreement": "oas-tip-2026@3"}},
                {"terms": {"action": ["SHARE", "DISCLOSURE"]}},
                {
                    "range": {
                        "at": {
                            "gte": "2026-11-03T08:00:00.000+00:00",  # in UTC, to the millisecond
                            "lt": "2026-11-04T00:00:00.000+00:00",
                        }
                    }
                },
                {"range": {"status": {"gte": 400}}},
            ]
        }
    }


def test_an_empty_agency_is_a_filter_too() -> None:
    """Refused requests without an agency are recorded with agency ''."""
    assert AuditFilter(agency="").query() == {"bool": {"filter": [{"term": {"agency": ""}}]}}


def test_a_window_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="the window is empty"):
        AuditFilter(since=NOW, until=NOW - timedelta(hours=1))


def _event(audit_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "audit_id": audit_id,
        "action": "SEARCH",
        "agency": "co.fiscalia",
        "user": "jdoe",
        "case_ref": "CASE-1",
        "endpoint": "GET /api/search",
        "query": "q=maria",
        "status": 200,
        "results": 3,
        "recipient": None,
        "subjects": [],
        "agreement": None,
        "at": "2026-11-23T11:00:00.123000+00:00",
        **fields,
    }


def test_search_asks_for_the_newest_first_and_counts_them_all() -> None:
    events = [_event("b"), _event("a")]
    hits = {"total": {"value": 1234, "relation": "eq"}, "hits": [{"_source": e} for e in events]}
    es = FakeElasticsearch({"hits": hits})
    page = audit_log.search(es, "acme", AuditFilter(agency="co.fiscalia"), limit=2)  # type: ignore[arg-type]
    assert page == audit_log.AuditPage(1234, events)
    (request,) = es.requests
    assert request["index"] == "acme-audit"
    assert request["query"] == {"bool": {"filter": [{"term": {"agency": "co.fiscalia"}}]}}
    assert request["sort"] == [{"at": "desc"}, {"audit_id": "asc"}]
    assert (request["size"], request["track_total_hits"]) == (2, True)


def _buckets(rows: list[dict[str, Any]], other: int = 0) -> dict[str, Any]:
    return {"buckets": rows, "sum_other_doc_count": other}


AGGREGATIONS = {
    "actions": _buckets(
        [
            {
                "key": "SEARCH",
                "doc_count": 5,
                "agencies": _buckets(
                    [
                        {"key": "co.fiscalia", "doc_count": 4, "results": {"value": 12.0}},
                        {"key": "", "doc_count": 1, "results": {"value": 0.0}},
                    ]
                ),
            },
            {
                "key": "SHARE",
                "doc_count": 2,
                "agencies": _buckets(
                    [{"key": "co.fiscalia", "doc_count": 2, "results": {"value": 2.0}}]
                ),
            },
        ]
    ),
    "passed_on": {
        "doc_count": 2,
        "agencies": _buckets(
            [
                {
                    "key": "co.fiscalia",
                    "doc_count": 2,
                    "recipients": _buckets(
                        [
                            {"key": "tt.police", "doc_count": 1},
                            {"key": "pa.migracion", "doc_count": 1},
                        ]
                    ),
                }
            ]
        ),
    },
    "refused": {
        "doc_count": 1,
        "agencies": _buckets(
            [{"key": "", "doc_count": 1, "statuses": _buckets([{"key": 400, "doc_count": 1}])}]
        ),
    },
}


def test_summary_reads_the_aggregations_back_as_rows() -> None:
    answer = {"hits": {"total": {"value": 7}, "hits": []}, "aggregations": AGGREGATIONS}
    es = FakeElasticsearch(answer)
    counts = audit_log.summary(es, "acme", AuditFilter(case_ref="CASE-1"))  # type: ignore[arg-type]
    (request,) = es.requests
    assert request["query"] == {"bool": {"filter": [{"term": {"case_ref": "CASE-1"}}]}}
    assert request["size"] == 0 and request["aggs"] == audit_log.SUMMARY_AGGS
    assert request["aggs"]["refused"]["filter"] == {"range": {"status": {"gte": 400}}}
    assert request["aggs"]["passed_on"]["filter"] == {"exists": {"field": "recipient"}}
    assert counts.total == 7
    assert counts.by_action == [
        ("SEARCH", "co.fiscalia", 4, 12),
        ("SEARCH", "", 1, 0),
        ("SHARE", "co.fiscalia", 2, 2),
    ]
    assert counts.by_recipient == [
        ("co.fiscalia", "tt.police", 1),
        ("co.fiscalia", "pa.migracion", 1),
    ]
    assert counts.refused == [("", 400, 1)]
    assert not counts.truncated
    as_json = counts.as_dict()
    assert as_json["by_recipient"][0] == {
        "agency": "co.fiscalia",
        "recipient": "tt.police",
        "events": 1,
    }
    assert as_json["total"] == 7


def test_a_summary_with_more_terms_than_it_shows_says_so() -> None:
    aggregations = {**AGGREGATIONS, "actions": _buckets([], other=3)}
    answer = {"hits": {"total": {"value": 7}, "hits": []}, "aggregations": aggregations}
    counts = audit_log.summary(FakeElasticsearch(answer), "acme", AuditFilter())  # type: ignore[arg-type]
    assert counts.truncated


def _rendered(table: Any) -> str:
    console = Console(width=200, record=True)
    console.print(table)
    return console.export_text()


def test_the_table_shows_who_what_why_and_to_whom() -> None:
    share = _event(
        "s1",
        action="SHARE",
        endpoint="SHARE",
        query="",
        recipient="tt.police",
        subjects=["a1/p1", "a2/p1", "a3/p1", "a4/p1"],
        agreement="oas-tip-2026@3",
        at="2026-11-23T06:00:00-05:00",
    )
    refused = _event("r1", action="OTHER", agency="", user=None, case_ref=None, status=400)
    text = _rendered(audit_log.events_table(audit_log.AuditPage(9, [share, refused])))
    assert "audit events: 2 of 9, newest first (UTC)" in text
    assert "2026-11-23 11:00:00" in text  # shown in UTC
    for shown in ("SHARE", "co.fiscalia", "jdoe", "CASE-1", "tt.police", "a3/p1", "+1 more"):
        assert shown in text
    assert "a4/p1" not in text
    assert "oas-tip-2026@3" in text and "(none)" in text and "400" in text


def test_recorded_text_is_shown_as_written_not_as_markup() -> None:
    odd = _event("m1", query="q=[bold]x[/]", user="[red]eve", case_ref="[/]")
    text = _rendered(audit_log.events_table(audit_log.AuditPage(1, [odd])))
    assert "q=[bold]x[/]" in text and "[red]eve" in text and "[/]" in text
    counts = audit_log.AuditSummary(
        1, [audit_log.ActionCount("SEARCH", "[/]", 1, 0)], [], [], False
    )
    assert "[/]" in "".join(_rendered(t) for t in audit_log.summary_tables(counts))
