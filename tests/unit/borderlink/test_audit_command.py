"""`borderlink audit`: options become the filter, bad input is a usage error (exit 2) that
names the option, and an unreachable cluster or a missing index is a clear exit 1."""

import json
from typing import Any

import pytest
from elastic_transport import ApiResponseMeta, HttpHeaders
from elastic_transport import ConnectionError as TransportConnectionError
from elasticsearch import NotFoundError
from typer.testing import CliRunner

import consumers
from borderlink.cli import app

EVENTS = [
    {
        "audit_id": f"id-{i}",
        "action": "SHARE",
        "agency": "co.fiscalia",
        "user": "jdoe",
        "case_ref": "CASE-1",
        "endpoint": "SHARE",
        "query": "",
        "status": 200,
        "results": 1,
        "recipient": "tt.police",
        "subjects": [f"a{i}/p1"],
        "agreement": "oas-tip-2026@3",
        "at": f"2026-11-23T1{i}:00:00+00:00",
    }
    for i in (2, 1)  # newest first, as Elasticsearch sorts them
]


class FakeElasticsearch:
    def __init__(self, answer: dict[str, Any] | Exception) -> None:
        self.answer = answer
        self.requests: list[dict[str, Any]] = []

    def search(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def _cluster(monkeypatch: pytest.MonkeyPatch, answer: dict[str, Any] | Exception) -> Any:
    es = FakeElasticsearch(answer)
    monkeypatch.setattr(consumers, "elasticsearch_client", lambda _config: es)
    return es


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, ["audit", *args])


def _flat(output: str) -> str:
    """The error box's text on one line."""
    return " ".join(output.replace("│", " ").split())


@pytest.mark.parametrize("command", [[], ["search"], ["summary"]])
def test_every_command_has_help(command: list[str]) -> None:
    result = _run(*command, "--help")
    assert result.exit_code == 0, result.output
    assert "audit" in result.output and "Usage:" in result.output
    if not command:
        assert "search" in result.output and "summary" in result.output
    else:
        for option in ("--agency", "--case", "--recipient", "--since", "--refused", "--json"):
            assert option in result.output


def test_search_filters_and_prints_json_lines_newest_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hits = {"total": {"value": 2}, "hits": [{"_source": e} for e in EVENTS]}
    es = _cluster(monkeypatch, {"hits": hits})
    result = _run(
        "search",
        "--agency",
        "co.fiscalia",
        "--action",
        "share",
        "--action",
        "disclosure",
        "--since",
        "2026-11-01",
        "--until",
        "2026-11-24T00:00Z",
        "--refused",
        "--limit",
        "2",
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert [json.loads(line) for line in result.stdout.splitlines()] == EVENTS
    (request,) = es.requests
    assert request["size"] == 2 and request["index"] == "borderlink-audit"
    assert request["query"]["bool"]["filter"] == [
        {"term": {"agency": "co.fiscalia"}},
        {"terms": {"action": ["SHARE", "DISCLOSURE"]}},
        {
            "range": {
                "at": {
                    "gte": "2026-11-01T00:00:00.000+00:00",
                    "lt": "2026-11-24T00:00:00.000+00:00",
                }
            }
        },
        {"range": {"status": {"gte": 400}}},
    ]


def test_search_prints_a_table_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    _cluster(monkeypatch, {"hits": {"total": {"value": 40}, "hits": [{"_source": EVENTS[0]}]}})
    result = CliRunner().invoke(app, ["audit", "search"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "audit events: 1 of 40, newest first (UTC)" in result.output
    for shown in ("2026-11-23 12:00:00", "SHARE", "co.fiscalia", "CASE-1", "a2/p1", "tt.police"):
        assert shown in result.output


def test_summary_prints_json_for_scripts(monkeypatch: pytest.MonkeyPatch) -> None:
    empty = {"buckets": [], "sum_other_doc_count": 0}
    aggregations = {
        "actions": empty,
        "passed_on": {"agencies": empty},
        "refused": {"agencies": empty},
    }
    es = _cluster(monkeypatch, {"hits": {"total": {"value": 0}}, "aggregations": aggregations})
    result = _run("summary", "--case", "CASE-1", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "total": 0,
        "by_action": [],
        "by_recipient": [],
        "refused": [],
        "truncated": False,
    }
    assert es.requests[0]["query"] == {"bool": {"filter": [{"term": {"case_ref": "CASE-1"}}]}}


BAD_FILTERS = [
    (["--since", "yesterday"], "Invalid value for '--since': 'yesterday' is neither"),
    (["--until", "2026-02-30"], "Invalid value for '--until'"),
    (["--since", "1h", "--until", "2h"], "the window is empty"),
    (["--action", "read"], "Invalid value for '--action': unknown action READ"),
]


@pytest.mark.parametrize(
    ("command", "message"),
    [
        *((["search", *args], message) for args, message in BAD_FILTERS),
        *((["summary", *args], message) for args, message in BAD_FILTERS),
        (["search", "--limit", "0"], "Invalid value for '--limit'"),
    ],
)
def test_bad_input_is_a_usage_error_naming_the_option(
    monkeypatch: pytest.MonkeyPatch, command: list[str], message: str
) -> None:
    es = _cluster(monkeypatch, {})
    result = _run(*command)
    assert result.exit_code == 2, result.output
    assert message in _flat(result.output)
    assert es.requests == []  # refused before asking Elasticsearch


def test_a_missing_index_or_cluster_is_a_clear_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    meta = ApiResponseMeta(404, "1.1", HttpHeaders(), 0.0, None)  # type: ignore[arg-type]
    _cluster(monkeypatch, NotFoundError("index_not_found_exception", meta, {}))
    result = _run("search")
    assert result.exit_code == 1
    assert "no index borderlink-audit: has the sink run yet?" in result.output

    _cluster(monkeypatch, TransportConnectionError("refused"))
    result = _run("summary")
    assert result.exit_code == 1
    assert "cannot reach Elasticsearch at http://" in result.output
