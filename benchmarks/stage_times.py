"""Per-stage times of one reproduction (`make reproduce-table2`, or one table's notebook), from what it left behind.

- Each executed notebook under `results/<dataset>/<profile>/` carries papermill's start and end time.
- Each keyed run (`s2i_lib/pipeline/runs.py`) writes its `config.json` when it starts, and its products
  (checkpoints, features, embeddings, measures: the `.pt` and `.jsonl` files in its folder) as it works, so a
  run computed in one go took the time from `config.json` to its last product. (`done.json` is no end mark: a
  reused run is marked done again.) Only runs started after the first notebook began are counted; older runs
  were reused and cost this reproduction nothing. A run resumed across sessions would show the wall time
  between its start and its end; the reproduction this table is for ran in one go.

The table goes to `results/<dataset>/<profile>/stage_times.md` and `.csv` (or `--out`'s stem), with the CPU
beside it; `--notebooks` counts only those notebooks and the runs started after the first of them began. A
reproduction without notebooks (`make seeds-table2`, a background job) gives `--since`, the UTC time it began.
A GAN's or an encoder's row also shows the loop's own seconds its checkpoint recorded (`train_seconds`, summed over
resumed calls; NaN for runs trained before encoders recorded them): the right time for a run stopped and resumed
later, whose file times span the pause.

    python benchmarks/stage_times.py --dataset birds --profile default
    python benchmarks/stage_times.py --profile default --notebooks 05_table4 --out stage_times_table4
    python benchmarks/stage_times.py --profile default --since "2026-12-06 17:57" --out stage_times_seed1234
"""
from __future__ import annotations

import argparse
import json
import math
from datetime import datetime, timezone
from pathlib import Path

from s2i_lib.checkpoint import load_checkpoint, recorded_train_seconds
from s2i_lib.config import artifacts_dir, results_dir
from s2i_lib.data import markdown_table, write_csv
from s2i_lib.report import machine
from s2i_lib.pipeline import list_runs

# What each kind of run is, in the words of the stage table.
STAGES = {"teacher": "teacher features", "encoder": "encoder training", "embeddings": "caption embeddings",
          "transcripts": "recogniser (pocketsphinx)", "gan": "GAN training", "scorer": "attribute scorer",
          "score_classifier": "in-domain score's classifier", "fid_real": "FID features of real test images",
          "evaluation": "evaluation of one GAN"}


# Runs whose folder is written only once their work is done (config.json and product together): their time is
# not in the files; notebook 03 prints each evaluation's seconds and table2.md keeps them.
WRITTEN_AT_THE_END = {"evaluation"}


def notebook_times(folder: Path, stems: list[str] | None = None) -> list[dict]:
    """Start, end and minutes of every executed notebook in `folder` (or those named `stems`; papermill's metadata)."""
    rows = []
    for path in sorted(folder.glob("*.ipynb")):
        if stems and path.stem not in stems:
            continue
        meta = json.loads(path.read_text())["metadata"].get("papermill", {})
        if meta.get("start_time") and meta.get("end_time"):
            start, end = (datetime.fromisoformat(meta[k]) for k in ("start_time", "end_time"))
            rows.append({"notebook": path.name, "start": start, "end": end,
                         "minutes": round((end - start).total_seconds() / 60, 1)})
    return rows


def run_times(artifacts: Path, since: datetime) -> list[dict]:
    """Minutes of every finished run started at or after `since` (config.json to its last product), and a GAN's
    or an encoder's recorded loop minutes. A run whose config.json and products were written in one second (its
    folder written once its work was done) has no time in its files: its minutes are left blank."""
    rows = []
    for run in list_runs(artifacts):
        folder = Path(run["folder"])
        started = datetime.fromtimestamp((folder / "config.json").stat().st_mtime, timezone.utc)
        products = [p.stat().st_mtime for p in folder.iterdir() if p.suffix in (".pt", ".jsonl")]
        if not run["done"] or started < since or not products or run["kind"] in WRITTEN_AT_THE_END:
            continue
        seconds = (datetime.fromtimestamp(max(products), timezone.utc) - started).total_seconds()
        loop = (recorded_train_seconds(load_checkpoint(folder / "last.pt")) / 60
                if run["kind"] in ("gan", "encoder") and (folder / "last.pt").exists() else float("nan"))
        rows.append({"stage": STAGES.get(run["kind"], run["kind"]), "run": f"{run['kind']}/{run['name']}-{run['key']}",
                     "started (UTC)": started, "minutes": round(seconds / 60, 1) if seconds >= 1 else "",
                     "loop minutes (recorded)": "" if math.isnan(loop) else round(loop, 1)})
    rows.sort(key=lambda r: r["started (UTC)"])
    one_day = len({r["started (UTC)"].date() for r in rows}) <= 1
    return [{**r, "started (UTC)": r["started (UTC)"].strftime("%H:%M:%S" if one_day else "%Y-%m-%d %H:%M:%S")}
            for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="birds")
    parser.add_argument("--profile", default="default")
    parser.add_argument("--seed", type=int, default=0, help="the data seed")
    parser.add_argument("--notebooks", nargs="*", help="only these executed notebooks (stems, e.g. 05_table4)")
    parser.add_argument("--out", default="stage_times", help="stem of the .md and .csv written")
    parser.add_argument("--since", type=lambda t: datetime.fromisoformat(t).replace(tzinfo=timezone.utc),
                        help="a reproduction without notebooks: the UTC time it began, e.g. '2026-12-06 17:57'")
    args = parser.parse_args()
    folder = results_dir(args.dataset, args.profile)
    notebooks = [] if args.since else notebook_times(folder, args.notebooks)
    if not notebooks and not args.since:
        raise SystemExit(f"no executed notebooks {args.notebooks or ''} in {folder}: run `make reproduce-table2 "
                         f"PROFILE={args.profile}` (or the notebook's make target) first, or give --since")
    since = args.since or min(r["start"] for r in notebooks)
    runs = run_times(artifacts_dir(args.dataset, args.profile) / f"seed{args.seed}", since)
    shown = [{**r, "start": r["start"].strftime("%H:%M:%S"), "end": r["end"].strftime("%H:%M:%S")} for r in notebooks]
    total = (max(r["end"] for r in notebooks) - since).total_seconds() / 60 if notebooks else 0.0
    timed = (["## Notebooks (papermill)", markdown_table(shown),
              f"Notebooks in all: {total:.1f} min (set-up before them not included)."] if notebooks else
             [f"No notebooks: the runs started from {since:%Y-%m-%d %H:%M} UTC on."])
    text = "\n\n".join([f"# Stage times: {args.dataset} `{args.profile}`, {machine()}", *timed,
                        "## Keyed runs computed by this reproduction (config.json to the last product)",
                        markdown_table(runs) if runs else "(none: every run was reused)",
                        "Evaluations are not listed, and a blank minutes cell is a run whose folder was written at "
                        "once when it ended: their time is not in the files; the table's run details (table2.md, "
                        "table4.md, ...) give each evaluation's seconds."])
    (folder / f"{args.out}.md").write_text(text + "\n")
    write_csv(runs or [{"stage": "", "run": "", "started (UTC)": "", "minutes": ""}], folder / f"{args.out}.csv")
    print(text)


if __name__ == "__main__":
    main()
