"""Build or locate a data set and its fbank cache, from (dataset, profile, data root, seed) alone.

    python -m s2i_lib data --dataset birds --profile default

Everything derived from one data identity (data set, profile, data seed) lives under
`artifacts/<dataset>/<profile>/seed<seed>/`: the built-in data set (`data/`, unless a data root is given), the
fbank cache (`fbank/`) and every keyed run (`runs/`, see `s2i_lib.pipeline.runs`). Real data sets need their
data root; one with text captions only (CUB, Oxford) is voiced first (`data.voicing`, into
`artifacts/<dataset>/voiced/`).
"""
from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from ..audio import FbankParams
from ..checkpoint import folder_lock
from ..config import (BUILTIN_DATASETS, REAL_DATASETS, SHARED_CLASS_DATASETS, Profile, artifacts_dir, get_profile,
                      results_dir, shown)
from . import load_records
from .dataset import SpeechImageDataset, wav_table
from .errors import DataRootError
from .fbank_cache import FbankCache, open_fbank_cache
from .content import PARTS, content_fingerprints
from .images import check_images
from .ledger import FileLedger
from .records import Record


@dataclass
class PreparedData:
    dataset: str
    profile: Profile
    seed: int
    root: Path
    records: dict[str, list[Record]]
    fbanks: FbankCache
    view: dict | None = None          # set by `validation_view`: which train classes (or images) were held out
    content: dict[str, str] | None = None   # a real data set's `content_fingerprints` (built-in: its build format)

    @property
    def artifacts(self) -> Path:
        """The folder of everything derived from this data identity (fbank cache, runs)."""
        return data_artifacts(self.dataset, self.profile.name, self.seed)

    @property
    def results(self) -> Path:
        """Where the study writes the tables and figures a person opens, beside `make reproduce-table2`'s
        executed notebooks: `results/<dataset>/<profile>/` in the repository (ignored by git for `smoke`), or
        under `$S2I_RESULTS` (`config.results_dir`)."""
        return results_dir(self.dataset, self.profile.name)

    @property
    def builtin(self) -> bool:
        return self.dataset in BUILTIN_DATASETS

    @property
    def voiced(self) -> bool:
        """Whether the spoken captions are this project's voicing of a real data set's text captions
        (`data.voicing`), not recordings that came with the data."""
        return not self.builtin and any(r.voices for split in self.records.values() for r in split)

    @property
    def disjoint_classes(self) -> bool:
        """Whether test classes are unseen in training: true for birds and flowers, false for Places, whose
        seven scenes appear in both splits (paper Sec. IV-C)."""
        return self.dataset not in SHARED_CLASS_DATASETS

    def identity(self, reads: tuple[str, ...] = PARTS) -> dict:
        """What determines the data a run reads; every run's key includes it (`s2i_lib.pipeline.runs`): the data
        set, profile, data seed and sizes, and the fingerprints of the content parts the run `reads`
        (`data.content`; "records" always). A built-in set's content is determined by its build (format,
        seed, sizes). Where the data lives is not part of it: moving a folder re-keys nothing."""
        if self.builtin:
            from .builtin import BUILD_FORMAT
            content = {"build format": BUILD_FORMAT}
        elif self.content is None:
            raise ValueError(f"the {self.dataset} data's content is unknown: load it with prepare()")
        else:
            content = {part: self.content[part] for part in PARTS if part == "records" or part in reads}
        identity = {"dataset": self.dataset, "profile": self.profile.name, "seed": self.seed,
                    "sizes": asdict(self.profile.data), "content": content}
        return identity if self.view is None else {**identity, "view": self.view}

    def torch_dataset(self, split: str, image_sizes: tuple[int, ...] = (64,), train: bool | None = None):
        """The split as a `SpeechImageDataset` (training augmentation on for "train" unless told otherwise)."""
        return SpeechImageDataset(self.records[split], self.fbanks, image_sizes, self.profile.data.target_length,
                                  train=(split == "train") if train is None else train)


def validation_view(data: PreparedData) -> PreparedData:
    """The train split carved in two, for every choice made by measurement: its records are {"train": the fit
    part, "test": the validation part}; the unseen test classes are not in it at all.

    Where test classes are unseen (birds, flowers, CUB, Oxford), a fifth of the train classes (at least 2;
    30 of 150 birds, 16 of 82 flowers) is held out, drawn with the data seed; for Places, whose scenes are
    shared, a fifth of the train images. Runs on the view are keyed apart from the full data's (`identity`)."""
    if data.view is not None:
        raise ValueError("this is already a validation view")
    train = data.records["train"]
    rng = np.random.default_rng([data.seed, 20200408])
    if data.disjoint_classes:
        classes = sorted({r.label for r in train})
        n = max(2, round(len(classes) / 5))
        if len(classes) - n < 2:
            raise ValueError(f"{len(classes)} train classes are too few to hold {n} out for validation")
        held = {int(c) for c in rng.choice(classes, n, replace=False)}
        fit, val = [r for r in train if r.label not in held], [r for r in train if r.label in held]
        view = {"kind": "validation classes", "held_out": sorted(held)}
    else:
        order = rng.permutation(len(train))
        held = {int(i) for i in order[:max(2, round(len(train) / 5))]}
        fit = [r for i, r in enumerate(train) if i not in held]
        val = [r for i, r in enumerate(train) if i in held]
        view = {"kind": "validation images", "held_out": sorted(r.key for r in val)}
    return replace(data, records={"train": fit, "test": val}, view=view)


