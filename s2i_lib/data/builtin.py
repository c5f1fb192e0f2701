"""The built-in spoken-caption data set: procedural birds or flowers, captions, and speech for every caption.

See docs/builtin-data.md. Each image is one job with its own random generator, seeded by
(seed, kind, class, image), so the data set is the same whichever worker makes which item and in which order.
A job writes its PNG and wavs through temporary files renamed into place, and its item JSON last: an item
whose JSON exists is complete, so a build that was interrupted resumes where it stopped and never leaves
half-written files behind. The manifest is assembled from the item files once every item exists.

Folder layout under `out_dir`:
    images/<class>/<stem>.png   wavs/<class>/<stem>_<k>.wav   items/<class>/<stem>.json   manifest.json
    s2i_build.json   the build's identity (data set, sizes, seed): the folder is the project's, and only a build
                     of the same identity resumes in it
"""
from __future__ import annotations

import json
import os
import time
from multiprocessing import get_context
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from ..progress import tqdm

from ..audio import write_wav
from ..checkpoint import disk_space_for
from ..config import DataSizes, get_profile
from . import voices as tts
from .captions import make_captions
from .errors import DataRootError
from .procedural import KINDS, ATTRIBUTES, ClassSpec, make_classes, render, sample_image_attributes
from .records import Record

def select_classes(kind: str, profile: DataSizes, seed: int = 0) -> list[ClassSpec]:
    """All classes of `kind`, or the first n train and n test classes where the profile asks for a subset."""
    classes = make_classes(kind, seed)
    if profile.classes_per_split is None:
        return classes
    return [c for split, n in profile.classes_per_split.items() for c in [c for c in classes if c.split == split][:n]]


def _make_item(job: dict) -> dict:
    """Render one image, write its captions' speech, and return (and write) its item record (a full disk is a
    `DiskFullError` naming the item)."""
    out, spec = Path(job["out_dir"]), job["spec"]
    with disk_space_for(out / "items" / spec.name / f"{job['kind']}_{spec.index:03d}_{job['j']:04d}.json",
                        "built-in data item (image, wavs, record)"):
        return _write_item(job)


def _write_item(job: dict) -> dict:
    out, spec, j, kind = Path(job["out_dir"]), job["spec"], job["j"], job["kind"]
    stem = f"{kind}_{spec.index:03d}_{j:04d}"
    item_path = out / "items" / spec.name / f"{stem}.json"
    item = read_item(item_path)
    if item is not None and item_files_exist(out, item):
        return item
    rng = np.random.default_rng([job["seed"], KINDS.index(kind), spec.index, j])
    attributes = sample_image_attributes(spec, rng)
    image = render(kind, attributes, job["image_size"], rng)
    spoken = make_captions(kind, attributes, job["n_captions"], rng, return_mentions=True)
    captions = [text for text, _ in spoken]

    image_rel = Path("images") / spec.name / f"{stem}.png"
    (out / image_rel).parent.mkdir(parents=True, exist_ok=True)
    tmp = out / image_rel.with_name(f".{stem}.{os.getpid()}.png")
    image.save(tmp, format="PNG")
    os.replace(tmp, out / image_rel)

    wavs, voice_ids, rates = [], [], []
    (out / "wavs" / spec.name).mkdir(parents=True, exist_ok=True)
    for k, caption in enumerate(captions):
        voice, rate, pitch = tts.draw_delivery(rng, job["voices"])
        wav_rel = Path("wavs") / spec.name / f"{stem}_{k}.wav"
        write_wav(out / wav_rel, tts.synthesize(voice, caption, rate=rate, pitch=pitch), tts.SAMPLE_RATE)
        wavs.append(str(wav_rel))
        voice_ids.append(voice.id)
        rates.append(round(float(rate), 3))

    item = {"key": f"{spec.name}/{stem}", "image": str(image_rel), "label": spec.index,
            "class_name": spec.name, "split": spec.split, "captions": captions,
            "mentions": [sorted(named) for _, named in spoken], "wavs": wavs, "voices": voice_ids, "rates": rates,
            "attributes": attributes}
    item_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = item_path.with_name(f".{stem}.{os.getpid()}.json")
    tmp.write_text(json.dumps(item))
    os.replace(tmp, item_path)
    return item


