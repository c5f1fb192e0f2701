"""benchmarks/gan_precision.py: the other precision of a profile's GAN, the rest of the profile kept."""
from __future__ import annotations

import runpy

import pytest
import torch

import s2i_lib.train.gan as train_gan
from s2i_lib.config import REPO_ROOT, get_profile


@pytest.fixture
def other_precision(monkeypatch):
    monkeypatch.syspath_prepend(str(REPO_ROOT / "benchmarks"))        # the script imports seed_agreement beside it
    return runpy.run_path(str(REPO_ROOT / "benchmarks" / "gan_precision.py"))["other_precision"]


@pytest.mark.parametrize("native, expected", [(True, False), (False, True)])
def test_the_other_precision_flips_what_the_profile_trains_in_here(other_precision, monkeypatch, native, expected):
    monkeypatch.setattr(train_gan, "native_bf16", lambda device: native)
    profile = get_profile("default")
    assert profile.gan.amp == "native"                                   # bf16 where native, else fp32
    other = other_precision(profile)
    assert other.gan.amp is expected                                     # fp32 where bf16 was native, else bf16
    chosen = train_gan.Precision.for_training(train_gan.GANTrainConfig(amp=other.gan.amp), torch.device("cpu"))
    assert (chosen.dtype is None) is native
    assert other.gan.architecture() == profile.gan.architecture() and other.gan.iterations == profile.gan.iterations
    assert other.name == profile.name                                    # the same data, teacher and judges
