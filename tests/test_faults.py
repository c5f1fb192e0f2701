"""Fault injection, as a skeptical user would try it: each fault is refused, rebuilt, or a named error, and no
file the project did not create is ever changed."""
from __future__ import annotations

import json
import multiprocessing
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile
import torch

from fixture_trees import make_cub_tree
from s2i_lib.audio import AudioError, load_logmel, read_wav, write_wav
from s2i_lib.checkpoint import CorruptFileError, folder_lock, load_checkpoint, save_checkpoint
from s2i_lib.config import REPO_ROOT, DataSizes, get_profile
from s2i_lib.data.builtin import read_manifest
from s2i_lib.data.errors import DataRootError
from s2i_lib.data.fbank_cache import open_fbank_cache
from s2i_lib.data.prepare import prepare
from s2i_lib.pipeline.systems import load_split, save_split
from s2i_lib.pipeline.teacher import cached_teacher_features
from s2i_lib.train.encoder import EncoderTrainConfig, train_encoder

SR = 16000
TINY = replace(get_profile("smoke"), data=DataSizes({"train": 2, "test": 2}, {"birds": 2, "flowers": 2}, 32, 768,
                                                     captions_per_image=3))


def tone(seconds: float, offset: float = 0.0) -> np.ndarray:
    t = np.arange(int(SR * seconds)) / SR
    return (0.3 * np.sin(2 * np.pi * 440 * t) + offset).astype(np.float32)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def artifacts(tmp_path, monkeypatch):
    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path / "artifacts"))
    return tmp_path / "artifacts"


# ------------------------------------------------------------------------- 1. a user's folder is never harmed


@pytest.mark.parametrize("dataset", ["birds", "flowers"])
def test_building_into_a_real_data_tree_is_refused_and_every_byte_survives(dataset, tmp_path, artifacts):
    tree = make_cub_tree(tmp_path / "CUB copy")
    for name, data in {".DS_Store": b"\0\1", ".env": b"KEY=1", ".gitignore": b"*.pyc\n",
                       "CUB_200_2011/.keep": b""}.items():
        (tree.root / name).parent.mkdir(parents=True, exist_ok=True)
        (tree.root / name).write_bytes(data)
    before = snapshot(tree.root)
    with pytest.raises(DataRootError, match=f"{tree.root} is not empty.*DATA_ROOT"):
        prepare(dataset, TINY, tree.root, workers=1, progress=False)
    assert snapshot(tree.root) == before


# ------------------------------------------------------------------------------ 2. caches know their inputs


def test_a_replaced_wav_rebuilds_the_fbank_cache_and_clears_its_failure(tmp_path, capsys):
    wavs = {"a": tmp_path / "a.wav", "b": tmp_path / "b.wav"}
    write_wav(wavs["a"], tone(1.0), SR)
    write_wav(wavs["b"], np.zeros(SR, np.float32), SR)                   # silent: fails
    cache = open_fbank_cache(tmp_path / "fbank", wavs, workers=1, progress=False)
    assert cache.get("a").shape[1] == 101 and "b" in cache.failed
    write_wav(wavs["a"], tone(60.0), SR)                                 # replaced by a 60 s utterance
    write_wav(wavs["b"], tone(2.0), SR)                                  # fixed, as its error message advised
    cache = open_fbank_cache(tmp_path / "fbank", wavs, workers=1, progress=True)
    assert "wav files changed" in capsys.readouterr().out
    assert cache.get("a").shape[1] == 6001 and cache.get("b").shape[1] == 201 and not cache.failed


# ----------------------------------------------------------------------- 3 and 4. mixed builds, missing files


@pytest.fixture
def built(artifacts):
    data = prepare("birds", TINY, workers=1, progress=False)
    return data, snapshot(data.root)


def test_a_build_with_other_sizes_over_an_existing_one_is_refused(built):
    data, before = built
    bigger = replace(TINY, data=replace(TINY.data, image_size=64))
    with pytest.raises(DataRootError, match="another build"):
        prepare("birds", bigger, data.root, workers=1, progress=False)
    assert snapshot(data.root) == before


