"""The notebooks on a real data set's layout: the Places fixture tree (shared scenes, one utterance per image) at
`smoke`, run headless as a user runs them, in one artifacts folder: notebooks 00 and 01 with papermill (the first
half of `make reproduce-table2 DATASET=places`), then Table III end to end through its make target, `make
reproduce-table3 DATASET=places DATA_ROOT=...` (notebook 04_table3_places trains every encoder and GAN it needs:
here it reuses the data and the encoders 00 and 01 made, as a user's second command does). The executed notebooks
and the table go to a temporary results folder (`S2I_RESULTS`)."""
from __future__ import annotations

import json
import os
import subprocess

import papermill

from fixture_trees import make_places_tree
from s2i_lib.config import REPO_ROOT


def printed(notebook) -> str:
    return "".join("".join(o.get("text", "")) for cell in json.loads(notebook.read_text())["cells"]
                   for o in cell.get("outputs", []))


def test_notebooks_and_table3_run_end_to_end_on_the_places_fixture_tree(tmp_path, monkeypatch,
                                                                        repository_results_untouched):
    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path / "artifacts"))
    monkeypatch.setenv("S2I_RESULTS", str(tmp_path / "results"))
    tree = make_places_tree(tmp_path / "places", images_per_class=3)      # 9 train images: one smoke GAN batch
    for notebook, check in (("00_data", "all checks passed"), ("01_encoder", "checks passed")):
        out = tmp_path / f"{notebook}.ipynb"
        papermill.execute_notebook(str(REPO_ROOT / "notebooks" / f"{notebook}.ipynb"), str(out),
                                   parameters={"dataset": "places", "profile": "smoke", "data_root": str(tree.root)},
                                   cwd=str(REPO_ROOT / "notebooks"), progress_bar=False, kernel_name="python3")
        assert check in printed(out), notebook
    shown = printed(tmp_path / "01_encoder.ipynb")
    assert "train two-stage (transcripts)  (9, 1, " in shown and "test  TSL (speech)             (9, 1, " in shown

    done = subprocess.run(["make", "--no-print-directory", "reproduce-table3", "DATASET=places", "PROFILE=smoke",
                           f"DATA_ROOT={tree.root}"], cwd=REPO_ROOT, env=dict(os.environ), capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    executed = tmp_path / "results" / "places" / "smoke"
    assert "checks passed" in printed(executed / "04_table3_places.ipynb")
    table = (executed / "table3.md").read_text()
    assert "| 83.06 |" in table and "| 64.59 |" in table and "| 232.39 |" in table     # the paper's FID, cited
    assert "two-stage beats ours" in table and "ours beats classifier-based" in table and "stand-in" not in table
