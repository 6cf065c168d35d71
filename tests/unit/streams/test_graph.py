"""Entities, networks and hits from alerts and links, on dict stores (streams.graph)."""

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from streams.graph import Batch, Changes, Graph
from streams.links import link_id
from streams.relations import alert_structure

AT = datetime(2026, 11, 23, tzinfo=UTC)


def new_graph() -> Graph:
    return Graph({}, {}, {}, {})


class View:
    """What a reader of corr.entities / corr.networks ends with: the highest version per id."""

    def __init__(self) -> None:
        self.entities: dict[str, dict[str, Any]] = {}
        self.networks: dict[str, dict[str, Any]] = {}
        self.hits: list[dict[str, Any]] = []
        self.undone: list[dict[str, Any]] = []

    def apply(self, changes: Changes) -> Changes:
        for records, view, key in (
            (changes.entities, self.entities, "entity_id"),
            (changes.networks, self.networks, "network_id"),
        ):
            for record in records:
                held = view.get(record[key])
                assert held is None or record["version"] > held["version"]
                view[record[key]] = record
        self.hits += changes.hits
        self.undone += changes.undone
        return changes

    def active(self, kind: str) -> list[dict[str, Any]]:
        view = self.entities if kind == "entity" else self.networks
        return [r for r in view.values() if r["status"] == "ACTIVE"]

    def entity_of(self, ref: str) -> dict[str, Any]:
        (entity,) = [
            e
            for e in self.active("entity")
            if ref in {f"{m['alert_id']}/{m['record_id']}" for m in e["members"]}
        ]
        return entity


def structure(agency: str, country: str, **subjects: Any) -> dict[str, Any]:
    return alert_structure(
        {"alert_id": str(uuid.uuid4()), "agency": agency, "country": country, **subjects}
    )


def ref(alert: dict[str, Any], record_id: str) -> dict[str, str]:
    return {
        "alert_id": alert["alert_id"],
        "record_id": record_id,
        "agency": alert["agency"],
        "country": alert["country"],
    }


def link(
    left: dict[str, str],
    right: dict[str, str],
    kind: str = "SAME_PERSON",
    decision: str = "MATCH",
    field: str = "name",
) -> dict[str, Any]:
    return {
        "link_id": link_id(kind, left, right),
        "kind": kind,
        "decision": decision,
        "score": 12.0,
        "left": left,
        "right": right,
        "cross_border": left["country"] != right["country"],
        "explanation": [
            {"field": field, "left": "x", "right": "x", "similarity": 1.0, "weight": 12.0}
        ],
        "created_at": 1_700_000_000_000,
    }


@pytest.fixture
def border() -> dict[str, Any]:
    """Panama's migration service: a traveller and her phone."""
    return structure(
        "pa.migracion",
        "PA",
        persons=[{"record_id": "p1", "given_names": "Maria Jose", "surnames": "Perez Gomez"}],
        phones=[{"record_id": "t1", "holder_ref": "p1", "number": "+507 6123 4567"}],
    )


@pytest.fixture
def bank() -> dict[str, Any]:
    """Colombia's financial intelligence unit: the same woman and an account."""
    return structure(
        "co.uiaf",
        "CO",
        persons=[{"record_id": "p1", "full_name": "PÉREZ GÓMEZ, M."}],
        accounts=[{"record_id": "a1", "holder_ref": "p1", "iban": "CO12BANK0000000000000001"}],
    )


def test_an_alert_makes_one_network_of_its_related_records(border: dict[str, Any]) -> None:
    view, graph = View(), new_graph()
    changes = view.apply(graph.add_alert(border, AT))
    assert len(changes.entities) == 2 and len(changes.networks) == 1
    (network,) = view.active("network")
    assert network["records"] == 2 and network["countries"] == ["PA"]
    assert not network["cross_border"] and not changes.hits
    kinds = {e["kind"]: e for e in network["entities"]}
    assert kinds["PERSON"]["label"] == "Maria Jose Perez Gomez"
    assert kinds["PHONE"]["label"] == "+507 6123 4567"
    (edge,) = network["edges"]
    assert edge["relation"] == "HOLDS" and edge["alert_id"] == border["alert_id"]
    assert all(e["network_id"] == network["network_id"] for e in view.active("entity"))


