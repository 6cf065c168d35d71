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
from streams.resolve.blocking import refined_values
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


def snapshot(blocks: PersonBlocks) -> str:
    return json.dumps([dict(blocks.blocks), dict(blocks.records)], sort_keys=True, default=str)


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
    assert (resolved.links, resolved.hubs, resolved.compared) == ([], [], 1)


def test_a_replay_publishes_nothing_and_changes_nothing() -> None:
    blocks = person_blocks()
    for msg in (PANAMA, COLOMBIA):
        blocks.add("dob:1988-04-12", msg)
    before = json.dumps([dict(blocks.blocks), dict(blocks.records)], default=str)
    resolved = blocks.add("dob:1988-04-12", COLOMBIA)
    assert (resolved.links, resolved.hubs, resolved.compared) == ([], [], 0)
    assert json.dumps([dict(blocks.blocks), dict(blocks.records)], default=str) == before
    assert blocks.blocks["dob:1988-04-12"]["count"] == 2


def test_a_key_past_the_limit_is_flagged_once_and_its_records_dropped() -> None:
    key = "dob:1980-01-01"  # a placeholder birth date
    people = [message(f"a{i}", "PA", full_name=f"Person Number{i}") for i in range(5)]
    blocks = person_blocks(hub_size=2)
    blocks.add("name:other", people[0])  # stored under another key: kept
    assert [blocks.add(key, p).hubs for p in people[:2]] == [[], []]
    flagged = blocks.add(key, people[2])
    assert len(flagged.hubs) == 1 and flagged.compared == 2
    (event,) = flagged.hubs
    assert (event["key"], event["kind"], event["holders"]) == (key, "blocking", 3)
    assert event["threshold"] == 2 and event["flagged_at"] == AT
    assert blocks.blocks[key] == {"hub": True, "count": 3, "refs": []}
    assert list(blocks.records) == ["name:other|a0/p1"]
    # From then on the key only counts: no comparisons, no second hub event
    later = blocks.add(key, people[3])
    assert (later.links, later.hubs, later.compared) == ([], [], 0)
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


# --- adaptive blocking: blocks past the refine size split into sub-blocks ---------------

GIVEN = ("Ana", "Luis", "Rosa", "Omar", "Hugo", "Elena", "Nadia", "Bruno", "Carla", "Fidel")
SURNAMES = ("Torres", "Mendez", "Quispe", "Baptiste", "Rojas", "Silva", "Castro", "Vargas")


def strangers(prefix: str, count: int, nationality: str | None, dob: str) -> list[dict[str, Any]]:
    """Different people born on one day: a date of birth's block fills with them."""
    return [
        message(
            f"{prefix}{i}",
            "PA",
            full_name=f"{GIVEN[i % len(GIVEN)]} {SURNAMES[i % len(SURNAMES)]}",
            date_of_birth=dob,
            **({"nationalities": [nationality]} if nationality else {}),
        )
        for i in range(count)
    ]


def ref(msg: dict[str, Any]) -> str:
    return msg["record"]["ref"]


def venezuelan(msg: dict[str, Any]) -> dict[str, Any]:
    """The record with its holder's nationality filled in (the alert left it out)."""
    return {**msg, "record": {**msg["record"], "nationalities": ["VE"]}}


def test_a_block_past_the_refine_size_splits_and_a_record_meets_only_its_part() -> None:
    key = "dob:1988-04-12"
    blocks = person_blocks(refine_size=3)
    trinidad, venezuela = (
        strangers("tr", 3, "TT", "1988-04-12"),
        strangers("ve", 1, "VE", "1988-04-12"),
    )
    assert [blocks.add(key, msg).compared for msg in trinidad + venezuela] == [0, 1, 2, 3]
    # The fourth record made it 4 > 3: split by nationality, the records moved, none lost
    assert blocks.blocks[key] == {
        "refs": [],
        "hub": False,
        "count": 4,
        "refined": True,
        "subs": ["TT", "VE"],
    }
    assert blocks.blocks[f"{key} & nationality:TT"]["refs"] == [ref(m) for m in trinidad]
    assert blocks.blocks[f"{key} & nationality:VE"]["refs"] == [ref(venezuela[0])]
    assert len(blocks.records) == 4  # stored once under the key, whichever sub-block
    # A Venezuelan now meets the one Venezuelan, not the Trinidadians, and still links
    assert blocks.add(key, venezuelan(PANAMA)).compared == 1
    found = blocks.add(key, venezuelan(COLOMBIA))
    assert found.compared == 2
    assert {(link["left"]["alert_id"], link["decision"]) for link in found.links} >= {
        ("pa1", "MATCH")
    }
    # Without a nationality: the "?" sub-block, compared with all while the key is small
    unplaced = blocks.add(key, STRANGER)
    assert unplaced.compared == 6 and blocks.blocks[key]["subs"] == ["?", "TT", "VE"]
    # ... and every later record of any nationality meets it
    later = strangers("tx", 1, "TT", "1988-04-12")[0]
    assert blocks.add(key, later).compared == 3 + 1  # the Trinidadians and the "?" record


