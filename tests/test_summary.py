"""The benchmarks' result files: one CSV holds every machine's rows, each replaced by that machine's newest run;
the host speed probe beside them."""
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


def test_a_host_of_another_speed_keeps_its_rows(tmp_path):
    """One model string, two host speeds (a probe's GFLOP/s): the rows of each are kept; a run within 15% of a row's
    probe replaces it; a row without a probe (written before there was one) is never replaced."""
    path = tmp_path / "bench.csv"
    write_csv_replacing([{"cpu": "epyc", "s": 1}], path)
    write_csv_replacing([{"cpu": "epyc", "gflops": 100.0, "s": 2}], path, speed="gflops")
    write_csv_replacing([{"cpu": "epyc", "gflops": 60.0, "s": 3}], path, speed="gflops")
    assert [(r["gflops"], r["s"]) for r in read_csv(path)] == [("", "1"), ("100.0", "2"), ("60.0", "3")]
    write_csv_replacing([{"cpu": "epyc", "gflops": 90.0, "s": 4}], path, speed="gflops")
    assert [(r["gflops"], r["s"]) for r in read_csv(path)] == [("", "1"), ("60.0", "3"), ("90.0", "4")]


def test_host_speed_is_the_best_products_rate(monkeypatch):
    """2 n^3 floating-point operations over the fastest of the timed products (the clock stubbed: 0.5, 0.25, 0.4 s)."""
    from types import SimpleNamespace

    from s2i_lib.report import tables
    ticks = iter([0.0, 0.5, 1.0, 1.25, 2.0, 2.4])
    monkeypatch.setattr(tables, "time", SimpleNamespace(perf_counter=lambda: next(ticks)))
    assert tables.host_speed(size=500, repeats=3) == 2 * 500 ** 3 / 0.25 / 1e9 == 1.0