def read_item(path: Path) -> dict | None:
    """An item file's record, or None when it is absent or unreadable (then the item is made again)."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def item_files_exist(root: Path, item: dict) -> bool:
    return (root / item["image"]).exists() and all((root / w).exists() for w in item["wavs"])


def is_build_of(root: Path, identity: dict) -> bool:
    try:
        return json.loads((root / BUILD_MARKER).read_text()) == identity
    except (OSError, ValueError):
        return False


def missing_files(root: str | Path) -> int | None:
    """How many images and wavs the build at `root` lists but lacks (0 for a whole build), or None when its
    manifest is missing or unreadable."""
    root = Path(root)
    try:
        items = json.loads((root / "manifest.json").read_text())["items"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return sum(not (root / p).exists() for it in items for p in [it["image"], *it["wavs"]])


def _worker_init() -> None:
    torch.set_num_threads(1)


BUILD_MARKER = "s2i_build.json"
BUILD_FORMAT = 1
OWN_FOLDERS = ("images", "wavs", "items")


def build_identity(kind: str, sizes: DataSizes, seed: int) -> dict:
    """What a build's items depend on; its folder's marker holds it."""
    return {"format": BUILD_FORMAT, "dataset": kind, "seed": seed, "sizes": asdict(sizes)}


def claim_folder(out: Path, identity: dict) -> None:
    """Make `out` the home of the build `identity`: it must be empty (or absent) or hold a marker of the same
    identity. Anything else is refused, so that a build never writes into, or deletes from, a user's folder
    or mixes items of two builds (another seed or profile)."""
    marker = out / BUILD_MARKER
    if marker.exists():
        try:
            found = json.loads(marker.read_text())
        except ValueError:
            raise DataRootError(f"{marker} is unreadable: delete {out} (it holds a broken built-in data set) "
                                f"and build again") from None
        if found != identity:
            diff = {k: (found.get(k), v) for k, v in identity.items() if found.get(k) != v}
            raise DataRootError(f"{out} holds a built-in data set of another build ({diff}, found vs asked): "
                                f"pass another folder as DATA_ROOT, or delete {out} to rebuild it")
        return
    if out.exists() and any(out.iterdir()):
        raise DataRootError(f"{out} is not empty and is not a built-in data set of this project (no "
                            f"{BUILD_MARKER}): the build writes only into an empty or new folder; pass another "
                            f"DATA_ROOT (a real data set needs DATASET=cub|oxford|places)")
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".{BUILD_MARKER}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(identity, indent=1))
    os.replace(tmp, marker)


def remove_own_temp_files(out: Path) -> None:
    """Delete the temporary files an interrupted build of ours left (dot-files in our own subfolders only)."""
    for folder in OWN_FOLDERS:
        for leftover in (out / folder).rglob(".*"):
            if leftover.is_file():
                leftover.unlink()


def build_builtin(kind: str, profile: str | DataSizes, out_dir: str | Path, seed: int = 0, workers: int = 2,
                  progress: bool = True, name: str | None = None) -> Path:
    """Build (or finish building) the built-in data set of `kind` with the data sizes of `profile` in `out_dir`.

    Returns the manifest path. Items already complete are kept, temporary files an interrupted run left behind
    are removed, and the manifest is rewritten at the end. `out_dir` must be new, empty, or a build of the same
    kind, sizes and seed (`claim_folder`).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown built-in data set {kind!r}; choose one of {KINDS}")
    if isinstance(profile, str):
        name, prof = profile, get_profile(profile).data
    else:
        name, prof = name or "custom", profile
    out = Path(out_dir)
    claim_folder(out, build_identity(kind, prof, seed))
    remove_own_temp_files(out)
    available, notices = tts.available_voices()
    for notice in notices:
        print(f"voice pool: {notice}")
    if not available:
        raise RuntimeError("no text-to-speech engine is available; run `make setup` (installs espeakng-loader)")
    classes = select_classes(kind, prof, seed)
    by_split = {s: tts.voices_for_split(s, available) for s in ("train", "test")}
    jobs = [{"out_dir": str(out), "spec": c, "j": j, "kind": kind, "seed": seed, "image_size": prof.image_size,
             "n_captions": prof.captions_per_image, "voices": by_split[c.split]}
            for c in classes for j in range(prof.images_per_class[kind])]
    done = sum((out / "items" / jb["spec"].name / f"{kind}_{jb['spec'].index:03d}_{jb['j']:04d}.json").exists()
               for jb in jobs)
    if progress and done:
        print(f"resuming: {done} of {len(jobs)} items already complete in {out}")
    start = time.time()
    if workers > 1:
        with get_context("spawn").Pool(workers, initializer=_worker_init) as pool:
            items = list(tqdm(pool.imap_unordered(_make_item, jobs, chunksize=2), total=len(jobs),
                              desc=f"{kind} ({name})", disable=not progress))
    else:
        items = [_make_item(jb) for jb in tqdm(jobs, desc=f"{kind} ({name})", disable=not progress)]
    items.sort(key=lambda it: it["key"])
    manifest = {
        "dataset": kind, "profile": name, "seed": seed, "image_size": prof.image_size,
        "attributes": {a: list(v) for a, v in ATTRIBUTES[kind].items()},
        "classes": [{"index": c.index, "name": c.name, "split": c.split, "attributes": c.attributes}
                    for c in classes],
        "voices": [{"id": v.id, "engine": v.engine, "name": v.name, "use": v.use} for v in available],
        "voice_notices": notices,
        "build_seconds_last_run": round(time.time() - start, 1),
        "items": items,
    }
    tmp = out / f".manifest.json.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(manifest, indent=1))
    os.replace(tmp, out / "manifest.json")
    return out / "manifest.json"


def read_manifest(root: str | Path) -> dict:
    path = Path(root) / "manifest.json"
    if not path.exists():
        raise DataRootError(f"{path} not found: {root} is not a built data set. Build it with "
                            f"`make data DATASET=birds PROFILE=default` or s2i_lib.data.builtin.build_builtin().")
    try:
        return json.loads(path.read_text())
    except ValueError as e:
        raise DataRootError(f"{path} is damaged ({e}): delete it and run `make data` (or prepare()) again; the "
                            f"build rewrites it from its items") from None


def load_builtin(root: str | Path, split: str) -> list[Record]:
    """Records of one split ("train" / "test") of a built data set, with absolute paths."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    root = Path(root).resolve()
    return [Record(key=it["key"], image=root / it["image"], label=it["label"], class_name=it["class_name"],
                   split=it["split"], captions=it["captions"], wavs=[root / w for w in it["wavs"]],
                   attributes=it["attributes"], voices=it["voices"])
            for it in read_manifest(root)["items"] if it["split"] == split]
