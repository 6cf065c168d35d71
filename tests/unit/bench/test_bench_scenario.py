"""The scenario benchmark: its pairwise scoring, and Borderlink's path on a small scenario."""

import pytest

from bench.scenario import borderlink, load
from bench.scoring import Scores, score
from streams.resolve import Model
from streams.settings import StreamSettings
from streams.training import TRAINING_SEED


def test_scores_count_predicted_pairs_against_true_pairs() -> None:
    # Given 3 predicted pairs of which 2 are among 4 true pairs
    predicted = {("a", "b"), ("a", "c"), ("d", "e")}
    truth = {("a", "b"), ("d", "e"), ("f", "g"), ("h", "i")}

    scores = score(predicted, truth)

    # Then precision is 2/3, recall 2/4 and F1 their harmonic mean, 4/7
    assert scores == Scores(hits=2, predicted=3, true=4)
    assert scores.precision == pytest.approx(2 / 3)
    assert scores.recall == pytest.approx(1 / 2)
    assert scores.f1 == pytest.approx(4 / 7)


def test_scores_of_nothing_predicted_are_zero_and_seeds_add_up_micro_averaged() -> None:
    nothing = score(set(), {("a", "b")})
    assert (nothing.precision, nothing.recall, nothing.f1) == (0.0, 0.0, 0.0)
    # Summed counts, not averaged ratios: 1 of 1 plus 0 of 3 is a recall of 1/4, not 1/2
    total = score({("a", "b")}, {("a", "b")}) + score(set(), {("c", "d"), ("c", "e"), ("d", "e")})
    assert total == Scores(hits=1, predicted=1, true=4)
    assert total.recall == pytest.approx(1 / 4)
    assert total.precision == 1.0


def test_borderlink_path_on_a_small_evaluation_scenario_reaches_f1_09() -> None:
    # Given a small scenario of a seed the packaged model was not fitted on
    seed = 9
    assert seed != TRAINING_SEED
    truth = load(seed, networks=5)
    assert truth.pairs and truth.cross_border and truth.other_script

    # When its records go one at a time through the packaged model, as in the benchmark
    links, entities = borderlink(truth.records, Model.load(StreamSettings().model_path))

    # Then its direct links and its entities both find the same people
    assert score(links.predicted, truth.pairs).f1 > 0.9
    assert score(entities.predicted, truth.pairs).f1 > 0.9
    assert score(links.predicted, truth.cross_border).recall > 0.9
    assert links.pairs_compared > 0
