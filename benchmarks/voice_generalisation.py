"""Does the TSL speech encoder generalise to voices it never heard, and which training augmentation helps?
Chosen on validation classes and held-out validation voices; the unseen test classes only report.

    python benchmarks/voice_generalisation.py validation --profile default --augments none warp mask warp+mask
    python benchmarks/voice_generalisation.py test --profile default --augments none warp --train-seeds 1234 1235 1236

- `validation`: on the validation view (a fifth of the train classes held out, `data.validation_view`), the
  training captions of VALIDATION_VOICES are never drawn (`EncoderSizes.skip_voices`); a TSL encoder is trained
  on the remaining classes for each augmentation (`data.augment.AUGMENTS`), and the validation classes' captions
  rank the validation images' teacher features (speech-to-image R@k): the held-out validation voices against the
  voices heard in training. Rows: `results/<dataset>/<profile>/voice_validation.csv`.
- `test`: the TSL encoder trained on the whole train split with each augmentation ("none" is Table II's), and
  the unseen test classes' captions by the held-out test voices against the training voices. Rows:
  `results/<dataset>/<profile>/voice_test.csv`.
The goal (docs/builtin-data.md): held-out voices' R@10 at least 80% of the training voices'. Errors are binomial
standard errors over the captions (captions of one image are not independent: a lower bound).

With `--train-seeds 1234 1235 1236` every augmentation is trained once per training seed ("none" of a seed is that
seed's Table II encoder) and each augmentation is read against "none" on the paired differences per seed (mean ±
between-seed s.e., 95% t interval, `metrics.uncertainty.read_beats`; provisional under three seeds), written to
`voice_<stage>_paired.csv`: retraining moves these recalls as much as an augmentation does (docs/builtin-data.md).
A call keeps the rows of earlier calls (by augmentation and seed) and rewrites the ones it measures, so seeds
and augmentations can be added later.
"""
from __future__ import annotations

import argparse
import math
import time
from dataclasses import replace
from pathlib import Path

from s2i_lib.config import TRAIN_SEED, shown
from s2i_lib.data import markdown_table, prepare, read_csv, validation_view, voice_pool, write_csv
from s2i_lib.data.augment import AUGMENTS
from s2i_lib.metrics.retrieval import recall_by_group
from s2i_lib.metrics.uncertainty import Estimate, difference, over_seeds, read_beats
from s2i_lib.pipeline import teacher_stage
from s2i_lib.pipeline.encoders import embed_speech, train_speech_encoder
from s2i_lib.report import Measure, provisional_mark

VALIDATION_VOICES = ("flite-awb", "espeak-en-029-m2")      # training voices held out of the validation runs
PAIRED = [Measure(name, lower_is_better=False, digits=3) for name in
          ("held-out R@10", "training-voice R@10", "ratio", "held-out R@1", "training-voice R@1")]


def row_for(data, augment: str, held_out: set[str], skip: tuple[str, ...], stage: str, train_seed: int) -> dict:
    """Train (or reuse) the TSL encoder of `train_seed` with `augment` skipping `skip`'s captions: its row of R@k
    per voice group, pooled over the held-out and the heard voices (`estimates_of` reads them back)."""
    sizes = replace(data.profile.encoder, speech_augment=augment, skip_voices=skip)
    teacher = teacher_stage(data, progress=False)
    start = time.time()
    encoder = train_speech_encoder("tsl", data, teacher, train_seed=train_seed, sizes=sizes)
    seconds = time.time() - start
    test = data.records["test"]
    embeddings = embed_speech(encoder.model, test, data.fbanks, data.profile.data.target_length, progress=False)
    groups = [["held-out voices" if v in held_out else "training voices" for v in r.voices] for r in test]
    pooled = recall_by_group(embeddings, groups, teacher.features["test"].mean(1))
    per_voice = recall_by_group(embeddings, [r.voices for r in test], teacher.features["test"].mean(1))
    held, heard = pooled["held-out voices"], pooled["training voices"]
    ratio = held["R@10"].value / heard["R@10"].value
    ratio_se = ratio * math.hypot(held["R@10"].error / held["R@10"].value, heard["R@10"].error / heard["R@10"].value)
    estimates = {"held-out R@10": held["R@10"], "training-voice R@10": heard["R@10"],
                 "ratio": Estimate(ratio, ratio_se), "held-out R@1": held["R@1"], "training-voice R@1": heard["R@1"]}
    row = {"stage": stage, "augment": augment, "train seed": train_seed, "run": encoder.run.folder.name,
           "training": encoder.run.trained_by(), "train s (this call)": round(seconds),
           **{name: e.shown() for name, e in estimates.items()},
           "held-out captions": held["captions"], "training-voice captions": heard["captions"]}
    voices = {v: s["R@10"].shown() for v, s in per_voice.items() if v in held_out}
    return {**row, "held-out voices' R@10": "; ".join(f"{v} {r}" for v, r in voices.items())}


