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
from s2i_lib.metrics.uncertainty import (HELD, NOT_HELD, WITHIN_NOISE, Estimate, bootstrap_error,
                                         read_claim, read_comparable)
from s2i_lib.pipeline import evaluate
from s2i_lib.pipeline.runs import Run
from s2i_lib.pipeline.systems import System
from test_dataset import make_records


def test_claims_read_against_twice_the_combined_error():
    # combined error sqrt(1 + 1) = 1.414; the margin is 2.83
    assert read_claim(Estimate(10, 1), Estimate(14, 1), lower_is_better=True) == HELD         # 4 > 2.83
    assert read_claim(Estimate(10, 1), Estimate(12, 1), lower_is_better=True) == WITHIN_NOISE  # 2 < 2.83
    assert read_claim(Estimate(14, 1), Estimate(10, 1), lower_is_better=True) == NOT_HELD
    assert read_claim(Estimate(0.5, 0.01), Estimate(0.4, 0.01), lower_is_better=False) == HELD
    assert read_claim(Estimate(0.4, 0.01), Estimate(0.5, 0.01), lower_is_better=False) == NOT_HELD
    assert read_comparable(Estimate(10, 1), Estimate(12, 1)) == HELD
    assert read_comparable(Estimate(10, 1), Estimate(14, 1)) == NOT_HELD


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
    est = evaluate.hits_estimate(hits, reps=10, seed=0)
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
    assert set(measures) == {"FID", "KID", "FID shuffled", "KID shuffled", "score", "R-precision",
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


def test_real_side_is_the_resized_images_uint8_pixels(fixture_gan):
    data, gan = fixture_gan
    pixels = evaluate.real_test_images(data, 8)
    assert pixels.dtype == torch.uint8 and pixels.shape == (6, 3, 8, 8)
    assert set(pixels.unique().tolist()) <= {40, 80}           # the fixture's flat grey levels, exactly
    floor = evaluate.real_reference(data, 8, seed=0)
    generated = evaluate.evaluate_gan(data, gan, FlatGenerator(), seed=0, progress=False)
    assert floor["FID"].value < generated["FID"].value and floor["KID"].value < generated["KID"].value   # a floor
    assert set(floor) == {"FID", "KID", "score", "R-precision", "score classifier accuracy"}
    assert 0 <= floor["R-precision"].value <= 1


def test_table2_rows_show_ours_beside_the_cited_paper_and_claims_read_against_errors():
    from s2i_lib.study.table2 import claim_rows, table2_rows

    def m(fid, fid_se, acc):
        return {"FID": Estimate(fid, fid_se), "KID": Estimate(0.01, 0.001), "attributes matched": Estimate(acc, 0.01),
                "score": Estimate(2.0, 0.05), "R-precision": Estimate(0.2, 0.01),
                "FID shuffled": Estimate(fid + 1, fid_se), "KID shuffled": Estimate(0.011, 0.001),
                "attributes shuffled": Estimate(0.18, 0.01), "attributes real": Estimate(0.99, 0.003)}
    measures = {"tsl": m(50.0, 1.0, 0.30), "two_stage": m(60.0, 1.0, 0.20), "classifier": m(51.0, 1.0, 0.29),
                "text": m(45.0, 1.0, 0.35)}
    seeds = {"tsl": [1234, 1], "two_stage": [1234, 1], "classifier": [1234], "text": [1234]}
    rows = table2_rows("birds", measures, {"FID": Estimate(5.0, 0.5), "KID": Estimate(0.0, 0.0005)}, seeds)
    ours = next(r for r in rows if r["system"].startswith("ours: "))
    assert ours["GAN seeds"] == "1234, 1" and rows[1]["GAN seeds"] == "1234"     # rows[1]: classifier-based
    assert ours["FID"] == "50.00 ± 1.00" and ours["KID x 1000"] == "10.00 ± 1.00"
    assert ours["in-domain score (not IS)"] == "2.00 ± 0.05" and ours["R-precision (R = 100)"] == "0.200 ± 0.010"
    assert ours["paper FID (cited)"] == "18.37" and ours["paper IS (cited)"] == "4.09 ± 0.04"   # CUB-200's row
    control = next(r for r in rows if "shuffled" in r["system"])
    assert control["spoken-attribute acc"] == "0.180 ± 0.010" and control["paper FID (cited)"] == ""
    assert control["GAN seeds"] == "1234, 1"                                  # ours' generators, shuffled
    real = next(r for r in rows if r["system"].startswith("real"))
    assert real["FID"] == "5.00 ± 0.50" and real["spoken-attribute acc"] == "0.990 ± 0.003"
    assert real["GAN seeds"] == ""
    assert control["in-domain score (not IS)"] == ""                          # not measured on shuffled images
    assert next(r for r in rows if "StackGAN-v1" in r["system"])["paper FID (cited)"] == "51.89"
    assert table2_rows("places", measures, {})[0]["paper FID (cited)"] == ""   # Table III's, not Table II's
    readings = {(r["claim"], r["measure"]): r["reading"] for r in claim_rows(measures)}
    assert readings[("one-stage (ours) beats two-stage", "FID")] == "held"                # 10 > 2 x 1.41
    assert readings[("one-stage (ours) beats two-stage", "attributes matched")] == "held"
    assert readings[("teacher-student beats classifier-based", "FID")] == "within noise"  # 1 < 2.83
    assert readings[("ours is comparable to text-to-image", "FID")] == "not held"         # 5 > 2.83
    assert readings[("ours is comparable to text-to-image", "KID")] == "held"
    assert readings[("ours is comparable to text-to-image", "R-precision")] == "held"      # equal
    assert claim_rows({"tsl": measures["tsl"]}) == []


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
