import json

from streams.training import DEFAULT_MODEL, fit_person_model


def test_the_packaged_model_is_what_fit_model_produces(tmp_path) -> None:
    # A stale model file would score with weights nobody can reproduce.
    path = tmp_path / "persons.json"
    fit_person_model().save(path)
    assert json.loads(path.read_text()) == json.loads(DEFAULT_MODEL.read_text())
