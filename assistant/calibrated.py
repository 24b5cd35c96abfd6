"""Calibrated yes/no decisions in place of stacks of hand-set thresholds.

A decision (do these passages answer the question? does this indicator table measure what it asks?) is a
logistic regression over a few named features, fitted on labelled dev questions by the ``bench/calibrate_*.py``
scripts and shipped as JSON beside the code; an order (which of a question's sentences to quote) is the same
model fitted on pairs (:func:`fit_pairwise`). Applying it needs numpy only; fitting uses scikit-learn (a dependency of
sentence-transformers), imported when a model is fitted. The threshold is part of the model: it is chosen on
cross-validated probabilities for an error rate, not by eye.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

Features = Mapping[str, float]


@dataclass(frozen=True)
class LogisticModel:
    """P(yes | features) = sigmoid(intercept + coef . (x - mean) / scale); yes when it reaches ``threshold``."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float = 0.5
    note: str = ""  # how it was fitted: data, folds, the error rate the threshold was set for

    def probability(self, values: Features) -> float:
        # In plain Python: a handful of features, hundreds of calls a question (numpy's arrays cost more than this).
        terms = zip(self.features, self.mean, self.scale, self.coef, strict=True)
        z = self.intercept + math.fsum(c * (float(values[name]) - m) / s for name, m, s, c in terms)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def decide(self, values: Features) -> bool:
        return self.probability(values) >= self.threshold

    def with_threshold(self, threshold: float, note: str = "") -> LogisticModel:
        return LogisticModel(
            self.features, self.mean, self.scale, self.coef, self.intercept, threshold, note or self.note
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LogisticModel:
        return cls(
            features=tuple(data["features"]),
            mean=tuple(float(v) for v in data["mean"]),
            scale=tuple(float(v) for v in data["scale"]),
            coef=tuple(float(v) for v in data["coef"]),
            intercept=float(data["intercept"]),
            threshold=float(data.get("threshold", 0.5)),
            note=str(data.get("note", "")),
        )

    @classmethod
    def load(cls, path: Path) -> LogisticModel:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")


def fit(rows: Sequence[Features], labels: Sequence[bool], features: Sequence[str], c: float = 1.0) -> LogisticModel:
    """A logistic regression of ``labels`` on the named ``features`` of ``rows`` (standardised, L2 penalty
    ``1 / c``, classes weighted to balance), threshold 0.5 until one is chosen."""
    from sklearn.linear_model import LogisticRegression

    x = np.array([[float(row[name]) for name in features] for row in rows])
    y = np.array([bool(label) for label in labels])
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=1000).fit((x - mean) / scale, y)
    return LogisticModel(
        features=tuple(features),
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        coef=tuple(float(v) for v in model.coef_[0]),
        intercept=float(model.intercept_[0]),
    )


def fit_pairwise(
    groups: Sequence[tuple[Sequence[Features], Sequence[bool]]], features: Sequence[str], c: float = 1.0
) -> LogisticModel:
    """A ranking model: P(candidate a is the better one of a and b) = sigmoid(coef . (x_a - x_b) / scale), fitted
    by logistic regression on every (right, wrong) pair of candidates within a group (one question's candidate
    sentences), both ways round, no intercept. Only the order it gives within a group means anything: a candidate
    with a similarity far above its question's others wins, however low the similarities of that question are, which
    a yes/no model fitted over all groups' candidates at once does not learn. ``probability`` is a score for ordering
    candidates, not a calibrated probability; the threshold is 0.5 and nothing should decide by it."""
    from sklearn.linear_model import LogisticRegression

    def matrix(rows: Sequence[Features]) -> np.ndarray:
        return np.array([[float(row[name]) for name in features] for row in rows]).reshape(len(rows), len(features))

    everything = np.vstack([matrix(rows) for rows, _ in groups])
    scale = everything.std(axis=0)
    scale[scale == 0] = 1.0
    pairs = []
    for rows, labels in groups:
        x, right = matrix(rows) / scale, np.array([bool(label) for label in labels], dtype=bool)
        pairs += [good - x[~right] for good in x[right]]
    if not pairs:
        raise ValueError("no group has both a right and a wrong candidate to learn an order from")
    differences = np.vstack(pairs)
    x = np.vstack([differences, -differences])
    y = np.r_[np.ones(len(differences)), np.zeros(len(differences))]
    model = LogisticRegression(C=c, fit_intercept=False, max_iter=1000).fit(x, y)
    return LogisticModel(
        features=tuple(features),
        mean=tuple(float(v) for v in everything.mean(axis=0)),
        scale=tuple(float(v) for v in scale),
        coef=tuple(float(v) for v in model.coef_[0]),
        intercept=0.0,
    )


def threshold_for(negatives: Sequence[float], rate: float) -> float:
    """The lowest threshold at which at most ``rate`` of the ``negatives`` (probabilities of cases that must
    be told no) are told yes."""
    ordered = sorted(negatives, reverse=True)
    allowed = math.floor(rate * len(ordered))  # this many may pass
    if allowed >= len(ordered):
        return 0.0
    return float(np.nextafter(ordered[allowed], 1.0))


def standing(values: np.ndarray) -> np.ndarray:
    """How many standard deviations each value lies above the mean of its column (of all of them, for one column): a
    z-score, 0 where a column does not vary. One query's scores differ in scale from another's; a model fitted over
    many queries reads a score's standing among its own query's beside the score itself."""
    spread = values.std(axis=0)
    return (values - values.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
