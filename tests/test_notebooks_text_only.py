"""Table II end to end from a text-only CUB tree (Reed et al.'s `text_c10`, no authors' speech) with one command,
as a user with the standard text-to-image release runs it: `make reproduce-table2 DATASET=cub DATA_ROOT=...` at
`smoke` voices the captions (s2i_lib.data.voicing), then runs notebooks 00-03 with papermill into a temporary
results folder. The data root is only read, and the voiced captions are found again by the next `prepare`. Oxford-102's
text-only tree takes the same path after its loader: its loader and voicing are tested in test_loaders.py and
test_voicing.py (a second end-to-end run cost ~90 s of CPU in `make test` and tested no other line)."""
from __future__ import annotations

import json
import os
import subprocess

from fixture_trees import make_cub_tree
from s2i_lib.config import REPO_ROOT
from s2i_lib.data import prepare


def printed(notebook) -> str:
    return "".join("".join(o.get("text", "")) for cell in json.loads(notebook.read_text())["cells"]
                   for o in cell.get("outputs", []))


def files(root) -> dict:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_reproduce_table2_runs_end_to_end_on_a_text_only_cub_tree(tmp_path, monkeypatch, capsys,
                                                                  repository_results_untouched):
    tree = make_cub_tree(tmp_path / "cub", n_train_classes=3, n_test_classes=2, images_per_class=3, with_audio=False)
    before = files(tree.root)
    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path / "artifacts"))
    monkeypatch.setenv("S2I_RESULTS", str(tmp_path / "results"))
    done = subprocess.run(["make", "--no-print-directory", "reproduce-table2", "DATASET=cub", "PROFILE=smoke",
                           f"DATA_ROOT={tree.root}"], cwd=REPO_ROOT, env=dict(os.environ), capture_output=True,
                          text=True)
    shown = done.stdout + done.stderr
    assert done.returncode == 0, shown[-3000:]
    assert "150 text captions and no speech: voicing 150 of them" in shown
    assert files(tree.root) == before                                         # the data root only read
    executed = tmp_path / "results" / "cub" / "smoke"
    assert "all checks passed" in printed(executed / "00_data.ipynb")
    assert "checks passed" in printed(executed / "01_encoder.ipynb")
    table = (executed / "table2.md").read_text()
    assert table.startswith("# Table II: cub `smoke`") and "speech: this project's voicing" in table
    assert "| real test images" in table and "one-stage (ours) beats two-stage" in table
    assert len(list((tmp_path / "artifacts" / "cub" / "voiced").glob("*/*.wav"))) == 150

    data = prepare("cub", "smoke", tree.root, workers=1)                 # what the notebooks voiced is found again
    assert "voicing" not in capsys.readouterr().out and data.voiced
    assert len(data.fbanks) == 150 and not data.fbanks.failed
    assert all(len(r.wavs) == 10 and r.caption_file.is_relative_to(tree.root) for r in data.records["test"])