def test_a_match_merges_entities_and_networks_into_a_cross_border_hit(
    border: dict[str, Any], bank: dict[str, Any]
) -> None:
    view, graph = View(), new_graph()
    view.apply(graph.add_alert(border, AT))
    view.apply(graph.add_alert(bank, AT))
    assert len(view.active("network")) == 2
    same = link(ref(border, "p1"), ref(bank, "p1"))
    changes = view.apply(graph.add_link(same, AT))

    (network,) = view.active("network")
    assert network["countries"] == ["CO", "PA"] and network["cross_border"]
    assert network["records"] == 4 and len(network["entities"]) == 3
    person = view.entity_of(f"{border['alert_id']}/p1")
    assert person["kind"] == "PERSON" and len(person["members"]) == 2
    assert person["labels"] == sorted(person["labels"], key=person["labels"].index)
    assert {"Maria Jose Perez Gomez", "PÉREZ GÓMEZ, M."} == set(person["labels"])
    assert person["cross_border"]
    # Every entity, also the ones the link did not touch, now names the merged network.
    assert {e["network_id"] for e in view.active("entity")} == {network["network_id"]}
    # One of the two networks (and one of the two person entities) was retired into the other.
    retired = [n for n in view.networks.values() if n["status"] == "RETIRED"]
    assert [r["replaced_by"] for r in retired] == [[network["network_id"]]]
    (hit,) = changes.hits
    assert hit["network_id"] == network["network_id"] and hit["countries"] == ["CO", "PA"]
    assert hit["link_id"] == same["link_id"] and len(hit["new_countries"]) == 1
    assert hit["records"] == 4 and same["link_id"] in hit["trigger"]


def test_a_replayed_link_or_alert_publishes_nothing(
    border: dict[str, Any], bank: dict[str, Any]
) -> None:
    graph = new_graph()
    graph.add_alert(border, AT)
    graph.add_alert(bank, AT)
    same = link(ref(border, "p1"), ref(bank, "p1"))
    assert graph.add_link(same, AT).networks
    for replay in (graph.add_link(same, AT), graph.add_alert(bank, AT)):
        assert replay == Changes()


def test_a_possible_match_merges_nothing(border: dict[str, Any], bank: dict[str, Any]) -> None:
    view, graph = View(), new_graph()
    view.apply(graph.add_alert(border, AT))
    view.apply(graph.add_alert(bank, AT))
    maybe = link(ref(border, "p1"), ref(bank, "p1"), decision="POSSIBLE_MATCH")
    assert graph.add_link(maybe, AT) == Changes()
    assert len(view.active("network")) == 2


def test_the_same_inputs_in_any_order_give_the_same_ids(
    border: dict[str, Any], bank: dict[str, Any]
) -> None:
    same = link(ref(border, "p1"), ref(bank, "p1"))
    steps = [
        lambda g: g.add_alert(border, AT),
        lambda g: g.add_alert(bank, AT),
        lambda g: g.add_link(same, AT),
    ]
    results = set()
    for order in itertools.permutations(steps):
        view, graph = View(), new_graph()
        for step in order:
            view.apply(step(graph))
        entities = frozenset(
            (e["entity_id"], len(e["members"]), tuple(sorted(e["labels"])))
            for e in view.active("entity")
        )
        (network,) = view.active("network")
        results.add((entities, network["network_id"], network["records"]))
    assert len(results) == 1
    ((entities, _, records),) = results
    assert len(entities) == 3 and records == 4


def test_undo_splits_what_the_link_merged_and_republishes_it_undone(
    border: dict[str, Any], bank: dict[str, Any]
) -> None:
    view, graph = View(), new_graph()
    view.apply(graph.add_alert(border, AT))
    view.apply(graph.add_alert(bank, AT))
    apart = {n["network_id"] for n in view.active("network")}
    same = link(ref(border, "p1"), ref(bank, "p1"))
    view.apply(graph.add_link(same, AT))
    feedback = {
        "feedback_id": str(uuid.uuid4()),
        "action": "UNDO_LINK",
        "link_id": same["link_id"],
        "analyst": "jdoe",
        "agency": "co.fiscalia",
        "reason": "different date of birth in the case file",
    }
    changes = view.apply(graph.apply_feedback(feedback, AT))
    assert not changes.problems
    (undone,) = changes.undone
    assert undone["link_id"] == same["link_id"] and undone["decision"] == "UNDONE"
    # Back to the two networks of before, under their old ids (versions went on growing).
    assert {n["network_id"] for n in view.active("network")} == apart
    assert all(len(e["members"]) == 1 for e in view.active("entity"))
    # Undone for good: a replay of the link does not merge again, a second undo is a no-op.
    assert graph.add_link(same, AT) == Changes()
    assert graph.apply_feedback(feedback, AT) == Changes()


