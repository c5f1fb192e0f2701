"""pocketsphinx word error rate per voice on a built data set's own utterances (with their rate and pitch
variation): how hard the two-stage baseline's first stage finds each voice.

    python benchmarks/dataset_wer.py artifacts/birds/default/seed0/data --n 12 --out results/dataset_wer_birds_default.csv
"""
from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from pathlib import Path

import numpy as np

from s2i_lib.asr import Recognizer, word_error_rate
from s2i_lib.audio import read_wav
from s2i_lib.data.builtin import read_manifest
from s2i_lib.data.summary import markdown_table


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("root", help="folder of a built data set (holds manifest.json)")
    p.add_argument("--n", type=int, default=12, help="utterances sampled per voice")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="CSV to write")
    args = p.parse_args()
    root = Path(args.root)
    manifest = read_manifest(root)
    by_voice = defaultdict(list)
    for item in manifest["items"]:
        for caption, wav, voice in zip(item["captions"], item["wavs"], item["voices"]):
            by_voice[voice].append((caption, root / wav))
    use = {v["id"]: v["use"] for v in manifest["voices"]}
    rng = np.random.default_rng(args.seed)
    recognizer = Recognizer()
    rows = []
    for voice in sorted(by_voice):
        pool = by_voice[voice]
        sample = [pool[i] for i in rng.choice(len(pool), size=min(args.n, len(pool)), replace=False)]
        hypotheses = [recognizer.transcribe(*read_wav(wav)) for _, wav in sample]
        rows.append({"voice": voice, "use": use.get(voice, "?"), "n": len(sample),
                     "wer": round(word_error_rate([c for c, _ in sample], hypotheses), 3)})
        print(rows[-1], flush=True)
    print(markdown_table(rows))
    if args.out:
        with open(args.out, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
