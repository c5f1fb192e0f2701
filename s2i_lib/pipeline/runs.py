"""Run identity: every stage output lives in a folder named by a hash of everything that determines it.

A run's config is a JSON-able dict holding the data identity (data set, profile, data seed, root and sizes),
the stage's full settings (loss terms and weights, epochs, widths, branches, iterations ...), the training
seed, and the keys of the runs it reads (a GAN's config holds the key of its embeddings, which holds the
key of its encoder, which holds the key of its teacher features) and its kind's code version (`VERSIONS`). The
key is the first 12 hex digits of the SHA-256 of that config written canonically, so the same request finds the
same folder (reused when finished, resumed when not) and any difference gives a new folder: a run is never
reloaded under another config.

Layout: `<data artifacts>/runs/<kind>/<name>-<key>/config.json` (the resolved config, readable), the stage's
files, and `done.json` once the run finished (with a short summary and the record of what the run really was:
a hash of what its `.pt` files hold, its recorded training time left out, the machine, the torch version and when
it finished; a key names a configuration, and two trainings of one key on two machines are replicates with
different hashes). `list_runs` / `python -m s2i_lib runs` show what exists.

A run's life: `open` (the folder and its config), the stage's work, `finish`; stages never call these
themselves but go through one of three helpers. A run made in steps (an encoder's epochs, a GAN's snapshots,
recordings, transcripts) goes through `made`: its work resumes from what an interrupted call left in the folder,
and the run is finished when the work says it is complete. A run that makes one state file goes through
`computed`: reused when finished, made again when not or when its file is damaged (said on the console), then
saved and finished; `stored` reads such a file back; `measured` is `computed` for a run whose state is named
estimates (an evaluation, a retrieval).

One writer at a time: `made` and `computed` hold the run folder's lock (`checkpoint.folder_lock`) while they work
on an unfinished run. A second process asking for the same run waits (saying who holds it), then reuses what the
first finished; reading a finished run takes no lock, so a read-only artifacts folder can be read. Under torchrun
only rank 0 takes it (the other ranks train with rank 0, which writes the files).
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, TypeVar

import numpy as np
import torch
import torch.distributed as dist

from ..checkpoint import (PRECISION_SECONDS, TRAIN_SECONDS, CorruptFileError, folder_lock, load_checkpoint,
                          save_checkpoint)
from ..metrics.uncertainty import Estimate
from ..report import machine

T = TypeVar("T")
KEY_LENGTH = 12
# The version of what the code of a run kind computes for a given config, part of every key of that kind (1 when
# not listed): bump a kind's when a change alters what its runs compute under the same settings (an augmentation,
# a loss, a measure), so that its old runs, and the runs that read them, are not reused; other kinds keep theirs.
VERSIONS = {"evaluation": 4, "robustness": 2}
TIMING_KEYS = (TRAIN_SECONDS, PRECISION_SECONDS)   # a checkpoint's wall times: not part of its hash
_WRITING: set[Path] = set()          # the run folders whose writer lock this process holds


def canonical(config: dict) -> str:
    return json.dumps(config, sort_keys=True, separators=(",", ":"))


def run_key(config: dict) -> str:
    return hashlib.sha256(canonical(config).encode()).hexdigest()[:KEY_LENGTH]


def write_json(path: Path, value: dict) -> None:
    """JSON written to a temporary file of this process, then renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(value, indent=1, sort_keys=True))
    os.replace(tmp, path)


