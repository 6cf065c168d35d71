"""PersonBlocks, the resolve agent's state and scoring, over plain dicts."""

import json
from collections import UserDict
from datetime import UTC, datetime
from typing import Any

import pytest

from producers.scenario import generate
from streams.blocks import PersonBlocks
from streams.links import link_id, person_ref
from streams.resolve import (
    Model,
    Resolver,
    blocking_keys,
    from_alert_person,
    record_from_json,
)
from streams.resolve import record_to_json as to_json
from streams.settings import StreamSettings

AT = datetime(2026, 11, 20, tzinfo=UTC)
MODEL = Model.load(StreamSettings().model_path)  # the packaged model the worker loads
PASSPORT = {"record_id": "d1", "holder_ref": "p1", "number": "V-12.345.678"}


def message(alert_id: str, country: str, *documents: dict, **person: Any) -> dict[str, Any]:
    """A person of a one-person alert, as the resolve agent reads it off its topic."""
    alert = {
        "alert_id": alert_id,
        "agency": f"{country.lower()}.police",
        "country": country,
        "documents": list(documents),
    }
    record = from_alert_person(alert, {"record_id": "p1", **person})
    return json.loads(json.dumps({"record": to_json(record)}))


def keys_of(msg: dict[str, Any]) -> list[str]:
    return sorted(blocking_keys(record_from_json(msg["record"])))


PANAMA = message(
    "pa1",
    "PA",
    {**PASSPORT, "issuing_state": "VEN"},
    given_names="María José",
    surnames="Pérez Gómez",
    date_of_birth="1988-04-12",
)
COLOMBIA = message(
    "co1",
    "CO",
    {**PASSPORT, "issuing_state": "VEN", "number": "V12345678"},
    full_name="PEREZ GOMEZ, Maria Jose",
    date_of_birth="1988-04-12",
)
STRANGER = message("tt1", "TT", full_name="Ana Lucía Torres", date_of_birth="1988-04-12")


class Table(UserDict):
    """A faust table's read: a missing key gives the default (dict) instead of KeyError."""

    def __missing__(self, key: str) -> dict:
        return {}


def person_blocks(hub_size: int = 100, **options: Any) -> PersonBlocks:
    return PersonBlocks(MODEL, Table(), Table(), hub_size=hub_size, clock=lambda: AT, **options)


def test_a_true_pair_links_once_per_shared_key_with_one_explained_link_id() -> None:
    blocks = person_blocks()
    for key in keys_of(PANAMA):
        assert blocks.add(key, PANAMA).links == []
    shared = sorted(set(keys_of(PANAMA)) & set(keys_of(COLOMBIA)))
    assert "document:VE:V12345678" in shared and "dob:1988-04-12" in shared
    found = [link for key in keys_of(COLOMBIA) for link in blocks.add(key, COLOMBIA).links]
    # One link per shared key, all the same link: downstream they overwrite each other
    assert len(found) == len(shared)
    assert {link["link_id"] for link in found} == {
        link_id(
            "SAME_PERSON",
            {"alert_id": "pa1", "record_id": "p1"},
            {"alert_id": "co1", "record_id": "p1"},
        )
    }
    link = found[0]
    assert link["decision"] == "MATCH" and link["cross_border"] and link["created_at"] == AT
    assert link["left"] == person_ref(record_from_json(PANAMA["record"]))
    fields = {line["field"]: line for line in link["explanation"]}
    assert fields["documents"]["weight"] > 0 and fields["date_of_birth"]["similarity"] == 1.0


def test_a_stranger_in_the_same_block_is_compared_but_not_linked() -> None:
    blocks = person_blocks()
    blocks.add("dob:1988-04-12", PANAMA)
    resolved = blocks.add("dob:1988-04-12", STRANGER)
    assert (resolved.links, resolved.hub, resolved.compared) == ([], None, 1)


def test_a_replay_publishes_nothing_and_changes_nothing() -> None:
    blocks = person_blocks()
    for msg in (PANAMA, COLOMBIA):
        blocks.add("dob:1988-04-12", msg)
    before = json.dumps([dict(blocks.blocks), dict(blocks.records)], default=str)
    resolved = blocks.add("dob:1988-04-12", COLOMBIA)
    assert (resolved.links, resolved.hub, resolved.compared) == ([], None, 0)
    assert json.dumps([dict(blocks.blocks), dict(blocks.records)], default=str) == before
    assert blocks.blocks["dob:1988-04-12"]["count"] == 2


