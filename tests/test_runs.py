"""Run identity: every stage output is keyed by everything that determines it; the same request reuses (or
resumes) its run, any difference makes a new one, and a run is never reloaded under another config."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from s2i_lib.__main__ import main as cli
from s2i_lib.config import get_profile
from s2i_lib.data.dataset import wav_table
from s2i_lib.data.fbank_cache import open_fbank_cache
from s2i_lib.data.prepare import PreparedData
from s2i_lib.losses.tsl import TSLConfig
from s2i_lib.pipeline import encoders, runs, systems
from s2i_lib.pipeline.evaluate import evaluation_run
from s2i_lib.pipeline.gan import gan_dataset, gan_run, train_gan_run
from s2i_lib.pipeline.runs import Run, list_runs, run_key, runs_table
from s2i_lib.pipeline.systems import System, build_system
from s2i_lib.pipeline.teacher import TeacherFeatures, teacher_run, teacher_sizes
from s2i_lib.pipeline.transcripts import transcripts_run, transcripts_stage
from s2i_lib.train import encoder as encoder_loop
from s2i_lib.train.gan import OUTSIDE_KEY, train_gan
from s2i_lib.translate import load_speech_encoder
from test_dataset import make_records

SMOKE = get_profile("smoke")
TINY = replace(SMOKE, encoder=replace(SMOKE.encoder, epochs=3, batch_size=4))


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path / "artifacts"))
    root = tmp_path / "data"
    root.mkdir()
    records = make_records(root)
    splits = {"train": records[:4], "test": [replace(r, split="test") for r in records[4:]] + records[:2]}
    fbanks = open_fbank_cache(tmp_path / "fbank", wav_table(records), workers=1, progress=False)
    return PreparedData("birds", TINY, 0, root, splits, fbanks)


@pytest.fixture
def teacher(data):
    """Teacher features of the fixture's images (random, seeded) in their keyed run."""
    run = teacher_run(data, teacher_sizes(data))
    g = torch.Generator().manual_seed(0)
    return TeacherFeatures(run, {s: torch.randn(len(r), 2, 16, generator=g) for s, r in data.records.items()})


def test_key_is_a_hash_of_the_whole_config_and_the_folder_holds_it(tmp_path):
    run = Run("encoder", "tsl", {"data": {"seed": 0}, "tsl": {"kdl": True}}, tmp_path)
    assert run.key == run_key({"format": 1, "kind": "encoder", "name": "tsl", "data": {"seed": 0},
                               "tsl": {"kdl": True}})
    assert run.folder == tmp_path / "runs" / "encoder" / f"tsl-{run.key}"
    folder = run.open()
    assert json.loads((folder / "config.json").read_text())["config"] == run.config
    assert not run.done
    run.finish({"epochs": 3})
    assert run.done and list_runs(tmp_path)[0]["done"] and "tsl.kdl=True" in runs_table(tmp_path)
    other = Run("encoder", "tsl", {"data": {"seed": 0}, "tsl": {"kdl": False}}, tmp_path)
    assert other.key != run.key


def test_a_new_code_version_of_one_kind_gives_new_keys_to_that_kind_only(tmp_path, monkeypatch):
    gan, encoder = Run("gan", "tsl", {"iterations": 5}, tmp_path), Run("encoder", "tsl", {"epochs": 5}, tmp_path)
    old = gan.key, encoder.key
    monkeypatch.setitem(runs.VERSIONS, "gan", 2)
    assert gan.key != old[0] and encoder.key == old[1]


def test_a_computed_run_is_reused_when_finished_and_made_again_when_damaged(tmp_path, capsys):
    run, calls = Run("scorer", "x", {"n": 1}, tmp_path), []

    def compute():
        calls.append(1)
        return {"value": torch.tensor([len(calls)])}
    assert run.computed("state.pt", compute, lambda s: {"value": int(s["value"])})["value"].item() == 1
    assert run.summary == {"value": 1}
    assert run.computed("state.pt", compute)["value"].item() == 1 and len(calls) == 1     # reused
    (run.folder / "state.pt").write_bytes(b"not a checkpoint")
    assert run.computed("state.pt", compute, redo="again")["value"].item() == 2
    assert "again:" in capsys.readouterr().out
    unfinished = Run("scorer", "y", {"n": 1}, tmp_path)
    unfinished.open()
    torch.save({"value": torch.tensor([9])}, unfinished.folder / "state.pt")            # written, never finished
    assert unfinished.stored("state.pt") is None
    assert unfinished.computed("state.pt", compute)["value"].item() == 3


