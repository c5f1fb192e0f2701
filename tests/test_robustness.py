"""Table III: the offline stand-in (held-out voices, degraded recordings written once and resumed, measures per
condition keyed and resumed, claims read on hand-made numbers) and the Places table's cited column."""
from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from s2i_lib.audio import FbankParams, read_wav
from s2i_lib.config import RobustnessSizes, get_profile
from s2i_lib.data.content import PARTS
from s2i_lib.data.prepare import PreparedData
from s2i_lib.degrade import CLEAN, Condition
from s2i_lib.metrics.uncertainty import Estimate
from s2i_lib.models.text_encoder import TextEncoder, Vocabulary
from s2i_lib.pipeline import degraded, evaluate
from s2i_lib.pipeline.degraded import SHUFFLED, StandinResult, degraded_speech, held_out_utterances, measure_standin
from s2i_lib.pipeline.gan import derangement
from s2i_lib.pipeline.runs import Run
from s2i_lib.pipeline.transcripts import wer_estimate
from s2i_lib.study.standin import DEGRADES, standin_claims, standin_rows
from s2i_lib.study.table3 import PAPER_COLUMN, table3_claims, table3_rows
from test_dataset import make_records
from test_evaluate import FlatGenerator

TRAIN_VOICE, HELD_VOICES = "espeak-en-us-m1", ("flite-rms", "piper-joe")


def with_voices(records, seed=0):
    """The records with a voice per caption: caption 0 by a training voice, the others by held-out ones."""
    rng = np.random.default_rng(seed)
    return [replace(r, split="test", voices=[TRAIN_VOICE] + [str(rng.choice(HELD_VOICES)) for _ in r.wavs[1:]])
            for r in records]


def test_held_out_utterances_pick_one_held_out_caption_per_image_seeded(tmp_path):
    records = with_voices(make_records(tmp_path, n_classes=3, per_class=3))
    pairs = held_out_utterances(records, limit=5, seed=0)
    assert len(pairs) == 5 and len({i for i, _ in pairs}) == 5 and pairs == sorted(pairs)
    assert all(records[i].voices[k] in HELD_VOICES for i, k in pairs)
    assert pairs == held_out_utterances(records, 5, seed=0) and pairs != held_out_utterances(records, 5, seed=1)
    assert len(held_out_utterances(records, limit=100, seed=0)) == 9
    with pytest.raises(ValueError, match="held-out voice"):
        held_out_utterances([replace(r, voices=[TRAIN_VOICE] * 3) for r in records], 5, 0)


def test_wer_is_the_corpus_rate_with_a_bootstrap_error():
    refs, hyps = ["a b c d", "a b"], ["a b c", "a x"]
    est = wer_estimate(refs, hyps, reps=20, seed=0)
    assert est.value == pytest.approx(2 / 6) and est.error > 0          # one deletion, one substitution


SIZES = RobustnessSizes(images=4, noises=("pink", "babble"), snrs_db=(0.0,), rt60s_s=(0.5,))


@pytest.fixture
def standin_data(tmp_path, monkeypatch):
    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path / "artifacts"))
    root = tmp_path / "data"
    root.mkdir()
    records = make_records(root, n_classes=3, per_class=3)
    smoke = get_profile("smoke")
    profile = replace(smoke, robustness=SIZES, eval=replace(smoke.eval, kid_subset_size=4, kid_subsets=5))
    return PreparedData("cub", profile, 0, root, {"train": records[:3], "test": with_voices(records[3:])},
                        SimpleNamespace(params=FbankParams()), content=dict.fromkeys(PARTS, "fixture"))


def test_degraded_recordings_are_the_conditions_and_resume_to_the_same_files(standin_data, monkeypatch):
    data = standin_data
    written = []
    real_write = degraded.write_wav

    def killed_after_five(path, audio, rate):
        if len(written) == 5:
            raise KeyboardInterrupt
        written.append(path)
        real_write(path, audio, rate)
    monkeypatch.setattr(degraded, "write_wav", killed_after_five)
    with pytest.raises(KeyboardInterrupt):
        degraded_speech(data, progress=False)
    monkeypatch.setattr(degraded, "write_wav", real_write)
    first = {p: p.read_bytes() for p in written}
    speech = degraded_speech(data, progress=False)                       # resumed
    assert speech.run.done and [c.name for c in speech.conditions] == ["clean", "pink 0 dB", "babble 0 dB",
                                                                       "reverb 0.5 s"]
    assert all(p.read_bytes() == b for p, b in first.items())
    for m, (i, k) in enumerate(speech.pairs):
        original, _ = read_wav(data.records["test"][i].wavs[k])
        clean, _ = read_wav(speech.wav(CLEAN, m))
        assert np.allclose(clean, original, atol=1 / 32767)
        noisy, _ = read_wav(speech.wav(Condition("pink", 0.0), m))
        expected = Condition("pink", 0.0).apply(original, 16000, np.random.default_rng([data.seed, 1, m]))
        assert np.abs(noisy - expected).max() <= 2 / 32767       # seeded by data seed, condition, utterance (16-bit)
        assert len(read_wav(speech.wav(Condition(rt60_s=0.5), m))[0]) == len(original)
    files = {p.relative_to(speech.run.folder): p.read_bytes() for p in speech.run.folder.rglob("*.wav")}
    monkeypatch.setenv("S2I_ARTIFACTS", str(data.root.parent / "elsewhere"))
    fresh = degraded_speech(data, progress=False)                 # built whole elsewhere: the same recordings
    assert fresh.run.folder != speech.run.folder and fresh.run.key == speech.run.key
    assert {p.relative_to(fresh.run.folder): p.read_bytes() for p in fresh.run.folder.rglob("*.wav")} == files


