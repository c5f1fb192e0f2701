"""FID and KID of every branch of Table V's generators, each against the real test images at that branch's side:
does adding a larger branch change what the smaller ones make? (Table V itself scores each generator at its
largest output only, as the paper does.)

Uses Table V's GAN runs (`make reproduce-table5`; a missing one is trained, as the notebook would) and
`evaluate_gan`'s protocol: the same seeded captions and noise, the same FID network and bootstrap. Prints a
markdown table and writes results/<dataset>/<profile>/table5_branches.csv.

    python benchmarks/scale_branches.py --profile default
"""
from __future__ import annotations

import argparse
import time

import torch

from s2i_lib.__main__ import seed_arg
from s2i_lib.config import TRAIN_SEED
from s2i_lib.data import markdown_table, prepare, write_csv
from s2i_lib.generate import generate
from s2i_lib.report import machine
from s2i_lib.study import SCALES, scale_sizes
from s2i_lib.pipeline.evaluate import evaluation_conditions, fid_kid, real_test_features
from s2i_lib.pipeline.gan import gan_run, train_gan_run, trained_generator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="birds", choices=("birds", "flowers"))
    parser.add_argument("--profile", default="default")
    parser.add_argument("--seed", type=seed_arg, default=0, help="the data seed (and the evaluation's draws)")
    parser.add_argument("--train-seed", type=seed_arg, default=TRAIN_SEED)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()

    data = prepare(args.dataset, args.profile, None, seed=args.seed)
    rows = []
    for branches in SCALES:
        gan = gan_run(data, "tsl", branches, train_seed=args.train_seed, base_size=scale_sizes(data, 1)[0])
        train_gan_run(data, gan, device=args.device)
        netG, _ = trained_generator(gan, args.device)
        _, chosen = evaluation_conditions(data, gan, args.seed)
        outputs = generate(netG, chosen, seed=args.seed, device=args.device, all_branches=True, progress=False)
        for side, images in zip(scale_sizes(data, branches), outputs):
            start = time.time()
            real = real_test_features(data, side, args.device, progress=False)
            fid, kid = fid_kid(data, real, images, args.seed, args.device, progress=False)
            rows.append({"generator": " / ".join(map(str, scale_sizes(data, branches))), "branch side": side,
                         "largest output": side == scale_sizes(data, branches)[-1],
                         "FID": f"{fid.value:.2f} ± {fid.error:.2f}",
                         "KID x 1000": f"{1000 * kid.value:.2f} ± {1000 * kid.error:.2f}",
                         "GAN run": gan.folder.name, "seconds": round(time.time() - start)})
            print(f"{rows[-1]['generator']} px, branch {side} px: FID {rows[-1]['FID']}", flush=True)
    out = data.results / "table5_branches.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(rows, out)
    print(f"\n{args.dataset} `{args.profile}`, {machine()}\n\n{markdown_table(rows)}\n\nwritten: {out}")


if __name__ == "__main__":
    main()
