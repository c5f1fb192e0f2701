"""The study's entry points: how a notebook's or make's seed parameters become each system's GAN seeds."""
from __future__ import annotations

import pytest

from s2i_lib.study import SYSTEM_LABELS, seeds_per_system


def test_gan_seeds_go_to_the_chosen_systems_after_the_training_seed():
    assert seeds_per_system(1234) == {s: [1234] for s in SYSTEM_LABELS}
    seeds = seeds_per_system(1234, "1, 2 1234", "tsl two_stage")
    assert seeds == {"two_stage": [1234, 1, 2], "classifier": [1234], "tsl": [1234, 1, 2], "text": [1234]}
    assert seeds_per_system(7, [1], ["text"]) == {"two_stage": [7], "classifier": [7], "tsl": [7], "text": [7, 1]}


def test_an_unknown_seed_system_names_the_choices():
    with pytest.raises(ValueError, match=r"\['tls'\]: not a system; choose from"):
        seeds_per_system(1234, "1", "tls")