class MeanSpectrum(nn.Module):
    """A "speech encoder": the mean of each of the first six Mel bands over the utterance's frames."""

    def __init__(self):
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(1))

    def forward(self, spec, n_frames):
        return torch.stack([s[:6, :n].mean(1) for s, n in zip(spec, n_frames)])


def fake_gan(data, system):
    run = Run("gan", system, {"fixture": 1}, data.artifacts)
    return SimpleNamespace(run=run, system=SimpleNamespace(name=system, run=Run("embeddings", system, {"f": 1},
                                                                               data.artifacts)))


def features8(images, **kw):
    return torch.cat([images.mean((2, 3)), images.amax((2, 3)), images.amin((2, 3))[:, :2]], 1).double().numpy()


def test_measures_per_condition_are_keyed_resumed_and_reused(standin_data, monkeypatch):
    data = standin_data
    monkeypatch.setattr(degraded, "fid_features", features8)
    monkeypatch.setattr(evaluate, "fid_features", features8)
    speech = degraded_speech(data, progress=False)
    image_features = torch.randn(len(data.records["test"]), 6, generator=torch.Generator().manual_seed(0))
    encoder = SimpleNamespace(model=MeanSpectrum())
    calls = []
    real_generate = degraded.generate

    def killed_on_third(*a, **k):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_generate(*a, **k)
    monkeypatch.setattr(degraded, "generate", killed_on_third)
    with pytest.raises(KeyboardInterrupt):
        measure_standin(data, fake_gan(data, "tsl"), FlatGenerator(), encoder, speech, None, image_features,
                        progress=False)
    monkeypatch.setattr(degraded, "generate", real_generate)
    resumed = measure_standin(data, fake_gan(data, "tsl"), FlatGenerator(), encoder, speech, None, image_features,
                              progress=False)
    assert list(resumed.measures) == [c.name for c in speech.conditions] + [SHUFFLED]      # its own control last
    assert set(resumed.measures[SHUFFLED]) == {"cos to clean", "R@10", "FID", "KID"}
    assert set(resumed.measures["clean"]) == {"cos to clean", "R@10", "FID", "KID"}     # not built in: no attributes
    assert resumed.measures["clean"]["cos to clean"].value == pytest.approx(1.0)
    assert resumed.measures["pink 0 dB"]["cos to clean"].value < 0.999
    assert resumed.examples["clean"].shape == (4, 3, 8, 8) and resumed.examples["clean"].dtype == torch.uint8
    monkeypatch.setenv("S2I_ARTIFACTS", str(data.root.parent / "elsewhere"))   # measured whole, from scratch
    shown = []
    monkeypatch.setattr(degraded, "generate", lambda netG, embeddings, **k: shown.append(embeddings) or
                        real_generate(netG, embeddings, **k))
    whole = measure_standin(data, fake_gan(data, "tsl"), FlatGenerator(), encoder, degraded_speech(data, progress=False),
                            None, image_features, progress=False)
    assert whole.measures == resumed.measures
    order = torch.as_tensor(derangement(len(speech.pairs), 0))          # the control: clean, each for another image
    assert torch.equal(shown[-1], shown[0][order]) and (order != torch.arange(len(order))).all()
    monkeypatch.setattr(degraded, "generate", lambda *a, **k: (_ for _ in ()).throw(AssertionError("regenerated")))
    assert measure_standin(data, fake_gan(data, "tsl"), FlatGenerator(), encoder, speech, None, image_features,
                           progress=False).measures == whole.measures                 # reused from its run


