"""Kernel Inception Distance (Bińkowski et al., "Demystifying MMD GANs", ICLR 2018).

Unbiased MMD^2 with the cubic polynomial kernel k(x, y) = (x.y / d + 1)^3 on Inception pool3 features, averaged
over random subsets as in torch-fidelity and clean-fid; reported with its std and the numbers of images used.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class KIDResult:
    mean: float
    std: float
    n_real: int
    n_fake: int
    subset_size: int
    subsets: int


def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """k(x, y) = (x.y / d + 1)^3 for all pairs of rows."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD^2 between equal-sized samples x, y (m, d): the diagonals of K_xx and K_yy are left out."""
    m = x.shape[0]
    if m < 2 or y.shape[0] != m:
        raise ValueError(f"need two samples of the same size >= 2, got {x.shape[0]} and {y.shape[0]}")
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within - 2.0 * k_xy.sum() / m ** 2)


def kid(real: np.ndarray, fake: np.ndarray, subsets: int = 100, subset_size: int = 1000,
        seed: int = 0) -> KIDResult:
    """Mean and std of unbiased MMD^2 over `subsets` random subsets of min(subset_size, N_real, N_fake) rows
    from each set, drawn without replacement with a fixed seed."""
    real, fake = np.asarray(real, dtype=np.float64), np.asarray(fake, dtype=np.float64)
    m = min(subset_size, len(real), len(fake))
    rng = np.random.default_rng(seed)
    scores = [mmd2_unbiased(real[rng.choice(len(real), m, replace=False)],
                            fake[rng.choice(len(fake), m, replace=False)]) for _ in range(subsets)]
    return KIDResult(float(np.mean(scores)), float(np.std(scores)), len(real), len(fake), m, subsets)