def test_split_undoes_every_match_of_a_record(border: dict[str, Any]) -> None:
    others = [
        structure("co.uiaf", "CO", persons=[{"record_id": "p1", "full_name": "M PEREZ"}]),
        structure("ec.policia", "EC", persons=[{"record_id": "p1", "full_name": "MARIA PEREZ"}]),
    ]
    view, graph = View(), new_graph()
    for alert in (border, *others):
        view.apply(graph.add_alert(alert, AT))
    view.apply(graph.add_link(link(ref(border, "p1"), ref(others[0], "p1")), AT))
    view.apply(graph.add_link(link(ref(others[0], "p1"), ref(others[1], "p1")), AT))
    assert len(view.entity_of(f"{border['alert_id']}/p1")["members"]) == 3
    feedback = {
        "feedback_id": str(uuid.uuid4()),
        "action": "SPLIT_RECORD",
        "record": {"alert_id": others[0]["alert_id"], "record_id": "p1"},
        "analyst": "jdoe",
        "agency": "co.fiscalia",
        "reason": "namesake",
    }
    changes = view.apply(graph.apply_feedback(feedback, AT))
    assert len(changes.undone) == 2
    assert sorted(len(e["members"]) for e in view.active("entity") if e["kind"] == "PERSON") == [
        1,
        1,
        1,
    ]


@pytest.mark.parametrize(
    ("feedback", "problem"),
    [
        ({"action": "UNDO_LINK", "link_id": "nope", "reason": "x"}, "no link 'nope'"),
        (
            {
                "action": "SPLIT_RECORD",
                "record": {"alert_id": "a", "record_id": "p"},
                "reason": "x",
            },
            "no record 'a/p'",
        ),
        ({"action": "UNDO_LINK", "link_id": None, "reason": " "}, "a reason is required"),
        ({"action": "OTHER", "reason": "x"}, "cannot apply OTHER"),
    ],
)
def test_feedback_that_cannot_apply_says_why(feedback: dict[str, Any], problem: str) -> None:
    changes = new_graph().apply_feedback({"feedback_id": "f", **feedback}, AT)
    assert any(problem in p for p in changes.problems)
    assert not changes.entities and not changes.networks


def test_a_hub_identifier_stops_merging_what_it_merged() -> None:
    """Seven people in seven alerts give the same 'hotline' number; when it becomes a hub,
    the networks it joined fall apart again, and later sightings never join them."""
    view, graph = View(), new_graph()
    alerts = [
        structure(
            f"{cc.lower()}.police",
            cc,
            persons=[{"record_id": "p1", "full_name": f"PERSON {i}"}],
            phones=[{"record_id": "t1", "holder_ref": "p1", "number": "+1 868 800 4000"}],
        )
        for i, cc in enumerate(["TT", "GY", "PA", "CO", "PE", "EC", "CR"])
    ]
    key = "phone:+18688004000"
    for alert in alerts[:6]:
        view.apply(graph.add_alert(alert, AT))
    for alert in alerts[1:6]:
        shared = link(ref(alerts[0], "t1"), ref(alert, "t1"), "SHARED_IDENTIFIER", field="phone")
        view.apply(graph.add_link(shared, AT, hub_key=key))
    (network,) = view.active("network")
    assert network["records"] == 12 and len(network["countries"]) == 6
    phone = view.entity_of(f"{alerts[0]['alert_id']}/t1")
    assert phone["kind"] == "PHONE" and len(phone["members"]) == 6

    view.apply(graph.flag_hub(key, AT))
    assert sorted(n["records"] for n in view.active("network")) == [2] * 6
    late = link(ref(alerts[0], "t1"), ref(alerts[6], "t1"), "SHARED_IDENTIFIER", field="phone")
    view.apply(graph.add_alert(alerts[6], AT))
    view.apply(graph.add_link(late, AT, hub_key=key))
    assert sorted(n["records"] for n in view.active("network")) == [2] * 7


def test_relations_join_only_groups_the_alert_leaves_apart() -> None:
    shipment = alert_structure(
        {
            "alert_id": "a",
            "agency": "pa.aduanas",
            "country": "PA",
            "persons": [{"record_id": "p1", "full_name": "CAPTAIN"}],
            "vessels": [{"record_id": "v1", "imo": "9074729", "name": None}],
            "shipments": [{"record_id": "s1", "container_id": "MSCU1234565", "vessel_ref": "v1"}],
            "accounts": [
                {"record_id": "a1", "holder_ref": "p1", "iban": "PA1"},
                {"record_id": "a2", "account_number": "77"},
            ],
            "transactions": [{"record_id": "x1", "from_account_ref": "a1", "to_account_ref": "a2"}],
        }
    )
    assert [r["label"] for r in shipment["records"]] == [
        "CAPTAIN",
        "IMO 9074729",
        "MSCU1234565",
        "PA1",
        "77",
    ]
    assert sorted(map(tuple, shipment["relations"])) == sorted(
        [
            ("s1", "v1", "CARRIED_BY"),
            ("p1", "a1", "HOLDS"),
            ("a1", "a2", "PAID"),
            # two groups left: {p1, a1, a2} and {s1, v1}; one edge joins them
            ("a2", "v1", "REPORTED_WITH"),
        ]
    )


