"""benchmarks/gpu_check.py (issue 26) runs where only torch is installed: here on the CPU, at `smoke` sizes, with
the audio stack, voices, torchvision and plotting made unimportable, as on the GPU machine."""
from __future__ import annotations

import csv
import subprocess
import sys

from s2i_lib.config import REPO_ROOT

WITHOUT = ("soundfile", "torchaudio", "pocketsphinx", "espeakng_loader", "piper", "torchvision", "PIL", "matplotlib",
           "scipy", "pandas")
RUN = f"""
import runpy, sys
for name in {WITHOUT!r}:
    sys.modules[name] = None
sys.argv = ["gpu_check.py", "--device", "cpu", "--profiles", "smoke", "--iterations", "2", "--out", sys.argv[1]]
runpy.run_path({str(REPO_ROOT / "benchmarks" / "gpu_check.py")!r}, run_name="__main__")
"""


def test_gpu_check_runs_on_torch_alone_and_writes_every_measure(tmp_path):
    out = tmp_path / "gpu_check.csv"
    done = subprocess.run([sys.executable, "-c", RUN, str(out)], capture_output=True, text=True, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = list(csv.DictReader(out.open()))
    measures = {row["measure"]: row for row in rows}
    loops = ("train_gan loop, batches cut on the device", "train_gan loop, batches cut per item on the CPU")
    assert set(measures) == {"bare step", "step FLOPs (fp32)", "faster path", *loops, "two loops at once",
                             "resumed run equals uninterrupted", "train_gan in a one-rank process group"}
    assert [r["path"] for r in rows if r["measure"] == "bare step"] == ["fp32", "bf16 + channels-last"]
    assert all(row["device"].startswith("cpu") and row["profile"] == "smoke" for row in rows)
    assert float(measures["step FLOPs (fp32)"]["value"]) > 0 and all(float(measures[m]["value"]) > 0 for m in loops)
    assert measures["resumed run equals uninterrupted"]["value"] == "True"
    assert measures["train_gan in a one-rank process group"]["value"] == "True"
