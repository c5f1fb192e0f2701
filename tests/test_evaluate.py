"""Table II's evaluation: uncertainties and claim readings on hand-computed cases, the fast Fréchet distance
against pytorch-fid's, and the evaluation stage on a fixture tree (keyed, reused, recomputed when damaged)."""
from __future__ import annotations

import math
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from s2i_lib.config import get_profile
from s2i_lib.data.content import PARTS
from s2i_lib.data.prepare import PreparedData
from s2i_lib.metrics.fid import fid_by_singular_values, fid_from_features
from s2i_lib.metrics.semantic import pooled_accuracy
from s2i_lib.metrics.uncertainty import HELD, NOT_HELD, WITHIN_NOISE, Estimate, bootstrap_error, read_claim
from s2i_lib.pipeline import evaluate
from s2i_lib.pipeline.runs import Run
from s2i_lib.pipeline.systems import System, transcribed_captions
from test_dataset import make_records


def test_claims_read_against_twice_the_combined_error():
    # combined error sqrt(1 + 1) = 1.414; the margin is 2.83
    assert read_claim(Estimate(10, 1), Estimate(14, 1), lower_is_better=True) == HELD         # 4 > 2.83
    assert read_claim(Estimate(10, 1), Estimate(12, 1), lower_is_better=True) == WITHIN_NOISE  # 2 < 2.83
    assert read_claim(Estimate(14, 1), Estimate(10, 1), lower_is_better=True) == NOT_HELD
    assert read_claim(Estimate(0.5, 0.01), Estimate(0.4, 0.01), lower_is_better=False) == HELD
    assert read_claim(Estimate(0.4, 0.01), Estimate(0.5, 0.01), lower_is_better=False) == NOT_HELD


def test_bootstrap_agrees_with_the_standard_error_of_a_mean():
    x = np.random.default_rng(0).normal(size=400)
    boot = bootstrap_error(lambda idx: x[idx].mean(), len(x), reps=400, seed=1)
    assert boot == pytest.approx(x.std() / math.sqrt(len(x)), rel=0.15)
    with pytest.raises(ValueError, match="bootstrap"):
        bootstrap_error(lambda idx: 0.0, 1)
    assert str(Estimate(18.374, 0.0412)) == "18.4 ± 0.041"


@pytest.mark.parametrize("n1,n2,d", [(60, 50, 8), (12, 15, 64)])       # more and fewer images than dimensions
def test_singular_value_fid_equals_pytorch_fids(n1, n2, d):
    rng = np.random.default_rng(d)
    a, b = rng.normal(size=(n1, d)), rng.normal(size=(n2, d)) * 1.5 + 0.3
    assert fid_by_singular_values(a, b) == pytest.approx(fid_from_features(a, b), rel=1e-6)
    assert fid_by_singular_values(a, a) == pytest.approx(0, abs=1e-9)


def test_picked_captions_are_distinct_and_seeded():
    picks = evaluate.picked_captions(5, 10, 3, seed=0)
    assert picks.shape == (5, 3) and all(len(set(row)) == 3 for row in picks.tolist())
    assert (picks == evaluate.picked_captions(5, 10, 3, seed=0)).all()
    assert not (picks == evaluate.picked_captions(5, 10, 3, seed=1)).all()
    assert (evaluate.picked_captions(2, 4, None, seed=0) == [[0, 1, 2, 3]] * 2).all()


def test_hits_pool_every_spoken_attribute():
    hits = [{"crown": True, "wing": False}, {"crown": True}, {"tail": False, "wing": True}]
    est = pooled_accuracy(hits, reps=10, seed=0)
    assert est.value == pytest.approx(3 / 5) and est.error > 0


class FlatGenerator(nn.Module):
    """Paints each image with its condition's first three numbers (8 x 8, one branch)."""
    config = SimpleNamespace(z_dim=2, condition_dim=2, branches=1)

    def forward(self, z, embedding, eps):
        return [torch.tanh(embedding[:, :3, None, None]).expand(-1, 3, 8, 8)], None, None


