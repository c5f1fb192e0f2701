"""What the test session shares (`make test`: the unit tests and the notebooks' nbval replay in one pytest run,
one process per core with pytest-xdist):

- each such process, and whatever it starts (kernels, make, papermill, workers), uses one thread: two thread
  pools on two cores slow torch many times over;
- a notebook cell's outputs may arrive late on a loaded machine: nbval waits 60 s for them, not its 5;
- `repository_results_untouched`: a test that must write nothing into the repository's `results/` checks it,
  leaving out `results/birds/smoke`, which the notebooks' replay beside it writes.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    import torch

    torch.set_num_threads(1)


def pytest_collection_modifyitems(items):
    for item in items:
        if hasattr(item, "output_timeout"):          # nbval's cells
            item.output_timeout = 60


RESULTS = Path(__file__).resolve().parent / "results"
REPLAYED = RESULTS / "birds" / "smoke"


@pytest.fixture
def repository_results_untouched():
    def listing() -> list[Path]:
        return sorted(p for p in RESULTS.rglob("*") if not p.is_relative_to(REPLAYED))
    before = listing()
    yield
    assert listing() == before, "a test wrote into the repository's results/"