@pytest.mark.parametrize("damage", ["half the wavs", "an image", "the manifest", "a truncated manifest"])
def test_missing_files_are_noticed_and_made_again_identically(built, damage, capsys):
    data, before = built
    wavs = sorted(data.root.rglob("*.wav"))
    if damage == "half the wavs":
        for path in wavs[::2]:
            path.unlink()
    elif damage == "an image":
        next(data.root.rglob("*.png")).unlink()
    elif damage == "the manifest":
        (data.root / "manifest.json").unlink()
    else:
        path = data.root / "manifest.json"
        path.write_bytes(path.read_bytes()[:200])
        with pytest.raises(DataRootError, match="damaged.*make data"):
            read_manifest(data.root)
    again = prepare("birds", TINY, workers=1, progress=True)
    out = capsys.readouterr().out
    if damage in ("half the wavs", "an image"):
        assert "are missing: making them again" in out
    after = snapshot(again.root)
    after.pop("manifest.json"), before.pop("manifest.json")            # it records the build time
    assert after == before and not again.fbanks.failed
    assert again.fbanks.get(f"{again.records['train'][0].key}#0").shape[0] == 40


# ------------------------------------------------------------------------------------------------- 5. audio


def write_raw_wav(path: Path, rate: int, samples: bytes, declared: int | None = None) -> None:
    """A 16-bit mono RIFF/WAVE file with a chosen header rate and data size."""
    fmt = (1).to_bytes(2, "little") + (1).to_bytes(2, "little") + rate.to_bytes(4, "little") \
        + (rate * 2).to_bytes(4, "little") + (2).to_bytes(2, "little") + (16).to_bytes(2, "little")
    size = len(samples) if declared is None else declared
    body = b"WAVE" + b"fmt " + len(fmt).to_bytes(4, "little") + fmt + b"data" + size.to_bytes(4, "little") + samples
    path.write_bytes(b"RIFF" + len(body).to_bytes(4, "little") + body)


