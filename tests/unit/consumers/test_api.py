"""The search API on a fake search layer: a caller must name its agency, and every request,
served or refused, is audited before its answer leaves."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from consumers.api import AuditUnavailable, create_app, read_caller
from consumers.search import EntityHit, IdentifierQuery, LookupResult, NetworkView, Sighting

AGENCY = {"X-Borderlink-Agency": "co.fiscalia"}
PERSON = EntityHit(
    entity_id="e1",
    kind="PERSON",
    status="ACTIVE",
    labels=["Dmitri Sokolov"],
    countries=["CO", "PA"],
    agencies=["co.uiaf", "pa.migracion"],
    cross_border=True,
    network_id="n1",
    members=[],
    similarity=0.98,
)


class FakeSearch:
    def __init__(self) -> None:
        self.lookups: list[IdentifierQuery] = []

    def persons(self, text: str, size: int = 10) -> list[EntityHit]:
        return [PERSON]

    def lookup(self, query: IdentifierQuery) -> LookupResult:
        self.lookups.append(query)
        if query.value == "bad":
            raise ValueError("not a valid number when dialled from PA")
        return LookupResult("phone:+50761234577", [], [PERSON])

    def entity(self, entity_id: str) -> EntityHit | None:
        return PERSON if entity_id == "e1" else None

    def network(self, entity_id: str) -> NetworkView | None:
        network = {"network_id": "n1", "entities": [{"entity_id": "e1"}], "edges": []}
        return NetworkView(entity_id, network) if entity_id == "e1" else None

    def timeline(self, entity_id: str) -> list[Sighting] | None:
        sighting = Sighting(
            "a1", ["p1"], "2026-11-03T08:00:00+00:00", "PA", "pa.migracion", "BORDER_CROSSING"
        )
        return [sighting] if entity_id == "e1" else None


class FakeAudit:
    def __init__(self, up: bool = True) -> None:
        self.events: list[dict[str, Any]] = []
        self.up = up

    async def record(self, event: dict[str, Any]) -> None:
        if not self.up:
            raise AuditUnavailable("broker down")
        self.events.append(event)


@pytest.fixture
def audit() -> FakeAudit:
    return FakeAudit()


@pytest.fixture
def client(audit: FakeAudit) -> TestClient:
    return TestClient(create_app(lambda agency: FakeSearch(), audit))


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "missing X-Borderlink-Agency header"),
        ({"X-Borderlink-Agency": "fiscalia"}, "is not '<iso-country>.<code>'"),
        ({**AGENCY, "X-Borderlink-Case": "x" * 201}, "at most 200 characters"),
    ],
)
def test_a_request_without_a_valid_agency_is_refused_and_audited(
    client: TestClient, audit: FakeAudit, headers: dict[str, str], message: str
) -> None:
    response = client.get("/api/search", params={"q": "sokolov"}, headers=headers)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    (event,) = audit.events
    assert event["status"] == 400 and event["results"] == 0
    assert event["endpoint"] == "GET /api/search" and event["query"] == "q=sokolov"


def test_a_search_says_who_asked_what_why_and_when(client: TestClient, audit: FakeAudit) -> None:
    headers = {**AGENCY, "X-Borderlink-User": "jdoe", "X-Borderlink-Case": "CASE-7"}
    response = client.get("/api/search", params={"q": "Дмитрий Соколов"}, headers=headers)
    assert response.status_code == 200
    assert response.json()["results"][0]["labels"] == ["Dmitri Sokolov"]
    (event,) = audit.events
    assert event["action"] == "SEARCH" and event["agency"] == "co.fiscalia"
    assert (event["user"], event["case_ref"], event["results"]) == ("jdoe", "CASE-7", 1)
    assert event["at"].tzinfo is not None


@pytest.mark.parametrize(
    ("path", "action", "key"),
    [
        ("/api/entities/e1", "VIEW_ENTITY", "entity_id"),
        ("/api/entities/e1/network", "VIEW_NETWORK", "network"),
        ("/api/entities/e1/timeline", "TIMELINE", "sightings"),
        ("/api/lookup?kind=phone&value=6123-4577&country=PA", "LOOKUP", "key"),
    ],
)
def test_each_view_is_audited_with_its_action(
    client: TestClient, audit: FakeAudit, path: str, action: str, key: str
) -> None:
    response = client.get(path, headers=AGENCY)
    assert response.status_code == 200 and key in response.json()
    assert [e["action"] for e in audit.events] == [action]
    assert audit.events[0]["results"] >= 1


def test_unknown_entities_and_unkeyable_values_are_clear_errors(
    client: TestClient, audit: FakeAudit
) -> None:
    assert client.get("/api/entities/nope/network", headers=AGENCY).status_code == 404
    bad = client.get("/api/lookup", params={"kind": "phone", "value": "bad"}, headers=AGENCY)
    assert bad.status_code == 422 and "dialled from PA" in bad.json()["detail"]
    assert [(e["action"], e["status"]) for e in audit.events] == [
        ("VIEW_NETWORK", 404),
        ("LOOKUP", 422),
    ]


def test_nothing_is_disclosed_while_the_audit_log_is_down() -> None:
    client = TestClient(create_app(lambda agency: FakeSearch(), FakeAudit(up=False)))
    response = client.get("/api/entities/e1", headers=AGENCY)
    assert response.status_code == 503
    assert "Sokolov" not in response.text and "audit log is unavailable" in response.text


def test_the_console_is_served_without_headers_and_not_audited(
    client: TestClient, audit: FakeAudit
) -> None:
    assert client.get("/", follow_redirects=False).headers["location"] == "/console/"
    page = client.get("/console/")
    assert page.status_code == 200 and 'id="agency"' in page.text
    assert client.get("/console/app.js").status_code == 200
    assert audit.events == []


def test_read_caller_keeps_user_and_case_optional() -> None:
    caller = read_caller({"X-Borderlink-Agency": " pa.migracion "})
    assert (caller.agency, caller.user, caller.case_ref, caller.problem) == (
        "pa.migracion",
        None,
        None,
        None,
    )
    assert read_caller({**AGENCY, "X-Borderlink-User": "a\x00b"}).problem is not None


def test_a_failed_search_is_audited_as_a_failure() -> None:
    class Broken(FakeSearch):
        def persons(self, text: str, size: int = 10) -> list[EntityHit]:
            raise ConnectionError("elasticsearch unreachable")

    audit = FakeAudit()
    client = TestClient(create_app(lambda agency: Broken(), audit), raise_server_exceptions=False)
    assert client.get("/api/search", params={"q": "x"}, headers=AGENCY).status_code == 500
    assert [(e["action"], e["status"]) for e in audit.events] == [("SEARCH", 500)]