def test_two_stage_reads_the_transcripts_and_the_classifier_has_no_teacher_space_recall(standin_data, monkeypatch):
    data = standin_data
    monkeypatch.setattr(degraded, "fid_features", features8)
    monkeypatch.setattr(evaluate, "fid_features", features8)
    speech = degraded_speech(data, progress=False)
    image_features = torch.randn(len(data.records["test"]), 6)
    said = {speech.key(c, m): data.records["test"][i].captions[k] for c in speech.conditions
            for m, (i, k) in enumerate(speech.pairs)}
    heard = {key: (text if "clean" in key else "caption") for key, text in said.items()}   # noise loses the digit
    vocab = Vocabulary(["caption 0", "caption 1", "caption 2"])
    torch.manual_seed(0)
    text = SimpleNamespace(model=TextEncoder(len(vocab), 6), vocab=vocab)
    with pytest.raises(ValueError, match="transcripts"):
        measure_standin(data, fake_gan(data, "two_stage"), FlatGenerator(), text, speech, None, image_features)
    two = measure_standin(data, fake_gan(data, "two_stage"), FlatGenerator(), text, speech,
                          (Run("transcripts", "degraded", {"f": 1}, data.artifacts), heard), image_features,
                          progress=False)
    assert two.measures["clean"]["WER"].value == 0
    assert two.measures["pink 0 dB"]["WER"].value == pytest.approx(4 / 8)        # "caption N" -> "caption"
    assert "WER" not in two.measures[SHUFFLED]                                 # nothing was recognised anew
    classifier = measure_standin(data, fake_gan(data, "classifier"), FlatGenerator(),
                                 SimpleNamespace(model=MeanSpectrum()), speech, None, image_features, progress=False)
    assert "R@10" not in classifier.measures["clean"] and "WER" not in classifier.measures["clean"]
    rows = standin_rows({"two_stage": two, "classifier": classifier}, {"two_stage": "2s", "classifier": "cl"})
    assert len(rows) == 2 * (len(speech.conditions) + 1) and rows[0]["condition"] == "clean" and rows[0]["system"] == "2s"
    assert rows[-1]["condition"] == SHUFFLED
    assert rows[1]["WER"] == "" and rows[0]["WER"] == "0.000 ± 0.000"


def result(measures):
    return StandinResult("x", None, {name: {k: Estimate(*v) for k, v in m.items()} for name, m in measures.items()},
                         {})


def test_the_papers_table3_claims_are_read_per_condition_and_as_degradation():
    ours = result({"clean": {"attributes": (0.40, 0.01), "FID": (100, 2)},
                   "babble 20 dB": {"attributes": (0.30, 0.01), "FID": (110, 2)},
                   "babble 0 dB": {"attributes": (0.20, 0.01), "FID": (130, 2)}})
    two = result({"clean": {"attributes": (0.30, 0.01), "FID": (101, 2)},
                  "babble 20 dB": {"attributes": (0.30, 0.01), "FID": (101, 2)},
                  "babble 0 dB": {"attributes": (0.25, 0.01), "FID": (104, 2)}})
    readings = {(r["claim"], r["condition"], r["measure"]): r["reading"]
                for r in standin_claims({"tsl": ours, "two_stage": two},
                                        [CLEAN, Condition("babble", 20.0), Condition("babble", 0.0)],
                                        ("attributes", "FID"))}
    assert readings[("two-stage beats ours", "clean", "attributes")] == "not held"          # 0.30 < 0.40
    assert readings[("two-stage beats ours", "clean", "FID")] == "within noise"
    assert readings[("two-stage beats ours", "babble 0 dB", "attributes")] == "held"
    assert readings[(DEGRADES, "babble 0 dB", "attributes")] == "held"  # 0.20 vs 0.05
    assert readings[(DEGRADES, "babble 0 dB", "FID")] == "held"         # 30 vs 3
    assert (DEGRADES, "clean", "FID") not in readings
    assert not any(condition == "babble 20 dB" for _, condition, _ in readings)    # the hardest of a series only


def test_places_table_cites_table_iii_and_reads_its_claims():
    def m(fid):
        return {"FID": Estimate(fid, 1.0), "KID": Estimate(0.1, 0.01), "R-precision": Estimate(0.1, 0.01),
                "score": Estimate(2.0, 0.1), "FID shuffled": Estimate(fid + 1, 1.0)}
    measures = {"two_stage": m(60.0), "classifier": m(200.0), "tsl": m(80.0)}
    rows = table3_rows(measures, {"FID": Estimate(5.0, 0.5), "KID": Estimate(0.0, 0.001)}, 1234)
    assert rows[2]["FID"] == "80.00 [eval ± 1.00]" and rows[2]["training seeds"] == 1
    cited = {r["system"].split(":")[0].split(" (")[0]: r[PAPER_COLUMN] for r in rows}
    assert cited["ours"] == "83.06" and cited["two-stage"] == "64.59" and cited["classifier-based speech encoder"] == "232.39"
    assert not any("StackGAN" in r["system"] for r in rows) and not any("paper IS (cited)" in r for r in rows)
    readings = {(r["claim"], r["measure"]): r["reading"] for r in table3_claims(measures)}
    assert readings[("ours beats classifier-based", "FID")] == "held"
    assert readings[("two-stage beats ours", "FID")] == "held" and readings[("two-stage beats ours", "KID")] == "within noise"