def test_a_retraction_takes_the_alert_out_of_everything(
    border: dict[str, Any], bank: dict[str, Any]
) -> None:
    view, graph = View(), new_graph()
    view.apply(graph.add_alert(border, AT))
    view.apply(graph.add_alert(bank, AT))
    same = link(ref(border, "p1"), ref(bank, "p1"))
    maybe = link(ref(border, "t1"), ref(bank, "a1"), decision="POSSIBLE_MATCH")
    view.apply(graph.add_link(same, AT))
    assert graph.add_link(maybe, AT) == Changes()  # kept, merging nothing
    (network,) = view.active("network")
    assert network["records"] == 4

    changes = view.apply(graph.retract(bank["alert_id"], AT))
    assert sorted(changes.erased) == sorted([same["link_id"], maybe["link_id"]])
    (network,) = view.active("network")
    assert network["records"] == 2 and network["countries"] == ["PA"]
    assert not network["cross_border"]
    members = {m["alert_id"] for e in view.active("entity") for m in e["members"]}
    assert members == {border["alert_id"]}
    # The bank's account entity had only its record: retired, replaced by nothing.
    retired = [e for e in view.entities.values() if e["status"] == "RETIRED"]
    assert any(e["kind"] == "ACCOUNT" and e["replaced_by"] == [] for e in retired)
    # Nothing of the alert comes back: in-flight links are erased, a replayed alert ignored.
    late = link(ref(bank, "p1"), ref(border, "p1"), decision="MATCH")
    assert graph.add_link(late, AT) == Changes(erased=[late["link_id"]])
    assert graph.add_alert(bank, AT) == Changes()
    assert graph.retract(bank["alert_id"], AT) == Changes()


# -- batches (Graph.update: what the worker's graph stage calls) ----------------------------


def _sent(graph: Graph, messages: list[dict[str, Any]]) -> Batch:
    """A batch as the worker runs it: update, publish what it says, then commit."""
    batch = graph.update(messages, AT)
    graph.commit()
    return batch


def _final(view: View) -> tuple[frozenset[Any], frozenset[Any]]:
    """The active entities and networks a reader ends with, without versions or times."""
    entities = frozenset(
        (
            e["entity_id"],
            e["network_id"],
            tuple(f"{m['alert_id']}/{m['record_id']}" for m in e["members"]),
            tuple(e["labels"]),
        )
        for e in view.active("entity")
    )
    networks = frozenset(
        (
            n["network_id"],
            n["records"],
            tuple(n["countries"]),
            tuple((e["entity_id"], e["records"]) for e in n["entities"]),
            tuple((e["from_entity"], e["to_entity"], e["relation"]) for e in n["edges"]),
        )
        for n in view.active("network")
    )
    return entities, networks


def _merge_and_split(border: dict[str, Any], bank: dict[str, Any]) -> list[dict[str, Any]]:
    """Graph-topic messages: three alerts, two matches that merge them, a hub, an undo."""
    ad = structure(
        "ec.policia",
        "EC",
        persons=[{"record_id": "p1", "full_name": "MARIA PEREZ"}],
        phones=[{"record_id": "t1", "holder_ref": "p1", "number": "+593 99 123 4567"}],
    )
    first = link(ref(border, "p1"), ref(bank, "p1"))
    second = link(ref(bank, "p1"), ref(ad, "p1"))
    phone = link(ref(border, "t1"), ref(ad, "t1"), "SHARED_IDENTIFIER", field="phone")
    undo = {
        "feedback_id": str(uuid.uuid4()),
        "action": "UNDO_LINK",
        "link_id": first["link_id"],
        "analyst": "jdoe",
        "agency": "co.fiscalia",
        "reason": "different date of birth",
    }
    return [
        border,
        bank,
        {"link": first, "hub_key": None},
        ad,
        {"link": second, "hub_key": None},
        {"link": phone, "hub_key": "phone:+593991234567"},
        {"hub": "phone:+593991234567"},
        {"feedback": undo, "source": {}},
    ]