def test_a_record_the_split_cannot_place_meets_only_its_likes_once_the_key_is_a_crowd() -> None:
    key = "dob:1988-04-12"
    blocks = person_blocks(hub_size=5, refine_size=2)
    for msg in strangers("ve", 6, "VE", "1988-04-12"):  # six > the hub size, as a key
        blocks.add(key, msg)
    assert blocks.blocks[key]["count"] == 6 and not blocks.blocks[key]["hub"]
    # Too many to compare with all: only the records without a nationality either
    assert blocks.add(key, STRANGER).compared == 0
    other = message("tt2", "TT", full_name="Luz Vera", date_of_birth="1988-04-12")
    assert blocks.add(key, other).compared == 1


def each_key(blocks: PersonBlocks, msg: dict[str, Any]) -> list[dict[str, Any]]:
    """The record under each of its keys, as the worker sends it; its links."""
    return [link for key in keys_of(msg) for link in blocks.add(key, msg).links]


def test_refined_blocks_still_link_across_scripts_and_swapped_name_order() -> None:
    blocks = person_blocks(refine_size=2)  # every block of more than two records splits
    crowd = strangers("ru", 8, "RU", "1985-03-02") + strangers("co", 8, "CO", "1988-04-12")
    for msg in [*crowd, PANAMA]:
        each_key(blocks, msg)
    assert blocks.blocks["dob:1985-03-02 & nationality:RU"]["refined"]  # split twice
    cyrillic = message(
        "ru1",
        "RU",
        full_name="Сергей Иванов",
        given_names="Сергей",
        surnames="Иванов",
        name_script="Cyrl",
        date_of_birth="1985-03-02",
        nationalities=["RU"],
    )
    latin = message(
        "co9", "CO", full_name="IVANOV, Serguei", date_of_birth="1985-03-02", nationalities=["RU"]
    )
    swapped = message(  # surname first with no hint: given and surnames are taken swapped
        "gy1",
        "GY",
        {**PASSPORT, "issuing_state": "VEN", "number": "V99887766"},
        full_name="Pérez Gómez María José",
        date_of_birth="1988-04-12",
        nationalities=["VE"],
    )
    assert record_from_json(swapped["record"]).given == ("perez", "gomez")
    whole = person_blocks()  # the same records in blocks never split
    for msg in [*crowd, PANAMA]:
        each_key(whole, msg)
    assert each_key(blocks, cyrillic) == each_key(whole, cyrillic) == []

    def found(links: list[dict[str, Any]]) -> set[tuple[str, str]]:
        return {(link["left"]["alert_id"], link["decision"]) for link in links}

    # Each record meets fewer of the crowd; its links are some of those whole blocks make
    # (there, the Latin record is a possible match of every Russian born that day), and
    # include its own person's
    for msg, earlier in ((latin, "ru1"), (swapped, "pa1")):
        refined = [blocks.resolve(key, msg) for key in keys_of(msg)]
        unsplit = [whole.resolve(key, msg) for key in keys_of(msg)]
        assert sum(r.compared for r in refined) < sum(r.compared for r in unsplit) / 2
        linked = found([link for r in refined for link in r.links])
        assert linked <= found([link for r in unsplit for link in r.links])
        assert earlier in {alert_id for alert_id, _ in linked}
    assert ("pa1", "MATCH") in found(each_key(blocks, swapped))


def test_a_replay_in_refined_blocks_publishes_nothing_and_changes_nothing() -> None:
    key = "dob:1988-04-12"
    blocks = person_blocks(refine_size=2)
    for msg in [*strangers("ve", 5, "VE", "1988-04-12"), PANAMA, COLOMBIA, STRANGER]:
        blocks.add(key, msg)
    assert blocks.blocks[f"{key} & nationality:VE"]["refined"]
    before = snapshot(blocks)
    for msg in (PANAMA, STRANGER):
        replayed = blocks.resolve(key, msg)
        assert (replayed.links, replayed.hubs, replayed.compared, replayed.blocks) == (
            [],
            [],
            0,
            {},
        )
        blocks.save(replayed)
    assert snapshot(blocks) == before


def test_a_retracted_record_leaves_its_sub_blocks() -> None:
    key = "dob:1988-04-12"
    blocks = person_blocks(refine_size=2)
    dual = message(
        "dn1", "CO", full_name="Rosa Quispe", date_of_birth="1988-04-12", nationalities=["VE", "CO"]
    )
    for msg in [*strangers("ve", 3, "VE", "1988-04-12"), PANAMA, dual]:
        blocks.add(key, msg)
    assert [link["left"]["alert_id"] for link in blocks.resolve(key, COLOMBIA).links] == ["pa1"]
    holding = [node for node, state in blocks.blocks.items() if ref(dual) in state["refs"]]
    # A dual national is in a sub-block of each nationality (and of each name sound)
    assert {node.split(" & ")[1] for node in holding} == {"nationality:VE", "nationality:CO"}
    blocks.retract(key, [ref(dual), ref(PANAMA)])
    assert not any(
        ref(dual) in s["refs"] or ref(PANAMA) in s["refs"] for s in blocks.blocks.values()
    )
    assert (
        f"{key}|{ref(dual)}" not in blocks.records and f"{key}|{ref(PANAMA)}" not in blocks.records
    )
    assert blocks.add(key, COLOMBIA).links == []  # Panama's record is gone: nothing to link to