@pytest.fixture
def fixture_gan(tmp_path, monkeypatch):
    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path / "artifacts"))
    root = tmp_path / "data"
    root.mkdir()
    records = make_records(root, n_classes=3, per_class=3)
    smoke = get_profile("smoke")
    data = PreparedData("cub", replace(smoke, eval=replace(smoke.eval, kid_subset_size=4, kid_subsets=5)), 0, root,
                        {"train": records[:3], "test": [replace(r, split="test") for r in records[3:]]}, None,
                        content=dict.fromkeys(PARTS, "fixture"))
    embeddings = torch.randn(len(data.records["test"]), 3, 6, generator=torch.Generator().manual_seed(0))
    gan = SimpleNamespace(run=Run("gan", "tsl", {"fixture": 1}, data.artifacts),
                          system=System(data, "tsl", Run("teacher", "frozen", {"fixture": 1}, data.artifacts)),
                          embeddings=SimpleNamespace(embeddings={"test": embeddings}))
    # an 8-number "FID network": the images' per-channel means and extremes (fast and deterministic)
    monkeypatch.setattr(evaluate, "fid_features", lambda images, **kw: torch.cat(
        [images.mean((2, 3)), images.amax((2, 3)), images.amin((2, 3))[:, :2]], 1).double().numpy())
    # R-precision's judge: a "teacher" that sees an image's mean colour, and caption embeddings that are the
    # colour FlatGenerator paints for each caption, so that matched images find their captions
    monkeypatch.setattr(evaluate, "caption_matcher", lambda *a, **k: (MeanColour(), torch.tanh(embeddings[..., :3])))
    return data, gan


class MeanColour(nn.Module):
    name = "mean colour"

    def __init__(self):
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(1))

    def forward(self, views):
        return views.mean((2, 3))


def test_evaluation_measures_are_keyed_reused_and_recomputed_when_damaged(fixture_gan, monkeypatch):
    data, gan = fixture_gan
    measures = evaluate.evaluate_gan(data, gan, FlatGenerator(), seed=0, progress=False)
    assert set(measures) == {"FID", "KID", "FID shuffled", "KID shuffled", "score", "score shuffled", "R-precision",
                             "R-precision shuffled"}                         # not built in: no attributes
    assert measures["FID"].value > 0 and measures["FID"].error > 0 and np.isfinite(measures["KID"].value)
    assert measures["R-precision"].value == 1.0 and measures["R-precision shuffled"].value < 0.5
    run = evaluate.evaluation_run(data, gan, 0)
    assert run.done and evaluate.evaluation_run(data, gan, 1).key != run.key
    real_generate = evaluate.generate
    monkeypatch.setattr(evaluate, "generate", lambda *a, **k: (_ for _ in ()).throw(AssertionError("regenerated")))
    assert evaluate.evaluate_gan(data, gan, FlatGenerator(), seed=0, progress=False) == measures
    (run.folder / "measures.pt").write_bytes(b"truncated")
    monkeypatch.setattr(evaluate, "generate", real_generate)
    again = evaluate.evaluate_gan(data, gan, FlatGenerator(), seed=0, progress=False)
    assert again == measures                                   # measured again, the same numbers
    plain = evaluate.evaluate_gan(data, gan, FlatGenerator(), seed=0, progress=False, shuffled_control=False)
    assert set(plain) == {"FID", "KID", "score", "R-precision"} and plain["FID"] == measures["FID"]   # its own run


def test_every_system_is_evaluated_on_the_same_utterance_two_stage_through_its_transcript(fixture_gan):
    data, gan = fixture_gan
    numbers = evaluate.evaluation_captions(data, seed=0)
    heard = transcribed_captions(data, "test")                 # smoke: one transcribed caption per image
    assert numbers.shape == (len(data.records["test"]), 1) and (numbers == heard).all()
    assert (evaluate.evaluation_captions(data, seed=1) == numbers).all()      # nothing else to draw from
    two_stage = System(data, "two_stage", gan.system.teacher)
    assert (two_stage.caption_indices("test") == heard).all()
    embeddings = gan.embeddings.embeddings["test"]
    _, ours = evaluate.evaluation_conditions(data, gan, 0)
    assert torch.equal(ours[:, 0], embeddings[torch.arange(len(numbers)), torch.as_tensor(numbers[:, 0])])
    transcribed = SimpleNamespace(system=two_stage, embeddings=SimpleNamespace(embeddings={"test": embeddings[:, :1]}))
    same, theirs = evaluate.evaluation_conditions(data, transcribed, 0)
    assert (same == numbers).all() and torch.equal(theirs, embeddings[:, :1])   # their only column: that utterance


