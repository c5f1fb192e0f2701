"""Errors raised by the real-data loaders (CUB-200, Oxford-102, Places audio captions).

Every message names the offending path, shows what was expected there and says how to fix it, because the
usual cause is a `DATA_ROOT` that points one folder too high or too low.
"""
from __future__ import annotations

from pathlib import Path


class DataRootError(FileNotFoundError):
    """A data root, a required file in it, or a file a caption JSON points to does not exist.

    Raised with a plain message by anyone, or built by `missing` with the path, the expected tree and the fix.
    """


def missing(path: Path, expected: str, fix: str, what: str = "required path") -> DataRootError:
    """A `DataRootError` whose message names `path`, shows `expected` (a short tree) and gives `fix`."""
    tree = "\n".join("    " + line for line in expected.strip("\n").splitlines())
    return DataRootError(f"{what} not found: {path}\nexpected:\n{tree}\nfix: {fix}")


class DataFormatError(ValueError):
    """A data file exists but its content is not what the loader expects (missing key, uncovered image...)."""


def require(path: Path, expected: str, fix: str, what: str = "required path") -> Path:
    """Return `path` if it exists, else raise `DataRootError` with `expected` (a short tree) and `fix`."""
    if not path.exists():
        raise missing(path, expected, fix, what)
    return path


def check_split(split: str) -> str:
    """The loaders know two splits, "train" and "test"; anything else is a `ValueError`."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    return split
