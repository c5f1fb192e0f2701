"""Notebooks 00 and 01 on a real data set's layout: the Places fixture tree (shared scenes, one utterance per
image) at `smoke`, executed headless with papermill as `make reproduce-table2 DATASET=places` does."""
from __future__ import annotations

import json

import papermill
import pytest

from fixture_trees import make_places_tree
from s2i_lib.config import REPO_ROOT


@pytest.mark.parametrize("notebook", ["00_data", "01_encoder"])
def test_notebook_runs_on_the_places_fixture_tree(notebook, tmp_path, monkeypatch):
    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path / "artifacts"))
    tree = make_places_tree(tmp_path / "places")
    out = tmp_path / f"{notebook}.ipynb"
    papermill.execute_notebook(str(REPO_ROOT / "notebooks" / f"{notebook}.ipynb"), str(out),
                               parameters={"dataset": "places", "profile": "smoke", "data_root": str(tree.root)},
                               cwd=str(REPO_ROOT / "notebooks"), progress_bar=False, kernel_name="python3")
    printed = "".join("".join(o.get("text", "")) for cell in json.loads(out.read_text())["cells"]
                      for o in cell.get("outputs", []))
    assert ("all checks passed" if notebook == "00_data" else "checks passed") in printed
    if notebook == "01_encoder":
        assert "train two-stage (transcripts)  (6, 1, " in printed and "test  TSL (speech)             (6, 1, " in printed
