"""Models in the loop: the model contract, scikit-learn adapter, Label Studio ML backends.

See docs/models.md. ``as_model`` turns what a user passes as ``predict=`` into a model callable.
"""

from __future__ import annotations

from typing import Any, Sequence

from .contract import (
    Prediction,
    PredictionError,
    PredictFn,
    model_version_of,
    normalize,
    normalize_batch,
    target_control,
)
from .backend import MLBackend, MLBackendError, ModelServer, serve_model
from .sklearn import SklearnModel


def as_model(obj: Any, columns: Sequence[Any] = ()) -> Any:
    """A model callable for ``obj``: a callable as is; an estimator with ``predict_proba`` wrapped in
    :class:`SklearnModel` on the config's one mapped column (``columns``)."""
    if isinstance(obj, SklearnModel):
        return obj
    if hasattr(obj, "predict_proba") and hasattr(obj, "fit"):
        cols = list(dict.fromkeys(columns))
        if len(cols) != 1:
            raise ValueError(
                f"the config reads {len(cols)} columns ({cols}); wrap the estimator as "
                "nblabel.SklearnModel(estimator, column=...) to say which one it gets"
            )
        return SklearnModel(obj, column=cols[0])
    if callable(obj):
        return obj
    raise TypeError(
        f"a model must be a callable rows -> predictions or an estimator with predict_proba, got {type(obj).__name__}"
    )


__all__ = [
    "MLBackend",
    "MLBackendError",
    "ModelServer",
    "serve_model",
    "Prediction",
    "PredictionError",
    "PredictFn",
    "SklearnModel",
    "as_model",
    "model_version_of",
    "normalize",
    "normalize_batch",
    "target_control",
]
