"""Time `make test` as CI meets it: a fresh clone of the committed HEAD in a temporary folder, `make setup` (a new
virtual environment and its packages) then `make test`, each timed; pass and fail counts and the slowest tests
pytest names; the machine. Run it with nothing else on the machine (a second torch job doubles the times).

    python benchmarks/make_test_time.py            # ~12 min on a 2-core CPU

One row per commit and machine goes to results/make_test_time.csv (rows of other commits and machines are kept:
before and after) and the table to results/make_test_time.md. The clone it made is removed; uncommitted changes
are not in it.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from s2i_lib.config import REPO_ROOT
from s2i_lib.data import markdown_table
from s2i_lib.data.summary import read_csv, write_csv_replacing
from s2i_lib.report import HOST_SPEED, host_columns

OUT = REPO_ROOT / "results" / "make_test_time"


def timed(command: list[str], cwd: Path) -> tuple[float, int, str]:
    """(seconds, exit status, output) of `command`."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return time.perf_counter() - start, done.returncode, done.stdout


def counts(output: str) -> dict:
    """pytest's closing counts ("795 passed, 1 failed in ...") as numbers."""
    last = [line for line in output.splitlines() if re.search(r"\d+ (passed|failed)", line)][-1:]
    found = dict((word, int(n)) for n, word in re.findall(r"(\d+) (passed|failed|error)", "".join(last)))
    return {"passed": found.get("passed", 0), "failed": found.get("failed", 0) + found.get("error", 0)}


def slowest(output: str) -> list[str]:
    """The lines of pytest's `--durations` list."""
    lines = output.splitlines()
    start = next((i for i, line in enumerate(lines) if "slowest" in line and "durations" in line), None)
    return [] if start is None else [line for line in lines[start + 1:] if re.match(r"\s*[\d.]+s (call|setup)", line)]


def failures(output: str) -> list[str]:
    """pytest's FAILED and ERROR lines (its short test summary): which tests failed, with their first reason."""
    return [line for line in output.splitlines() if re.match(r"(FAILED|ERROR) ", line)]


def main() -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    host = host_columns()                                          # probed before the clone, on a quiet machine
    scratch = Path(tempfile.mkdtemp(prefix="s2i_make_test_"))
    try:
        repo = scratch / "repo"
        subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(repo)], check=True)
        setup_s, status, output = timed(["make", "setup"], repo)
        if status:
            raise SystemExit(f"make setup failed in {repo}:\n{output[-3000:]}")
        test_s, status, output = timed(["make", "test"], repo)
        row = {"commit": commit, **host, "date (UTC)": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"),
               "set-up minutes": f"{setup_s / 60:.2f}", "make test minutes": f"{test_s / 60:.2f}",
               "total minutes": f"{(setup_s + test_s) / 60:.2f}", **counts(output), "exit status": status,
               "measured by": "this script"}
    finally:
        shutil.rmtree(scratch)
    write_csv_replacing([row], OUT.with_suffix(".csv"), same=("commit", "cpu"), speed=HOST_SPEED)
    rows = read_csv(OUT.with_suffix(".csv"))
    text = ["# `make test` on a fresh clone", "",
            "Set-up: a new virtual environment and `pip install -e '.[notebooks,test]'` (torch's wheels with their "
            "CUDA libraries, ~8 GB installed); then `make test`: pytest on every core (pytest-xdist), unit tests "
            "and the notebooks' nbval replay at `smoke`. Measured by `python benchmarks/make_test_time.py` with "
            "nothing else running.", "", markdown_table(rows), "",
            f"Slowest tests at {commit} on {row['cpu']} (pytest `--durations`):", "",
            *[f"    {line.strip()}" for line in slowest(output)]]
    OUT.with_suffix(".md").write_text("\n".join(text) + "\n")
    print("\n".join(text))
    if row["exit status"]:
        named = "\n".join(failures(output)) or output[-3000:]
        raise SystemExit(f"make test failed at {commit}: {row['failed']} failed\n{named}")


if __name__ == "__main__":
    main()
