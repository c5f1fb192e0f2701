"""Images per second of the two feature networks that evaluation runs over every generated image, in the
contiguous and the channels-last layout, measured in the same run on the same inputs (issue: Table II's
evaluation cost; the library's default is channels-last for both):

- the FID Inception (TF Inception-v3 pool3, `metrics.fid.FIDInception`, TorchScript backend): 32-px images resized
  to 299 as pytorch-fid does, batch 50 (`fid_features`' default);
- the teacher (`models.teachers`, EfficientNet-Lite0): the profile's views of 32-px images, batch 16
  (`teacher_features`' default), as R-precision's judge and the teacher-feature stage use it.

A path's time is the best of `--repeats` passes over `--images` images after one warm-up pass; `max_rel_diff` is
the largest difference of its features from the contiguous path's, over the largest feature. Prints a markdown
table and writes results/feature_speed_benchmark.csv, replacing this machine's rows (the `cpu` column,
and its speed probe within 15%).

    python benchmarks/feature_speed.py [--images 100] [--repeats 3] [--threads 2] [--profile default]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from s2i_lib.config import get_profile
from s2i_lib.metrics.fid import FIDInception, fid_features
from s2i_lib.models.teachers import load_teacher, teacher_features
from s2i_lib.data.summary import write_csv_replacing
from s2i_lib.report import HOST_SPEED, host_columns

RESULTS = Path(__file__).resolve().parent.parent / "results" / "feature_speed_benchmark.csv"
LAYOUTS = {"contiguous": torch.contiguous_format, "channels-last": torch.channels_last}


def best_time(compute, repeats: int) -> tuple[float, torch.Tensor]:
    """(best seconds of `repeats` calls after a warm-up call, the last call's output)."""
    out = compute()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = compute()
        seconds.append(time.perf_counter() - start)
    return min(seconds), torch.as_tensor(out)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--images", type=int, default=100)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--profile", default="default", help="whose teacher views and crop")
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    teacher_sizes = get_profile(args.profile).teacher
    images01 = torch.rand(args.images, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    crop, views = teacher_sizes.crop, teacher_sizes.view_set

    def fid_path(fmt):
        net = FIDInception("torchscript", memory_format=fmt)
        return lambda: fid_features(images01, net, progress=False)

    def teacher_path(fmt):
        net = load_teacher(memory_format=fmt)
        return lambda: teacher_features(net, images01 * 2 - 1, views, crop, progress=False)

    networks = {"FID Inception (299 px)": fid_path, f"teacher EfficientNet-Lite0 ({views} at {crop} px)": teacher_path}
    host, rows = host_columns(), []
    for network, make in networks.items():
        times = {name: best_time(make(fmt), args.repeats) for name, fmt in LAYOUTS.items()}
        base_s, base = times["contiguous"]
        for name, (seconds, out) in times.items():
            rows.append({**host, "threads": args.threads, "network": network, "layout": name,
                         "images": args.images, "images_per_s": round(args.images / seconds, 2),
                         "speedup": round(base_s / seconds, 2),
                         "max_rel_diff": f"{float((out - base).abs().max() / base.abs().max()):.1e}"})
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")
    write_csv_replacing(rows, args.out, speed=HOST_SPEED)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
