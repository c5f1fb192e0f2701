"""Tables IV and V and the figures' library pieces: the loss variants and their keys, retrieval errors, the claims'
readings, Table V's scales, fixed-noise interpolation and its monotonicity score, and the training logs."""
from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from s2i_lib.config import PROFILES, get_profile
from s2i_lib.generate import generate
from s2i_lib.losses.tsl import TSLConfig, norm_loss, teacher_student_loss
from s2i_lib.metrics.attributes import attribute_probabilities
from s2i_lib.metrics.retrieval import retrieval_estimates, retrieval_table
from s2i_lib.metrics.uncertainty import Estimate
from s2i_lib.models.stackgan import GANConfig, Generator
from s2i_lib.study.figures import (interpolation_images, interpolation_monotonicity, monotone_rho, Pair, preference, training_logs)
from s2i_lib.pipeline.gan import gan_configs
from s2i_lib.report.cited import TABLE4 as PAPER_TABLE4, TABLE5 as PAPER_TABLE5
from s2i_lib.pipeline.ablation import LOSS_VARIANTS, sweep_configs
from s2i_lib.report import SeedResults, combine
from s2i_lib.study.table4 import table4_claims, table4_rows
from s2i_lib.study.table5 import floor_row, real_row, scale_sizes, table5_claims, table5_rows
from test_gan_stage import ColourGenerator, ColourReader


def test_loss_variants_are_the_papers_rows_and_ours_is_table_twos_config():
    assert LOSS_VARIANTS["tsl"] == TSLConfig()            # the same run key as Table II's encoder
    assert (LOSS_VARIANTS["norm"].jel, LOSS_VARIANTS["norm"].norm, LOSS_VARIANTS["norm"].kdl) == (False, True, False)
    assert (LOSS_VARIANTS["norm+jel"].jel, LOSS_VARIANTS["norm+jel"].kdl) == (True, False)
    image, speech = torch.randn(6, 8), torch.randn(6, 8)
    total, terms = teacher_student_loss(image, speech, torch.arange(6), LOSS_VARIANTS["norm"])
    assert set(terms) == {"norm"} and float(total) == pytest.approx(5 * float(norm_loss(image, speech)))


def test_the_papers_table_iv_and_v_numbers_are_cited_as_published():
    assert PAPER_TABLE4["CUB-200"]["norm+jel"] == (4.02, 0.04, 16.75)
    assert PAPER_TABLE4["Oxford-102"]["tsl"] == (3.23, 0.05, 57.11)
    assert PAPER_TABLE5["CUB-200"][64] == (3.45, 0.04, 70.18) and PAPER_TABLE5["CUB-200"][256][2] == 18.70


def test_sweep_replaces_one_weight_at_a_time():
    configs = sweep_configs(SimpleNamespace(profile=get_profile("default")))
    assert configs["paper's 5 / 1 / 1000"] == TSLConfig()
    assert configs["lambda_norm 50"] == TSLConfig(lambda_norm=50.0)
    assert configs["lambda_KDL 100"] == TSLConfig(lambda_kdl=100.0)
    assert len(configs) == 5


def test_retrieval_estimates_match_the_table_and_give_errors():
    torch.manual_seed(0)
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    features = torch.randn(6, 5)
    embeddings = (features + 0.3 * torch.randn(6, 5))[:, None].repeat(1, 2, 1)
    table, est = retrieval_table(embeddings, labels, features), retrieval_estimates(embeddings, labels, features, 20)
    for name in ("class-centre acc", "AP@50", "R@1", "R@5", "R@10"):
        assert est[name].value == pytest.approx(table[name])
    one_hot = torch.eye(6)                                     # each image is its own nearest: no spread at all
    assert retrieval_estimates(one_hot[:, None], labels, one_hot, 20)["R@1"] == Estimate(1.0, 0.0)


def measures(fid, attributes):
    return {"FID": Estimate(fid, 1.0), "attributes matched": Estimate(attributes, 0.01)}


def one_seed(rows: dict) -> dict:
    """Rows of one training seed (1234) as the combining step reads them."""
    return {1234: SeedResults(1234, rows, {})}


