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


@pytest.mark.parametrize("trained, expected", [("bfloat16", False), ("float32", True)])
def test_the_other_precision_flips_what_the_profile_trained_in(other_precision, trained, expected):
    profile = get_profile("default")
    assert profile.gan.amp == "native"                                   # measured where bf16 is native, else fp32
    other = other_precision(profile, trained)
    assert other.gan.amp is expected                                     # fp32 where the run was bf16, else bf16
    assert train_gan.Precision.candidates(train_gan.GANTrainConfig(amp=other.gan.amp), torch.device("cpu"))[0].name \
        == ("bfloat16" if expected else "float32")                       # a fixed policy: one precision, not measured
    assert other.gan.architecture() == profile.gan.architecture() and other.gan.iterations == profile.gan.iterations
    assert other.name == profile.name                                    # the same data, teacher and judges