def test_attribute_accuracy_pools_every_caption_of_an_image(fixture_gan, monkeypatch):
    data, _ = fixture_gan
    targets = [[{"crown": "red"}, {"crown": "red", "wing": "blue"}, {}] for _ in data.records["test"]]
    monkeypatch.setattr(evaluate, "spoken_targets", lambda data, split: targets)
    # a "scorer" that reads every spoken attribute right in a bright image and wrong in a dark one
    monkeypatch.setattr(evaluate, "spoken_attribute_hits", lambda scorer, images, said: [
        {name: bool(image.mean() > 0) for name in spoken} for image, spoken in zip(images, said)])
    n = len(data.records["test"])
    images = torch.zeros(n, 2, 1, 3, 4, 4, dtype=torch.uint8)
    images[:, 1] = 255                                          # caption 1 of every image bright, caption 0 dark
    estimate = evaluate.attribute_estimate(data, None, images, np.tile([0, 1], (n, 1)), seed=0)
    assert estimate.value == pytest.approx(2 / 3)               # per image: crown wrong; crown, wing right
    assert estimate.error == 0                                  # every image alike: no spread to resample


def test_real_side_is_the_resized_images_uint8_pixels(fixture_gan):
    data, gan = fixture_gan
    pixels = evaluate.real_test_images(data, 8)
    assert pixels.dtype == torch.uint8 and pixels.shape == (6, 3, 8, 8)
    assert set(pixels.unique().tolist()) <= {40, 80}           # the fixture's flat grey levels, exactly
    floor = evaluate.real_reference(data, 8, seed=0)
    generated = evaluate.evaluate_gan(data, gan, FlatGenerator(), seed=0, progress=False)
    assert floor["FID"].value < generated["FID"].value and floor["KID"].value < generated["KID"].value   # a floor
    assert set(floor) == {"FID", "KID", "score", "R-precision", "score classifier accuracy"}
    assert math.isnan(floor["score"].value)          # 1 or 2 test images per class: none held out from the judge
    assert 0 <= floor["R-precision"].value <= 1


