"""Data sets: the built-in procedural one and loaders for the real ones, all returning `Record`s; `prepare`
builds or locates one with its fbank cache. The names at the bottom are what notebooks use."""
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


from ..audio import read_wav  # noqa: E402  (the entry points below need load_records defined first)
from .builtin import read_manifest  # noqa: E402
from .dataset import load_image_tensor, utterance_key  # noqa: E402
from .prepare import PreparedData, prepare, validation_view  # noqa: E402
from .summary import duration_rows, markdown_table, read_csv, split_rows, voice_rows, write_csv  # noqa: E402
from .voices import outside_voice, synthesize, voice_pool  # noqa: E402

__all__ = ["Record", "load_records", "read_wav", "read_manifest", "load_image_tensor", "utterance_key",
           "PreparedData", "prepare", "validation_view", "duration_rows", "markdown_table", "split_rows", "voice_rows", "read_csv", "write_csv",
           "voice_pool", "outside_voice", "synthesize"]