@pytest.mark.parametrize("case, reason", [
    ("rate 0", "sample rate of 0"), ("no samples", "0 samples|no data"), ("cut in half", "cut short"),
    ("0 bytes", "empty file \\(0 bytes\\)"), ("dc offset", "silent.*constant offset"),
])
def test_bad_audio_is_refused_with_the_file_and_the_reason(tmp_path, case, reason):
    path = tmp_path / f"{case}.wav"
    pcm = (tone(1.0) * 32767).astype("<i2").tobytes()
    if case == "rate 0":
        write_raw_wav(path, 0, pcm)
    elif case == "no samples":
        write_raw_wav(path, SR, b"")
    elif case == "cut in half":
        write_raw_wav(path, SR, pcm[:len(pcm) // 2], declared=len(pcm))
    elif case == "0 bytes":
        path.write_bytes(b"")
    else:
        write_wav(path, np.full(SR, 0.5, np.float32), SR)              # a constant: silence once DC is removed
    with pytest.raises(AudioError, match=reason) as info:
        load_logmel(path)
    assert str(path) in str(info.value) and "re-create or remove it" in str(info.value) or case == "dc offset"


def test_bad_audio_does_not_stop_a_cache_build(tmp_path):
    wavs = {"good": tmp_path / "good.wav", "rate0": tmp_path / "rate0.wav"}
    write_wav(wavs["good"], tone(1.0), SR)
    write_raw_wav(wavs["rate0"], 0, (tone(1.0) * 32767).astype("<i2").tobytes())
    cache = open_fbank_cache(tmp_path / "fbank", wavs, workers=1, progress=False)
    assert "good" in cache and "sample rate of 0" in cache.failed["rate0"]


@pytest.mark.parametrize("subtype, channels", [("PCM_24", 1), ("FLOAT", 1), ("PCM_16", 3), ("PCM_32", 2)])
def test_any_bit_depth_float_and_extensible_wavs_are_read(tmp_path, subtype, channels):
    x = tone(1.0)
    path = tmp_path / f"{subtype}.wav"
    soundfile.write(path, np.stack([x] * channels, 1), SR, subtype=subtype)    # 3 channels: WAVE_FORMAT_EXTENSIBLE
    y, rate = read_wav(path)
    assert rate == SR and np.abs(y - x).max() < 1e-3
    assert load_logmel(path).shape == (40, 101)


# ------------------------------------------------------------------------------------------ 6. damaged state


def test_a_truncated_checkpoint_is_named_with_the_fix(tmp_path):
    path = tmp_path / "run" / "last.pt"
    save_checkpoint(path, {"x": torch.zeros(1000)})
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(CorruptFileError, match=f"{path} is damaged.*delete it to train this run again"):
        train_encoder(torch.nn.Linear(2, 2), [], lambda m, b: None, path.parent,
                      EncoderTrainConfig(epochs=1), progress=False)


def test_the_loader_removes_temp_files_of_dead_processes_only(tmp_path):
    path = tmp_path / "last.pt"
    dead, alive = tmp_path / ".last.pt.999999999.tmp", tmp_path / f".last.pt.{multiprocessing.current_process().pid}.tmp"
    dead.write_bytes(b"half"), alive.write_bytes(b"being written")
    assert load_checkpoint(path) is None
    assert not dead.exists() and alive.exists()


def test_an_empty_teacher_cache_is_recomputed(tmp_path, capsys, monkeypatch):
    from s2i_lib.pipeline import teacher as teacher_module

    calls = []

    def fake_features(teacher, images, view_set, crop, batch_size, progress):
        calls.append(len(images))
        return torch.ones(len(images), 2, 4)

    monkeypatch.setattr(teacher_module, "teacher_features", fake_features)
    monkeypatch.setattr(teacher_module, "load_image_tensor", lambda recs, size: torch.zeros(len(recs), 3, size, size))
    path = tmp_path / "features_train.pt"
    path.write_bytes(b"")                                                  # a 0-byte cache, as a full disk leaves
    records = [type("R", (), {"key": f"k{i}"})() for i in range(3)]
    features = cached_teacher_features(None, "t", records, 16, path, "centre+flip", 8, progress=False)
    assert features.shape == (3, 2, 4) and calls == [3]
    assert f"recomputing: {path} is damaged" in capsys.readouterr().out
    assert cached_teacher_features(None, "t", records, 16, path, "centre+flip", 8, progress=False).shape == (3, 2, 4)
    assert calls == [3]                                                    # the rewritten cache is used


def test_truncated_embeddings_name_the_file_and_the_fix(tmp_path):
    records = [type("R", (), {"key": f"k{i}", "label": i})() for i in range(3)]
    path = tmp_path / "embeddings-abc" / "test.pt"
    save_split(path, records, torch.randn(3, 2, 4), "tsl")
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(CorruptFileError, match=f"{path} is damaged.*delete {path.parent} and run the encoder"):
        load_split(path, records)


@pytest.mark.parametrize("damage", ["meta.json broken", "meta.json without keys", "fbank.f16 truncated"])
def test_a_damaged_fbank_cache_is_rebuilt(tmp_path, damage, capsys):
    wavs = {"a": tmp_path / "a.wav"}
    write_wav(wavs["a"], tone(1.0), SR)
    folder = tmp_path / "fbank"
    expected = open_fbank_cache(folder, wavs, workers=1, progress=False).get("a")
    if damage == "meta.json broken":
        (folder / "meta.json").write_text('{"params": ')
    elif damage == "meta.json without keys":
        (folder / "meta.json").write_text("{}")
    else:
        (folder / "fbank.f16").write_bytes((folder / "fbank.f16").read_bytes()[:100])
    cache = open_fbank_cache(folder, wavs, workers=1, progress=True)
    assert "building fbank cache" in capsys.readouterr().out
    np.testing.assert_array_equal(cache.get("a"), expected)


# ---------------------------------------------------------------------------- 7. two runs on one folder


def hold_lock(folder: str, ready, release) -> None:
    with folder_lock(folder):
        ready.set()
        release.wait(30)


def test_one_lock_per_artifacts_folder(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=hold_lock, args=(str(tmp_path), ready, release))
    holder.start()
    try:
        assert ready.wait(60)
        with pytest.raises(RuntimeError, match=f"{tmp_path} is in use by process {holder.pid}"):
            with folder_lock(tmp_path, wait=False):
                pass
    finally:
        release.set()
        holder.join(30)
    with folder_lock(tmp_path, wait=False):                          # free again once the holder is gone
        pass


def prepare_cub(root: str, artifacts: str) -> int:
    import os
    os.environ["S2I_ARTIFACTS"] = artifacts
    return len(prepare("cub", "smoke", root, workers=1, progress=False).fbanks)


def test_two_prepare_runs_on_one_folder_both_succeed(tmp_path):
    tree = make_cub_tree(tmp_path / "cub")
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        counts = pool.starmap(prepare_cub, [(str(tree.root), str(tmp_path / "artifacts"))] * 2)
    assert counts[0] == counts[1] > 0
    assert not list((tmp_path / "artifacts").rglob("*.tmp"))


# -------------------------------------------------------------------------------------- 8. paths and seeds


def test_a_data_root_with_spaces_works(tmp_path, artifacts):
    tree = make_cub_tree(tmp_path / "my data" / "CUB 200")
    data = prepare("cub", "smoke", tree.root, workers=1, progress=False)
    assert len(data.records["train"]) == len(tree.keys["train"])


def test_make_quotes_paths_and_makes_them_absolute(tmp_path):
    def dry(target: str, root: str) -> str:
        return subprocess.run(["make", "-n", target, f"DATA_ROOT={root}"], cwd=REPO_ROOT, capture_output=True,
                              text=True, check=True).stdout

    assert f'--data-root "{REPO_ROOT}/some dir/x"' in dry("data", "some dir/x")
    assert f'-p data_root "{REPO_ROOT}/rel"' in dry("reproduce-table2", "rel")   # papermill runs in notebooks/
    assert f'-p data_root "{tmp_path}/a b"' in dry("reproduce-table2", f"{tmp_path}/a b")


@pytest.mark.parametrize("bad", [-1, "abc", 1.5])
def test_bad_seeds_are_one_line_errors(bad):
    with pytest.raises(ValueError, match="non-negative integer"):
        prepare("birds", "smoke", seed=bad)
    run = subprocess.run(["make", "check-options", f"SEED={bad}"], cwd=REPO_ROOT, capture_output=True, text=True)
    assert run.returncode == 2 and run.stderr.splitlines()[0] == f"SEED must be a non-negative integer, not '{bad}'"


def test_a_full_disk_names_the_file_the_space_left_and_that_a_rerun_resumes(tmp_path, monkeypatch):
    """Issue: a full disk gave `PytorchStreamWriter failed writing file data/54` (checkpoints) and a bare
    `[Errno 28] No space left on device` (the data build), without a path."""
    import errno

    from s2i_lib import checkpoint
    from s2i_lib.checkpoint import DiskFullError, save_checkpoint

    def full(state, path):
        Path(path).write_bytes(b"x" * 1000)                                   # part of it written
        raise RuntimeError("[enforce fail at inline_container.cc:778] . PytorchStreamWriter failed writing file "
                           "data/54: file write failed")
    monkeypatch.setattr(checkpoint.torch, "save", full)
    target = tmp_path / "run" / "last.pt"
    with pytest.raises(DiskFullError, match=rf"checkpoint {target} could not be written \(\d+ MB free there, 0 MB "
                                            r"of it written\); free space.*run again: the work resumes"):
        save_checkpoint(target, {"weights": 1})
    assert sorted(p.name for p in target.parent.iterdir()) == []              # no partial file left behind

    from s2i_lib.data import builtin

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(builtin, "_write_item", no_space)
    job = {"out_dir": str(tmp_path / "data"), "spec": SimpleNamespace(name="001.a", index=1), "j": 3, "kind": "birds"}
    with pytest.raises(DiskFullError, match=r"built-in data item \(image, wavs, record\) .*birds_001_0003\.json "
                                            r"could not be written"):
        builtin._make_item(job)
