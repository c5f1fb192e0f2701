"""Voicing a text-only real data set (s2i_lib.data.voicing): the built-in set's voice rule, draws that depend on
the utterance alone, a content-addressed store that resumes after a kill and re-voices only what changed."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from fixture_trees import make_cub_tree, make_oxford_tree
from s2i_lib.data import voices as tts
from s2i_lib.data import voicing
from s2i_lib.data.cub import load_cub
from s2i_lib.data.prepare import prepare
from s2i_lib.data.records import Record

POOL = tts.voice_pool()


def records(n_train: int = 3, n_test: int = 2, captions: int = 10) -> dict[str, list[Record]]:
    def record(split: str, i: int) -> Record:
        key = f"{split}_class/image_{i}"
        return Record(key, Path("x.jpg"), i, f"{split}_class", split,
                      [f"a bird {i} with a red crown, caption {k}" for k in range(captions)],
                      caption_file=Path(f"/data/text_c10/{key}.txt"))
    return {"train": [record("train", i) for i in range(n_train)],
            "test": [record("test", i) for i in range(n_train, n_train + n_test)]}


def test_train_captions_get_training_voices_and_test_captions_any_voice(tmp_path):
    planned = voicing.plan(records(40, 40), 0, POOL, tmp_path)
    by_split = {split: {u.voice.use for u in planned if u.key.startswith(split)} for split in ("train", "test")}
    assert by_split == {"train": {"train"}, "test": {"train", "test"}}
    assert all(tts.SPEED_RANGE[0] <= u.rate <= tts.SPEED_RANGE[1] for u in planned)
    assert all(u.wav.parent.parent == tmp_path and u.wav.parent.name == u.wav.name[:2] for u in planned)


def test_an_utterance_s_draw_depends_on_the_seed_and_the_utterance_alone(tmp_path):
    full = records()
    planned = voicing.plan(full, 0, POOL, tmp_path)
    assert planned == voicing.plan(records(), 0, POOL, tmp_path)
    fewer = {"train": full["train"][1:], "test": full["test"]}                    # another image removed
    changed = {**full, "train": [replace(full["train"][0], captions=["another caption"] + full["train"][0].captions[1:]),
                                 *full["train"][1:]]}
    assert set(voicing.plan(fewer, 0, POOL, tmp_path)) < set(planned)
    assert len(set(voicing.plan(changed, 0, POOL, tmp_path)) ^ set(planned)) == 2  # only caption 1 of image 0
    other_seed = voicing.plan(full, 1, POOL, tmp_path)
    assert sum(a.voice != b.voice for a, b in zip(planned, other_seed)) > len(planned) / 3


def test_voice_records_gives_every_caption_a_wav_and_its_voice(tmp_path, monkeypatch):
    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path))
    voiced = voicing.voice_records("cub", records(2, 1, captions=3), seed=0, workers=1, progress=False)
    store = tmp_path / "cub" / "voiced"
    for r in voiced["train"] + voiced["test"]:
        assert len(r.wavs) == len(r.voices) == 3 and all(w.is_relative_to(store) and w.exists() for w in r.wavs)
        assert all(tts.get_voice(v).use == "train" for v in r.voices) or r.split == "test"
    summary = (store / "seed0.json").read_text()
    assert '"utterances": 9' in summary and '"voiced_last_run": 9' in summary


def test_a_changed_caption_is_voiced_again_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path))
    spoken = []
    synthesize = tts.synthesize
    monkeypatch.setattr(tts, "synthesize", lambda voice, text, **kw: spoken.append(text) or synthesize(voice, text, **kw))
    first = voicing.voice_records("cub", records(2, 1, captions=3), seed=0, workers=1, progress=False)
    assert len(spoken) == 9
    edited = records(2, 1, captions=3)
    edited["test"][0].captions[1] = "a bird with a long yellow bill"
    again = voicing.voice_records("cub", edited, seed=0, workers=1, progress=False)
    assert spoken[9:] == ["a bird with a long yellow bill"]
    assert [w for r in again["train"] for w in r.wavs] == [w for r in first["train"] for w in r.wavs]
    assert again["test"][0].wavs[1] != first["test"][0].wavs[1] and again["test"][0].wavs[0] == first["test"][0].wavs[0]


VOICE_IN_CHILD = """
import sys
sys.path.insert(0, {tests!r})
from test_voicing import records
from s2i_lib.data.voicing import voice_records
voice_records("cub", records(3, 2), seed=0, workers=1, progress=False)
"""


def wav_bytes(store: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in store.glob("*/*.wav")}


def test_voicing_killed_at_a_random_point_resumes_to_the_same_audio(tmp_path, monkeypatch):
    clean = tmp_path / "clean"
    monkeypatch.setenv("S2I_ARTIFACTS", str(clean))
    voicing.voice_records("cub", records(3, 2), seed=0, workers=1, progress=False)
    expected = wav_bytes(clean / "cub" / "voiced")
    assert len(expected) == 50

    killed = tmp_path / "killed"
    store = killed / "cub" / "voiced"
    stop_after = random.Random().randint(1, 45)
    child = subprocess.Popen([sys.executable, "-c", VOICE_IN_CHILD.format(tests=str(Path(__file__).parent))],
                             env={**os.environ, "S2I_ARTIFACTS": str(killed), "TMPDIR": str(tmp_path)})  # flite's
    # temporary folder of the utterance being killed stays in tmp_path
    deadline = time.time() + 120
    while len(list(store.glob("*/*.wav"))) < stop_after and child.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert len(list(store.glob("*/*.wav"))) < 50, "the child finished before it was killed"
    (store / "ab").mkdir(exist_ok=True)
    (store / "ab" / ".abcdef.wav.999.tmp").write_bytes(b"half a wav")     # what a kill mid-write leaves

    monkeypatch.setenv("S2I_ARTIFACTS", str(killed))
    voicing.voice_records("cub", records(3, 2), seed=0, workers=1, progress=False)
    assert wav_bytes(store) == expected and not list(store.glob("*/.*.tmp"))


def test_a_voice_that_returns_no_sound_is_named_with_the_caption_file(tmp_path, monkeypatch):
    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path))
    monkeypatch.setattr(tts, "synthesize", lambda voice, text, **kw: __import__("numpy").zeros(8000, "float32"))
    with pytest.raises(voicing.VoicingError, match=r"/data/text_c10/train_class/image_0.txt, caption 1: voice .* "
                                                   r"returned no sound .*\nfix: reword"):
        voicing.voice_records("cub", records(1, 1), seed=0, workers=1, progress=False)


def test_prepare_voices_a_text_only_tree_outside_its_data_root(tmp_path, monkeypatch, capsys):
    """Oxford-102's tree; CUB's is voiced by `make reproduce-table2` in test_notebooks_text_only.py."""
    dataset = "oxford"
    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path / "artifacts"))
    tree = make_oxford_tree(tmp_path / dataset, with_audio=False)
    before = {p: p.read_bytes() for p in tree.root.rglob("*") if p.is_file()}
    data = prepare(dataset, "smoke", tree.root, workers=2)
    shown = capsys.readouterr().out
    assert "100 text captions and no speech: voicing 100 of them" in shown and " s on 2 processes" in shown
    assert data.voiced
    assert {p: p.read_bytes() for p in tree.root.rglob("*") if p.is_file()} == before
    assert len(data.fbanks) == 100 and not data.fbanks.failed
    assert all(len(r.wavs) == 10 and r.caption_file.is_relative_to(tree.root) for r in data.records["test"])
    again = prepare(dataset, "smoke", tree.root, workers=2)
    assert "voicing" not in capsys.readouterr().out
    assert again.identity() == data.identity()


def test_the_authors_speech_layout_takes_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path / "artifacts"))
    tree = make_cub_tree(tmp_path / "cub", with_audio=True)
    data = prepare("cub", "smoke", tree.root, workers=1)
    assert data.records["train"][0].wavs == tree.wavs[data.records["train"][0].key] and not data.voiced
    assert not (tmp_path / "artifacts" / "cub" / "voiced").exists()
    assert load_cub(tree.root, "train")[0].caption_file is None


def test_the_command_line_prints_a_voicing_error_alone(tmp_path, monkeypatch):
    from s2i_lib.__main__ import main
    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path / "artifacts"))
    monkeypatch.delenv("S2I_DEBUG", raising=False)
    monkeypatch.setattr(tts, "synthesize", lambda voice, text, **kw: __import__("numpy").zeros(10, "float32"))
    tree = make_cub_tree(tmp_path / "cub", with_audio=False)
    with pytest.raises(SystemExit, match=r"^data: .*text_c10/.*\.txt, caption 1: voice .* returned no sound"):
        main(["data", "--dataset", "cub", "--profile", "smoke", "--data-root", str(tree.root), "--workers", "1"])