def test_table4_claims_read_each_comparison_on_both_levels():
    gan = {"norm": measures(60, 0.20), "norm+jel": measures(50, 0.30), "tsl": measures(50.5, 0.31)}
    encoder = {v: {"R@10": Estimate(r, 0.01)} for v, r in (("norm", 0.1), ("norm+jel", 0.3), ("tsl", 0.25))}
    seeds = one_seed({v: {**gan[v], **encoder[v]} for v in gan})
    rows = {(r["claim"], r["measure"]): r["reading"].split(" (")[0] for r in table4_claims(seeds)}
    assert rows["JEL helps by a big margin", "FID"] == "held"
    assert rows["L_norm alone is worst", "encoder R@10"] == "held"
    assert rows["KDL helps (a little)", "FID"] == "within noise"
    assert rows["KDL helps (a little)", "encoder R@10"] == "not held"
    assert all(r["reading"].endswith("(provisional: 1 seed)") for r in table4_claims(seeds))
    table = table4_rows("birds", combine(seeds))
    assert [r["paper FID (cited)"] for r in table] == ["27.45", "16.75", "18.70"]
    assert table[0]["encoder R@10"] == "0.100 [eval ± 0.010]" and table[0]["FID"] == "60.00 [eval ± 1.00]"
    assert table[0]["training seeds"] == 1


def test_table5_scales_from_the_base_and_reads_higher_is_better():
    data = SimpleNamespace(profile=get_profile("default"), dataset="birds")
    base = data.profile.ablation.scale_base_size
    assert [scale_sizes(data, b) for b in (1, 2, 3)] == [(base,), (base, 2 * base), (base, 2 * base, 4 * base)]
    paper = SimpleNamespace(profile=get_profile("paper"), dataset="cub")
    assert scale_sizes(paper, 3) == (64, 128, 256)         # the paper's Table V
    config = gan_configs(data, 1280, branches=3, base_size=base)[0]
    assert config.image_sizes == scale_sizes(data, 3)
    assert gan_configs(data, 1280)[0] == gan_configs(data, 1280, base_size=0)[0]   # Table II's GAN unchanged
    seeds = one_seed({"1": measures(80, 0.2), "2": measures(60, 0.2), "3": measures(61, 0.25),
                      real_row(1): {"FID": Estimate(10, 1), "score": Estimate(5.0, 0.3)},
                      floor_row(1): {"FID": Estimate(81, 1)},
                      real_row(2): {"FID": Estimate(12, 1)}, floor_row(2): {"FID": Estimate(62, 1)}})
    claims = {(r["compared"], r["measure"]): r for r in table5_claims(seeds)}
    rows = {key: r["reading"].split(" (")[0] for key, r in claims.items()}
    assert rows["2 vs 1 branches", "FID"] == "held" and rows["3 vs 2 branches", "FID"] == "within noise"
    assert rows["3 vs 2 branches", "spoken-attribute acc"] == "held"
    # 2 vs 1: side 1 spans 81 - 10 = 71, side 2 spans 62 - 12 = 50: the narrower, side 2's, judges the pair
    two_one = claims["2 vs 1 branches", "FID"]
    assert two_one["judge's range (ceiling -> floor)"] == "12.00 -> 62.00"
    assert two_one["difference / range"] == "-0.40"          # (60 - 80) / 50
    assert claims["3 vs 2 branches", "FID"]["judge's range (ceiling -> floor)"] == ""     # side 3 has no range
    table = table5_rows(data, combine(seeds))
    assert [(r["branches / discriminators"], r["row"].split(" (")[0]) for r in table] == [
        (1, "ours"), (1, "ours, shuffled conditions"), (1, "real test images"),
        (2, "ours"), (2, "ours, shuffled conditions"), (2, "real test images"), (3, "ours")]
    assert [r.get("paper row (cited)") for r in table if r["row"] == "ours"] == ["64 x 64", "128 x 128", "256 x 256"]
    assert table[1]["paper row (cited)"] == table[2]["paper FID (cited)"] == ""      # cited beside ours only
    assert table[2]["FID"] == "10.00 [eval ± 1.00]" and table[2]["in-domain score (not IS)"] == "5.00 [eval ± 0.30]"
    assert table[1]["FID"] == "81.00 [eval ± 1.00]" and table[1]["in-domain score (not IS)"] == ""


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_profiles_three_branch_table_v_gan_is_valid(name):
    data = SimpleNamespace(profile=get_profile(name))
    config = gan_configs(data, 64, branches=3, base_size=scale_sizes(data, 1)[0])[0]
    assert len(config.image_sizes) == 3