def test_a_folder_holding_another_config_is_refused(tmp_path):
    run = Run("gan", "tsl", {"iterations": 5}, tmp_path)
    run.open()
    (run.folder / "config.json").write_text(json.dumps({"kind": "gan", "config": {"iterations": 6}}))
    with pytest.raises(RuntimeError, match="delete"):
        run.open()


def test_tsl_variant_seed_and_data_seed_each_give_a_distinct_run(data, teacher):
    base = System(data, "tsl", teacher.run).run
    assert System(data, "tsl", teacher.run).run.key == base.key                        # same request
    keys = {base.key,
            System(data, "tsl", teacher.run, TSLConfig(kdl=False)).run.key,              # Table IV variant
            System(data, "tsl", teacher.run, TSLConfig(lambda_kdl=500.0)).run.key,
            System(data, "tsl", teacher.run, encoder_seed=7).run.key,                      # training seed
            System(replace(data, seed=1), "tsl", teacher.run).run.key,                   # data seed
            System(data, "classifier", teacher.run).run.key,
            System(replace(data, profile=replace(TINY, encoder=replace(TINY.encoder, classifier_schedule="constant"))),
                           "classifier", teacher.run).run.key,                                 # its schedule
            System(data, "tsl", teacher_run(data, teacher_sizes(data, crop=32))).run.key}   # teacher input
    assert len(keys) == 8


def test_identical_request_reuses_the_finished_run_without_training(data, teacher, monkeypatch):
    first = build_system(data, "tsl", teacher, progress=False)
    assert first.run.done and first.encoder.run.done and len(first.encoder.history) == 3
    weights = {k: v.clone() for k, v in first.encoder.model.state_dict().items()}

    def no_training(*args, **kwargs):
        raise AssertionError("a finished run was trained again")

    monkeypatch.setattr(torch.optim.Adam, "step", no_training)
    again = build_system(data, "tsl", teacher, progress=False)
    assert again.run.key == first.run.key and again.encoder.history == first.encoder.history
    for k, v in again.encoder.model.state_dict().items():
        torch.testing.assert_close(v, weights[k])
    torch.testing.assert_close(again.embeddings["test"], first.embeddings["test"])
    assert System.of(data, "tsl").load().run.key == first.run.key


def test_another_seed_trains_a_new_run_beside_the_old_one(data, teacher):
    a = build_system(data, "tsl", teacher, progress=False)
    b = build_system(data, "tsl", teacher, train_seed=7, progress=False)
    assert a.encoder.run.folder != b.encoder.run.folder and a.encoder.run.done and b.encoder.run.done
    assert not torch.equal(a.embeddings["test"], b.embeddings["test"])
    with pytest.raises(FileNotFoundError, match="python -m s2i_lib encoders"):
        System.of(data, "tsl", encoder_seed=8).load()
    view = replace(data, view={"kind": "validation classes", "held_out": [1]})
    with pytest.raises(FileNotFoundError, match="validation_choices.py classifier"):
        System.of(view, "tsl").load()


def test_interrupted_encoder_run_resumes_to_the_same_weights(data, teacher, tmp_path, monkeypatch):
    calls = {"n": 0}
    real_save = encoder_loop.save_checkpoint

    def killed_after_two_epochs(path, state):
        real_save(path, state)
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(encoder_loop, "save_checkpoint", killed_after_two_epochs)
    with pytest.raises(KeyboardInterrupt):
        encoders.train_speech_encoder("tsl", data, teacher, progress=False)
    monkeypatch.setattr(encoder_loop, "save_checkpoint", real_save)
    resumed = encoders.train_speech_encoder("tsl", data, teacher, progress=False)
    assert resumed.run.done and [h["epoch"] for h in resumed.history] == [1, 2, 3]
    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path / "elsewhere"))                 # an uninterrupted run
    fresh_teacher = TeacherFeatures(teacher_run(data, teacher_sizes(data)), teacher.features)
    straight = encoders.train_speech_encoder("tsl", data, fresh_teacher, progress=False)
    assert straight.run.key == resumed.run.key and straight.run.folder != resumed.run.folder
    for k, v in straight.model.state_dict().items():
        torch.testing.assert_close(resumed.model.state_dict()[k], v, rtol=0, atol=0)
    loaded = load_speech_encoder(resumed.run.folder)          # the run describes itself: no data set needed
    assert loaded.target_length == data.profile.data.target_length and loaded.fbank == data.fbanks.params
    for k, v in loaded.model.state_dict().items():
        torch.testing.assert_close(resumed.model.state_dict()[k], v, rtol=0, atol=0)