def earlier_rows(path: Path) -> dict[tuple[str, int], dict]:
    """The rows an earlier call wrote to `path`, by (augment, training seed), so that seeds and augmentations
    can be added in later calls; a file written before rows named their training seed is replaced whole."""
    rows = read_csv(path) if path.exists() else []
    return {(r["augment"], int(r["train seed"])): r for r in rows if r.get("train seed")}


def estimates_of(row: dict) -> dict[str, Estimate]:
    """A row's pooled estimates, read back from its "value ± error" cells."""
    return {m.name: Estimate(*map(float, row[m.name].split(" ± "))) for m in PAIRED}


def paired_rows(estimates: dict[tuple[str, int], dict[str, Estimate]], augments: list[str]) -> list[dict]:
    """Each augmentation against "none" on the paired differences per training seed (augment - none)."""
    rows = []
    for augment in (a for a in augments if a != "none"):
        seeds = sorted(s for a, s in estimates if a == augment and ("none", s) in estimates)
        for m in PAIRED if seeds else ():
            differences = over_seeds([difference(estimates[augment, s][m.name], estimates["none", s][m.name])
                                      for s in seeds])
            low, high = differences.interval(0.95)
            reading = read_beats(differences, m.lower_is_better)
            rows.append({"compared": f"{augment} - none", "measure": m.name, "seeds": ", ".join(map(str, seeds)),
                         "per seed": "; ".join(f"{v:+.3f}" for v in differences.values),
                         "difference (mean ± between-seed s.e. [eval])": m.shown_seeds(differences),
                         "95% interval": f"{low:+.3f} to {high:+.3f}",
                         "reading (augment better)": reading + (f" ({provisional_mark(differences)})"
                                                                 if differences.provisional else "")})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stage", choices=("validation", "test"))
    parser.add_argument("--dataset", default="birds", choices=("birds", "flowers"))
    parser.add_argument("--profile", default="default")
    parser.add_argument("--seed", type=int, default=0, help="the data seed")
    parser.add_argument("--augments", nargs="+", default=list(AUGMENTS), choices=AUGMENTS)
    parser.add_argument("--train-seeds", nargs="+", type=int, default=[TRAIN_SEED],
                        help="each augmentation trained once per seed; read against none on paired differences")
    args = parser.parse_args()
    data = prepare(args.dataset, args.profile, seed=args.seed)
    if args.stage == "validation":
        data, held_out, skip = validation_view(data), set(VALIDATION_VOICES), VALIDATION_VOICES
    else:
        held_out, skip = {v.id for v in voice_pool() if v.use == "test"}, ()
    out = data.results / f"voice_{args.stage}.csv"
    rows = earlier_rows(out)
    for train_seed in args.train_seeds:
        for augment in args.augments:
            rows[augment, train_seed] = row_for(data, augment, held_out, skip, args.stage, train_seed)
            print(markdown_table([rows[augment, train_seed]]), flush=True)
    write_csv(list(rows.values()), out)
    print(f"\n{args.dataset} `{args.profile}`, {args.stage}: held-out voices {sorted(held_out)}\n")
    print(markdown_table(list(rows.values())))
    print(f"\nwritten: {shown(out)}")
    paired = paired_rows({key: estimates_of(row) for key, row in rows.items()}, list(dict.fromkeys(a for a, _ in rows)))
    if paired:
        write_csv(paired, data.results / f"voice_{args.stage}_paired.csv")
        print(f"\n{markdown_table(paired)}\n\nwritten: {shown(data.results / f'voice_{args.stage}_paired.csv')}")


if __name__ == "__main__":
    main()
