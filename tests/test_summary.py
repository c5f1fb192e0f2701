"""The benchmarks' result files: one CSV holds every machine's rows, each replaced by that machine's newest run."""
from __future__ import annotations

from s2i_lib.data.summary import read_csv, write_csv_replacing


def test_a_machines_rows_are_replaced_and_the_others_kept(tmp_path):
    path = tmp_path / "bench.csv"
    write_csv_replacing([{"cpu": "xeon", "profile": "default", "s": 1}, {"cpu": "xeon", "profile": "paper", "s": 9}],
                        path)
    write_csv_replacing([{"cpu": "epyc", "profile": "default", "s": 2}], path)
    write_csv_replacing([{"cpu": "epyc", "profile": "default", "s": 3}], path)
    assert [(r["cpu"], r["s"]) for r in read_csv(path)] == [("xeon", "1"), ("xeon", "9"), ("epyc", "3")]
    write_csv_replacing([{"cpu": "xeon", "profile": "paper", "s": 8}], path, same=("cpu", "profile"))
    assert [(r["cpu"], r["profile"], r["s"]) for r in read_csv(path)] == [
        ("xeon", "default", "1"), ("epyc", "default", "3"), ("xeon", "paper", "8")]