def _hash_content(value, digest, place: str = "") -> None:
    """Feed `digest` what `value` holds, walked in a fixed order: each tensor or array by its place, dtype, shape and
    bytes; dicts, lists, tuples and dataclasses item by item; any other value by its repr. The keys in
    `TIMING_KEYS` are left out."""
    if isinstance(value, np.ndarray):
        value = torch.from_numpy(np.ascontiguousarray(value))
    if isinstance(value, torch.Tensor):
        flat = value.detach().cpu().contiguous().reshape(-1)
        digest.update(f"{place}:{flat.dtype}:{tuple(value.shape)}=".encode())
        digest.update(flat.view(torch.uint8).numpy().tobytes())
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        _hash_content({f.name: getattr(value, f.name) for f in dataclasses.fields(value)}, digest, place)
    elif isinstance(value, dict):
        for key in sorted(value, key=str):
            if key not in TIMING_KEYS:
                _hash_content(value[key], digest, f"{place}/{key}")
    elif isinstance(value, (list, tuple)):
        digest.update(f"{place}:{type(value).__name__}[{len(value)}]".encode())
        for index, item in enumerate(value):
            _hash_content(item, digest, f"{place}/{index}")
    else:
        digest.update(f"{place}={value!r}".encode())


def weights_hash(folder: Path) -> str:
    """The first 12 hex digits of the SHA-256 of what a run folder's `.pt` files hold (weights, optimiser state,
    histories, features or measures; by file name and place), the training time a checkpoint records left out: two
    trainings of one key get one hash exactly when they made bit-identical weights."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.pt")):
        digest.update(path.name.encode())
        _hash_content(load_checkpoint(path), digest)
    return digest.hexdigest()[:KEY_LENGTH]


@dataclass(frozen=True)
class Run:
    """One keyed stage output: `kind` (teacher, encoder, transcripts, embeddings, gan, scorer), a readable
    `name` (e.g. tsl, classifier), its resolved `config`, and the data artifacts folder `root` it lives under."""
    kind: str
    name: str
    config: dict
    root: Path

    def __post_init__(self):
        canonical(self.config)                     # fails now, with the offending value, if not JSON-able

    @property
    def key(self) -> str:
        return run_key({"format": VERSIONS.get(self.kind, 1), "kind": self.kind, "name": self.name, **self.config})

    @property
    def folder(self) -> Path:
        return Path(self.root) / "runs" / self.kind / f"{self.name}-{self.key}"

    @property
    def done(self) -> bool:
        return (self.folder / "done.json").exists()

    def _done_json(self) -> dict | None:
        try:
            return json.loads((self.folder / "done.json").read_text())
        except FileNotFoundError:
            return None

    @property
    def summary(self) -> dict | None:
        """What `done.json` says the finished run made (its `record` aside); None while it is unfinished."""
        done = self._done_json()
        return None if done is None else {k: v for k, v in done.items() if k != "record"}

    @property
    def record(self) -> dict | None:
        """What `done.json` records of the training (`finish`); None when unfinished or finished before runs
        recorded it."""
        return (self._done_json() or {}).get("record")

    @contextlib.contextmanager
    def writing(self):
        """The run's writer lock for a block (see the module docstring): taken once per process (a stage may make
        a part of its own run in a nested helper: the fine-tuned teacher inside its features), by rank 0 alone
        under torchrun."""
        if self.folder in _WRITING or (dist.is_available() and dist.is_initialized() and dist.get_rank() > 0):
            yield
            return
        with folder_lock(self.folder, f"{self.kind} run {self.name}-{self.key}"):
            _WRITING.add(self.folder)
            try:
                yield
            finally:
                _WRITING.discard(self.folder)

    def open(self) -> Path:
        """The run's folder, created with its config.json on first use; the folder's config must be this one."""
        path = self.folder / "config.json"
        record = {"kind": self.kind, "name": self.name, "key": self.key, "config": self.config}
        if path.exists():
            try:
                found = json.loads(path.read_text())
            except ValueError:
                found = None
            if found != json.loads(json.dumps(record)):
                raise RuntimeError(f"{path} does not hold this run's config (a damaged or foreign folder): "
                                   f"delete {self.folder} and run again")
        else:
            write_json(path, record)
        return self.folder

    def finish(self, summary: dict | None = None) -> None:
        """Mark the run finished (`done.json`: an optional short summary of what it made, and its `record`)."""
        folder = self.open()
        record = {"weights": weights_hash(folder), "machine": machine(), "torch": torch.__version__,
                  "finished": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
        write_json(folder / "done.json", {**(summary or {}), "record": record})

    def trained_by(self) -> str:
        """The finished run's record in words (which training a table used): weights hash, machine, time. Runs
        finished before the weights hash recorded a hash of their files' bytes ("products"), which the recorded
        training time also changed."""
        record = self.record
        if record is None:
            return "training not recorded (finished before runs recorded it)"
        hashed = f"weights {record['weights']}" if "weights" in record else f"file bytes {record['products']}"
        return f"{hashed}, {record['machine']}, torch {record['torch']}, {record['finished']}"

    def made(self, work: Callable[[Path], T], summary: Callable[[T], dict | None] = lambda result: {}) -> T:
        """A run made in steps: `work(folder)` makes what is missing in the opened folder (resuming from what it
        finds there) and returns its result; the run is finished with `summary(result)`, or left unfinished
        (resumable) when that is None."""
        if self.done:
            return work(self.open())
        with self.writing():
            result = work(self.open())
            record = summary(result)
            if record is not None:
                self.finish(record)
        return result

    def stored(self, name: str, redo: str = "computing it again") -> dict | None:
        """The state saved as `name` once the run finished; None when it has not, or when the file is damaged
        (said, with what happens instead: `redo`)."""
        try:
            return load_checkpoint(self.folder / name) if self.done else None
        except CorruptFileError as e:
            print(f"{redo}: {e}")
            return None

    def computed(self, name: str, compute: Callable[[], dict], summary: Callable[[dict], dict] = lambda state: {},
                 redo: str = "computing it again") -> dict:
        """The state of a run made of one file `name`: `stored` when finished, else `compute()`, saved there and
        the run finished with `summary(state)`."""
        was_done, state = self.done, self.stored(name, redo)
        if state is None:
            with self.writing():
                if not was_done and self.done:           # another writer finished it meanwhile
                    state = self.stored(name, redo)
                if state is None:
                    state = compute()
                    save_checkpoint(self.open() / name, state)
                    self.finish(summary(state))
        return state

    def measured(self, name: str, measure: Callable[[], dict[str, Estimate]], redo: str) -> dict[str, Estimate]:
        """`computed` for named estimates: saved as (value, error) pairs, summarised as text in `done.json`."""
        state = self.computed(name, lambda: {k: (e.value, e.error) for k, e in measure().items()},
                              lambda state: {k: str(Estimate(*v)) for k, v in state.items()}, redo)
        return {k: Estimate(*v) for k, v in state.items()}


def list_runs(root: str | Path) -> list[dict]:
    """Every run under a data artifacts folder: kind, name, key, finished or not, folder, and its config."""
    rows = []
    for path in sorted(Path(root).glob("runs/*/*/config.json")):
        try:
            record = json.loads(path.read_text())
        except ValueError:
            record = {"kind": path.parent.parent.name, "name": path.parent.name, "key": "?", "config": {}}
        rows.append({**record, "done": (path.parent / "done.json").exists(), "folder": str(path.parent)})
    return rows


def describe(config: dict, skip: tuple[str, ...] = ("data",)) -> str:
    """A one-line summary of a config: its leaf values, nested names joined by '.', inputs' keys included."""
    parts = []

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for k in sorted(value):
                walk(f"{prefix}.{k}" if prefix else k, value[k])
        else:
            parts.append(f"{prefix}={value}")

    walk("", {k: v for k, v in config.items() if k not in skip})
    return " ".join(parts)


def runs_table(root: str | Path) -> str:
    """One line per run: kind, name-key, finished or not, and its config in one line."""
    rows = list_runs(root)
    if not rows:
        return f"no runs under {root}"
    return "\n".join(f"{r['kind']:11s} {r['name']}-{r['key']}  {'done' if r['done'] else 'unfinished':10s} "
                     f"{describe(r['config'])}" for r in rows)
