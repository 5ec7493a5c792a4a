"""scikit-learn estimators and pipelines as nblabel models (``pip install nblabel[ml]``)."""

from __future__ import annotations

from typing import Any, Hashable, Sequence

import numpy as np
import pandas as pd


class SklearnModel:
    """Wrap a fitted (or to-be-fitted) estimator with ``predict_proba`` as a model callable.

    ``model(rows)`` feeds ``rows[column]`` (or the whole slice with ``column=None``, for a
    pipeline with a ``ColumnTransformer``) to ``predict_proba`` and returns one
    ``{label: probability}`` dict per row, the contract's score-dict form, so the widget shows the
    top label with its probability and the ordering sees the whole distribution. An estimator that
    is not fitted yet predicts nothing (every row ``None``) until :meth:`fit` or ``lab.retrain``.
    """

    def __init__(self, estimator: Any, column: Hashable | None = None, *, model_version: str | None = None) -> None:
        if not hasattr(estimator, "predict_proba"):
            raise TypeError(f"{type(estimator).__name__} has no predict_proba; SklearnModel needs class probabilities")
        self.estimator = estimator
        self.column = column
        self._version = model_version
        self.fits = 0

    @property
    def model_version(self) -> str:
        base = self._version or type(self.estimator).__name__
        return f"{base}-{self.fits}" if self.fits else base

    def features(self, rows: pd.DataFrame) -> Any:
        """What ``predict_proba``/``fit`` get for these rows."""
        return rows if self.column is None else rows[self.column]

    def fitted(self) -> bool:
        try:
            from sklearn.utils.validation import check_is_fitted

            check_is_fitted(self.estimator)
            return True
        except Exception:  # NotFittedError, or not a scikit-learn object at all
            return False

    def fit(self, rows: pd.DataFrame, labels: Sequence[Any]) -> "SklearnModel":
        """Fit on labeled rows (``labels`` aligned with ``rows``); bumps the model version."""
        self.estimator.fit(self.features(rows), list(labels))
        self.fits += 1
        return self

    def predict_proba(self, rows: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.estimator.predict_proba(self.features(rows)), dtype=float)

    @property
    def classes_(self) -> list[str]:
        return [str(c) for c in self.estimator.classes_]

    def __call__(self, rows: pd.DataFrame) -> list[dict[str, float] | None]:
        if not self.fitted():
            return [None] * len(rows)
        proba = self.predict_proba(rows)
        classes = self.classes_
        return [dict(zip(classes, map(float, p))) for p in proba]

    def __repr__(self) -> str:
        return f"SklearnModel({self.estimator!r}, column={self.column!r})"