def test_a_value_still_too_common_after_every_split_is_a_flagged_hub() -> None:
    key = "name:unknown"  # a placeholder name, with nothing else to tell records apart
    blocks = person_blocks(hub_size=4, refine_size=2)
    unknown = [message(f"u{i}", "PA", full_name="UNKNOWN") for i in range(6)]
    flagged = [event for msg in unknown for event in blocks.add(key, msg).hubs]
    leaf = f"{key} & year:? & nationality:? & month:?"
    assert [(event["key"], event["holders"], event["threshold"]) for event in flagged] == [
        (leaf, 5, 4)
    ]
    assert "'name:unknown' was split by year and nationality and month" in flagged[0]["reason"]
    assert blocks.blocks[leaf] == {"refs": [], "hub": True, "count": 6}
    assert not any(k.startswith(f"{key}|") for k in blocks.records)  # its records dropped
    later = blocks.add(key, message("u9", "PA", full_name="UNKNOWN"))
    assert (later.compared, later.hubs, later.links) == (0, [], [])


def test_many_different_people_on_one_date_are_split_not_flagged() -> None:
    key = "dob:1980-01-01"  # a placeholder birth date, but the names differ
    blocks = person_blocks(hub_size=10, refine_size=3)
    crowd = strangers("ve", 40, "VE", "1980-01-01")
    assert [event for msg in crowd for event in blocks.add(key, msg).hubs] == []
    newcomer = message("x1", "VE", full_name="Omar Baptiste", date_of_birth="1980-01-01")
    assert blocks.add(key, newcomer).compared < 10  # only those whose names sound alike


def test_a_block_stored_before_refinement_is_split_when_its_next_record_arrives() -> None:
    key = "dob:1988-04-12"
    old = person_blocks()  # the scheme before: blocks never split
    crowd = strangers("ve", 5, "VE", "1988-04-12") + strangers("tr", 5, "TT", "1988-04-12")
    for msg in crowd:
        old.add(key, msg)
    old.blocks["dob:1980-01-01"] = {"refs": [], "hub": True, "count": 101}  # an old hub
    blocks = PersonBlocks(MODEL, old.blocks, old.records, hub_size=100, refine_size=4)
    resolved = blocks.add(key, venezuelan(PANAMA))
    assert resolved.compared == 10  # compared as the block stood, then split
    assert blocks.blocks[key]["refined"] and blocks.blocks[key]["subs"] == ["TT", "VE"]
    assert blocks.add(key, venezuelan(COLOMBIA)).compared < 10
    # An old hub lost its records: it stays a hub and only counts
    still = blocks.add("dob:1980-01-01", STRANGER)
    assert (still.compared, still.hubs) == (0, []) and blocks.blocks["dob:1980-01-01"][
        "count"
    ] == 102


def test_a_bulk_load_leaves_the_blocks_records_arriving_one_by_one_leave() -> None:
    key = "surname:KSTR:1980"
    people = strangers("a", 12, "VE", "1980-05-05") + strangers("b", 6, "TT", "1980-05-05")
    people += [
        message(f"c{i}", "PA", full_name="Ana Castro", date_of_birth="1980") for i in range(5)
    ]
    one_by_one = person_blocks(hub_size=3, refine_size=2)
    for msg in people:
        one_by_one.add(key, msg)
    records = {ref(m): record_from_json(m["record"]) for m in people}
    states, dropped = person_blocks(hub_size=3, refine_size=2).load(
        key, list(records), lambda r, attribute: sorted(refined_values(key, attribute, records[r]))
    )
    assert states == {node: s for node, s in one_by_one.blocks.items() if node.startswith(key)}
    assert any(state["hub"] for state in states.values())
    kept = {k.split("|")[1] for k in one_by_one.records}
    assert set(dropped) == set(records) - kept


def test_over_a_scenario_refined_blocks_publish_the_same_links_with_fewer_comparisons() -> None:
    stream = [
        from_alert_person(a, p) for a in generate(seed=3, networks=2).alerts for p in a["persons"]
    ]

    def run(refine_size: int | None) -> tuple[dict[str, tuple[str, float]], int]:
        blocks = person_blocks(refine_size=refine_size)
        found, compared = {}, 0
        for r in stream:
            for key in sorted(blocking_keys(r)):
                resolved = blocks.add(key, {"record": to_json(r)})
                compared += resolved.compared
                found |= {
                    link["link_id"]: (link["decision"], link["score"]) for link in resolved.links
                }
        return found, compared

    whole, whole_compared = run(None)
    split, split_compared = run(2)  # every block of more than two records splits
    # Deterministic ids and the same scores: a refined block only compares fewer pairs
    assert split.items() <= whole.items()
    matches = [i for i, (decision, _) in whole.items() if decision == "MATCH"]
    assert len(matches) > 100
    assert sum(i in split for i in matches) / len(matches) >= 0.99
    assert split_compared < 0.9 * whole_compared
