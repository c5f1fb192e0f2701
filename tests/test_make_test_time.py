"""benchmarks/make_test_time.py reads pytest's closing lines: counts, the `--durations` list and what failed."""
from __future__ import annotations

import runpy

from s2i_lib.config import REPO_ROOT

SCRIPT = runpy.run_path(str(REPO_ROOT / "benchmarks" / "make_test_time.py"))

OUTPUT = """\
S2I_PROFILE=smoke .venv/bin/python -m pytest -q -n auto --dist loadscope --durations=12 tests
............................................ [100%]
============================= slowest 12 durations =============================
130.23s call     notebooks/04_table3_standin.ipynb::Cell 3
1.84s setup    tests/test_faults.py::test_missing_files[half the wavs]

(1 durations < 0.005s hidden.  Use -vv to show these durations.)
=========================== short test summary info ============================
FAILED tests/test_evaluate.py::test_table2_rows - AssertionError: assert 2 == 3
ERROR tests/test_faults.py::test_missing_files[half the wavs] - OSError
1 failed, 794 passed, 2 errors in 562.45s (0:09:22)
make: *** [Makefile:136: test] Error 1
"""


def test_counts_read_pytest_s_closing_line():
    assert SCRIPT["counts"](OUTPUT) == {"passed": 794, "failed": 3}
    assert SCRIPT["counts"]("795 passed in 578.16s (0:09:38)\n") == {"passed": 795, "failed": 0}
    assert SCRIPT["counts"]("make: *** No rule to make target\n") == {"passed": 0, "failed": 0}


def test_slowest_lists_the_duration_lines_alone():
    assert SCRIPT["slowest"](OUTPUT) == ["130.23s call     notebooks/04_table3_standin.ipynb::Cell 3",
                                         "1.84s setup    tests/test_faults.py::test_missing_files[half the wavs]"]
    assert SCRIPT["slowest"]("795 passed\n") == []


def test_failures_name_each_failed_test_with_its_reason():
    assert SCRIPT["failures"](OUTPUT) == ["FAILED tests/test_evaluate.py::test_table2_rows - AssertionError: assert 2 == 3",
                                          "ERROR tests/test_faults.py::test_missing_files[half the wavs] - OSError"]
    assert SCRIPT["failures"]("795 passed in 578.16s (0:09:38)\n") == []