def test_a_batch_ends_where_the_same_updates_one_by_one_end(
    border: dict[str, Any], bank: dict[str, Any]
) -> None:
    messages = _merge_and_split(border, bank)
    one_by_one, graph = View(), new_graph()
    for message in messages:
        one_by_one.apply(_sent(graph, [message]).changes)
    batched, graph = View(), new_graph()
    batch = _sent(graph, messages)
    batched.apply(batch.changes)
    assert _final(batched) == _final(one_by_one)
    # The undo split the merge: {border} and {bank, ad} as people, in two networks.
    people = sorted(len(e["members"]) for e in batched.active("entity") if e["kind"] == "PERSON")
    assert people == [1, 2] and len(batched.active("network")) == 2
    assert batch.undone == {7: [messages[2]["link"]["link_id"]]} and not batch.errors
    # One record per id per batch, each at version 1: nothing in between was published.
    published = [*batch.changes.entities, *batch.changes.networks]
    assert all(r["version"] == 1 for r in published)
    assert len({r.get("entity_id") or r["network_id"] for r in published}) == len(published)


def test_a_batch_gives_the_same_ids_in_any_order(
    border: dict[str, Any], bank: dict[str, Any]
) -> None:
    messages = _merge_and_split(border, bank)[:6]  # merges only: feedback comes after
    results = set()
    for order in itertools.islice(itertools.permutations(messages), 0, None, 37):
        view = View()
        view.apply(_sent(new_graph(), list(order)).changes)
        results.add(_final(view))
    assert len(results) == 1


def test_versions_grow_across_batches_and_a_replayed_batch_publishes_nothing(
    border: dict[str, Any], bank: dict[str, Any]
) -> None:
    messages = _merge_and_split(border, bank)
    view, graph = View(), new_graph()  # View.apply asserts each version beats the last
    for start in range(0, len(messages), 3):
        view.apply(_sent(graph, messages[start : start + 3]).changes)
    assert max(r["version"] for r in [*view.entities.values(), *view.networks.values()]) > 1
    assert _sent(graph, messages).changes == Changes()


def test_a_batch_not_committed_leaves_no_state_and_is_sent_again(
    border: dict[str, Any], bank: dict[str, Any]
) -> None:
    """A worker that stops between computing a batch and committing it (outputs maybe
    unsent) reads the batch again: it must publish the same records, not nothing."""
    messages = _merge_and_split(border, bank)
    graph = new_graph()
    _sent(graph, messages[:3])
    lost = graph.update(messages[3:], AT)
    graph.discard()
    again = _sent(graph, messages[3:])
    assert again.changes == lost.changes and again.changes.networks


def test_a_cross_border_hit_in_a_batch_names_the_link_that_made_it(
    border: dict[str, Any], bank: dict[str, Any]
) -> None:
    same = link(ref(border, "p1"), ref(bank, "p1"))
    batch = _sent(new_graph(), [border, bank, {"link": same, "hub_key": None}])
    (hit,) = batch.changes.hits
    assert hit["countries"] == ["CO", "PA"] and hit["new_countries"] == ["CO", "PA"]
    assert hit["link_id"] == same["link_id"] and hit["records"] == 4


def test_a_failing_message_is_reported_and_the_rest_of_the_batch_applied(
    border: dict[str, Any], bank: dict[str, Any]
) -> None:
    stranger = {"alert_id": "new-alert", "record_id": "p1", "agency": "gy.police", "country": "GY"}
    # A link whose right side lacks its country: the left node is made before it fails.
    broken = link(stranger, {**ref(bank, "p1"), "country": "CO"})
    del broken["right"]["country"]
    unknown = {"feedback_id": "f", "action": "UNDO_LINK", "link_id": "nope", "reason": "x"}
    same = link(ref(border, "p1"), ref(bank, "p1"))
    messages = [
        border,
        {"link": broken, "hub_key": None},
        bank,
        {"feedback": unknown, "source": {}},
        {"link": same, "hub_key": None},
    ]
    view, graph = View(), new_graph()
    batch = _sent(graph, messages)
    view.apply(batch.changes)
    assert list(batch.errors) == [1] and isinstance(batch.errors[1], KeyError)
    assert list(batch.problems) == [3] and "no link 'nope'" in batch.problems[3][0]
    (network,) = view.active("network")
    assert network["records"] == 4 and network["countries"] == ["CO", "PA"]
    assert len(batch.changes.hits) == 1
    # Nothing of the failed message stayed behind.
    assert graph.nodes.get("new-alert/p1") is None and broken["link_id"] not in graph.edges
