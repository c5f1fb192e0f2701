"""Unseen-class retrieval per test voice: does the speech encoder generalise to voices it never heard?

The built-in test split is spoken by the training voices and by voices held out of training (`use` "test" in
`s2i_lib.data.voices`). For a trained speech system's test embeddings, every caption ranks all test images'
teacher features (speech-to-image recall@k ± its binomial standard error, `metrics.retrieval.recall_by_group`);
the rows group captions by voice, then pool the held-out voices and the training voices. Reads finished runs
only (notebook 01 makes them); writes `results/<dataset>/<profile>/voice_retrieval.csv` and prints the table.

    python benchmarks/voice_retrieval.py --profile default --system tsl
"""
from __future__ import annotations

import argparse

from s2i_lib.config import shown
from s2i_lib.data import markdown_table, prepare, voice_pool, write_csv
from s2i_lib.metrics.retrieval import recall_by_group
from s2i_lib.metrics.uncertainty import Estimate
from s2i_lib.pipeline import System
from s2i_lib.pipeline import teacher_stage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="birds", choices=("birds", "flowers"))
    parser.add_argument("--profile", default="default")
    parser.add_argument("--seed", type=int, default=0, help="the data seed")
    parser.add_argument("--system", default="tsl", choices=("tsl", "classifier"))
    args = parser.parse_args()
    data = prepare(args.dataset, args.profile, seed=args.seed)
    test = data.records["test"]
    embeddings = System.of(data, args.system).load().embeddings["test"]
    features = teacher_stage(data, progress=False).features["test"].mean(1)
    held_out = {v.id for v in voice_pool() if v.use == "test"}
    voices = [r.voices for r in test]
    rows = [{"voice": voice, "held out": voice in held_out, **scores}
            for voice, scores in recall_by_group(embeddings, voices, features).items()]
    pooled = recall_by_group(embeddings, [["held-out voices" if v in held_out else "training voices" for v in vs]
                                          for vs in voices], features)
    rows += [{"voice": group, "held out": group == "held-out voices", **scores} for group, scores in pooled.items()]
    rows = [{k: v.shown() if isinstance(v, Estimate) else v for k, v in row.items()} for row in rows]
    out = data.results / "voice_retrieval.csv"
    write_csv(rows, out)
    print(f"{args.dataset} `{args.profile}`, {args.system} test embeddings, {len(test)} test images\n")
    print(markdown_table(rows))
    print(f"\nwritten: {shown(out)}")


if __name__ == "__main__":
    main()
