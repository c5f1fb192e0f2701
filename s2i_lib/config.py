"""Profiles (smoke / default / paper) and the folders each run reads and writes.

A profile fixes every size that trades fidelity for time. `paper` is the paper's and the authors' setting
(anchors.md 1.6, 1.8, 2.3); `default` is sized for a 2-core CPU; `smoke` runs every notebook in about a minute.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILTIN_DATASETS = ("birds", "flowers")
REAL_DATASETS = ("cub", "oxford", "places")


@dataclass(frozen=True)
class DataProfile:
    name: str
    classes_per_split: dict | None   # {"train": n, "test": n} subset of the built-in classes; None = all
    images_per_class: dict           # built-in kind -> images rendered per class
    image_size: int                  # side of the stored built-in images
    target_length: int               # fbank frames every utterance is padded / cut to (multiple of 64)
    captions_per_image: int = 10


PROFILES = {
    "smoke": DataProfile("smoke", {"train": 6, "test": 3}, {"birds": 4, "flowers": 4}, 64, 768),
    "default": DataProfile("default", None, {"birds": 20, "flowers": 30}, 128, 768),
    # CUB has 11,788 images in 200 classes (~59 each), Oxford-102 8,189 in 102 (~80); the authors pad to 2048.
    "paper": DataProfile("paper", None, {"birds": 59, "flowers": 80}, 256, 2048),
}


def get_profile(name: str) -> DataProfile:
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose one of {sorted(PROFILES)}")
    return PROFILES[name]


def artifacts_dir(dataset: str, profile: str) -> Path:
    """Ignored folder for everything regenerable: `$S2I_ARTIFACTS` or <repo>/artifacts, then dataset/profile."""
    base = Path(os.environ.get("S2I_ARTIFACTS", REPO_ROOT / "artifacts"))
    return base / dataset / profile
