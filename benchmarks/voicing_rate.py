"""How fast the project's voices speak a real data set's text captions (s2i_lib.data.voicing), projected to
every caption of CUB-200 and Oxford-102.

    python benchmarks/voicing_rate.py --captions 2000

Voices `--captions` built-in bird captions (10 per image, three train images to one test image, as in CUB's
split) into a fresh temporary store, once with one process and once with two, then projects the full caption
sets (CUB 11,788 x 10, Oxford 8,189 x 10) to 2 cores (the two-process rate) and 16 (the two-process rate per
process x 16: assumes the per-core efficiency measured on two cores holds on sixteen). Writes
results/voicing_rate.csv; s2i_lib.data.voicing.MEASURED_PER_CORE is the two-process rate per process.
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from s2i_lib.config import REPO_ROOT
from s2i_lib.data.captions import make_captions
from s2i_lib.data.procedural import make_classes, sample_image_attributes
from s2i_lib.data.records import Record
from s2i_lib.data.summary import write_csv_replacing
from s2i_lib.data.voicing import voice_records
from s2i_lib.report.tables import machine

FULL = {"cub": 11788 * 10, "oxford": 8189 * 10}


def caption_records(n_captions: int) -> dict[str, list[Record]]:
    """Records of built-in bird captions, 10 per image, every fourth image a test image."""
    rng = np.random.default_rng(0)
    specs = make_classes("birds")
    records = {"train": [], "test": []}
    for i in range(n_captions // 10):
        spec = specs[i % len(specs)]
        split = "test" if i % 4 == 3 else "train"
        captions = make_captions("birds", sample_image_attributes(spec, rng), 10, rng)
        records[split].append(Record(f"{spec.name}/{i:05d}", Path("none.png"), spec.index, spec.name, split, captions))
    return records


def rate(records: dict[str, list[Record]], workers: int) -> tuple[float, float, float]:
    """(utterances per second, seconds, mean bytes per wav) voicing `records` into a fresh store with `workers`
    processes."""
    store = Path(tempfile.mkdtemp(prefix="s2i_voicing_"))
    os.environ["S2I_ARTIFACTS"] = str(store)
    try:
        start = time.perf_counter()
        voice_records("cub", records, seed=0, workers=workers, progress=False)
        seconds = time.perf_counter() - start
        sizes = [w.stat().st_size for w in store.rglob("*.wav")]
    finally:
        shutil.rmtree(store)
    return len(sizes) / seconds, seconds, float(np.mean(sizes))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--captions", type=int, default=2000)
    args = p.parse_args()
    records = caption_records(args.captions)
    words = np.mean([len(c.split()) for rs in records.values() for r in rs for c in r.captions])
    one, one_s, size = rate(records, 1)
    two, two_s, _ = rate(records, 2)
    rows = [{"machine": machine(), "captions": args.captions, "mean_words": round(float(words), 1),
             "processes": n, "seconds": round(s, 1), "utterances_per_s": round(r, 2),
             **{f"{name}_minutes_2_cores": round(total / two / 60, 1) for name, total in FULL.items()},
             "kb_per_wav": round(size / 1024, 1),
             **{f"{name}_gib": round(total * size / 2**30, 1) for name, total in FULL.items()},
             **{f"{name}_minutes_16_cores": round(total / (two / 2 * 16) / 60, 1) for name, total in FULL.items()}}
            for n, s, r in ((1, one_s, one), (2, two_s, two))]
    out = REPO_ROOT / "results" / "voicing_rate.csv"
    write_csv_replacing(rows, out, same=("machine", "processes"))
    for row in rows:
        print(row)
    print(f"written {out}")


if __name__ == "__main__":
    main()
