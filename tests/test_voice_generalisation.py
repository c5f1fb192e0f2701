"""benchmarks/voice_generalisation.py: an augmentation read against "none" on paired differences per training
seed, on hand-computed cases."""
from __future__ import annotations

import runpy

from s2i_lib.config import REPO_ROOT
from s2i_lib.metrics.uncertainty import Estimate

SCRIPT = runpy.run_path(str(REPO_ROOT / "benchmarks" / "voice_generalisation.py"))


def recalls(held: float, heard: float) -> dict[str, Estimate]:
    """One encoder's estimates, every error 0.006 (the ratio's and R@1's are not checked here)."""
    return {"held-out R@10": Estimate(held, 0.006), "training-voice R@10": Estimate(heard, 0.006),
            "ratio": Estimate(held / heard, 0.03), "held-out R@1": Estimate(0.03, 0.004),
            "training-voice R@1": Estimate(0.04, 0.002)}


def test_each_augmentation_is_read_on_the_paired_differences_of_its_seeds():
    estimates = {("none", 1234): recalls(0.15, 0.30), ("warp", 1234): recalls(0.18, 0.27),
                 ("none", 1235): recalls(0.14, 0.28), ("warp", 1235): recalls(0.18, 0.28),
                 ("none", 1236): recalls(0.16, 0.29), ("warp", 1236): recalls(0.19, 0.26),
                 ("mask", 1234): recalls(0.20, 0.20)}
    rows = {(r["compared"], r["measure"]): r for r in SCRIPT["paired_rows"](estimates, ["none", "warp", "mask"])}
    held, heard = rows["warp - none", "held-out R@10"], rows["warp - none", "training-voice R@10"]
    # held-out: +0.03, +0.04, +0.03: mean 0.0333, s.e. 0.00577 / sqrt 3 = 0.00333, eval sqrt(3 x 0.00849^2) / 3
    assert held["per seed"] == "+0.030; +0.040; +0.030" and held["seeds"] == "1234, 1235, 1236"
    assert held["difference (mean ± between-seed s.e. [eval])"] == "0.033 ± 0.003 [eval ± 0.005]"
    assert held["95% interval"] == "+0.019 to +0.048"                   # t(0.975, 2) = 4.303 x 0.00333
    assert held["reading (augment better)"] == "held"
    # heard: -0.03, 0.00, -0.03: mean -0.02, s.e. 0.01, 95% -0.063 to +0.023: a cost no larger than retraining's
    assert heard["difference (mean ± between-seed s.e. [eval])"] == "-0.020 ± 0.010 [eval ± 0.005]"
    assert heard["95% interval"] == "-0.063 to +0.023" and heard["reading (augment better)"] == "within noise"
    # one seed of "mask": read on its evaluation errors alone (± 2 combined errors), and marked provisional
    mask = rows["mask - none", "training-voice R@10"]
    assert mask["per seed"] == "-0.100" and mask["reading (augment better)"] == "not held (provisional: 1 seed)"
    assert mask["difference (mean ± between-seed s.e. [eval])"] == "-0.100 [eval ± 0.008]"


def test_an_augmentation_without_its_none_is_not_read():
    assert SCRIPT["paired_rows"]({("warp", 1234): recalls(0.18, 0.27)}, ["none", "warp"]) == []


def test_seeds_measured_in_earlier_calls_are_kept_and_read_back(tmp_path):
    """A later call adds seeds to the file an earlier one wrote; a file from before rows named their seed is
    replaced whole."""
    from s2i_lib.data import write_csv
    cells = {"held-out R@10": "0.159 ± 0.007", "training-voice R@10": "0.275 ± 0.005", "ratio": "0.578 ± 0.030",
             "held-out R@1": "0.033 ± 0.004", "training-voice R@1": "0.044 ± 0.002"}
    write_csv([{"stage": "test", "augment": "none", "train seed": "1235", **cells}], tmp_path / "new.csv")
    kept = SCRIPT["earlier_rows"](tmp_path / "new.csv")
    assert list(kept) == [("none", 1235)]
    assert SCRIPT["estimates_of"](kept["none", 1235])["ratio"] == Estimate(0.578, 0.03)
    write_csv([{"stage": "test", "augment": "none", **cells}], tmp_path / "old.csv")
    assert SCRIPT["earlier_rows"](tmp_path / "old.csv") == {}
    assert SCRIPT["earlier_rows"](tmp_path / "absent.csv") == {}
