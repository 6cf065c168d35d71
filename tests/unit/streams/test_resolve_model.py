"""EM recovers known m/u; a model saves and loads; scores explain themselves."""

import json
import math
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.normalise import PartialDate
from streams.resolve import (
    NULL,
    Decision,
    Model,
    PersonRecord,
    Thresholds,
    default_comparisons,
    expectation_maximisation,
    level_frequencies,
)

# Four comparisons with 2, 3, 4 and 3 levels; matches agree, non-matches do not.
TRUE_M = [[0.9, 0.1], [0.7, 0.2, 0.1], [0.6, 0.2, 0.1, 0.1], [0.8, 0.15, 0.05]]
TRUE_U = [[0.1, 0.9], [0.05, 0.15, 0.8], [0.02, 0.08, 0.2, 0.7], [0.1, 0.3, 0.6]]
SIZES = [len(p) for p in TRUE_M]
TRUE_PRIOR = 0.3


def synthetic(rows: int, prior: float, seed: int) -> np.ndarray:
    """Level vectors drawn from the Fellegi-Sunter model, with 5% missing values."""
    rng = np.random.default_rng(seed)
    is_match = rng.random(rows) < prior
    columns = []
    for m, u in zip(TRUE_M, TRUE_U, strict=True):
        from_m = rng.choice(len(m), size=rows, p=m)
        from_u = rng.choice(len(u), size=rows, p=u)
        column = np.where(is_match, from_m, from_u)
        columns.append(np.where(rng.random(rows) < 0.05, NULL, column))
    return np.stack(columns, axis=1).astype(np.int8)


def assert_close(estimated: list[np.ndarray], truth: list[list[float]], tolerance: float) -> None:
    for got, want in zip(estimated, truth, strict=True):
        np.testing.assert_allclose(got, want, atol=tolerance)


def test_em_recovers_m_u_and_prior() -> None:
    # Given candidate pairs (30% matches) and random pairs (non-matches) for a first u
    levels = synthetic(40_000, TRUE_PRIOR, seed=1)
    first_u = level_frequencies(synthetic(5_000, 0.0, seed=2), SIZES)
    # When EM estimates everything
    result = expectation_maximisation(levels, SIZES, first_u, fix_u=False)
    # Then it finds the parameters the pairs were drawn from
    assert result.converged
    assert result.prior == pytest.approx(TRUE_PRIOR, abs=0.02)
    assert_close(result.m, TRUE_M, 0.03)
    assert_close(result.u, TRUE_U, 0.03)


def test_em_with_u_fixed_from_random_pairs_recovers_m() -> None:
    levels = synthetic(20_000, 0.1, seed=3)
    u = level_frequencies(synthetic(20_000, 0.0, seed=4), SIZES)
    result = expectation_maximisation(levels, SIZES, u, fix_u=True)
    assert result.u is u
    assert result.prior == pytest.approx(0.1, abs=0.02)
    assert_close(result.m, TRUE_M, 0.04)


def test_level_frequencies_skip_nulls_and_never_give_zero() -> None:
    levels = np.array([[0], [0], [NULL]], dtype=np.int8)
    (shares,) = level_frequencies(levels, [3])
    assert shares.sum() == pytest.approx(1.0)
    assert shares[0] > 0.5 and 0 < shares[2] < 0.2


def hand_model() -> Model:
    """Every level of every comparison: the stronger the level, the likelier a match,
    and a strong level is rare among different people (u of ..., 0.1%, 1%, rest)."""
    m, u = [], []
    for comparison in default_comparisons():
        size = len(comparison.levels)
        strength = np.arange(size, 0, -1, dtype=float) ** 3
        m.append(strength / strength.sum())
        rare = 10.0 ** np.arange(-size, -1)
        u.append(np.append(rare, 1 - rare.sum()))
    return Model.from_probabilities(default_comparisons(), m, u, prior=0.05)