def data_artifacts(dataset: str, profile: str, seed: int) -> Path:
    return artifacts_dir(dataset, profile) / f"seed{seed}"


def check_seed(seed) -> int:
    """A data or training seed: a non-negative integer (numpy's generators refuse others)."""
    try:
        value = int(seed)
    except (TypeError, ValueError):
        raise ValueError(f"a seed must be a non-negative integer, not {seed!r}") from None
    if value < 0 or str(value) != str(seed).strip():
        raise ValueError(f"a seed must be a non-negative integer, not {seed!r}")
    return value


def builtin_complete(root: Path, dataset: str, profile: Profile, seed: int, progress: bool = True) -> bool:
    """True when `root` holds a finished build of this data set, data sizes and seed with every file it lists;
    says why not when a manifest is there."""
    from .builtin import build_identity, is_build_of, missing_files

    if not is_build_of(root, build_identity(dataset, profile.data, seed)):
        return False                      # absent, or another build: `build_builtin` builds or refuses
    try:
        manifest = json.loads((root / "manifest.json").read_text())
    except FileNotFoundError:
        return False
    except ValueError:
        print(f"{root / 'manifest.json'} is unreadable: finishing the build rewrites it")
        return False
    if manifest.get("profile") != profile.name or manifest.get("seed") != seed:
        return False
    lost = missing_files(root)
    if lost and progress:
        print(f"{lost} images and wavs of the built-in data set at {shown(root)} are missing: making them again")
    return lost == 0


def prepare(dataset: str, profile: str | Profile, data_root: str | Path | None = None, seed: int = 0,
            workers: int = 2, progress: bool = True) -> PreparedData:
    """Make sure the data set and its fbank cache exist (building what is missing) and load both splits.

    `profile` is a name (resolved with the data set's per-data-set settings) or a `Profile`."""
    if isinstance(profile, str):
        profile = get_profile(profile, dataset)
    seed = check_seed(seed)
    folder = data_artifacts(dataset, profile.name, seed)
    read_only = folder.is_dir() and not os.access(folder, os.W_OK)     # read without the lock: nothing is written
    with contextlib.nullcontext() if read_only else folder_lock(folder, "data set and fbank cache"):
        return _prepare(dataset, profile, data_root, seed, workers, progress)


def _prepare(dataset: str, profile: Profile, data_root: str | Path | None, seed: int, workers: int,
             progress: bool) -> PreparedData:
    if data_root and Path(data_root).exists() and not Path(data_root).is_dir():
        raise DataRootError(f"DATA_ROOT {data_root} is a file, not a folder: pass the {dataset} data set's folder "
                            f"(e.g. DATA_ROOT={Path(data_root).parent})")
    if dataset in BUILTIN_DATASETS:
        root = Path(data_root) if data_root else data_artifacts(dataset, profile.name, seed) / "data"
        if not builtin_complete(root, dataset, profile, seed, progress):
            from .builtin import build_builtin
            build_builtin(dataset, profile.data, root, seed=seed, workers=workers, progress=progress,
                          name=profile.name)
    elif dataset in REAL_DATASETS:
        if not data_root:
            raise DataRootError(f"the {dataset} data set is not built in: pass its folder, e.g. "
                                f"`make reproduce-table2 DATASET={dataset} DATA_ROOT=/path/to/data`")
        root = Path(data_root)
    else:
        raise ValueError(f"unknown data set {dataset!r}; choose one of {BUILTIN_DATASETS + REAL_DATASETS}")
    records = {split: load_records(dataset, root, split) for split in ("train", "test")}
    if not any(r.wavs for split in records.values() for r in split):
        from .voicing import voice_records
        records = voice_records(dataset, records, seed, workers, progress)
    content = None
    if dataset in REAL_DATASETS:
        ledger = FileLedger(data_artifacts(dataset, profile.name, seed) / "files.json")
        converted = check_images(records["train"] + records["test"], ledger, profile.data.image_size)
        if converted and progress:
            print(f"{dataset} images read with a conversion: " + ", ".join(f"{k} {n}" for k, n in converted.items()))
        content = content_fingerprints(records, ledger)
    wavs = {k: v for split in ("train", "test") for k, v in wav_table(records[split]).items()}
    params = FbankParams(max_abs_scale=dataset == "places")      # as the authors (docs/authors-code.md#2)
    fbanks = open_fbank_cache(data_artifacts(dataset, profile.name, seed) / "fbank", wavs, params, workers, progress)
    return PreparedData(dataset, profile, seed, root, records, fbanks, content=content)
