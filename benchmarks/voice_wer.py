"""Speed and intelligibility of every available voice: synthesis cost and pocketsphinx word error rate.

Each voice speaks the first `--n` of a fixed list of CUB-style captions at normal rate and pitch; the offline
recogniser (s2i_lib.asr) transcribes them. "cpu_s_per_audio_s" counts this process and its child processes
(flite runs as a program), so it is comparable across engines. WER is a rough intelligibility proxy: the
recogniser is weak, so even clean speech scores well above zero; its ± is the bootstrap standard error over the
sentences (`pipeline.transcripts.wer_estimate`, 50 resamples). Prints a table and writes it as CSV.

    python benchmarks/voice_wer.py --n 20 --out results/voice_wer.csv
"""
from __future__ import annotations

import argparse
import csv
import os
from pathlib import Path

from s2i_lib.asr import Recognizer
from s2i_lib.data.voices import SAMPLE_RATE, available_voices, synthesize
from s2i_lib.pipeline.transcripts import wer_estimate

CAPTIONS = [
    "this bird has a red crown and a white belly",
    "a small bird with blue wings and a yellow tail",
    "this is a black bird with a long pointed beak",
    "the bird has a brown back and a spotted breast",
    "a large bird with grey wings and a white head",
    "this small yellow bird has black wings with white bars",
    "the bird has a short orange bill and dark eyes",
    "a tiny green bird with a red throat",
    "this bird is mostly white with black tips on its wings",
    "a bird with a striped head and a bright yellow breast",
    "this bird has long legs and a curved black bill",
    "the small brown bird has a light grey belly",
    "this bird has a blue crown and a white eye ring",
    "a medium sized bird with a red breast and brown wings",
    "the bird is black all over with a short tail",
    "this colorful bird has a green back and an orange face",
    "a white bird with a long neck and a yellow beak",
    "this bird has a crest on its head and a grey body",
    "a small bird with a pointed bill and a spotted belly",
    "the bird has dark brown wings and a white rump",
]
COLUMNS = ["voice", "engine", "use", "n", "mean_duration_s", "cpu_s_per_audio_s", "wer"]


def cpu_seconds() -> float:
    """CPU time of this process plus its finished children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=20, help=f"captions per voice (at most {len(CAPTIONS)})")
    p.add_argument("--out", default="results/voice_wer.csv")
    args = p.parse_args()
    captions = CAPTIONS[: args.n]

    voices, notices = available_voices()
    for notice in notices:
        print(f"note: {notice}")
    recognizer = Recognizer()
    rows = []
    for voice in voices:
        synthesize(voice, "warm up")   # loads Piper's model outside the timing
        t0 = cpu_seconds()
        audios = [synthesize(voice, text) for text in captions]
        cpu = cpu_seconds() - t0
        audio_s = sum(len(a) for a in audios) / SAMPLE_RATE
        hypotheses = [recognizer.transcribe(a) for a in audios]
        rows.append({"voice": voice.id, "engine": voice.engine, "use": voice.use, "n": len(captions),
                     "mean_duration_s": round(audio_s / len(captions), 2),
                     "cpu_s_per_audio_s": round(cpu / audio_s, 4),
                     "wer": wer_estimate(captions, hypotheses, reps=50, seed=0).shown()})
        print(f"{voice.id:28s} {voice.engine:7s} {voice.use:5s} {len(captions):3d} "
              f"{rows[-1]['mean_duration_s']:6.2f} s {rows[-1]['cpu_s_per_audio_s']:8.4f} {rows[-1]['wer']}",
              flush=True)

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"\n| {' | '.join(COLUMNS)} |\n|{'---|' * len(COLUMNS)}")
    for r in rows:
        print(f"| {' | '.join(str(r[c]) for c in COLUMNS)} |")
    print(f"\nwrote {out} ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
