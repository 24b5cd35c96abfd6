"""Calibrated decisions: a fitted logistic model separates what it was fitted on, survives JSON, and its
threshold holds the error rate it was chosen for."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.calibrated import LogisticModel, fit, fit_pairwise, standing, threshold_for


def _data(n: int = 200, seed: int = 0) -> tuple[list[dict[str, float]], list[bool]]:
    rng = np.random.default_rng(seed)
    labels = [bool(v) for v in rng.integers(0, 2, n)]
    rows = [
        {"similarity": (0.7 if yes else 0.4) + 0.1 * rng.standard_normal(), "noise": rng.standard_normal()}
        for yes in labels
    ]
    return rows, labels


def test_a_fitted_model_separates_its_classes_and_weighs_the_signal() -> None:
    rows, labels = _data()
    model = fit(rows, labels, ["similarity", "noise"])
    predicted = [model.decide(row) for row in rows]
    assert sum(p == y for p, y in zip(predicted, labels, strict=True)) / len(rows) > 0.9
    assert abs(model.coef[0]) > 5 * abs(model.coef[1])
    assert (
        model.probability({"similarity": 0.9, "noise": 0.0})
        > 0.95
        > 0.05
        > model.probability({"similarity": 0.2, "noise": 0.0})
    )


def test_the_model_survives_json(tmp_path: Path) -> None:
    rows, labels = _data()
    model = fit(rows, labels, ["similarity", "noise"]).with_threshold(0.7, "fitted on test data")
    model.save(tmp_path / "model.json")
    again = LogisticModel.load(tmp_path / "model.json")
    assert again == model and again.probability(rows[0]) == model.probability(rows[0])


def test_the_threshold_keeps_false_yeses_under_the_rate() -> None:
    negatives = [i / 100 for i in range(100)]  # 0.00 .. 0.99
    threshold = threshold_for(negatives, 0.03)
    assert sum(p >= threshold for p in negatives) == 3
    assert threshold_for(negatives, 0.0) > max(negatives)
    assert threshold_for([], 0.03) == 0.0


def test_a_pairwise_model_learns_the_order_within_groups_whatever_their_level() -> None:
    """Each group's right candidate has the group's highest similarity, but groups sit at different levels (a
    right candidate of a hard question is below the wrong ones of an easy one): the order within groups is learnt,
    and the level, which says nothing about order, is not."""
    rng = np.random.default_rng(1)
    groups = []
    for _ in range(60):
        level = rng.uniform(0.0, 1.0)
        sims = level + 0.05 * rng.standard_normal(8)
        best = int(np.argmax(sims))
        rows = [{"similarity": float(s), "level": level} for s in sims]
        groups.append((rows, [n == best for n in range(8)]))
    model = fit_pairwise(groups, ["similarity", "level"])
    assert model.intercept == 0.0 and model.coef[0] > 1.0 > abs(model.coef[1])
    for rows, labels in groups[:10]:
        scores = [model.probability(row) for row in rows]
        assert labels[int(np.argmax(scores))]
    try:
        fit_pairwise([(groups[0][0], [False] * 8)], ["similarity"])
    except ValueError as error:
        assert "no group" in str(error)
    else:
        raise AssertionError("a fit with nothing to order must fail")


def test_the_standing_is_a_z_score_per_column_and_0_where_a_column_does_not_vary() -> None:
    values = np.array([[0.2, 0.5], [0.4, 0.5], [0.6, 0.5]])
    stand = standing(values)
    assert stand[:, 0] == pytest.approx([-1.2247449, 0.0, 1.2247449])
    assert stand[:, 1].tolist() == [0.0, 0.0, 0.0]
    assert standing(np.array([3.0, 1.0])).tolist() == [1.0, -1.0]
