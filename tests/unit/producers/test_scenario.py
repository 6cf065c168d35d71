"""The scenario generator: deterministic, valid alerts and a truth that matches them."""

import io
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

import pytest
from fastavro import schemaless_reader, schemaless_writer

from producers.scenario import Scenario, generate
from producers.scenario.names import PLACEHOLDERS
from producers.scenario.places import AGENCIES
from producers.validation import SUBJECT_FIELDS, check
from schemas import ALERT
from streams.normalise.documents import document_key, parse_mrz
from streams.normalise.phones import to_e164
from streams.normalise.text import fold

EVENTS_BY_AGENCY_KIND = {
    "IMMIGRATION": {"BORDER_CROSSING"},
    "POLICE": {"ARREST", "CASE_OPENED", "RECRUITMENT_AD", "SIGHTING"},
    "PROSECUTOR": {"CASE_OPENED"},
    "FINANCIAL_INTELLIGENCE": {"SUSPICIOUS_TRANSACTION"},
    "NGO": {"VICTIM_REFERRAL"},
    "CUSTOMS": {"SIGHTING"},
    "LABOUR_INSPECTION": {"CASE_OPENED"},
}


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return generate(seed=7, networks=3, noise=0.3)


@pytest.fixture(scope="module")
def noisy() -> Scenario:
    return generate(seed=7, networks=3, noise=0.6)


def records(s: Scenario, kind: str) -> list[tuple[dict[str, Any], dict[str, Any], str]]:
    """(alert, record, true entity) of every record in one subject array."""
    return [(a, r, s.truth[(a["alert_id"], r["record_id"])]) for a in s.alerts for r in a[kind]]


def by_entity(s: Scenario, kind: str) -> dict[str, list[tuple[dict[str, Any], dict[str, Any]]]]:
    grouped = defaultdict(list)
    for alert, record, entity in records(s, kind):
        grouped[entity].append((alert, record))
    return grouped


def holder(s: Scenario, alert: dict[str, Any], record: dict[str, Any]) -> str:
    return s.truth[(alert["alert_id"], record["holder_ref"])]


def folded_name(person: dict[str, Any]) -> str:
    return fold(person["full_name"] or f"{person['given_names'] or ''} {person['surnames'] or ''}")


def test_the_same_seed_gives_the_same_scenario(scenario: Scenario) -> None:
    again = generate(seed=7, networks=3, noise=0.3)
    assert again.alerts == scenario.alerts
    assert again.truth == scenario.truth


def test_another_seed_gives_another_scenario(scenario: Scenario) -> None:
    other = generate(seed=8, networks=3, noise=0.3)
    assert {a["alert_id"] for a in other.alerts}.isdisjoint(a["alert_id"] for a in scenario.alerts)
    assert other.truth != scenario.truth


def test_noise_changes_how_records_are_written_not_which_exist(scenario: Scenario) -> None:
    clean = generate(seed=7, networks=3, noise=0.0)
    assert clean.truth == scenario.truth
    assert [a["alert_id"] for a in clean.alerts] == [a["alert_id"] for a in scenario.alerts]
    assert clean.alerts != scenario.alerts


def test_every_alert_passes_validation_and_survives_avro(scenario: Scenario) -> None:
    for alert in scenario.alerts:
        check(alert)
        buffer = io.BytesIO()
        schemaless_writer(buffer, ALERT, alert)
        buffer.seek(0)
        read = schemaless_reader(buffer, ALERT, ALERT)
        # fastavro reads the uuid logical type back as uuid.UUID.
        read["alert_id"] = str(read["alert_id"])
        retracts = read["event"]["retracts_alert_id"]
        read["event"]["retracts_alert_id"] = retracts and str(retracts)
        assert read == alert


def test_alerts_are_in_publication_order_and_in_the_past(scenario: Scenario) -> None:
    reported = [a["reported_at"] for a in scenario.alerts]
    assert reported == sorted(reported)
    for alert in scenario.alerts:
        assert alert["observed_at"].tzinfo is UTC
        assert alert["observed_at"] <= alert["reported_at"] < datetime(2026, 11, 1, tzinfo=UTC)
        assert uuid.UUID(alert["alert_id"]).version == 4
    assert len({a["alert_id"] for a in scenario.alerts}) == len(scenario.alerts)


