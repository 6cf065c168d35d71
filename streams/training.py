"""Fit the person model the workers load: u from random pairs, m from labelled pairs.

Labels come from the scenario generator's ground truth on a *training* seed; evaluations
(tests, benchmarks) use other seeds. Workers load the saved JSON and never refit, so every
worker and every replay scores a pair the same way.
"""

from pathlib import Path

from producers.scenario import generate
from streams.resolve import Model, PersonRecord, candidate_pairs, from_alert_person

DEFAULT_MODEL = Path(__file__).resolve().parent / "resolve" / "models" / "persons.json"
TRAINING_SEED = 101


def scenario_records(alerts: list[dict]) -> list[PersonRecord]:
    return [
        from_alert_person(alert, person)
        for alert in alerts
        for person in alert.get("persons") or []
    ]


def fit_person_model(seed: int = TRAINING_SEED, networks: int = 40) -> Model:
    scenario = generate(seed=seed, networks=networks)
    records = scenario_records(scenario.alerts)

    def entity(ref: str) -> str:
        alert_id, record_id = ref.split("/", 1)
        return scenario.truth[(alert_id, record_id)]

    return Model.fit_labelled(
        records, candidate_pairs(records), lambda pair: entity(pair[0].ref) == entity(pair[1].ref)
    )
