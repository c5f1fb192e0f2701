"""The built-in data set builder: content, determinism, resume after an interruption, and loading."""
from __future__ import annotations

import json

import numpy as np
import pytest

from s2i_lib.config import DataSizes
from s2i_lib.data import builtin, load_records
from s2i_lib.data import voices as tts
from s2i_lib.data.errors import DataRootError
from s2i_lib.data.prepare import prepare

TINY = DataSizes({"train": 2, "test": 2}, {"birds": 2, "flowers": 2}, 32, 768, captions_per_image=3)


def files(root):
    """Relative path -> bytes of every file of a build but the manifest (which records the build time)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != "manifest.json"}


@pytest.fixture(scope="module")
def clean_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("clean")
    builtin.build_builtin("birds", TINY, root, seed=3, workers=1, progress=False, name="tiny")
    return root


def test_manifest_describes_every_item(clean_build):
    manifest = json.loads((clean_build / "manifest.json").read_text())
    assert manifest["profile"] == "tiny" and manifest["seed"] == 3
    items = manifest["items"]
    assert len(items) == 8 and {it["split"] for it in items} == {"train", "test"}
    held_out = {v["id"] for v in manifest["voices"] if v["use"] == "test"}
    for it in items:
        assert len(it["captions"]) == len(it["wavs"]) == len(it["voices"]) == len(it["mentions"]) == 3
        assert all((clean_build / w).exists() for w in it["wavs"]) and (clean_build / it["image"]).exists()
        assert set(it["attributes"]) == set(manifest["attributes"])
        if it["split"] == "train":
            assert not held_out & set(it["voices"])


def test_two_workers_build_the_same_files(clean_build, tmp_path):
    builtin.build_builtin("birds", TINY, tmp_path, seed=3, workers=2, progress=False)
    assert files(tmp_path) == files(clean_build)


def test_interrupted_build_resumes_to_the_same_files(clean_build, tmp_path, monkeypatch):
    real, calls = tts.synthesize, {"n": 0}

    def dies_on_the_fifth_utterance(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(tts, "synthesize", dies_on_the_fifth_utterance)
    with pytest.raises(KeyboardInterrupt):
        builtin.build_builtin("birds", TINY, tmp_path, seed=3, workers=1, progress=False)
    assert len(list((tmp_path / "items").rglob("*.json"))) == 1          # one finished item, one half done
    assert not (tmp_path / "manifest.json").exists()
    (tmp_path / "wavs" / ".stray.123.tmp").write_bytes(b"half")          # as a kill mid-write leaves
    first_item = next((tmp_path / "items").rglob("*.json"))
    stamp = first_item.stat().st_mtime_ns

    monkeypatch.setattr(tts, "synthesize", real)
    builtin.build_builtin("birds", TINY, tmp_path, seed=3, workers=1, progress=False)
    assert first_item.stat().st_mtime_ns == stamp                         # finished work is not redone
    assert files(tmp_path) == files(clean_build)                          # no leftovers, same bytes


def test_other_seed_gives_other_data(clean_build, tmp_path):
    builtin.build_builtin("birds", TINY, tmp_path, seed=4, workers=1, progress=False)
    assert files(tmp_path) != files(clean_build)


def test_a_build_of_another_seed_or_size_is_never_resumed(tmp_path):
    """A folder holding an interrupted seed-3 build is refused for seed 4 or other sizes: items never mix."""
    builtin.build_builtin("birds", TINY, tmp_path, seed=3, workers=1, progress=False)
    before = files(tmp_path)
    with pytest.raises(DataRootError, match="another build.*seed"):
        builtin.build_builtin("birds", TINY, tmp_path, seed=4, workers=1, progress=False)
    bigger = DataSizes({"train": 2, "test": 2}, {"birds": 2, "flowers": 2}, 64, 768, captions_per_image=3)
    with pytest.raises(DataRootError, match="another build.*sizes"):
        builtin.build_builtin("birds", bigger, tmp_path, seed=3, workers=1, progress=False)
    assert files(tmp_path) == before


def test_a_folder_that_is_not_ours_is_refused_and_untouched(tmp_path):
    """A user's tree (here with dot-files, as a CUB copy may have) is neither written to nor cleaned."""
    user = tmp_path / "CUB"
    (user / "CUB_200_2011").mkdir(parents=True)
    for name, data in {".DS_Store": b"x", "CUB_200_2011/.keep": b"", ".env": b"A=1", ".gitignore": b"*"}.items():
        (user / name).write_bytes(data)
    before = {str(p.relative_to(user)): p.read_bytes() for p in user.rglob("*") if p.is_file()}
    with pytest.raises(DataRootError, match=f"{user} is not empty"):
        builtin.build_builtin("birds", TINY, user, seed=3, workers=1, progress=False)
    assert {str(p.relative_to(user)): p.read_bytes() for p in user.rglob("*") if p.is_file()} == before


def test_load_builtin_gives_records(clean_build):
    train = load_records("birds", clean_build, "train")
    test = load_records("birds", clean_build, "test")
    assert len(train) == len(test) == 4
    assert not {r.label for r in train} & {r.label for r in test}
    assert all(r.image.is_absolute() and len(r.wavs) == 3 and r.attributes for r in train + test)
    with pytest.raises(ValueError, match="split"):
        load_records("birds", clean_build, "val")


def test_missing_build_names_the_fix(tmp_path):
    with pytest.raises(DataRootError, match="make data"):
        load_records("birds", tmp_path / "nothing", "train")
    with pytest.raises(DataRootError, match="DATA_ROOT"):
        prepare("cub", "smoke")


def test_unknown_kind_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown built-in data set"):
        builtin.build_builtin("fish", TINY, tmp_path)
