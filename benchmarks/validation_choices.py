"""Choices made by measurement, measured on validation classes (a fifth of the train classes, `validation_view`);
the unseen test classes are not touched.

- `teacher`: the linear attribute probe of the frozen and the fine-tuned teacher (and raw pixels), as notebook 01;
- `classifier`: the classifier-based baseline under the authors' learning-rate schedule (StepLR halving five
  times over the run) and at a constant rate: does it leave the chance plateau, and how well do its
  embeddings retrieve validation classes; the TSL encoder on the same split for reference. It also exports the
  TSL embeddings of the validation view, which `benchmarks/gan_condition.py --validation` conditions on.

Rows go to `results/validation_<what>_<dataset>_<profile>.csv`.

    OMP_NUM_THREADS=2 python benchmarks/validation_choices.py teacher --profile default
    OMP_NUM_THREADS=2 python benchmarks/validation_choices.py classifier --profile default
"""
from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace
from pathlib import Path

import torch

from s2i_lib.__main__ import seed_arg
from s2i_lib.config import TRAIN_SEED
from s2i_lib.data import markdown_table, prepare, validation_view, write_csv
from s2i_lib.metrics import retrieval_table
from s2i_lib.stages import build_system, teacher_probe, teacher_stage
from s2i_lib.stages.encoders import embed_speech, train_speech_encoder

RESULTS = Path(__file__).resolve().parent.parent / "results"


def classifier_rows(data, train_seed: int, device: str) -> list[dict]:
    val = validation_view(data)
    teacher = teacher_stage(val, "frozen", train_seed=train_seed, device=device)
    labels = torch.tensor([r.label for r in val.records["test"]])
    images = teacher.features["test"].mean(1)
    chance = 1 / len({r.label for r in val.records["train"]})
    rows = []
    for schedule in ("authors", "constant"):
        sizes = replace(data.profile.encoder, classifier_schedule=schedule)
        start = time.time()
        encoder = train_speech_encoder("classifier", val, teacher, train_seed=train_seed, device=device, sizes=sizes)
        accs = [h["train_acc"] for h in encoder.history]
        left = next((h["epoch"] for h in encoder.history if h["train_acc"] > 3 * chance), None)
        embeddings = embed_speech(encoder.model, val.records["test"], val.fbanks, data.profile.data.target_length)
        rows.append({"system": f"classifier, {schedule} schedule", "epochs": len(accs),
                     "final train acc": round(accs[-1], 3), "train chance": round(chance, 3),
                     "first epoch above 3x chance": left, "train s (this call)": round(time.time() - start),
                     **{k: round(v, 3) for k, v in retrieval_table(embeddings, labels, images).items()}})
    tsl = build_system(val, "tsl", teacher, train_seed=train_seed, device=device)
    rows.append({"system": "TSL (reference)", "epochs": len(tsl.encoder.history), "final train acc": "",
                 "train chance": round(chance, 3), "first epoch above 3x chance": "", "train s (this call)": "",
                 **{k: round(v, 3) for k, v in retrieval_table(tsl.embeddings["test"], labels, images).items()}})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("teacher", "classifier"))
    parser.add_argument("--dataset", default="birds", choices=("birds", "flowers"))
    parser.add_argument("--profile", default="default")
    parser.add_argument("--seed", type=seed_arg, default=0, help="the data seed")
    parser.add_argument("--train-seed", type=seed_arg, default=TRAIN_SEED)
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    data = prepare(args.dataset, args.profile, None, seed=args.seed)
    start = time.time()
    if args.what == "teacher":
        rows = teacher_probe(data, train_seed=args.train_seed, device=device)
    else:
        rows = classifier_rows(data, args.train_seed, device)
    path = RESULTS / f"validation_{args.what}_{args.dataset}_{args.profile}.csv"
    write_csv(rows, path)
    print(markdown_table(rows))
    print(f"{time.time() - start:.0f} s on {os.cpu_count()} cores; rows in {path}")


if __name__ == "__main__":
    main()
