"""One writer per keyed run (issue: two `gan --iterations 18` on one run left `done.json` at 18 iterations over a
6-iteration `last.pt`): a second process waits for the first and reuses what it finished; a finished run is read
without the lock; a GAN whose finish mark and checkpoint disagree is refused by name."""
from __future__ import annotations

import multiprocessing
import signal
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from s2i_lib import checkpoint
from s2i_lib.checkpoint import save_checkpoint
from s2i_lib.pipeline import runs
from s2i_lib.pipeline.gan import finished_checkpoint
from s2i_lib.pipeline.runs import Run

CONFIG = {"data": "fixture", "epochs": 2}


def _deadlocked(*args):
    raise TimeoutError("still waiting for a run's lock")


def _compute_slowly(root: Path, started, trying, calls: Path) -> None:
    def compute() -> dict:
        started.set()
        trying.wait(60)             # the 1.5 s hold starts once the second writer is about to ask for the lock
        time.sleep(1.5)
        with open(calls, "a") as f:
            f.write("first\n")
        return {"value": 1}
    Run("scorer", "x", CONFIG, root).computed("state.pt", compute)


def _made_slowly(root: Path, started, trying, calls: Path) -> None:
    def work(folder: Path) -> int:
        started.set()
        trying.wait(60)             # the 1.5 s hold starts once the second writer is about to ask for the lock
        time.sleep(1.5)
        with open(calls, "a") as f:
            f.write("first\n")
        (folder / "steps").write_text("3")
        return 3
    Run("gan", "x", CONFIG, root).made(work, lambda steps: {"iterations": steps} if steps == 3 else None)


@pytest.mark.parametrize("writer", [_compute_slowly, _made_slowly])
def test_a_second_writer_waits_for_the_first_and_reuses_its_run(tmp_path, capfd, writer):
    calls = tmp_path / "calls.txt"
    spawn = multiprocessing.get_context("spawn")        # a fork of a process that ran torch's threads can hang
    started, trying = spawn.Event(), spawn.Event()
    first = spawn.Process(target=writer, args=(tmp_path, started, trying, calls))
    first.start()
    assert started.wait(60)
    previous = signal.signal(signal.SIGALRM, _deadlocked)
    signal.alarm(60)                                    # a writer that never lets go fails the test, not CI
    trying.set()
    if writer is _compute_slowly:
        state = Run("scorer", "x", CONFIG, tmp_path).computed("state.pt", lambda: {"value": 2})
        assert state == {"value": 1}                          # the first writer's state, not computed twice
    else:
        def resume(folder: Path) -> int:                       # a resumable stage finds the work done
            with open(calls, "a") as f:
                f.write(f"second saw {(folder / 'steps').read_text()}\n")
            return int((folder / "steps").read_text())
        assert Run("gan", "x", CONFIG, tmp_path).made(resume, lambda s: {"iterations": s}) == 3
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)
    first.join(30)
    assert first.exitcode == 0
    assert calls.read_text() == ("first\n" if writer is _compute_slowly else "first\nsecond saw 3\n")
    assert "waiting for process" in capfd.readouterr().out                  # the second said whom it waited for


def test_a_finished_run_is_read_without_its_lock(tmp_path, monkeypatch):
    run = Run("scorer", "x", CONFIG, tmp_path)
    run.computed("state.pt", lambda: {"value": 1})
    run.made(lambda folder: 1)

    def refuse(*args, **kwargs):
        raise OSError("read-only file system")
    monkeypatch.setattr(runs, "folder_lock", refuse)        # as on a read-only artifacts folder
    monkeypatch.setattr(checkpoint, "folder_lock", refuse)
    assert run.computed("state.pt", lambda: {"value": 2}) == {"value": 1}
    assert run.made(lambda folder: 7) == 7
    assert run.summary == {}


