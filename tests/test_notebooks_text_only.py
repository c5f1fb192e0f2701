"""Table II end to end from a text-only CUB or Oxford tree (Reed et al.'s `text_c10`, no authors' speech) with
one command, as a user with the standard text-to-image release runs it: `make reproduce-table2 DATASET=cub
DATA_ROOT=...` at `smoke` voices the captions (s2i_lib.data.voicing), then runs notebooks 00-03 with papermill
into a temporary results folder. The data root is only read."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from fixture_trees import make_cub_tree, make_oxford_tree
from s2i_lib.config import REPO_ROOT


def printed(notebook) -> str:
    return "".join("".join(o.get("text", "")) for cell in json.loads(notebook.read_text())["cells"]
                   for o in cell.get("outputs", []))


@pytest.mark.parametrize("dataset, make_tree", [("cub", make_cub_tree), ("oxford", make_oxford_tree)])
def test_reproduce_table2_runs_end_to_end_on_a_text_only_tree(tmp_path, dataset, make_tree):
    tree = make_tree(tmp_path / dataset, n_train_classes=3, n_test_classes=2, images_per_class=3, with_audio=False)
    before = {p: p.read_bytes() for p in tree.root.rglob("*") if p.is_file()}
    repository_results = sorted((REPO_ROOT / "results").rglob("*"))
    env = {**os.environ, "S2I_ARTIFACTS": str(tmp_path / "artifacts"), "S2I_RESULTS": str(tmp_path / "results")}
    done = subprocess.run(["make", "--no-print-directory", "reproduce-table2", f"DATASET={dataset}", "PROFILE=smoke",
                           f"DATA_ROOT={tree.root}"], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "150 text captions and no speech: voicing 150 of them" in done.stdout + done.stderr
    assert {p: p.read_bytes() for p in tree.root.rglob("*") if p.is_file()} == before     # the data root only read
    assert sorted((REPO_ROOT / "results").rglob("*")) == repository_results             # nothing written there
    executed = tmp_path / "results" / dataset / "smoke"
    assert "all checks passed" in printed(executed / "00_data.ipynb")
    assert "checks passed" in printed(executed / "01_encoder.ipynb")
    table = (executed / "table2.md").read_text()
    assert table.startswith(f"# Table II: {dataset} `smoke`") and "speech: this project's voicing of its text captions" in table
    assert "| real test images" in table and "one-stage (ours) beats two-stage" in table
    assert len(list((tmp_path / "artifacts" / dataset / "voiced").glob("*/*.wav"))) == 150