def small_generator(seed=0):
    torch.manual_seed(seed)
    return Generator(GANConfig(8, branches=1, base_size=16, gf_dim=16, df_dim=8))


def test_generate_shares_noise_along_a_row_only_when_asked():
    netG = small_generator()
    same = torch.randn(2, 1, 8).repeat(1, 3, 1)                 # each row: one embedding three times
    shared = generate(netG, same, seed=3, progress=False, same_noise_per_row=True)
    fresh = generate(netG, same, seed=3, progress=False)
    assert torch.equal(shared[0, 0], shared[0, 2]) and not torch.equal(shared[0, 0], shared[1, 0])
    assert not torch.equal(fresh[0, 0], fresh[0, 1])           # the authors' protocol: fresh noise per caption
    assert torch.equal(fresh, generate(netG, same, seed=3, progress=False))


def test_interpolation_starts_and_ends_at_the_two_embeddings():
    netG = small_generator()
    first, second = torch.randn(2, 8), torch.randn(2, 8)
    path = interpolation_images(netG, first, second, steps=5, seed=1)
    assert path.shape[:2] == (2, 5)
    ends = generate(netG, torch.stack([first, second], 1), seed=1, progress=False, same_noise_per_row=True)[:, :, 0]
    assert torch.equal(path[:, 0], ends[:, 0]) and torch.equal(path[:, -1], ends[:, 1])


def test_preference_and_monotone_rho_by_hand():
    probs = {"colour": torch.tensor([[0.8, 0.1, 0.1], [0.5, 0.1, 0.4], [0.1, 0.1, 0.8]])}
    values = {"colour": ("red", "green", "blue")}
    assert preference(probs, {"colour": ("red", "blue")}, values) == pytest.approx([-0.7, -0.1, 0.7])
    assert monotone_rho(np.array([0.0, 0.1, 0.5, 0.9])) == pytest.approx(1.0)
    assert monotone_rho(np.array([0.9, 0.5, 0.1])) == pytest.approx(-1.0)
    assert monotone_rho(np.zeros(5)) == 0.0


def test_monotonicity_rises_for_a_generator_that_paints_its_condition_and_not_for_the_control():
    colours = ("red", "green", "blue")
    embeddings = torch.eye(3)[:, None, :].repeat(1, 1, 1)      # image i's one caption: colour i
    pairs = [Pair((i, 0), (j, 0), {"colour": (colours[i], colours[j])}) for i, j in ((0, 2), (2, 1), (1, 0), (0, 1))]
    data = SimpleNamespace(profile=replace(get_profile("smoke")))
    result = interpolation_monotonicity(data, ColourGenerator(), ColourReader(), embeddings, pairs, steps=5)
    assert result.measures["rho matched"].value == pytest.approx(1.0)
    assert result.measures["steps toward second matched"].value == pytest.approx(1.0)
    assert result.measures["change matched"].value > 0
    assert result.measures["rho control"].value < 1.0
    assert result.curves["matched"].shape == (5,)


def test_attribute_probabilities_are_distributions():
    probs = attribute_probabilities(ColourReader(), torch.rand(4, 3, 8, 8) * 2 - 1)
    assert probs["colour"].shape == (4, 3) and torch.allclose(probs["colour"].sum(1), torch.ones(4))


def test_training_logs_read_each_runs_loss_log_and_name_a_missing_one(tmp_path):
    (tmp_path / "gan").mkdir()
    (tmp_path / "gan" / "loss_log.csv").write_text("iteration,d_loss,g_loss\n50,1.5,2.0\n100,1.25,2.5\n")
    logs = training_logs({"GAN": SimpleNamespace(folder=tmp_path / "gan")})
    assert logs["GAN"] == [{"iteration": 50.0, "d_loss": 1.5, "g_loss": 2.0},
                           {"iteration": 100.0, "d_loss": 1.25, "g_loss": 2.5}]
    with pytest.raises(FileNotFoundError, match="missing"):
        training_logs({"encoder": SimpleNamespace(folder=tmp_path / "missing")})
