"""What every table's run details say alike: the data and the GANs' recorded training times."""
from __future__ import annotations

from collections.abc import Callable

from ..data.prepare import PreparedData
from ..pipeline.measure import SystemResult


def data_details(data: PreparedData) -> str:
    return (f"{data.dataset}, profile {data.profile.name}, data seed {data.seed}, {len(data.records['test'])} "
            f"unseen-class test images")


def training_times(results: dict, label: Callable[[object], str] = str) -> str:
    """Each GAN's training time as recorded in its run (summed over resumed calls), one per result."""
    return "; ".join(f"{label(name)} {result.train_s / 60:.1f} min" for name, result in results.items())


def evaluation_times(results: dict[object, SystemResult], label: Callable[[object], str] = str) -> str:
    return "; ".join(f"{label(name)} {result.evaluate_s:.0f} s" for name, result in results.items())
