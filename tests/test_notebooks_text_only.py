"""Table II end to end from a text-only CUB or Oxford tree (Reed et al.'s `text_c10`, no authors' speech) with
one command, as a user with the standard text-to-image release runs it: `make reproduce-table2 DATASET=cub
DATA_ROOT=...` at `smoke` voices the captions (s2i_lib.data.voicing), then runs notebooks 00-03 with papermill
into a temporary results folder. The data root is only read. Both data sets run at once, one thread each, so the
two cores are used without two thread pools on either."""
from __future__ import annotations

import json
import os
import subprocess

from fixture_trees import make_cub_tree, make_oxford_tree
from s2i_lib.config import REPO_ROOT

TREES = {"cub": make_cub_tree, "oxford": make_oxford_tree}


def printed(notebook) -> str:
    return "".join("".join(o.get("text", "")) for cell in json.loads(notebook.read_text())["cells"]
                   for o in cell.get("outputs", []))


def files(root) -> dict:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_reproduce_table2_runs_end_to_end_on_text_only_cub_and_oxford_trees(tmp_path, repository_results_untouched):
    trees = {name: make(tmp_path / name, n_train_classes=3, n_test_classes=2, images_per_class=3, with_audio=False)
             for name, make in TREES.items()}
    before = {name: files(tree.root) for name, tree in trees.items()}
    env = {**os.environ, "S2I_ARTIFACTS": str(tmp_path / "artifacts"), "S2I_RESULTS": str(tmp_path / "results"),
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    runs = {name: subprocess.Popen(["make", "--no-print-directory", "reproduce-table2", f"DATASET={name}",
                                    "PROFILE=smoke", f"DATA_ROOT={tree.root}"], cwd=REPO_ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for name, tree in trees.items()}
    printed_by = {name: run.communicate()[0] for name, run in runs.items()}
    for name, tree in trees.items():
        assert runs[name].returncode == 0, printed_by[name][-3000:]
        assert "150 text captions and no speech: voicing 150 of them" in printed_by[name]
        assert files(tree.root) == before[name]                                  # the data root only read
        executed = tmp_path / "results" / name / "smoke"
        assert "all checks passed" in printed(executed / "00_data.ipynb")
        assert "checks passed" in printed(executed / "01_encoder.ipynb")
        table = (executed / "table2.md").read_text()
        assert table.startswith(f"# Table II: {name} `smoke`") and "speech: this project's voicing" in table
        assert "| real test images" in table and "one-stage (ours) beats two-stage" in table
        assert len(list((tmp_path / "artifacts" / name / "voiced").glob("*/*.wav"))) == 150
