"""Does the GAN's precision change what it measures? One system's GAN of one training seed, as the profile trained
it, and the same GAN trained again in the other precision (bf16 autocast <-> fp32) on the same host from the same
embeddings with the same seed, both evaluated alike (Table II's evaluation, the judges of this machine).

    python benchmarks/gan_precision.py --profile default --train-seed 1236 --system tsl \
        --out results/birds/default/gan_precision_1236

Why: `default` trains the GAN in the faster of bf16 and fp32 where the CPU computes bf16 natively (`amp="native"`,
docs/deviations.md; bf16 on the hosts seen so far), a choice made on step speed, never on the finished GAN's
measures. Each GAN is trained once per precision, so a difference holds the GAN's own training noise as well as the
precision's effect; each ± is the evaluation error only. Writes `<out>.csv` and `<out>.md`; the other precision's
GAN stays a keyed run (its precision is part of the key), so a second call reuses both.
"""
from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from seed_agreement import agreement, write_report

from s2i_lib.config import Profile
from s2i_lib.data import markdown_table, prepare
from s2i_lib.pipeline.measure import measure_system
from s2i_lib.report import machine, versions


def other_precision(profile: Profile, trained: str) -> Profile:
    """`profile` with its GAN in the other precision than the one its run `trained` in ("float32": bf16 autocast,
    emulated and slow where the device lacks it; else fp32). The precision policy is part of a GAN run's key."""
    return dataclasses.replace(profile, gan=dataclasses.replace(profile.gan, amp=trained == "float32"))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", default="birds")
    p.add_argument("--profile", default="default")
    p.add_argument("--seed", type=int, default=0, help="data seed (and the evaluation's draws)")
    p.add_argument("--train-seed", type=int, required=True, help="the training seed of the encoder and the GAN")
    p.add_argument("--system", default="tsl", help="a Table II system: tsl, classifier, text, two_stage")
    p.add_argument("--out", type=Path, required=True, help="stem of the .csv and .md written")
    args = p.parse_args()
    data = prepare(args.dataset, args.profile, None, seed=args.seed)
    measured, said, trained = [], [], None
    for label in ("profile's", "other"):
        d = data if trained is None else dataclasses.replace(data, profile=other_precision(data.profile, trained))
        r = measure_system(d, args.system, gan_seed=args.train_seed, encoder_seed=args.train_seed, seed=args.seed)
        trained = r.precision
        measured.append({(args.system, name): (e.value, e.error) for name, e in r.measures.items()})
        said.append(f"- {label}: {r.precision}, GAN run `{r.gan.folder.name}`, trained {r.train_s / 60:.1f} min "
                    f"({r.gan.run.trained_by()})")
        print(said[-1], flush=True)
    rows = [{k: v for k, v in row.items() if k != "row"} for row in agreement(*measured)]
    text = [f"# One GAN in two precisions: {args.dataset} `{args.profile}`, {args.system}, training seed "
            f"{args.train_seed}", "", f"- machine: {machine()}; {versions()}",
            f"- command: `python benchmarks/gan_precision.py --dataset {args.dataset} --profile {args.profile} "
            f"--seed {args.seed} --train-seed {args.train_seed} --system {args.system} --out {args.out}`", *said,
            "- first: the profile's precision; second: the other; each ± is the evaluation error only, and each GAN "
            "was trained once, so a difference also holds the GAN's own training noise", "", markdown_table(rows)]
    write_report(rows, text, args.out)


if __name__ == "__main__":
    main()
