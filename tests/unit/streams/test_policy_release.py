"""Releasability and redaction: who gets which copy of an alert or a result."""

from datetime import date
from pathlib import Path

import pytest

from schemas.paths import FieldPath
from streams.policy import Policy, PolicyError, ResultKind, Source, load_agreements
from streams.policy.agreements import Agreement
from streams.policy.fields import withhold
from streams.policy.release import (
    OWN,
    cut_entity,
    cut_hit,
    cut_link,
    cut_network,
    network_refs,
    redact_alert,
)

TODAY = date(2026, 11, 23)
BULLETIN = Agreement.model_validate(
    {
        "id": "bulletin",
        "version": 2,
        "title": "t",
        "valid_from": "2026-01-01",
        "max_tlp": "AMBER",
        "need_to_know": False,
        "parties": {"co.policia": "POLICE", "tt.ctu": "POLICE", "pa.migracion": "IMMIGRATION"},
        "withhold": [{"field": "locations[kind=SHELTER]", "reason": "never"}],
    }
)
CASEWORK = Agreement.model_validate(
    {
        "id": "casework",
        "version": 1,
        "title": "t",
        "valid_from": "2026-01-01",
        "max_tlp": "RED",
        "parties": {"co.policia": "POLICE", "tt.ctu": "POLICE", "pa.migracion": "IMMIGRATION"},
    }
)
POLICY = Policy([BULLETIN, CASEWORK])
CTU, MIGRACION = POLICY.recipient("tt.ctu"), POLICY.recipient("pa.migracion")


def alert(tlp: str = "AMBER", rel: list[str] | None = None, fields: list | None = None) -> dict:
    return {
        "alert_id": "a1",
        "agency": "co.policia",
        "country": "CO",
        "event": {"kind": "SIGHTING", "location_ref": "l1"},
        "marking": {
            "tlp": tlp,
            "releasable_to": rel or [],
            "originator_control": True,
            "handling": None,
            "fields": fields or [],
        },
        "grading": {"source_reliability": "B", "information_credibility": "C2"},
        "persons": [{"record_id": "p1", "full_name": "Ana Ruiz", "date_of_birth": "1990"}],
        "phones": [{"record_id": "t1", "holder_ref": "p1", "number": "+57 300"}],
        "locations": [
            {"record_id": "l1", "kind": "SHELTER", "name": "Casa"},
            {"record_id": "l2", "kind": "ADDRESS", "name": "Calle 1"},
        ],
        "notes": "n",
    }


def release(a: dict, to, kind=ResultKind.ALERT, involved=False):
    return POLICY.release(Source.of(a), to, kind, involved, TODAY)


def test_amber_goes_to_every_party_under_the_bulletin_and_green_too():
    assert release(alert("AMBER"), CTU).agreement == "bulletin@2"
    assert release(alert("GREEN"), MIGRACION).agreement == "bulletin@2"


def test_amber_strict_needs_the_recipient_to_be_involved():
    assert release(alert("AMBER_STRICT"), CTU) is None
    assert release(alert("AMBER_STRICT"), CTU, involved=True).agreement == "casework@1"


def test_red_goes_only_to_those_it_names_and_nowhere_without_a_list():
    assert release(alert("RED"), CTU, involved=True) is None
    red = alert("RED", rel=["TT"])
    assert release(red, CTU, involved=True).agreement == "casework@1"
    assert release(red, MIGRACION, involved=True) is None


def test_releasable_to_restricts_amber_too_and_own_data_is_always_released():
    a = alert("AMBER", rel=["pa.migracion"])
    assert release(a, CTU) is None
    assert release(a, MIGRACION) is not None
    assert release(a, POLICY.recipient("co.policia")).agreement == OWN


def test_no_agreement_in_force_no_release():
    expired = BULLETIN.model_copy(update={"valid_until": date(2026, 6, 30)})
    assert Policy([expired]).release(Source.of(alert()), CTU, ResultKind.ALERT, True, TODAY) is None


def test_redaction_withholds_the_shelter_for_all_and_the_address_outside_its_audience():
    marked = alert(
        fields=[{"field": "locations[kind=ADDRESS]", "releasable_to": ["POLICE"], "reason": "r"}]
    )
    to_police, withheld = redact_alert(marked, release(marked, CTU))
    assert [loc["record_id"] for loc in to_police["locations"]] == ["l2"]
    assert to_police["event"]["location_ref"] is None  # pointed at the withheld shelter
    assert [w["field"] for w in withheld] == ["locations[kind=SHELTER]"]
    to_border, withheld = redact_alert(marked, release(marked, MIGRACION))
    assert to_border["locations"] == []
    assert {w["field"] for w in withheld} == {"locations[kind=SHELTER]", "locations[kind=ADDRESS]"}
    own, withheld = redact_alert(marked, release(marked, POLICY.recipient("co.policia")))
    assert own == marked and withheld == []


def test_withholding_a_field_of_records_and_a_whole_collection():
    out, removed = withhold(
        alert(), [FieldPath.parse("persons.date_of_birth"), FieldPath.parse("persons")]
    )
    assert out["persons"] == [] and removed == ["p1"]
    assert out["phones"][0]["holder_ref"] is None
    out, _ = withhold(alert(), [FieldPath.parse("persons.date_of_birth"), FieldPath.parse("notes")])
    assert out["persons"][0]["date_of_birth"] is None and out["notes"] is None


@pytest.mark.parametrize(
    "path",
    ["shelters", "locations[colour=RED]", "persons.role", "event", "locations.nope", "notes.x"],
)
def test_paths_that_name_nothing_or_a_required_field_are_refused(path):
    with pytest.raises(ValueError):
        FieldPath.parse(path)


