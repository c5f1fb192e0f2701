"""Progress bars: widgets in JupyterLab, plain lines with the time left in a headless (papermill) log."""
from __future__ import annotations

import time

from s2i_lib import progress


def test_log_mode_writes_whole_lines_with_the_time_left(monkeypatch, capsys):
    monkeypatch.setenv("S2I_PROGRESS", "log")
    monkeypatch.setattr(progress, "LOG_INTERVAL", 0.0)
    for _ in progress.tqdm(range(3), desc="stage"):
        time.sleep(0.01)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("stage:   0%") and lines[-1].startswith("stage: 100%")
    assert all("\r" not in line for line in lines) and "<" in lines[1]        # elapsed<remaining
    assert len(lines) >= 3                                                   # updates, not only the first state


def test_log_mode_postfix_waits_for_the_interval(monkeypatch, capsys):
    monkeypatch.setenv("S2I_PROGRESS", "log")
    bar = progress.tqdm(total=1000, desc="gan")
    for i in range(1000):
        bar.update()
        bar.set_postfix(loss=f"{i:.3f}")          # the GAN and classifier loops set a postfix every step
    bar.close()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and lines[-1].startswith("gan: 100%") and "loss=999.000" in lines[-1]


def test_interactive_mode_is_tqdm_auto(monkeypatch):
    monkeypatch.delenv("S2I_PROGRESS", raising=False)
    bar = progress.tqdm(range(2), disable=True)
    assert isinstance(bar, progress._auto)
