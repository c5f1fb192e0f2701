"""GAN stage helpers: profiles build valid configs, the shuffled control, and the condition-following score."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from s2i_lib.encoder_stage import save_embeddings
from s2i_lib.gan_stage import GAN_STAGE, condition_following, derangement, gan_run, gan_run_dir


@pytest.mark.parametrize("profile", sorted(GAN_STAGE))
def test_every_profile_builds_a_gan_and_a_training_config(profile):
    stage = GAN_STAGE[profile]
    config = stage.gan_config(1280)
    assert config.embedding_dim == 1280 and 1 <= config.branches <= 3
    assert stage.train_config().iterations == stage.iterations
    assert stage.gan_config(1024, branches=1).branches == 1


def test_paper_profile_is_stackgan_v2s_three_scales():
    config = GAN_STAGE["paper"].gan_config(1024)
    assert config.image_sizes == (64, 128, 256) and config.gf_dim == config.df_dim == 64
    assert GAN_STAGE["paper"].train_config().batch_size == 24


def test_run_folder_names_the_embedding_source_and_the_image_sizes(monkeypatch, tmp_path):
    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path))
    data = SimpleNamespace(dataset="birds", profile="default")
    two_branch = GAN_STAGE["default"].gan_config(1280, branches=2)
    assert gan_run_dir(data, "text", two_branch) == tmp_path / "birds" / "default" / "gan" / "text_32-64"


def test_derangement_moves_every_index():
    for n in (2, 3, 10, 101):
        order = derangement(n, seed=n)
        assert sorted(order.tolist()) == list(range(n)) and not (order == np.arange(n)).any()


class ColourGenerator(nn.Module):
    """Paints the whole image with the first three numbers of its condition (a perfect conditional G)."""

    config = SimpleNamespace(z_dim=2, condition_dim=2, branches=1)

    def forward(self, z, embedding, eps):
        return [embedding[:, :3, None, None].expand(-1, 3, 8, 8) * 2 - 1], None, None


class ColourReader(nn.Module):
    """Reads the dominant channel as red / green / blue."""

    attribute_values = {"colour": ("red", "green", "blue")}

    def __init__(self):
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(1))

    def forward(self, images):
        return {"colour": images.mean(dim=(2, 3))}


def test_condition_following_separates_a_conditional_generator_from_the_control():
    colours = ["red", "green", "blue"] * 4
    embeddings = torch.stack([torch.eye(3)[("red", "green", "blue").index(c)] for c in colours])[:, None, :]
    embeddings = embeddings.repeat(1, 2, 1)                     # two captions per image
    targets = [[{"colour": c}, {"colour": c}] for c in colours]
    real = torch.stack([torch.full((3, 8, 8), -1.0).index_fill(0, torch.tensor(("red", "green", "blue").index(c)), 1)
                        for c in colours])
    out = condition_following(ColourGenerator(), ColourReader(), embeddings, targets, seed=0,
                              real_images=real.roll(3, 0))      # shifted by a whole red-green-blue cycle
    assert out["matched"]["overall"] == 1.0
    assert out["shuffled"]["overall"] < 0.6
    assert out["real"]["overall"] == 1.0
    wrong_real = condition_following(ColourGenerator(), ColourReader(), embeddings, targets, seed=0,
                                     real_images=real.roll(1, 0))
    assert wrong_real["real"]["overall"] == 0.0                  # every real image now shows the next colour


def test_condition_following_scores_a_generator_that_ignores_its_condition_the_same_on_both():
    class Constant(ColourGenerator):
        def forward(self, z, embedding, eps):
            return [torch.ones(len(embedding), 3, 8, 8) * torch.tensor([1.0, -1, -1])[:, None, None]], None, None

    colours = ["red", "green", "blue"] * 4
    embeddings = torch.randn(12, 1, 3)
    out = condition_following(Constant(), ColourReader(), embeddings, [[{"colour": c}] for c in colours], seed=0)
    assert out["matched"]["overall"] == out["shuffled"]["overall"] == pytest.approx(1 / 3)


def test_gan_run_reads_notebook_01s_embeddings_and_applies_the_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path))
    records = {split: [SimpleNamespace(key=f"{split}{i}", label=i) for i in range(3)] for split in ("train", "test")}
    data = SimpleNamespace(dataset="birds", profile="smoke", records=records)
    for split in ("train", "test"):
        save_embeddings(tmp_path / "birds" / "smoke" / "embeddings" / f"text_{split}.pt", records[split],
                        torch.randn(3, 10, 16), "text")
    run = gan_run(data, "text", branches=2, iterations=7)
    assert run.embeddings["test"].shape == (3, 10, 16) and run.config.embedding_dim == 16
    assert run.config.branches == 2 and run.train_config.iterations == 7
    assert run.train_config.batch_size == GAN_STAGE["smoke"].batch_size
    assert run.run_dir == tmp_path / "birds" / "smoke" / "gan" / "text_32-64"
    with pytest.raises(FileNotFoundError, match="01_encoder"):
        gan_run(data, "tsl")
