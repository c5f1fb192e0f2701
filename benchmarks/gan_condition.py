"""After how many iterations, and minutes, does a profile's GAN follow its condition on unseen classes?

Trains (or resumes) the profile's GAN with `--until` iterations (its own keyed run: the same as notebook 02's
when `--until` is the profile's iteration count), in chunks of `--every` iterations, and after each chunk
scores the EMA generator with `s2i_lib.pipeline.gan.condition_following`: spoken-attribute accuracy of images
generated for test captions with their own embedding ("matched") and with another image's ("shuffled"). Rows
are appended to `condition_following.csv` in the run folder, so the study resumes where it stopped; `chunk_s`
is the wall-clock training time of the chunk (empty for a checkpoint that this script did not train).
Needs the built-in data set (its captions' spoken attributes are known) and notebook 01's exported embeddings.
With `--validation` it runs on the validation view instead (fit classes -> held-out train classes; the
embeddings come from `benchmarks/validation_choices.py classifier`), which is where the GAN's size and
iteration count are chosen; the test classes are then not touched.

    OMP_NUM_THREADS=2 python benchmarks/gan_condition.py --profile default --system tsl --until 5000 --every 500
"""
from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

from s2i_lib.__main__ import seed_arg
from s2i_lib.checkpoint import load_checkpoint
from s2i_lib.config import TRAIN_SEED
from s2i_lib.data.prepare import prepare, validation_view
from s2i_lib.pipeline.gan import attribute_scorer, condition_following, gan_dataset, gan_run, spoken_targets
from s2i_lib.pipeline.systems import SYSTEMS
from s2i_lib.train.gan import load_generator, train_gan


def read_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def append_row(path: Path, row: dict) -> None:
    new = not path.exists()
    with open(path, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(row))
        if new:
            writer.writeheader()
        writer.writerow(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="birds", choices=("birds", "flowers"))
    parser.add_argument("--profile", default="default")
    parser.add_argument("--system", default="tsl", choices=tuple(SYSTEMS))
    parser.add_argument("--until", type=int, required=True, help="train up to this iteration")
    parser.add_argument("--every", type=int, default=500, help="score the generator every this many iterations")
    parser.add_argument("--seed", type=seed_arg, default=0, help="the data seed")
    parser.add_argument("--train-seed", type=seed_arg, default=TRAIN_SEED)
    parser.add_argument("--validation", action="store_true", help="fit classes -> validation classes")
    parser.add_argument("--out", type=Path, default=None, help="also copy the rows here (e.g. under results/)")
    args = parser.parse_args()

    data = prepare(args.dataset, args.profile, None, seed=args.seed)
    data = validation_view(data) if args.validation else data
    gan = gan_run(data, args.system, iterations=args.until, train_seed=args.train_seed)
    embeddings, config, train_config = gan.embeddings.embeddings, gan.config, gan.train_config
    run_dir = gan.run.open()
    table = run_dir / "condition_following.csv"
    scorer = attribute_scorer(data, args.train_seed)
    targets = spoken_targets(data, "test")
    train_images = gan_dataset(data, "train", embeddings["train"], config.image_sizes)

    def score(iteration: int, chunk_s: float | None) -> None:
        following = condition_following(load_generator(run_dir / "last.pt"), scorer, embeddings["test"], targets,
                                        args.seed)
        row = {"iteration": iteration, "chunk_s": "" if chunk_s is None else round(chunk_s, 1),
               **{f"{name}_{attr}": round(acc.value, 4) for name, accs in following.items() for attr, acc in accs.items()}}
        append_row(table, row)
        print(f"iteration {iteration}: matched {row['matched_overall']:.3f}, shuffled {row['shuffled_overall']:.3f}"
              f"{'' if chunk_s is None else f', chunk {chunk_s:.0f} s'}", flush=True)

    scored = {int(r["iteration"]) for r in read_rows(table)}
    state = load_checkpoint(run_dir / "last.pt")
    done = 0 if state is None else state["iteration"]
    if done and done not in scored:
        score(done, None)
    while done < args.until:
        start = time.time()
        train_gan(config, train_config, train_images, run_dir, stop_after_iterations=args.every - done % args.every)
        done = load_checkpoint(run_dir / "last.pt")["iteration"]
        score(done, time.time() - start)
    gan.run.finish({"iterations": done})
    print(f"rows in {table}")
    if args.out:
        args.out.write_text(table.read_text())
        print(f"copied to {args.out}")


if __name__ == "__main__":
    main()
