"""Time a from-scratch build of a built-in data set (images + speech, then the fbank cache) and its size.

    python benchmarks/build_time.py --dataset birds --profile default --workers 2

Builds into a fresh folder (default: a temporary one, removed afterwards unless --keep) so nothing cached is
counted, and prints the wall time of each stage, the counts and the size on disk.
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from s2i_lib.data.prepare import prepare


def folder_size(path: Path) -> tuple[int, int]:
    """(bytes, files) under `path`."""
    sizes = [f.stat().st_size for f in path.rglob("*") if f.is_file()]
    return sum(sizes), len(sizes)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", default="birds", choices=("birds", "flowers"))
    p.add_argument("--profile", default="default")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", default=None, help="artifacts folder to build in (default: a temporary one)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = p.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="s2i_build_"))
    os.environ["S2I_ARTIFACTS"] = str(out)
    t0 = time.perf_counter()
    data = prepare(args.dataset, args.profile, seed=0, workers=args.workers)
    total = time.perf_counter() - t0
    fbank_dir = data.fbanks.folder
    fbank_s = fbank_dir.joinpath("meta.json").stat().st_mtime - (data.root / "manifest.json").stat().st_mtime
    images = sum(len(r) for r in data.records.values())
    utterances = sum(len(r.wavs) for recs in data.records.values() for r in recs)
    data_bytes, data_files = folder_size(data.root)
    fbank_bytes, _ = folder_size(fbank_dir)
    print(f"\n{args.dataset} / {args.profile} on {os.cpu_count()} cores, {args.workers} workers")
    print(f"images: {images}  utterances: {utterances}  failed utterances: {len(data.fbanks.failed)}")
    print(f"images + speech: {total - fbank_s:.0f} s   fbank cache: {fbank_s:.0f} s   total: {total:.0f} s "
          f"({total / 60:.1f} min)")
    print(f"on disk: data {data_bytes / 2**30:.2f} GiB in {data_files} files, fbank cache {fbank_bytes / 2**30:.2f} GiB")
    if not args.out and not args.keep:
        shutil.rmtree(out)


if __name__ == "__main__":
    main()
