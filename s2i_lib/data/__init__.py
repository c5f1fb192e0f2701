"""Data sets: the built-in procedural one and loaders for the real ones, all returning `Record`s."""
from __future__ import annotations

from pathlib import Path

from .records import Record


def load_records(dataset: str, root: str | Path, split: str) -> list[Record]:
    """Records of `split` for a built-in (birds, flowers) or real (cub, oxford, places) data set at `root`."""
    if dataset in ("birds", "flowers"):
        from .builtin import load_builtin
        return load_builtin(root, split)
    if dataset == "cub":
        from .cub import load_cub
        return load_cub(root, split)
    if dataset == "oxford":
        from .oxford import load_oxford
        return load_oxford(root, split)
    if dataset == "places":
        from .places import load_places
        return load_places(root, split)
    raise ValueError(f"unknown data set {dataset!r}; choose birds, flowers, cub, oxford or places")