def test_a_gan_whose_finish_mark_and_checkpoint_disagree_is_refused(tmp_path):
    run = Run("gan", "x", CONFIG, tmp_path)
    save_checkpoint(run.open() / "last.pt", {"iteration": 6})
    run.finish({"iterations": 18})
    gan = SimpleNamespace(run=run, checkpoint=run.folder / "last.pt")
    with pytest.raises(RuntimeError, match=r"done\.json records .*18.* last\.pt is at iteration 6; delete .*done\.json"):
        finished_checkpoint(gan)
    run.finish({"iterations": 6})
    assert finished_checkpoint(gan) == {"iteration": 6}


def test_a_stage_may_make_part_of_its_own_run_inside_it(tmp_path):
    """The fine-tuned teacher is made (`made`) inside the making of its own run's features: no self-deadlock."""
    previous = signal.signal(signal.SIGALRM, _deadlocked)      # a deadlock fails the test instead of hanging it
    signal.alarm(20)
    try:
        run = Run("teacher", "x", CONFIG, tmp_path)
        inner = lambda folder: run.made(lambda f: (f / "net").write_text("weights") and "net", lambda net: None)
        assert run.made(inner, lambda net: {"net": net}) == "net"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert run.summary == {"net": "net"} and not runs._WRITING


def test_a_finished_run_records_which_training_it_was(tmp_path):
    """Two trainings of one key are replicates: the record tells them apart (weights hash, machine, time); the
    training time a checkpoint records (and the step times a GAN chose its precision on) does not enter the hash,
    so bit-identical weights get one hash."""
    from s2i_lib.report import machine

    runs_by_name = {name: Run("gan", "x", CONFIG, tmp_path / name) for name in ("a", "b", "same")}
    for name, value, seconds in (("a", 1.0, 10.0), ("b", 2.0, 10.0), ("same", 1.0, 99.0)):
        weights = {"w": torch.full((2, 3), value), "history": [{"loss": value}]}
        save_checkpoint(runs_by_name[name].open() / "last.pt", {"model": weights, "train_seconds": seconds,
                                                               "precision_seconds": {"float32": seconds / 100}})
        runs_by_name[name].finish({"iterations": 3})
    first, second, same = runs_by_name.values()
    assert first.key == second.key and first.summary == second.summary == {"iterations": 3}
    assert first.record["weights"] != second.record["weights"]
    assert first.record["weights"] == same.record["weights"]
    assert first.record["machine"] == machine() and first.record["torch"]
    assert first.trained_by().startswith(f"weights {first.record['weights']}, {machine()}, torch ")
    older = Run("gan", "x", CONFIG, tmp_path / "older")
    (older.open() / "done.json").write_text('{"record": {"products": "0123456789ab", "machine": "m", "torch": "t", '
                                            '"finished": "f"}}')
    assert older.trained_by() == "file bytes 0123456789ab, m, torch t, f"
    legacy = Run("gan", "x", CONFIG, tmp_path / "c")
    (legacy.open() / "done.json").write_text('{"iterations": 3}')
    assert legacy.record is None and legacy.trained_by().startswith("training not recorded")


def _lock_in_a_worker(folder: str) -> str:
    try:
        with checkpoint.folder_lock(folder, "run"):
            return "took the lock"
    except RuntimeError as e:
        return str(e)


def test_a_worker_whose_parent_holds_the_lock_is_told_at_once(tmp_path):
    """A script without a main guard: its 'spawn' workers run it again from the top, reach a run its parent is
    computing and would wait forever for the parent, which waits for them."""
    with checkpoint.folder_lock(tmp_path, "run"), multiprocessing.get_context("spawn").Pool(1) as pool:
        said = pool.apply_async(_lock_in_a_worker, (str(tmp_path),)).get(timeout=60)
    assert "held by this worker's parent (process" in said and 'if __name__ == "__main__":' in said
    with multiprocessing.get_context("spawn").Pool(1) as pool:                 # free again: a worker takes it
        assert pool.apply(_lock_in_a_worker, (str(tmp_path),)) == "took the lock"