A = PersonRecord(
    ref="a",
    given=("maria", "jose"),
    surnames=("perez", "gomez"),
    dob=PartialDate(1988, 4, 12),
    documents=("VE:V12345678",),
    phones=("+584125551234",),
    country="PA",
)
B = PersonRecord(
    ref="b",
    given=("maria",),
    surnames=("perez", "gomez"),
    dob=PartialDate(1988, 4),
    phones=("+584125551234",),
    nationalities=("VE",),
    country="CO",
)


def test_explanation_weights_sum_to_the_total() -> None:
    score = hand_model().score(A, B)
    assert [c.field for c in score.comparisons] == [c.field for c in default_comparisons()]
    assert math.fsum(c.weight for c in score.comparisons) == pytest.approx(score.total)
    by_field = {c.field: c for c in score.comparisons}
    assert by_field["name"].level == "close" and by_field["name"].weight > 0
    assert by_field["date_of_birth"].level == "month"
    assert by_field["documents"].level == "null" and by_field["documents"].weight == 0.0
    assert by_field["name"].left == "perez gomez, maria jose"


def test_explanation_maps_to_the_avro_field_comparison() -> None:
    schema = json.loads(files("schemas").joinpath("avro/FieldComparison.avsc").read_text())
    names = [field["name"] for field in schema["fields"]]
    for line in hand_model().score(A, B).explanation():
        assert list(line) == names


def test_probability_and_decision_follow_the_thresholds() -> None:
    model = hand_model()
    assert model.probability(0.0) == pytest.approx(0.05)  # no evidence: the prior
    assert model.decide(0.995) is Decision.MATCH
    assert model.decide(0.6) is Decision.POSSIBLE_MATCH
    assert model.decide(0.1) is Decision.NON_MATCH
    assert model.score(A, B).decision is Decision.MATCH
    assert model.score(A, PersonRecord(ref="c", given=("ana",), surnames=("torres",))).decision is (
        Decision.NON_MATCH
    )


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    model = hand_model()
    path = tmp_path / "model.json"
    model.save(path)
    loaded = Model.load(path)
    assert loaded == model
    assert loaded.score(A, B) == model.score(A, B)
    assert loaded.thresholds == Thresholds()


def test_load_refuses_a_model_whose_levels_changed() -> None:
    data = hand_model().to_dict()
    data["comparisons"][0]["levels"].pop()
    with pytest.raises(ValueError, match="levels"):
        Model.from_dict(data)
    damaged = hand_model().to_dict()
    damaged["comparisons"][0]["levels"][0]["u"] = 0.0
    with pytest.raises(ValueError, match="m and u"):
        Model.from_dict(damaged)
    with pytest.raises(ValueError, match="format"):
        Model.from_dict({**hand_model().to_dict(), "format_version": 99})


_tokens = st.lists(
    st.sampled_from(["ana", "anna", "jose", "pepe", "perez", "peres", "li"]), max_size=3
)
_dates = (
    st.none()
    | st.builds(
        PartialDate,
        st.integers(1988, 1990),
        st.none() | st.integers(1, 2),
        st.none(),
    )
    | st.builds(PartialDate, st.integers(1988, 1990), st.integers(1, 2), st.integers(1, 28))
)
_records = st.builds(
    PersonRecord,
    ref=st.just("r"),
    given=_tokens.map(tuple),
    surnames=_tokens.map(tuple),
    dob=_dates,
    postcode=st.none() | st.sampled_from(["4223", "4232", "4299", "2000"]),
    documents=st.lists(st.sampled_from(["AU:1234567", "AU:1234568", "VE:99"])).map(tuple),
)


@given(_records, _records)
def test_scores_are_symmetric_and_sum_their_explanation(a: PersonRecord, b: PersonRecord) -> None:
    model = hand_model()
    forward, backward = model.score(a, b), model.score(b, a)
    assert forward.total == pytest.approx(backward.total)
    assert [c.level for c in forward.comparisons] == [c.level for c in backward.comparisons]
    assert math.fsum(c.weight for c in forward.comparisons) == pytest.approx(forward.total)
    assert 0.0 <= forward.probability <= 1.0
