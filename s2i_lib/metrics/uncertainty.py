"""Every number with its uncertainty, and a paper's comparative claim read against it (docs/statistics.md).

`Estimate` is a value and one standard error from one training (its evaluation noise). `bootstrap_error` is the
standard deviation of a statistic over resamples (with replacement) of the test images, the usual error of FID
and of accuracies over correlated items.

A training seed is the unit of replication: `over_seeds` holds one measure of one row over training seeds, its
mean, the between-seed standard error and the evaluation noise carried to the mean. A claim is read on the paired
differences per seed (both systems trained with the same seed):
- "a beats b" (`read_beats`): held when the two-sided 95% interval of the mean difference lies on a's side of 0,
  not held when it lies on b's side, else within noise. With n >= 2 seeds the interval is t-based on the
  between-seed spread of the differences (n - 1 degrees of freedom); with one seed only the evaluation noise
  exists, and the interval is the difference ± 2 combined standard errors (`read_claim`, the single-training
  tables' reading), which knows nothing of retraining: such a reading is provisional.
- "a is comparable to b" (`read_equivalence`): an equivalence claim, tested by two one-sided tests at 5% against
  a margin declared before looking: equivalent when the 90% interval of the difference lies inside
  (-margin, margin), not equivalent when it lies wholly outside, else undetermined.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

HELD, NOT_HELD, WITHIN_NOISE = "held", "not held", "within noise"
EQUIVALENT, NOT_EQUIVALENT, UNDETERMINED = "equivalent", "not equivalent", "undetermined"
PROVISIONAL_BELOW = 3       # a reading on fewer training seeds is printed as provisional


@dataclass(frozen=True)
class Estimate:
    value: float
    error: float          # one standard error

    def __str__(self) -> str:
        return f"{self.value:.3g} ± {self.error:.2g}"

    def shown(self, digits: int = 3) -> str:
        """"value ± error" with `digits` decimals each."""
        return f"{self.value:.{digits}f} ± {self.error:.{digits}f}"


def bootstrap_error(statistic: Callable[[np.ndarray], float], n: int, reps: int = 20, seed: int = 0) -> float:
    """Std of `statistic(indices)` over `reps` resamples of range(n) with replacement (seeded)."""
    if n < 2 or reps < 2:
        raise ValueError(f"a bootstrap needs n >= 2 items and reps >= 2, got n={n}, reps={reps}")
    rng = np.random.default_rng(seed)
    return float(np.std([statistic(rng.integers(0, n, n)) for _ in range(reps)], ddof=1))


@dataclass(frozen=True)
class OverSeeds:
    """One measure over training seeds: each seed's value and the evaluation noise of their mean,
    sqrt(sum e_s^2) / n from each seed's own standard error e_s."""
    values: tuple[float, ...]
    noise: float

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def spread(self) -> float:
        """The between-seed standard error of the mean, std (ddof 1) / sqrt(n); NaN for one seed."""
        return float(np.std(self.values, ddof=1) / math.sqrt(self.n)) if self.n > 1 else float("nan")

    @property
    def error(self) -> float:
        """The error a reading uses: the between-seed standard error, or for one seed the evaluation noise."""
        return self.spread if self.n > 1 else self.noise

    @property
    def provisional(self) -> bool:
        return self.n < PROVISIONAL_BELOW

    def interval(self, confidence: float) -> tuple[float, float]:
        """The two-sided `confidence` interval of the mean: t with n - 1 degrees of freedom on the between-seed
        spread, or for one seed the value ± 2 evaluation standard errors at 95% (the single-training reading;
        the normal quantile at other levels)."""
        if self.n > 1:
            quantile = stats.t.ppf((1 + confidence) / 2, self.n - 1)
        else:
            quantile = 2.0 if confidence == 0.95 else stats.norm.ppf((1 + confidence) / 2)
        return self.mean - quantile * self.error, self.mean + quantile * self.error


def over_seeds(estimates: Sequence[Estimate]) -> OverSeeds:
    """One measure's `Estimate`s, one per training seed, as an `OverSeeds`."""
    if not estimates:
        raise ValueError("no training seed to combine")
    return OverSeeds(tuple(float(e.value) for e in estimates),
                     math.sqrt(sum(e.error ** 2 for e in estimates)) / len(estimates))


def difference(a: Estimate, b: Estimate) -> Estimate:
    """a - b of one training, its evaluation errors combined as independent."""
    return Estimate(a.value - b.value, math.hypot(a.error, b.error))


def read_beats(differences: OverSeeds, lower_is_better: bool) -> str:
    """"a beats b" on the per-seed differences a - b: held / not held when the 95% interval excludes 0."""
    low, high = differences.interval(0.95)
    gain_low, gain_high = (-high, -low) if lower_is_better else (low, high)
    return HELD if gain_low > 0 else NOT_HELD if gain_high < 0 else WITHIN_NOISE


def read_equivalence(differences: OverSeeds, margin: float) -> str:
    """"a is comparable to b" by two one-sided tests at 5% (the 90% interval of the differences a - b) against
    `margin`: equivalent inside (-margin, margin), not equivalent wholly outside it, else undetermined."""
    if not margin > 0:
        raise ValueError(f"an equivalence margin must be positive, got {margin}")
    low, high = differences.interval(0.90)
    if -margin < low and high < margin:
        return EQUIVALENT
    return NOT_EQUIVALENT if low >= margin or high <= -margin else UNDETERMINED


def read_claim(a: Estimate, b: Estimate, lower_is_better: bool) -> str:
    """"a beats b" on one training (`read_beats` of one seed: the difference against 2 combined errors)."""
    return read_beats(over_seeds([difference(a, b)]), lower_is_better)