def test_table2_rows_show_ours_beside_the_cited_paper_and_claims_read_on_paired_seeds():
    from s2i_lib.report import SeedResults, combine
    from s2i_lib.report.claims import COARSE
    from s2i_lib.study.measured import gan_rows
    from s2i_lib.study.table2 import claim_rows, table2_rows

    def m(fid, fid_se, acc):
        return {"FID": Estimate(fid, fid_se), "KID": Estimate(0.01, 0.001), "attributes matched": Estimate(acc, 0.01),
                "score": Estimate(2.0, 0.05), "R-precision": Estimate(0.2, 0.01), "score shuffled": Estimate(1.9, 0.05),
                "FID shuffled": Estimate(fid + 1, fid_se), "KID shuffled": Estimate(0.011, 0.001),
                "R-precision shuffled": Estimate(0.02, 0.01),
                "attributes shuffled": Estimate(0.18, 0.01), "attributes real": Estimate(0.99, 0.003)}
    measures = {"tsl": m(50.0, 1.0, 0.30), "two_stage": m(60.0, 1.0, 0.20), "classifier": m(51.0, 1.0, 0.29),
                "text": m(35.0, 1.0, 0.35)}
    real = {"FID": Estimate(5.0, 0.5), "KID": Estimate(0.0, 0.0005), "score": Estimate(9.0, 0.4),
            "R-precision": Estimate(0.3, 0.01), "score classifier accuracy": Estimate(0.7, float("nan"))}
    one = gan_rows(measures, real)
    assert one["tsl shuffled"]["attributes matched"] == Estimate(0.18, 0.01)      # from "attributes shuffled"
    assert one["tsl shuffled"]["score"] == Estimate(1.9, 0.05) and "FID shuffled" not in one["tsl shuffled"]
    assert one["real"]["attributes matched"] == Estimate(0.99, 0.003)
    assert one["real"]["score judge accuracy"].value == 0.7
    seeds = {1234: SeedResults(1234, one, {})}
    rows = table2_rows("birds", combine(seeds))
    ours = next(r for r in rows if r["system"].startswith("ours: "))
    assert ours["training seeds"] == 1 and ours["FID"] == "50.00 [eval ± 1.00]"      # one seed: no spread
    assert ours["KID x 1000"] == "10.00 [eval ± 1.00]" and ours["score judge's held-out accuracy"] == ""
    assert ours["paper FID (cited)"] == "18.37" and ours["paper IS (cited)"] == "4.09 ± 0.04"   # CUB-200's row
    control = next(r for r in rows if "shuffled" in r["system"])
    assert control["spoken-attribute acc"] == "0.180 [eval ± 0.010]" and control["paper FID (cited)"] == ""
    real_row = next(r for r in rows if r["system"].startswith("real"))
    assert real_row["FID"] == "5.00 [eval ± 0.50]" and real_row["spoken-attribute acc"] == "0.990 [eval ± 0.003]"
    assert real_row["score judge's held-out accuracy"] == "0.700"                   # one number, no error
    assert next(r for r in rows if "StackGAN-v1" in r["system"])["paper FID (cited)"] == "51.89"
    assert table2_rows("places", combine(seeds))[0]["paper FID (cited)"] == ""   # Table III's, not Table II's
    readings = {(r["claim"], r["measure"]): r["reading"] for r in claim_rows(seeds)}
    one_seed = " (provisional: 1 seed)"
    assert readings[("one-stage (ours) beats two-stage", "FID")] == "held" + one_seed              # 10 > 2 x 1.41
    assert readings[("one-stage (ours) beats two-stage", "spoken-attribute acc")] == "held" + one_seed
    assert readings[("teacher-student beats classifier-based", "FID")] == "within noise" + one_seed  # 1 < 2.83
    # comparable: FID range |5 - 51| = 46, margin 4.6; the 90% interval 15 ± 1.645 x 1.41 lies above it
    assert readings[("ours is comparable to text-to-image", "FID")] == "not equivalent" + one_seed
    # attributes: range 0.99 - 0.18, margin 0.081; -0.05 ± 0.023 inside
    assert readings[("ours is comparable to text-to-image", "spoken-attribute acc")] == "equivalent" + one_seed
    # KID: range 0.011, margin 0.0011; 0 ± 0.0023 neither inside nor outside, and a 95% half-width of 2 x 0.0014
    # = 0.26 of the range: a coarse judge
    assert readings[("ours is comparable to text-to-image", "KID x 1000")] == \
        f"undetermined (provisional: 1 seed; {COARSE})"
    alone = {1234: SeedResults(1234, {"tsl": one["tsl"]}, {})}
    assert claim_rows(alone) == []


def test_seeds_average_with_the_larger_of_between_seed_and_propagated_error():
    from s2i_lib.study.table2 import mean_over_seeds
    runs = [{"FID": Estimate(10.0, 0.1)}, {"FID": Estimate(14.0, 0.1)}]
    assert mean_over_seeds(runs)["FID"] == Estimate(12.0, pytest.approx(2.0))       # std 2.83 / sqrt 2
    close = [{"FID": Estimate(10.0, 3.0)}, {"FID": Estimate(10.2, 4.0)}]
    assert mean_over_seeds(close)["FID"].error == pytest.approx(2.5)                 # sqrt(9 + 16) / 2
    assert mean_over_seeds(runs[:1]) == runs[0]


def test_kid_subsets_are_at_most_half_the_images_so_their_spread_is_an_error():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(12, 4)), rng.normal(size=(12, 4)) + 0.5
    est = evaluate.kid_estimate(real, fake, subsets=20, subset_size=1000, seed=0)
    assert est.error > 0 and est.value > 0                    # subsets of all 12 would give a std of exactly 0