def test_a_key_past_the_limit_is_flagged_once_and_its_records_dropped() -> None:
    key = "dob:1980-01-01"  # a placeholder birth date
    people = [message(f"a{i}", "PA", full_name=f"Person Number{i}") for i in range(5)]
    blocks = person_blocks(hub_size=2)
    blocks.add("name:other", people[0])  # stored under another key: kept
    assert [blocks.add(key, p).hub for p in people[:2]] == [None, None]
    flagged = blocks.add(key, people[2])
    assert flagged.hub is not None and flagged.compared == 2
    assert (flagged.hub["key"], flagged.hub["kind"], flagged.hub["holders"]) == (key, "blocking", 3)
    assert flagged.hub["threshold"] == 2 and flagged.hub["flagged_at"] == AT
    assert blocks.blocks[key] == {"hub": True, "count": 3, "refs": []}
    assert list(blocks.records) == ["name:other|a0/p1"]
    # From then on the key only counts: no comparisons, no second hub event
    later = blocks.add(key, people[3])
    assert (later.links, later.hub, later.compared) == ([], None, 0)
    assert blocks.blocks[key]["count"] == 4 and list(blocks.records) == ["name:other|a0/p1"]


class CountingReads(UserDict):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def __getitem__(self, key: str) -> Any:
        self.reads += 1
        return super().__getitem__(key)


def test_a_record_shared_by_several_blocks_is_decoded_once() -> None:
    records = CountingReads()
    blocks = PersonBlocks(MODEL, {}, records, hub_size=100, clock=lambda: AT)
    keys = ["dob:1988-04-12", "surname:PRS:1988", "given:MR:1988"]
    people = [PANAMA, STRANGER, COLOMBIA]
    compared = sum(blocks.add(key, p).compared for p in people for key in keys)
    assert compared == 3 * 3  # each key: 0 + 1 + 2 comparisons
    assert blocks.decodes == 3 and records.reads == 0  # every earlier record from memory


@pytest.mark.parametrize("cache_size", [1, 2])
def test_a_small_cache_evicts_and_reads_the_store_with_the_same_result(cache_size: int) -> None:
    def run(size: int) -> tuple[list[tuple[str, str]], PersonBlocks]:
        blocks = person_blocks(cache_size=size)
        out = [
            (link["link_id"], link["decision"])
            for msg in (PANAMA, STRANGER, COLOMBIA)
            for key in keys_of(msg)
            for link in blocks.add(key, msg).links
        ]
        return out, blocks

    small, evicting = run(cache_size)
    large, caching = run(1000)
    assert small == large and len(small) > 0
    assert len(evicting._decoded) <= cache_size
    assert evicting.decodes > caching.decodes == 3
    with pytest.raises(ValueError, match="at least 1"):
        person_blocks(cache_size=0)


def test_over_a_scenario_it_links_the_pairs_the_in_memory_resolver_links() -> None:
    stream = [
        from_alert_person(a, p) for a in generate(seed=3, networks=2).alerts for p in a["persons"]
    ]
    resolver = Resolver(MODEL)  # no key reaches the hub limit here
    expected = {(link.left, link.right) for r in stream for link in resolver.add(r)}
    blocks = person_blocks()
    found = {
        tuple(f"{end['alert_id']}/{end['record_id']}" for end in (link["left"], link["right"]))
        for r in stream
        for key in sorted(blocking_keys(r))
        for link in blocks.add(key, {"record": to_json(r)}).links
    }
    assert resolver.hubs == {} and len(expected) > 5
    assert found == expected


def test_nothing_is_written_until_saved_so_a_failed_publish_is_retried_whole() -> None:
    blocks = person_blocks()
    blocks.add("dob:1988-04-12", PANAMA)
    before = json.dumps([dict(blocks.blocks), dict(blocks.records)])
    first = blocks.resolve("dob:1988-04-12", COLOMBIA)  # then publishing fails: no save
    assert len(first.links) == 1
    assert json.dumps([dict(blocks.blocks), dict(blocks.records)]) == before
    retried = blocks.resolve("dob:1988-04-12", COLOMBIA)  # not taken for a replay
    assert retried.links == first.links
    blocks.save(retried)
    assert blocks.blocks["dob:1988-04-12"]["refs"] == ["pa1/p1", "co1/p1"]
    assert blocks.add("dob:1988-04-12", COLOMBIA).links == []  # now it is one


def test_a_retracted_record_is_never_compared_again() -> None:
    blocks = person_blocks()
    key = "dob:1988-04-12"
    blocks.add(key, PANAMA)
    blocks.retract(key, [PANAMA["record"]["ref"]])
    assert blocks.blocks[key]["refs"] == [] and not blocks.records
    resolved = blocks.add(key, COLOMBIA)
    assert (resolved.links, resolved.compared) == ([], 0)
    blocks.retract("never-seen", ["x/p1"])  # nothing stored under it: nothing to do
    assert "never-seen" not in blocks.blocks