def test_gan_run_is_keyed_by_its_embeddings_and_settings(data, teacher):
    build_system(data, "tsl", teacher, progress=False)
    build_system(data, "tsl", teacher, train_seed=7, progress=False)
    build_system(data, "text", teacher, progress=False)
    base = gan_run(data, "tsl")
    assert base.embeddings.run.key in json.dumps(base.run.config)
    assert base.config.embedding_dim == 16 and base.train_config.iterations == TINY.gan.iterations
    assert gan_run(data, "tsl").run.key == base.run.key
    keys = {base.run.key, gan_run(data, "tsl", encoder_seed=7).run.key,                # other embeddings
            gan_run(data, "text").run.key, gan_run(data, "tsl", branches=1).run.key,
            gan_run(data, "tsl", iterations=5).run.key, gan_run(data, "tsl", train_seed=3, encoder_seed=1234).run.key}
    assert len(keys) == 6


def test_a_gan_key_reads_the_embeddings_record_and_loads_no_tensor(data, teacher, monkeypatch):
    build_system(data, "tsl", teacher, progress=False)
    key = gan_run(data, "tsl").run.key
    monkeypatch.setattr(systems, "load_split", lambda *a: pytest.fail("a tensor was loaded to compute a key"))
    gan = gan_run(data, "tsl")
    assert gan.run.key == key and gan.config.embedding_dim == 16
    with pytest.raises(FileNotFoundError, match="no finished classifier embeddings"):
        gan_run(data, "classifier")


def test_a_run_made_in_steps_is_finished_only_when_its_work_says_it_is_complete(tmp_path):
    run, seen = Run("gan", "x", {"n": 1}, tmp_path), []
    assert run.made(lambda folder: seen.append(folder) or 3, lambda made: None) == 3
    assert seen == [run.folder] and (run.folder / "config.json").exists() and not run.done     # resumable
    run.made(lambda folder: 5, lambda made: {"iterations": made})
    assert run.done and run.summary == {"iterations": 5}


def test_runs_are_listed_from_the_command_line(data, teacher, capsys):
    build_system(data, "classifier", teacher, progress=False)
    cli(["runs", "--dataset", "birds", "--profile", "smoke", "--seed", "0"])
    assert capsys.readouterr().out == runs_table(data.artifacts) + "\n"
    lines = runs_table(data.artifacts).splitlines()
    assert [line.split()[0] for line in lines] == ["embeddings", "encoder"]
    assert all(" done " in line for line in lines)


@pytest.mark.parametrize("bad", ["-1", "abc", "1.5"])
def test_bad_seeds_are_a_one_line_error(bad, capsys):
    with pytest.raises(SystemExit):
        cli(["runs", "--seed", bad])
    assert "non-negative integer" in capsys.readouterr().err


def heard(monkeypatch):
    """pocketsphinx replaced by a recogniser that hears "caption" in every utterance (one process)."""
    from s2i_lib.pipeline import transcripts as stage

    monkeypatch.setattr(stage, "_init_worker", lambda: None)
    monkeypatch.setattr(stage, "_transcribe", lambda job: (job[0], "caption"))


def reading(data, two_stage):
    return replace(data, profile=replace(TINY, encoder=replace(TINY.encoder, two_stage=two_stage)))


def test_pipeline_two_stage_feeds_transcripts_to_the_text_systems_encoder_and_gan(data, teacher, monkeypatch):
    heard(monkeypatch)
    data = reading(data, "pipeline")
    heard_test = transcripts_stage(data, workers=1, progress=False)
    assert set(heard_test.pairs) == {"test"}                           # the training speech is not transcribed
    text = build_system(data, "text", teacher, progress=False)
    two = build_system(data, "two_stage", teacher, transcripts=heard_test, progress=False)
    assert two.encoder.run.key == text.encoder.run.key                 # nothing more was trained
    assert sorted(p.name for p in two.run.folder.glob("*.pt")) == ["test.pt"]
    torch.testing.assert_close(two.embeddings["train"], text.embeddings["train"], rtol=0, atol=0)
    assert two.embeddings["test"].shape[1] == 1 and not torch.equal(two.embeddings["test"][:, 0],
                                                                     text.embeddings["test"][:, 0])
    assert System.of(data, "two_stage").load().embeddings["test"].shape == two.embeddings["test"].shape
    gan_two, gan_text = gan_run(data, "two_stage"), gan_run(data, "text")
    assert gan_two.run.key == gan_text.run.key and gan_two.generated_folder != gan_text.generated_folder
    assert evaluation_run(data, gan_two, 0).key != evaluation_run(data, gan_text, 0).key
    k = System.of(data, "two_stage").caption_indices("test")
    assert k.shape == (len(data.records["test"]), 1)
    assert [i for i, _ in heard_test.pairs["test"]] == list(range(len(k)))
    assert k[:, 0].tolist() == [c for _, c in heard_test.pairs["test"]]
    assert System.of(data, "two_stage").caption_indices("train").shape == (len(data.records["train"]), 3)


