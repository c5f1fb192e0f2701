"""Are the built-in data set's attributes readable at low resolution? Prints a table and render timings.

Renders `--per-class` images per class at `--render-size`, downsamples them (PIL box filter, i.e. area
averaging) to `--size`, trains the attribute classifier on TRAIN-class images only and reports per-attribute
accuracy on images of the unseen TEST classes, next to chance (uniform 1/K and the test set's majority value)
.

    python benchmarks/readability.py --kind birds --size 32 --per-class 20
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from PIL import Image

from s2i_lib.data.procedural import ATTRIBUTES, make_classes, render, sample_image_attributes
from s2i_lib.data.summary import markdown_table
from s2i_lib.metrics.attributes import images_to_tensor, readability_rows


def render_ms(kind: str, size: int, n: int = 200) -> float:
    """Mean milliseconds to draw one `size` x `size` image (one core)."""
    classes = make_classes(kind)
    rng = np.random.default_rng(1)
    t0 = time.perf_counter()
    for i in range(n):
        render(kind, sample_image_attributes(classes[i % len(classes)], rng), size, rng)
    return 1000 * (time.perf_counter() - t0) / n


def make_split(kind: str, split: str, per_class: int, render_size: int, size: int, seed: int):
    """Images (N, 3, size, size) in [-1, 1] and their attribute dicts, for all classes of one split."""
    rng = np.random.default_rng(seed)
    images, attrs = [], []
    for spec in make_classes(kind):
        if spec.split != split:
            continue
        for _ in range(per_class):
            a = sample_image_attributes(spec, rng)
            images.append(render(kind, a, render_size, rng).resize((size, size), Image.BOX))
            attrs.append(a)
    return images_to_tensor(images), attrs


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kind", default="birds", choices=sorted(ATTRIBUTES))
    p.add_argument("--size", type=int, default=32, help="resolution the classifier reads")
    p.add_argument("--render-size", type=int, default=128, help="resolution drawn before downsampling")
    p.add_argument("--per-class", type=int, default=20)
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2, help="torch threads (use 1 when other jobs share the CPU)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    for s in (128, 256):
        print(f"render {args.kind} {s}x{s}: {render_ms(args.kind, s):.2f} ms/image")
    t0 = time.perf_counter()
    x_train, a_train = make_split(args.kind, "train", args.per_class, args.render_size, args.size, args.seed)
    x_test, a_test = make_split(args.kind, "test", args.per_class, args.render_size, args.size, args.seed + 1)
    print(f"rendered {len(a_train)} train-class and {len(a_test)} test-class images in "
          f"{time.perf_counter() - t0:.1f} s ({args.render_size} px -> {args.size} px, box filter)")

    t0 = time.perf_counter()
    rows = readability_rows(x_train, a_train, x_test, a_test, ATTRIBUTES[args.kind], image_size=args.size,
                            epochs=args.epochs, seed=args.seed)
    print(f"trained and read in {time.perf_counter() - t0:.1f} s")
    print(f"\n{args.kind} at {args.size}x{args.size}: accuracy on unseen test classes ({len(a_test)} images)")
    print(markdown_table(rows))

if __name__ == "__main__":
    main()
