"""Atomic checkpoints, the random-number state that lets a resumed run continue the same run, one lock per
artifacts folder, and a stop on request (SIGINT / SIGTERM) at a point where a run can be saved.

A checkpoint is written to a temporary file of the writing process (`.<name>.<pid>.tmp`) and renamed into
place, so a kill never leaves half a checkpoint; `load_checkpoint` deletes the temporary files of processes
that no longer run, and names the file and the fix when what it finds is damaged (`CorruptFileError`).
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import multiprocessing
import os
import pickle
import random
import shutil
import signal
import threading
import zipfile
from pathlib import Path

import numpy as np
import torch


TRAIN_SECONDS = "train_seconds"     # a training checkpoint's wall-clock seconds in its loop, summed over resumed calls
PRECISION_SECONDS = "precision_seconds"   # a GAN checkpoint's seconds per step of each precision it chose between


class CorruptFileError(RuntimeError):
    """A checkpoint or cache file exists but cannot be read (truncated, empty, overwritten)."""


class StoppedOnRequest(KeyboardInterrupt):
    """A long loop was asked to stop (Ctrl-C, or `kill` = SIGTERM) and stopped after saving what it had done; the
    message says where, and that the same command resumes it."""


class DiskFullError(OSError):
    """A file could not be written because its disk is full; the message names it, the free space and the fix."""


@contextlib.contextmanager
def disk_space_for(path: Path, what: str = "file"):
    """Turn a full disk while writing `path` (OSError ENOSPC, or torch's "PytorchStreamWriter failed writing")
    into a `DiskFullError` that says what was being written where, what the disk has left and that a rerun
    resumes; the partial temporary file is removed."""
    try:
        yield
    except (OSError, RuntimeError) as e:
        full = getattr(e, "errno", None) == errno.ENOSPC or "PytorchStreamWriter failed writing" in str(e)
        if not full:
            raise
        partial = sum(t.stat().st_size for t in path.parent.glob(f".{path.name}.*.tmp"))
        for tmp in path.parent.glob(f".{path.name}.{os.getpid()}.tmp"):
            tmp.unlink(missing_ok=True)
        existing = next(folder for folder in (path, *path.parents) if folder.exists())
        free = shutil.disk_usage(existing).free
        raise DiskFullError(errno.ENOSPC, f"the disk is full: {what} {path} could not be written ({free / 1e6:.0f} "
                            f"MB free there, {partial / 1e6:.0f} MB of it written); free space, or set "
                            "S2I_ARTIFACTS to a larger disk, and run again: the work resumes from what was "
                            "saved") from None


def save_checkpoint(path: str | Path, state: dict) -> None:
    """`torch.save` to a temporary file in the same folder, then rename: a kill never leaves half a checkpoint,
    and a full disk is a `DiskFullError` naming the file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with disk_space_for(path, "checkpoint"):
        torch.save(state, tmp)
        os.replace(tmp, path)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temp_files(path: Path) -> list[Path]:
    """Delete `.<name>.<pid>.tmp` files beside `path` left by processes that no longer run; returns them."""
    removed = []
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        pid = tmp.name[len(path.name) + 2:-len(".tmp")]
        if pid.isdigit() and not pid_alive(int(pid)):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu", fix: str = "") -> dict | None:
    """The checkpoint at `path`, or None when there is none yet. A file that cannot be read raises
    `CorruptFileError` naming it and the fix (`fix`, else: delete it so that it is made again)."""
    path = Path(path)
    if path.parent.exists():
        remove_stale_temp_files(path)
    if not path.exists():
        return None
    try:
        state = torch.load(path, map_location=map_location, weights_only=False)
    except (RuntimeError, EOFError, OSError, ValueError, pickle.UnpicklingError, zipfile.BadZipFile) as e:
        reason = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else 'no detail'}"
        raise CorruptFileError(f"{path} is damaged and cannot be read ({reason}); "
                               f"{fix or 'delete it and rerun: it is made again'}") from None
    if not isinstance(state, dict):
        raise CorruptFileError(f"{path} does not hold a checkpoint; {fix or 'delete it and rerun'}")
    return state


def recorded_train_seconds(state: dict) -> float:
    """A training checkpoint's total training time in seconds (`TRAIN_SECONDS`); nan for a run from before it was
    recorded."""
    return state.get(TRAIN_SECONDS, float("nan"))


def rng_state() -> dict:
    return {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None}


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    if state["cuda"] is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def seeded(call, seed: int):
    """call() with torch's CPU generator seeded by `seed` for its random draws, then restored."""
    state = torch.get_rng_state()
    torch.default_generator.manual_seed(seed)
    try:
        return call()
    finally:
        torch.set_rng_state(state)


@contextlib.contextmanager
def folder_lock(folder: str | Path, what: str = "run", wait: bool = True):
    """Hold `<folder>/.lock` (an advisory lock, released when the process ends, even by a kill) for the block.
    A second process waits, saying so once, or with `wait=False` gets a RuntimeError that says who holds it; a
    worker whose parent holds it gets a RuntimeError at once (it would wait forever: the parent waits for it)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            if holder == f"process {os.getppid()}" and multiprocessing.parent_process() is not None:
                raise RuntimeError(f"{folder} is held by this worker's parent ({holder}), which waits for its workers: "
                                   "a worker started by 'spawn' ran the parent's script again from the top; put the "
                                   "script's work under `if __name__ == \"__main__\":`") from None
            if not wait:
                raise RuntimeError(f"{folder} is in use by {holder}; wait for it to finish or stop it") from None
            print(f"waiting for {holder}, which holds {folder / '.lock'} ({what})", flush=True)
            fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        f.truncate()
        f.write(f"process {os.getpid()}")
        f.flush()
        try:
            yield
        finally:
            f.seek(0)
            f.truncate()
            fcntl.flock(f, fcntl.LOCK_UN)


class StopRequests:
    """Whether a stop was asked for (`requested`: the signal's name, or "") while `stop_requests` is active."""
    requested = ""


@contextlib.contextmanager
def stop_requests(enabled: bool = True):
    """Within the block, a first SIGINT or SIGTERM only sets `requested` on the yielded `StopRequests`, so a loop
    can finish its step, save and raise `StoppedOnRequest`; a second one stops at once, as it would without the
    block. Off (requests never set) when not `enabled` or outside the main thread, where handlers cannot be set."""
    stops = StopRequests()
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield stops
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def ask(signum, frame):
        if stops.requested:                      # asked twice: the usual behaviour
            signal.signal(signum, previous[signum] or signal.SIG_DFL)
            signal.raise_signal(signum)
        stops.requested = signal.Signals(signum).name
        print(f"\n{stops.requested}: stopping after this step, once it is saved (send it again to stop at once)",
              flush=True)
    for sig in previous:
        signal.signal(sig, ask)
    try:
        yield stops
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler or signal.SIG_DFL)