def test_retrained_two_stage_trains_its_own_encoder_and_gan_on_transcripts(data, teacher, monkeypatch):
    heard(monkeypatch)
    data = reading(data, "retrained")
    heard_both = transcripts_stage(data, workers=1, progress=False)
    assert set(heard_both.pairs) == {"train", "test"}
    assert transcripts_run(data).key != transcripts_run(reading(data, "pipeline")).key
    text = build_system(data, "text", teacher, progress=False)
    two = build_system(data, "two_stage", teacher, transcripts=heard_both, progress=False)
    assert two.encoder.run.key != text.encoder.run.key and two.encoder.run.done
    assert two.embeddings["train"].shape[1] == 1 == System.of(data, "two_stage").caption_indices("train").shape[1]
    assert gan_run(data, "two_stage").run.key != gan_run(data, "text").run.key


def test_an_unknown_two_stage_reading_is_refused(data):
    with pytest.raises(ValueError, match="two_stage must be one of"):
        transcripts_run(reading(data, "both"))


@pytest.mark.parametrize("field", OUTSIDE_KEY)
def test_a_gan_request_differing_only_outside_its_key_resumes_and_reuses_the_run(data, teacher, field):
    build_system(data, "tsl", teacher, progress=False)
    data = replace(data, profile=replace(TINY, gan=replace(TINY.gan, branches=1, batch_size=2, iterations=4)))
    gan = gan_run(data, "tsl")
    train_gan(gan.config, gan.train_config, gan_dataset(data, "train", gan.embeddings.embeddings["train"],
                                                        gan.config.image_sizes),
              gan.run.open(), progress=False, stop_after_iterations=2)          # an interrupted run
    if field != "num_workers":                                                  # the profile's settings
        other = replace(data, profile=replace(data.profile, gan=replace(data.profile.gan, **{field: 3})))
        assert gan_run(other, "tsl").run.key == gan.run.key
    changed = replace(gan, train_config=replace(gan.train_config, **{field: 1 if field == "num_workers" else 3}))
    history = train_gan_run(data, changed, progress=False)                     # resumed, not refused
    assert gan.run.done and history[-1]["iteration"] == gan.train_config.iterations
    again = replace(gan, train_config=replace(gan.train_config, **{field: 0 if field == "num_workers" else 5}))
    assert train_gan_run(data, again, progress=False) == history                # the finished run, reused
    assert "iterations" in gan.run.config["train"] and not set(OUTSIDE_KEY) & set(gan.run.config["train"])


# Keys of the data identity without a root (content fingerprints; for built-in data its build format): a change of
# what a key holds shows here (a run folder of an older checkout would no longer be found). The keys before this
# identity (commit 60a7e45 to 5306840) held the data's absolute root.
PINNED_KEYS = {
    "smoke": {"teacher": "09542cbe4e97", "transcripts": "ebc0fb12e5aa", "encoder tsl": "f1e3a11fedb8",
              "encoder classifier": "514198b0330a", "encoder text": "25bc94753671", "embeddings tsl": "88ac5cf7e799",
              "embeddings classifier": "ccbaea3bd019", "embeddings text": "b0adf5e9dd68",
              "embeddings two_stage": "6f8676c13736", "embeddings tsl norm": "3a75bfe5e605"},
    "default": {"teacher": "0149c8aaaaf0", "transcripts": "30a3b58e7963", "encoder tsl": "7baadc487baf",
                "encoder classifier": "9312105c61b7", "encoder text": "f8ef4a65b330",
                "embeddings tsl": "7cce4de0b4b6", "embeddings classifier": "8aacc89fc882",
                "embeddings text": "31a9f6dc1798", "embeddings two_stage": "aafdad717270",
                "embeddings tsl norm": "dd8fa3024c09"},
}


@pytest.mark.parametrize("profile", PINNED_KEYS)
def test_run_keys_are_pinned(profile):
    data = PreparedData("birds", get_profile(profile), 0, Path("/pinned/birds"), {"train": [], "test": []}, None)
    teacher = teacher_run(data, teacher_sizes(data))
    keys = {"teacher": teacher.key, "transcripts": transcripts_run(data).key,
            **{f"encoder {s}": encoders.encoder_run(data, s, teacher).key for s in ("tsl", "classifier", "text")},
            **{f"embeddings {s}": System(data, s, teacher).run.key
               for s in ("tsl", "classifier", "text", "two_stage")},
            "embeddings tsl norm": System(data, "tsl", teacher, TSLConfig(jel=False, kdl=False)).run.key}
    assert keys == PINNED_KEYS[profile]