def test_start_moves_the_whole_timeline() -> None:
    start = datetime(2026, 5, 1, tzinfo=UTC)
    moved = generate(seed=7, start=start)
    assert all(start <= a["observed_at"] < datetime(2026, 7, 1, tzinfo=UTC) for a in moved.alerts)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"noise": 1.5}, "noise"),
        ({"networks": -1}, "networks"),
        ({"start": datetime.fromisoformat("2026-09-01T00:00")}, "timezone"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate(**kwargs)


def test_truth_covers_every_subject_record_and_nothing_else(scenario: Scenario) -> None:
    refs = {
        (a["alert_id"], r["record_id"])
        for a in scenario.alerts
        for k in SUBJECT_FIELDS
        for r in a[k]
    }
    assert set(scenario.truth) == refs
    for kind in SUBJECT_FIELDS:
        assert all(entity.startswith(f"{kind}:") for _, _, entity in records(scenario, kind))


def test_true_pairs_are_the_pairs_of_records_of_one_entity(scenario: Scenario) -> None:
    for kind in SUBJECT_FIELDS:
        sizes = Counter(entity for _, _, entity in records(scenario, kind))
        pairs = scenario.true_pairs(kind)
        assert len(pairs) == sum(n * (n - 1) // 2 for n in sizes.values())
        for pair in pairs:
            left, right = sorted(pair)
            assert scenario.truth[left] == scenario.truth[right]
    assert scenario.true_pairs() == scenario.true_pairs("persons")
    with pytest.raises(ValueError, match="subject arrays"):
        scenario.true_pairs("people")


def test_every_network_has_a_person_seen_in_two_countries(scenario: Scenario) -> None:
    countries: defaultdict[str, set[str]] = defaultdict(set)
    for alert, _, entity in records(scenario, "persons"):
        countries[entity].add(alert["country"])
    for network in ("n1", "n2", "n3"):
        assert any(
            len(seen) >= 2
            for entity, seen in countries.items()
            if entity.startswith(f"persons:{network}.")
        )


def test_a_network_spans_two_to_four_of_the_member_countries(scenario: Scenario) -> None:
    countries: defaultdict[str, set[str]] = defaultdict(set)
    for kind in SUBJECT_FIELDS:
        for alert, _, entity in records(scenario, kind):
            scope = entity.partition(":")[2].partition(".")[0]
            countries[scope].add(alert["country"])
    for network in ("n1", "n2", "n3"):
        assert 2 <= len(countries[network]) <= 4


def test_agencies_publish_the_events_of_their_kind(scenario: Scenario) -> None:
    for alert in scenario.alerts:
        assert alert["agency_kind"] == AGENCIES[alert["agency"]]
        if alert["event"]["kind"] != "RETRACTION":
            assert alert["event"]["kind"] in EVENTS_BY_AGENCY_KIND[alert["agency_kind"]]
        if alert["event"]["kind"] == "BORDER_CROSSING":
            place = next(
                loc
                for loc in alert["locations"]
                if loc["record_id"] == alert["event"]["location_ref"]
            )
            assert place["country"] == alert["country"]
            assert place["lat"] is not None and place["lon"] is not None
            assert alert["event"]["direction"] in ("ENTRY", "EXIT")


def test_survivor_referrals_are_red_and_for_the_shelter_alone(scenario: Scenario) -> None:
    referrals = [a for a in scenario.alerts if a["event"]["kind"] == "VICTIM_REFERRAL"]
    assert referrals
    for alert in referrals:
        assert alert["involves_survivor"] is True
        assert alert["marking"]["tlp"] == "RED"
        assert alert["marking"]["releasable_to"] == [alert["agency"]]
        assert any(p["role"] == "VICTIM" for p in alert["persons"])


def test_markings_and_gradings_vary(scenario: Scenario) -> None:
    assert {a["marking"]["tlp"] for a in scenario.alerts} >= {
        "GREEN",
        "AMBER",
        "AMBER_STRICT",
        "RED",
    }
    assert any(a["marking"]["releasable_to"] and a["agency_kind"] != "NGO" for a in scenario.alerts)
    assert {a["marking"]["originator_control"] for a in scenario.alerts} == {True, False}
    grades = {
        (a["grading"]["source_reliability"], a["grading"]["information_credibility"])
        for a in scenario.alerts
    }
    assert len(grades) >= 5


def test_retractions_withdraw_an_earlier_alert_of_the_same_agency(scenario: Scenario) -> None:
    earlier = {a["alert_id"]: a for a in scenario.alerts}
    retractions = [a for a in scenario.alerts if a["event"]["kind"] == "RETRACTION"]
    assert 1 <= len(retractions) <= 2
    for retraction in retractions:
        withdrawn = earlier[retraction["event"]["retracts_alert_id"]]
        assert withdrawn["agency"] == retraction["agency"]
        assert withdrawn["reported_at"] < retraction["reported_at"]


def test_the_hotline_is_one_phone_shared_by_unrelated_people(scenario: Scenario) -> None:
    hotline = by_entity(scenario, "phones")["phones:hub.hotline"]
    people = {holder(scenario, alert, record) for alert, record in hotline}
    assert len(people) >= 5


def test_placeholder_names_are_different_people(scenario: Scenario) -> None:
    unnamed = [
        (r["full_name"], e)
        for _, r, e in records(scenario, "persons")
        if r["full_name"] in PLACEHOLDERS
    ]
    assert len(unnamed) >= 4
    assert len({entity for _, entity in unnamed}) == len(unnamed)
    assert Counter(name for name, _ in unnamed)["UNKNOWN"] >= 2


def test_a_namesake_shares_a_name_but_not_the_person(scenario: Scenario) -> None:
    names: defaultdict[str, set[str]] = defaultdict(set)
    for _, record, entity in records(generate(seed=7, noise=0.0), "persons"):
        if record["full_name"] not in PLACEHOLDERS and record["name_script"] in (None, "Latn"):
            names[folded_name(record)].add(entity)
    assert any(len(entities) >= 2 for entities in names.values())


def test_a_document_is_used_by_two_people_and_suspected(scenario: Scenario) -> None:
    reused = [
        entries
        for entries in by_entity(scenario, "documents").values()
        if len({holder(scenario, a, r) for a, r in entries}) >= 2
    ]
    assert reused
    assert all(any(r["suspected_fraudulent"] for _, r in entries) for entries in reused)


def test_some_names_are_written_in_their_own_script_and_in_latin(scenario: Scenario) -> None:
    scripts = defaultdict(set)
    for _, record, entity in records(scenario, "persons"):
        scripts[entity].add(record["name_script"] or "Latn")
    both = [entity for entity, seen in scripts.items() if len(seen) >= 2]
    assert both
    assert set().union(*scripts.values()) - {"Latn"}


def test_without_noise_an_entity_has_one_name_and_with_noise_several() -> None:
    def spellings(s: Scenario) -> list[set[str]]:
        names: defaultdict[str, set[str]] = defaultdict(set)
        for _, record, entity in records(s, "persons"):
            if record["name_script"] in (None, "Latn"):  # the original script folds apart
                names[entity].add(folded_name(record))
        return list(names.values())

    assert all(len(n) == 1 for n in spellings(generate(seed=7, noise=0.0)))
    assert sum(len(n) > 1 for n in spellings(generate(seed=7, noise=0.5))) >= 5


def test_noisy_phones_still_normalise_to_one_number_per_entity(noisy: Scenario) -> None:
    for entries in by_entity(noisy, "phones").values():
        numbers = {to_e164(r["number"], r["country_hint"] or a["country"]) for a, r in entries}
        assert len(numbers) == 1
    formats = {r["number"] for _, r, _ in records(noisy, "phones")}
    assert any(n.startswith("+") for n in formats) and any(not n.startswith("+") for n in formats)
    assert any(r["country_hint"] for _, r, _ in records(noisy, "phones"))


def test_noisy_documents_still_key_to_one_document_per_entity(noisy: Scenario) -> None:
    for entries in by_entity(noisy, "documents").values():
        keys = {document_key(r["issuing_state"], r["number"]) for _, r in entries}
        assert len(keys) == 1
    zones = [r["mrz"] for _, r, _ in records(noisy, "documents") if r["mrz"]]
    assert zones
    for zone in zones:
        parse_mrz(zone)  # raises on a wrong check digit


def test_dates_of_birth_are_full_or_partial_iso(noisy: Scenario) -> None:
    shapes = {
        len(r["date_of_birth"]) for _, r, _ in records(noisy, "persons") if r["date_of_birth"]
    }
    assert shapes == {4, 7, 10}
