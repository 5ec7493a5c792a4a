"""Active learning: which item to label next, and a simulation to compare strategies.

Every strategy is a plain function ``probs -> order``: ``probs`` is an (items × labels) array of
class probabilities, the answer an integer index array, most informative item first. Each costs
O(n·k) to score plus one O(n log n) sort, so re-ranking 100,000 items takes milliseconds. Rows
that are all NaN (no prediction yet) go last, in item order. Ties keep item order (stable sort),
so an order is reproducible.

``learning_curve`` replays the labeling loop with the true labels as the oracle, so a class can
compare strategies in seconds (the shape of Settles 2009, fig. 3). scikit-learn and matplotlib are
optional (``pip install nblabel[ml]``); the strategies need only numpy.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

import numpy as np
import pandas as pd

Strategy = Callable[[np.ndarray], np.ndarray]

__all__ = [
    "least_confidence",
    "margin",
    "entropy",
    "random",
    "sequential",
    "get_strategy",
    "STRATEGIES",
    "learning_curve",
    "plot_learning_curve",
]


def _as_probs(probs: Any) -> np.ndarray:
    p = np.asarray(probs, dtype=float)
    if p.ndim == 1:  # one score per item: the top class's probability
        p = p[:, None]
    if p.ndim != 2:
        raise ValueError(f"probabilities must be an (items × labels) array, got shape {p.shape}")
    return p


def _rank(uncertainty: np.ndarray) -> np.ndarray:
    """Most uncertain first; NaN (no prediction) last; ties in item order."""
    u = np.where(np.isnan(uncertainty), -np.inf, uncertainty)
    return np.argsort(-u, kind="stable")


def least_confidence(probs: Any) -> np.ndarray:
    """Items whose top label is least probable first (uncertainty = 1 − max p)."""
    p = _as_probs(probs)
    if p.shape[0] == 0:
        return np.empty(0, dtype=np.intp)
    missing = np.isnan(p).all(axis=1)
    top = np.nan_to_num(p, nan=-np.inf).max(axis=1) if p.shape[1] else np.full(len(p), np.nan)
    return _rank(np.where(missing, np.nan, 1.0 - top))


def margin(probs: Any) -> np.ndarray:
    """Items whose two most probable labels are closest first (margin = p₁ − p₂, smallest first).

    With one column (a score only) the second label is assumed to hold the rest, 1 − p.
    """
    p = _as_probs(probs)
    n, k = p.shape
    if n == 0:
        return np.empty(0, dtype=np.intp)
    missing = np.isnan(p).all(axis=1)
    q = np.nan_to_num(p, nan=0.0)
    if k == 1:
        m = np.abs(2 * q[:, 0] - 1)
    else:
        top2 = np.partition(q, k - 2, axis=1)[:, -2:]  # O(n·k), not a full sort per row
        m = top2[:, 1] - top2[:, 0]
    m = np.where(missing, np.nan, m)
    return _rank(-m)


def entropy(probs: Any) -> np.ndarray:
    """Items whose label distribution has the highest entropy first."""
    p = _as_probs(probs)
    n, k = p.shape
    if n == 0:
        return np.empty(0, dtype=np.intp)
    missing = np.isnan(p).all(axis=1)
    q = np.nan_to_num(p, nan=0.0)
    if k == 1:
        q = np.column_stack([q[:, 0], 1 - q[:, 0]])
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(q > 0, q * np.log(q), 0.0).sum(axis=1)
    return _rank(np.where(missing, np.nan, h))


def random(probs: Any, *, seed: int | np.random.Generator | None = None) -> np.ndarray:
    """A random order (the baseline every strategy is compared with)."""
    n = _as_probs(probs).shape[0]
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return rng.permutation(n).astype(np.intp)


def sequential(probs: Any) -> np.ndarray:
    """Item order (what a labeler does without a model)."""
    return np.arange(_as_probs(probs).shape[0], dtype=np.intp)


STRATEGIES: dict[str, Strategy] = {
    "least_confidence": least_confidence,
    "margin": margin,
    "entropy": entropy,
    "random": random,
    "sequential": sequential,
}


def get_strategy(order: str | Strategy) -> Strategy:
    """A strategy by name (``"margin"``, …) or any callable ``probs -> order``."""
    if callable(order):
        return order
    try:
        return STRATEGIES[order]
    except KeyError:
        raise ValueError(
            f"unknown order {order!r}: use one of {', '.join(STRATEGIES)} or a callable probs -> order"
        ) from None


def check_order(order: Any, n: int) -> np.ndarray:
    """A strategy's answer as an index array over ``n`` items; a clear error when it is not one."""
    idx = np.asarray(order)
    if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"an order must be a 1-d integer index array, got dtype {idx.dtype} and shape {idx.shape}")
    if len(idx) != n or (n and (idx.min() < 0 or idx.max() >= n)) or len(np.unique(idx)) != n:
        raise ValueError(f"an order must be a permutation of the {n} items (each index 0..{n - 1} once)")
    return idx.astype(np.intp, copy=False)


