"""The study's entry points: how a notebook's or make's seed parameters become each system's GAN seeds."""
from __future__ import annotations

import os
import subprocess

import pytest

from s2i_lib.config import REPO_ROOT

from s2i_lib.study import SYSTEM_LABELS, seeds_per_system


def test_gan_seeds_go_to_the_chosen_systems_after_the_training_seed():
    assert seeds_per_system(1234) == {s: [1234] for s in SYSTEM_LABELS}
    seeds = seeds_per_system(1234, "1, 2 1234", "tsl two_stage")
    assert seeds == {"two_stage": [1234, 1, 2], "classifier": [1234], "tsl": [1234, 1, 2], "text": [1234]}
    assert seeds_per_system(7, [1], ["text"]) == {"two_stage": [7], "classifier": [7], "tsl": [7], "text": [7, 1]}


def test_an_unknown_seed_system_names_the_choices():
    with pytest.raises(ValueError, match=r"seed_systems \['tls'\]: not a Table II system; choose from"):
        seeds_per_system(1234, "1", "tls")


@pytest.mark.parametrize("seeds", ["1 x", "-1", "1.5"])
def test_bad_gan_seeds_are_refused_before_anything_runs(seeds):
    with pytest.raises(ValueError, match="gan_seeds must be non-negative integers"):
        seeds_per_system(1234, seeds)
    run = subprocess.run(["make", "check-options", f"SEEDS={seeds}"], cwd=REPO_ROOT, capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.splitlines()[0] == f"SEEDS must be non-negative integers separated by spaces, not '{seeds}'"


@pytest.mark.parametrize("option", ["SEED_SYSTEMS", "PART"])
def test_make_checks_the_seed_systems_and_the_part_and_accepts_good_ones(option):
    run = subprocess.run(["make", "check-options", f"{option}=tsl tls"], cwd=REPO_ROOT, capture_output=True,
                         text=True)
    assert run.returncode == 2 and "PART must name systems among" in run.stderr and "'tls'" in run.stderr
    good = subprocess.run(["make", "check-options", "SEEDS=1, 2", f"{option}=tsl,two_stage"], cwd=REPO_ROOT,
                          capture_output=True, text=True)
    assert good.returncode == 0, good.stderr


def test_make_knows_the_same_systems_as_the_library():
    makefile = (REPO_ROOT / "Makefile").read_text()
    listed = makefile.split("PART must name systems among ")[1].split(",")[0].split("'")[0].split()
    assert set(listed) == set(SYSTEM_LABELS)


def test_a_part_of_a_seed_names_its_systems_in_the_tables_order():
    from s2i_lib.study.table2 import part_systems
    assert part_systems() == list(SYSTEM_LABELS)
    assert part_systems("tsl, two_stage") == ["two_stage", "tsl"]
    assert part_systems(["text"]) == ["text"]
    with pytest.raises(ValueError, match=r"\['tls'\]: not a Table II system; choose from"):
        part_systems("tsl tls")


@pytest.mark.parametrize("option, choices", [("PROFILE", "PROFILES"), ("DATASET", "DATASETS")])
def test_make_refuses_an_unknown_profile_or_data_set_before_making_a_results_folder(option, choices, tmp_path):
    """A bad PROFILE used to leave an untracked results/birds/<bad>/ behind; the choices are the library's."""
    from s2i_lib.config import BUILTIN_DATASETS, PROFILES, REAL_DATASETS
    run = subprocess.run(["make", "reproduce-table2", f"{option}=nonexistent", f"S2I_RESULTS={tmp_path}"],
                         cwd=REPO_ROOT, capture_output=True, text=True, env={**os.environ, "S2I_RESULTS": str(tmp_path)})
    assert run.returncode == 2 and f"{option} must be one of" in run.stderr and "'nonexistent'" in run.stderr
    assert list(tmp_path.iterdir()) == []
    listed = run.stderr.split(f"{option} must be one of ")[1].split(", not")[0].split()
    library = {"PROFILES": sorted(PROFILES), "DATASETS": sorted(BUILTIN_DATASETS + REAL_DATASETS)}[choices]
    assert sorted(listed) == library


def test_seed_lists_come_from_make_papermill_and_python_alike():
    """`make reproduce-table2` passes TRAIN_SEEDS with papermill; one seed once arrived as an int (`-p`) and
    failed in notebook 03 (the Makefile now passes it raw, `-r`)."""
    from s2i_lib.study.measured import seed_list
    assert seed_list("1234 1235,1236 1234", "train_seeds") == [1234, 1235, 1236]
    assert seed_list(1234, "train_seeds") == [1234] and seed_list([7, 8], "train_seeds") == [7, 8]
    assert seed_list("", "train_seeds") == []
    with pytest.raises(ValueError, match="train_seeds must be non-negative integers"):
        seed_list("12 x", "train_seeds")
