"""GAN stage helpers: profiles build valid configs, the shuffled control, and the condition-following score."""
from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from s2i_lib.config import PROFILES, get_profile
from s2i_lib.metrics.uncertainty import Estimate
from s2i_lib.pipeline.gan import condition_following, derangement, gan_configs


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_profile_builds_a_gan_and_a_training_config(profile):
    data = SimpleNamespace(profile=get_profile(profile))
    config, train_config = gan_configs(data, 1280)
    assert config.embedding_dim == 1280 and 1 <= config.branches <= 3
    assert train_config.iterations == data.profile.gan.iterations
    config, train_config = gan_configs(data, 1024, train_seed=5)
    assert train_config.seed == 5 and train_config.batch_size == data.profile.gan.batch_size
    assert gan_configs(data, 1024, branches=1, train_seed=5) == (replace(config, branches=1), train_config)
    assert gan_configs(data, 1024, iterations=7, train_seed=5) == (config, replace(train_config, iterations=7))
    assert gan_configs(data, 1024, branches=0, iterations=0, base_size=0, train_seed=5) == (config, train_config)


def test_paper_profile_is_stackgan_v2s_three_scales_and_per_data_set_as_section_v():
    config, train_config = gan_configs(SimpleNamespace(profile=get_profile("paper", "cub")), 1024)
    assert config.image_sizes == (64, 128, 256) and config.gf_dim == config.df_dim == 64
    assert train_config.batch_size == 24 and train_config.iterations == 220_000
    assert gan_configs(SimpleNamespace(profile=get_profile("paper", "oxford")), 1024)[1].iterations == 100_000
    assert gan_configs(SimpleNamespace(profile=get_profile("paper", "places")), 1024)[0].image_sizes == (64, 128)


def test_default_profile_is_one_32px_branch():
    """The one place the default GAN's size is set: the profile (no second table overrides it)."""
    config, _ = gan_configs(SimpleNamespace(profile=get_profile("default")), 1280)
    assert config.image_sizes == (32,) and config.gf_dim == 32


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
    assert out["matched"]["overall"] == Estimate(1.0, 0.0)           # every image right: nothing to resample
    assert out["shuffled"]["overall"].value < 0.6 and out["shuffled"]["overall"].error > 0
    assert out["real"]["overall"].value == 1.0
    wrong_real = condition_following(ColourGenerator(), ColourReader(), embeddings, targets, seed=0,
                                     real_images=real.roll(1, 0))
    assert wrong_real["real"]["overall"].value == 0.0            # every real image now shows the next colour


def test_condition_following_scores_a_generator_that_ignores_its_condition_the_same_on_both():
    class Constant(ColourGenerator):
        def forward(self, z, embedding, eps):
            return [torch.ones(len(embedding), 3, 8, 8) * torch.tensor([1.0, -1, -1])[:, None, None]], None, None

    colours = ["red", "green", "blue"] * 4
    embeddings = torch.randn(12, 1, 3)
    out = condition_following(Constant(), ColourReader(), embeddings, [[{"colour": c}] for c in colours], seed=0)
    assert out["matched"]["overall"].value == out["shuffled"]["overall"].value == pytest.approx(1 / 3)