# ---- simulation -------------------------------------------------------------------------------


def _fresh(model: Any) -> Any:
    if callable(model) and not hasattr(model, "fit"):
        return model()  # a factory
    from sklearn.base import clone

    return clone(model)


def _seed_labels(y: np.ndarray, initial: int, rng: np.random.Generator) -> list[int]:
    """``initial`` random pool items, one per class first (as many classes as fit)."""
    picked: list[int] = []
    classes = rng.permutation(np.unique(y))
    for c in classes[:initial]:
        picked.append(int(rng.choice(np.flatnonzero(y == c))))
    rest = np.setdiff1d(np.arange(len(y)), picked)
    extra = initial - len(picked)
    if extra > 0:
        picked.extend(int(i) for i in rng.choice(rest, size=extra, replace=False))
    return picked


def learning_curve(
    X: Any,
    y: Any,
    model: Any,
    strategies: Sequence[str | Strategy] = ("margin", "random"),
    budget: int = 100,
    step: int = 10,
    initial: int = 10,
    seeds: Iterable[int] = (0, 1, 2),
    X_test: Any = None,
    y_test: Any = None,
    *,
    batch: int = 1,
) -> pd.DataFrame:
    """Simulate labeling with each strategy, the true labels as the oracle.

    From ``initial`` random labels (one per class first), the model is refit after every
    ``batch`` queried labels and asked which pool items to label next; accuracy on the test set is
    recorded at ``initial`` labels and every ``step`` labels up to ``budget``. Without ``X_test``
    a stratified 70/30 split of ``X, y`` (per seed) makes the pool and the test set. ``model`` is
    an unfitted scikit-learn classifier (cloned per run) or a factory returning a fresh one.
    Returns a DataFrame with columns ``strategy, seed, labels, accuracy``.
    """
    from sklearn.model_selection import train_test_split

    X = np.asarray(X) if not hasattr(X, "shape") else X
    y = np.asarray(y)
    rows = []
    for seed in seeds:
        if X_test is None:
            pool_X, test_X, pool_y, test_y = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
        else:
            pool_X, pool_y, test_X, test_y = X, y, X_test, np.asarray(y_test)
        start = _seed_labels(pool_y, initial, np.random.default_rng(seed))
        for strat in strategies:
            name = strat if isinstance(strat, str) else getattr(strat, "__name__", "custom")
            rng = np.random.default_rng(seed + 1_000_003)
            fn = get_strategy(strat)
            labeled = list(start)
            mask = np.zeros(len(pool_y), dtype=bool)
            mask[labeled] = True
            clf = _fresh(model).fit(pool_X[labeled], pool_y[labeled])
            rows.append((name, seed, len(labeled), float(clf.score(test_X, test_y))))
            while len(labeled) < budget and not mask.all():
                open_idx = np.flatnonzero(~mask)
                if fn is random:
                    order = random(np.empty((len(open_idx), 0)), seed=rng)
                else:
                    order = check_order(fn(clf.predict_proba(pool_X[open_idx])), len(open_idx))
                take = open_idx[order[: min(batch, budget - len(labeled))]]
                labeled.extend(int(i) for i in take)
                mask[take] = True
                clf = _fresh(model).fit(pool_X[labeled], pool_y[labeled])
                n = len(labeled)
                if (n - initial) % step == 0 or n == budget:
                    rows.append((name, seed, n, float(clf.score(test_X, test_y))))
    return pd.DataFrame(rows, columns=["strategy", "seed", "labels", "accuracy"])


def plot_learning_curve(frame: pd.DataFrame, ax: Any = None, *, title: str | None = None) -> Any:
    """Mean accuracy per strategy against labels, with a band from min to max over seeds."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for name, part in frame.groupby("strategy", sort=False):
        g = part.groupby("labels")["accuracy"]
        mean, lo, hi = g.mean(), g.min(), g.max()
        (line,) = ax.plot(mean.index, mean.values, marker="o", ms=3, label=f"{name} (n={part['seed'].nunique()} seeds)")
        ax.fill_between(mean.index, lo.values, hi.values, color=line.get_color(), alpha=0.2)
    ax.set_xlabel("labels")
    ax.set_ylabel("test accuracy")
    ax.set_title(title or "accuracy vs labels (mean, band = min–max over seeds)")
    ax.grid(alpha=0.3)
    ax.legend()
    return ax
