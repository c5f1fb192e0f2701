"""Two-stage transcription: seeded caption subsets, and a killed run resumes without redoing its work."""
from __future__ import annotations

import math

import json

import s2i_lib.pipeline.transcripts as transcripts
from s2i_lib.data.records import Record
from s2i_lib.metrics.uncertainty import Estimate


def records(n=3, k=4):
    return [Record(key=f"c/{i}", image="x.png", label=0, class_name="c", split="test", captions=[""] * k,
                   wavs=[f"/w/{i}_{j}.wav" for j in range(k)]) for i in range(n)]


def test_caption_subset_is_seeded_and_per_image():
    pairs = transcripts.caption_subset(records(), 2, seed=3)
    assert len(pairs) == 6 and [i for i, _ in pairs] == [0, 0, 1, 1, 2, 2]
    assert pairs == transcripts.caption_subset(records(), 2, seed=3)
    assert len(transcripts.caption_subset(records(), None)) == 12


def test_resume_skips_done_keys_and_a_cut_last_line(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(transcripts, "_init_worker", lambda: None)
    monkeypatch.setattr(transcripts, "_transcribe", lambda job: calls.append(job[0]) or (job[0], f"text {job[1]}"))
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"key": "c/0#1", "text": "done before"}) + "\n" + '{"key": "c/1#')   # killed mid-line
    recs = records()
    out = transcripts.transcribe_captions(recs, [(0, 1), (1, 2), (2, 0)], path, progress=False)
    assert calls == ["c/1#2", "c/2#0"]
    assert out == {"c/0#1": "done before", "c/1#2": "text /w/1_2.wav", "c/2#0": "text /w/2_0.wav"}
    assert transcripts.read_transcripts(path) == out
    assert transcripts.transcribe_captions(recs, [(1, 2)], path, progress=False) == {"c/1#2": "text /w/1_2.wav"}
    assert len(calls) == 2


def test_wer_by_voice_groups_and_pools_utterances():
    recs = [Record(key="c/0", image="x", label=0, class_name="c", split="test",
                   captions=["a red bird", "a blue bird"], wavs=["0", "1"], voices=["v1", "v2"]),
            Record(key="c/1", image="x", label=0, class_name="c", split="test",
                   captions=["small bird", "big bird"], wavs=["0", "1"], voices=["v1", "v1"])]
    said = {"c/0#0": "a red bird", "c/0#1": "the blue", "c/1#1": "big bird"}
    rows = transcripts.wer_by_voice(recs, [(0, 0), (0, 1), (1, 1)], said, held_out=("v2",))
    assert rows[0] == {"voice": "v1", "held out": False, "utterances": 2, "WER": Estimate(0.0, 0.0)}
    assert rows[1]["WER"].value == 2 / 3 and math.isnan(rows[1]["WER"].error)   # a->the, bird deleted; one utterance
    assert rows[2]["voice"] == "all" and rows[2]["WER"].value == 2 / 8 and rows[2]["WER"].error > 0
