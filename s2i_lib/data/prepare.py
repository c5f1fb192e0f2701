"""Build or locate a data set and its fbank cache, from (dataset, profile, data root) alone.

    python -m s2i_lib.data.prepare --dataset birds --profile default

Built-in data sets live in `artifacts/<dataset>/<profile>/data` unless a data root is given; real ones need
their data root. The fbank cache always lives in `artifacts/<dataset>/<profile>/fbank`.
"""
from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from ..audio import FbankParams
from ..config import BUILTIN_DATASETS, REAL_DATASETS, artifacts_dir, get_profile
from . import load_records
from .dataset import SpeechImageDataset, wav_table
from .errors import DataRootError
from .fbank_cache import FbankCache, open_fbank_cache
from .records import Record


@dataclass
class PreparedData:
    dataset: str
    profile: str
    root: Path
    records: dict[str, list[Record]]
    fbanks: FbankCache | None

    def torch_dataset(self, split: str, image_sizes: tuple[int, ...] = (64,), train: bool | None = None):
        """The split as a `SpeechImageDataset` (training augmentation on for "train" unless told otherwise)."""
        return SpeechImageDataset(self.records[split], self.fbanks, image_sizes,
                                  get_profile(self.profile).target_length,
                                  train=(split == "train") if train is None else train)


def builtin_complete(root: Path, profile: str, seed: int) -> bool:
    """True when `root` holds a finished build of this profile and seed."""
    path = root / "manifest.json"
    if not path.exists():
        return False
    manifest = json.loads(path.read_text())
    return manifest.get("profile") == profile and manifest.get("seed") == seed


def prepare(dataset: str, profile: str, data_root: str | Path | None = None, seed: int = 0, workers: int = 2,
            progress: bool = True) -> PreparedData:
    """Make sure the data set and its fbank cache exist (building what is missing) and load both splits."""
    get_profile(profile)
    if dataset in BUILTIN_DATASETS:
        root = Path(data_root) if data_root else artifacts_dir(dataset, profile) / "data"
        if not builtin_complete(root, profile, seed):
            from .builtin import build_builtin
            build_builtin(dataset, profile, root, seed=seed, workers=workers, progress=progress)
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
        fbanks = open_fbank_cache(artifacts_dir(dataset, profile) / "fbank", wavs, FbankParams(), workers, progress)
    elif progress:
        print(f"{dataset} at {root} has no spoken captions: text only, no fbank cache")
    return PreparedData(dataset, profile, root, records, fbanks)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="birds", choices=BUILTIN_DATASETS + REAL_DATASETS)
    parser.add_argument("--profile", default="default")
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    data = prepare(args.dataset, args.profile, args.data_root, args.seed, args.workers)
    for split, recs in data.records.items():
        print(f"{split}: {len(recs)} images, {len({r.label for r in recs})} classes, "
              f"{sum(len(r.wavs) for r in recs)} utterances")
    if data.fbanks is not None:
        print(f"fbank cache: {data.fbanks.folder} ({len(data.fbanks)} utterances, {len(data.fbanks.failed)} failed)")


if __name__ == "__main__":
    main()
