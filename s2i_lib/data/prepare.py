"""Build or locate a data set and its fbank cache, from (dataset, profile, data root, seed) alone.

    python -m s2i_lib data --dataset birds --profile default

Everything derived from one data identity (data set, profile, data seed) lives under
`artifacts/<dataset>/<profile>/seed<seed>/`: the built-in data set (`data/`, unless a data root is given), the
fbank cache (`fbank/`) and every keyed run (`runs/`, see `s2i_lib.stages.runs`). Real data sets need their
data root.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from ..audio import FbankParams
from ..config import BUILTIN_DATASETS, REAL_DATASETS, Profile, artifacts_dir, get_profile
from . import load_records
from .dataset import SpeechImageDataset, wav_table
from .errors import DataRootError
from .fbank_cache import FbankCache, open_fbank_cache
from .records import Record


@dataclass
class PreparedData:
    dataset: str
    profile: Profile
    seed: int
    root: Path
    records: dict[str, list[Record]]
    fbanks: FbankCache | None

    @property
    def artifacts(self) -> Path:
        """The folder of everything derived from this data identity (fbank cache, runs)."""
        return data_artifacts(self.dataset, self.profile.name, self.seed)

    @property
    def builtin(self) -> bool:
        return self.dataset in BUILTIN_DATASETS

    def identity(self) -> dict:
        """What determines the data: every run's key includes it (`s2i_lib.stages.runs`)."""
        return {"dataset": self.dataset, "profile": self.profile.name, "seed": self.seed,
                "root": str(self.root.resolve()), "sizes": asdict(self.profile.data)}

    def torch_dataset(self, split: str, image_sizes: tuple[int, ...] = (64,), train: bool | None = None):
        """The split as a `SpeechImageDataset` (training augmentation on for "train" unless told otherwise)."""
        return SpeechImageDataset(self.records[split], self.fbanks, image_sizes, self.profile.data.target_length,
                                  train=(split == "train") if train is None else train)


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


def builtin_complete(root: Path, profile: str, seed: int) -> bool:
    """True when `root` holds a finished build of this profile and seed."""
    path = root / "manifest.json"
    if not path.exists():
        return False
    manifest = json.loads(path.read_text())
    return manifest.get("profile") == profile and manifest.get("seed") == seed


def prepare(dataset: str, profile: str | Profile, data_root: str | Path | None = None, seed: int = 0,
            workers: int = 2, progress: bool = True) -> PreparedData:
    """Make sure the data set and its fbank cache exist (building what is missing) and load both splits.

    `profile` is a name (resolved with the data set's per-data-set settings) or a `Profile`."""
    if isinstance(profile, str):
        profile = get_profile(profile, dataset)
    seed = check_seed(seed)
    if dataset in BUILTIN_DATASETS:
        root = Path(data_root) if data_root else data_artifacts(dataset, profile.name, seed) / "data"
        if not builtin_complete(root, profile.name, seed):
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
    wavs = {k: v for split in ("train", "test") for k, v in wav_table(records[split]).items()}
    fbanks = None
    if wavs:
        fbanks = open_fbank_cache(data_artifacts(dataset, profile.name, seed) / "fbank", wavs, FbankParams(),
                                  workers, progress)
    elif progress:
        print(f"{dataset} at {root} has no spoken captions: text only, no fbank cache")
    return PreparedData(dataset, profile, seed, root, records, fbanks)
