"""benchmarks/seed_agreement.py: two evaluations' differences in combined errors, on hand-computed cases."""
from __future__ import annotations

import runpy

import pytest

from s2i_lib.config import REPO_ROOT
from s2i_lib.data import write_csv

SCRIPT = runpy.run_path(str(REPO_ROOT / "benchmarks" / "seed_agreement.py"))


def test_differences_are_read_in_combined_errors():
    first = {("tsl", "FID"): (100.0, 3.0), ("tsl", "KID"): (0.1, 0.0), ("real", "score"): (13.0, 0.2)}
    second = {("tsl", "FID"): (110.0, 4.0), ("tsl", "KID"): (0.1, 0.0), ("two_stage", "FID"): (90.0, 1.0)}
    rows = SCRIPT["agreement"](first, second)
    assert [(r["row"], r["measure"]) for r in rows] == [("tsl", "FID"), ("tsl", "KID")]     # only pairs in both
    fid, kid = rows
    assert (fid["difference"], fid["combined error"], fid["|difference| / combined error"], fid["within 2"]) == \
        ("+10", "5", "2.00", "yes")                                        # 10 / hypot(3, 4) = 2: the edge agrees
    assert (kid["|difference| / combined error"], kid["within 2"]) == ("n/a", "n/a")   # no error: not judged


def test_a_folder_without_measures_is_named(tmp_path):
    write_csv([{"row": "tsl", "measure": "FID", "value": "1.5", "error": ""}], tmp_path / "table2_measures.csv")
    assert SCRIPT["measures"](tmp_path)[("tsl", "FID")][0] == 1.5
    with pytest.raises(SystemExit, match=f"{tmp_path / 'absent'}/table2_measures.csv is missing"):
        SCRIPT["measures"](tmp_path / "absent")


def test_the_report_is_a_csv_of_its_rows_and_a_markdown_of_its_text(tmp_path, capsys):
    from s2i_lib.data import read_csv
    rows = [{"measure": "FID", "difference": "+1"}]
    SCRIPT["write_report"](rows, ["# title", "", "| a |"], tmp_path / "sub" / "out")
    assert read_csv(tmp_path / "sub" / "out.csv") == rows
    assert (tmp_path / "sub" / "out.md").read_text() == "# title\n\n| a |\n"
    assert "# title" in capsys.readouterr().out
