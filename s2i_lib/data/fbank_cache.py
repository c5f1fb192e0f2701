"""A fp16 cache of log-Mel spectrograms: one memory-mapped file for all utterances of a data set.

Layout of a cache folder: `fbank.f16` (all frames, (total_frames, n_mels) float16, utterances back to back)
and `meta.json` (the `FbankParams`, and per utterance its key, offset and frame count). `meta.json` is written
last, so a folder without it is an interrupted build and is rebuilt. Opening a cache that was built with other
parameters, for another list of wavs, or for wavs whose path, size or modification time changed since (a wav
replaced after the build) rebuilds it and says why. Unusable wavs (missing, corrupt, empty,
silent, shorter than 64 frames) are skipped, counted and named in `meta.json["failed"]`.
"""
from __future__ import annotations

import json
import os
from contextlib import nullcontext
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import torch
from ..progress import tqdm

from ..audio import AudioError, FbankParams, load_logmel
from ..checkpoint import remove_stale_temp_files
from ..config import shown


FORMAT = 2        # the version of the cache layout and front end; a cache of another version is rebuilt


def _compute(path: str, params: FbankParams):
    try:
        return load_logmel(path, params).T.astype(np.float16), None
    except AudioError as e:
        return None, str(e)


def _worker_init() -> None:
    torch.set_num_threads(1)


def _compute_star(args):
    return _compute(*args)


class FbankCache:
    """Read-only view of a built cache; `get(key)` returns a (n_mels, n_frames) float32 spectrogram."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.meta = json.loads((self.folder / "meta.json").read_text())
        self.params = FbankParams(**self.meta["params"])
        self.index = {k: (o, n) for k, o, n in zip(self.meta["keys"], self.meta["offsets"], self.meta["frames"])}
        total = self.meta["total_frames"]
        self.frames = (np.memmap(self.folder / "fbank.f16", dtype=np.float16, mode="r",
                                 shape=(total, self.params.n_mels)) if total else np.zeros((0, self.params.n_mels)))

    @property
    def failed(self) -> dict[str, str]:
        return self.meta["failed"]

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, key: str) -> bool:
        return key in self.index and key not in self.failed

    def get(self, key: str) -> np.ndarray:
        if key in self.failed:
            raise AudioError(self.failed[key])
        offset, n = self.index[key]
        return np.asarray(self.frames[offset:offset + n], dtype=np.float32).T


def wav_signatures(wavs: dict[str, str | Path]) -> list[list]:
    """[path, size, mtime_ns] per wav (size and time -1 for a missing file): what a cache was built from."""
    out = []
    for path in wavs.values():
        try:
            st = os.stat(path)
            out.append([str(path), st.st_size, st.st_mtime_ns])
        except OSError:
            out.append([str(path), -1, -1])
    return out


def build_fbank_cache(folder: str | Path, wavs: dict[str, str | Path], params: FbankParams = FbankParams(),
                      workers: int = 2, progress: bool = True) -> FbankCache:
    """Compute the spectrogram of every wav (`wavs`: cache key -> path) into `folder`, on `workers` processes."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "meta.json").unlink(missing_ok=True)
    for name in ("fbank.f16", "meta.json"):                 # what a killed build left
        remove_stale_temp_files(folder / name)
    keys = list(wavs)
    inputs = wav_signatures(wavs)
    jobs = [(str(wavs[k]), params) for k in keys]
    offsets, frames, failed, total = [], [], {}, 0
    tmp = folder / f".fbank.f16.{os.getpid()}.tmp"
    pool = get_context("spawn").Pool(workers, initializer=_worker_init) if workers > 1 else None
    with open(tmp, "wb") as out, pool or nullcontext():
        results = pool.imap(_compute_star, jobs, chunksize=64) if pool else map(_compute_star, jobs)
        for key, (spec, error) in tqdm(zip(keys, results), total=len(keys), desc="fbank cache",
                                       disable=not progress):
            n = 0 if spec is None else spec.shape[0]
            if error:
                failed[key] = error
            else:
                out.write(spec.tobytes())
            offsets.append(total)
            frames.append(n)
            total += n
    os.replace(tmp, folder / "fbank.f16")
    meta = {"params": params.to_dict(), "keys": keys, "offsets": offsets, "frames": frames,
            "total_frames": total, "failed": failed, "inputs": inputs, "format": FORMAT}
    tmp_meta = folder / f".meta.json.{os.getpid()}.tmp"
    tmp_meta.write_text(json.dumps(meta))
    os.replace(tmp_meta, folder / "meta.json")
    if failed and progress:
        print(f"fbank cache {folder}: skipped {len(failed)} of {len(keys)} utterances, e.g. "
              f"{next(iter(failed.values()))} (all listed in {folder / 'meta.json'} under 'failed')")
    return FbankCache(folder)


def open_fbank_cache(folder: str | Path, wavs: dict[str, str | Path], params: FbankParams = FbankParams(),
                     workers: int = 2, progress: bool = True) -> FbankCache:
    """Open the cache in `folder` if it was built with `params` for exactly these keys, else (re)build it."""
    folder = Path(folder)
    meta_path = folder / "meta.json"
    reason = None
    meta = None
    if meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text())
            expected_bytes = meta["total_frames"] * meta["params"]["n_mels"] * 2
        except (ValueError, KeyError, TypeError) as e:
            reason = f"its {meta_path.name} is unreadable ({type(e).__name__})"
            meta = None
    if reason is None and meta is None:
        reason = "no complete cache there yet"
    elif reason is None:
        data = folder / "fbank.f16"
        size = data.stat().st_size if data.exists() else -1
        if meta.get("format") != FORMAT:
            reason = f"it was built by another version of the front end (format {meta.get('format')}, not {FORMAT})"
        elif size != expected_bytes:
            reason = f"{data.name} holds {size} bytes, not the {expected_bytes} its meta.json lists (truncated?)"
        elif meta["params"] != params.to_dict():
            reason = f"it was built with other front-end parameters ({meta['params']} != {params.to_dict()})"
        elif meta["keys"] != list(wavs):
            reason = "it was built for another list of utterances"
        elif meta.get("inputs") != wav_signatures(wavs):
            changed = sum(a != b for a, b in zip(meta.get("inputs") or [], wav_signatures(wavs)))
            reason = f"{changed or 'some'} wav files changed (path, size or time) since it was built"
    if reason is None:
        return FbankCache(folder)
    if progress:
        print(f"building fbank cache {shown(folder)}: {reason}")
    return build_fbank_cache(folder, wavs, params, workers, progress)
