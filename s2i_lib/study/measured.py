"""What every table of GANs shares: its measured form (`Measured`), the run details that read alike (the data,
the GANs' times) and the test images its figure shows."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..data.prepare import PreparedData
from ..pipeline.measure import SystemResult
from ..report import Table


@dataclass
class Measured:
    """A table of GANs as measured: the table, each request's result (name -> `SystemResult`), each row's
    measures and the real test images' reference."""
    table: Table
    results: dict
    measures: dict
    real: dict


def data_details(data: PreparedData) -> str:
    return (f"{data.dataset}, profile {data.profile.name}, data seed {data.seed}, {len(data.records['test'])} "
            f"unseen-class test images")


def gan_times(results: dict[object, SystemResult], label: Callable[[object], str] = str,
              evaluation: bool = False) -> str:
    """Each GAN's training time, precision and training record (`Run.trained_by`: which training of its key this
    table used) as recorded in its run, or with `evaluation` the seconds this call spent evaluating it, one per
    result."""
    return "; ".join(f"{label(name)} {r.evaluate_s:.0f} s" if evaluation else
                     f"{label(name)} {r.train_s / 60:.1f} min ({r.precision}; {r.gan.run.trained_by()})"
                     for name, r in results.items())


def shown_images(data: PreparedData, shown: int = 6) -> np.ndarray:
    """Indices of `shown` test images spread evenly over the test split (a table's figure rows)."""
    n = len(data.records["test"])
    return np.linspace(0, n - 1, min(shown, n)).astype(int)
