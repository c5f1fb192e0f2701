"""benchmarks/stage_times.py reads a run's minutes from its files: config.json to its last product."""
from __future__ import annotations

import json
import os
import runpy
from datetime import datetime, timezone

from s2i_lib.config import REPO_ROOT

SCRIPT = runpy.run_path(str(REPO_ROOT / "benchmarks" / "stage_times.py"))


def make_run(root, kind, name, key, started, ended, product="features.pt"):
    """A finished run folder whose config.json and product carry the times `started` and `ended` (UTC datetimes)."""
    folder = root / "runs" / kind / f"{name}-{key}"
    folder.mkdir(parents=True)
    for path, when in ((folder / "config.json", started), (folder / product, ended), (folder / "done.json", ended)):
        path.write_text(json.dumps({"kind": kind, "name": name, "key": key, "config": {}}))
        os.utime(path, (when.timestamp(), when.timestamp()))


def test_runs_across_midnight_sort_by_date_and_a_folder_written_at_once_has_no_minutes(tmp_path):
    at = lambda day, h, m: datetime(2026, 12, day, h, m, tzinfo=timezone.utc)       # noqa: E731
    make_run(tmp_path, "scorer", "attributes", "a", at(7, 0, 4), at(7, 0, 4))        # written once it was done
    make_run(tmp_path, "transcripts", "asr", "b", at(6, 20, 55), at(6, 21, 10), product="transcripts.jsonl")
    make_run(tmp_path, "teacher", "frozen", "c", at(6, 10, 0), at(6, 10, 5))          # before `since`: reused
    rows = SCRIPT["run_times"](tmp_path, since=at(6, 17, 57))
    assert [(r["run"], r["started (UTC)"], r["minutes"]) for r in rows] == [
        ("transcripts/asr-b", "2026-12-06 20:55:00", 15.0), ("scorer/attributes-a", "2026-12-07 00:04:00", "")]
    one_day = SCRIPT["run_times"](tmp_path, since=at(6, 23, 0))
    assert [r["started (UTC)"] for r in one_day] == ["00:04:00"]