def ref(alert_id: str, agency: str, record: str = "p1") -> dict:
    return {
        "alert_id": alert_id,
        "record_id": record,
        "agency": agency,
        "country": agency[:2].upper(),
    }


def sources() -> dict:
    amber, strict = alert("AMBER"), alert("AMBER_STRICT")
    amber["alert_id"], strict["alert_id"] = "a1", "a2"
    strict["agency"] = "pa.migracion"
    strict["country"] = "PA"
    return {"a1": Source.of(amber), "a2": Source.of(strict)}


def releases_for(to, involved=False):
    return {
        k: POLICY.release(s, to, ResultKind.ENTITY, involved, TODAY) for k, s in sources().items()
    }


def test_an_entity_is_cut_to_the_records_the_recipient_may_see_and_loses_its_labels():
    entity = {
        "entity_id": "e1",
        "labels": ["ANA RUIZ"],
        "members": [ref("a1", "co.policia"), ref("a2", "pa.migracion")],
        "countries": ["CO", "PA"],
        "agencies": ["co.policia", "pa.migracion"],
        "cross_border": True,
    }
    cut = cut_entity(entity, releases_for(CTU))
    assert [m["alert_id"] for m in cut.payload["members"]] == ["a1"]
    assert cut.payload["labels"] == [] and cut.payload["cross_border"] is False
    assert {
        "alert_id": "a2",
        "field": "record",
        "reason": cut.withheld[0]["reason"],
    } in cut.withheld
    whole = cut_entity(entity, releases_for(POLICY.recipient("pa.migracion")))
    assert whole.payload["labels"] == ["ANA RUIZ"] and whole.payload["cross_border"] is True


def test_a_link_needs_both_sides_and_hides_withheld_person_values():
    link = {
        "link_id": "k1",
        "left": ref("a1", "co.policia"),
        "right": ref("a2", "pa.migracion"),
        "explanation": [
            {"field": "name", "left": "ANA", "right": "ANNA", "similarity": 0.9, "weight": 3.0}
        ],
    }
    assert cut_link(link, releases_for(CTU)) is None
    assert cut_link(link, releases_for(CTU, involved=True)) is not None
    src = sources()
    marked = alert(
        fields=[{"field": "persons.date_of_birth", "releasable_to": ["co.policia"], "reason": "r"}]
    )
    src["a1"] = Source.of(marked)
    rel = {k: POLICY.release(s, MIGRACION, ResultKind.LINK, True, TODAY) for k, s in src.items()}
    cut = cut_link(link, rel)
    assert cut.payload["explanation"][0]["left"] is None
    assert cut.payload["explanation"][0]["right"] == "ANNA"


def test_a_network_and_its_hit_keep_only_visible_records_and_the_hit_needs_two_countries():
    network = {
        "network_id": "n1",
        "entities": [
            {
                "entity_id": "e1",
                "kind": "PERSON",
                "label": "ANA",
                "records": 1,
                "countries": ["CO"],
            },
            {
                "entity_id": "e2",
                "kind": "PHONE",
                "label": "+507",
                "records": 1,
                "countries": ["PA"],
            },
        ],
        "edges": [{"from_entity": "e1", "to_entity": "e2", "relation": "HOLDS", "alert_id": "a2"}],
        "records": 2,
    }
    members = {"e1": [ref("a1", "co.policia")], "e2": [ref("a2", "pa.migracion")]}
    cut = cut_network(network, members, releases_for(CTU))
    assert [e["entity_id"] for e in cut.payload["entities"]] == ["e1"] and cut.payload[
        "edges"
    ] == []
    assert cut.payload["records"] == 1 and cut.payload["cross_border"] is False
    whole = cut_network(network, members, releases_for(POLICY.recipient("pa.migracion")))
    assert [e["label"] for e in whole.payload["entities"]] == ["ANA", "+507"]
    assert len(whole.payload["edges"]) == 1 and whole.payload["cross_border"] is True
    refs = network_refs(network, members)
    hit = {
        "hit_id": "h1",
        "network_id": "n1",
        "countries": ["CO", "PA"],
        "new_countries": ["PA"],
        "records": 2,
    }
    assert cut_hit(hit, refs, releases_for(CTU)) is None
    seen = cut_hit(hit, refs, releases_for(CTU, involved=True))
    assert seen.payload["countries"] == ["CO", "PA"] and seen.payload["records"] == 2


def test_the_shipped_agreements_load(tmp_path: Path):
    shipped = load_agreements(Path(__file__).parents[3] / "deploy" / "policy")
    assert {a.id for a in shipped} >= {"oas-tip-bulletin", "oas-tip-casework", "egmont-fiu"}


def test_a_bad_agreement_file_is_refused_with_every_problem_and_its_file(tmp_path: Path):
    (tmp_path / "bad.toml").write_text(
        'id = "x"\nversion = 0\ntitle = "t"\nvalid_from = 2026-01-01\nmax_tlp = "PURPLE"\n'
        '[parties]\n"tt.ctu" = "POLICE"\n"nobody" = "SPY"\n'
        '[[withhold]]\nfield = "locations[colour=RED]"\nreason = "r"\n'
    )
    (tmp_path / "broken.toml").write_text("id = \n")
    with pytest.raises(PolicyError) as err:
        load_agreements(tmp_path)
    text = str(err.value)
    for part in (
        "bad.toml: id",
        "bad.toml: version",
        "bad.toml: max_tlp",
        "'nobody'",
        "SPY",
        "colour",
        "broken.toml: not TOML",
    ):
        assert part in text
