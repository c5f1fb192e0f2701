"""Every number with its uncertainty, and a paper's comparative claim read against it.

`Estimate` is a value and one standard error. `bootstrap_error` is the standard deviation of a statistic over
resamples (with replacement) of the test images, the usual error of FID and of accuracies over correlated
items. `read_claim` reads "A is better than B" as held, not held or within noise: the difference counts only
when it exceeds twice the combined standard error (about a 95% two-sided interval for independent errors).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

HELD, NOT_HELD, WITHIN_NOISE = "held", "not held", "within noise"


@dataclass(frozen=True)
class Estimate:
    value: float
    error: float          # one standard error

    def __str__(self) -> str:
        return f"{self.value:.3g} ± {self.error:.2g}"


def bootstrap_error(statistic: Callable[[np.ndarray], float], n: int, reps: int = 20, seed: int = 0) -> float:
    """Std of `statistic(indices)` over `reps` resamples of range(n) with replacement (seeded)."""
    if n < 2 or reps < 2:
        raise ValueError(f"a bootstrap needs n >= 2 items and reps >= 2, got n={n}, reps={reps}")
    rng = np.random.default_rng(seed)
    return float(np.std([statistic(rng.integers(0, n, n)) for _ in range(reps)], ddof=1))


def read_claim(a: Estimate, b: Estimate, lower_is_better: bool, sigmas: float = 2.0) -> str:
    """The claim "a is better than b": held when a beats b by more than `sigmas` combined standard errors,
    not held when b beats a by that much, else within noise."""
    margin = sigmas * math.hypot(a.error, b.error)
    gain = (b.value - a.value) if lower_is_better else (a.value - b.value)
    if gain > margin:
        return HELD
    if gain < -margin:
        return NOT_HELD
    return WITHIN_NOISE


def read_comparable(a: Estimate, b: Estimate, sigmas: float = 2.0) -> str:
    """The claim "a is comparable to b": held when they differ by at most `sigmas` combined standard errors."""
    return HELD if abs(a.value - b.value) <= sigmas * math.hypot(a.error, b.error) else NOT_HELD
