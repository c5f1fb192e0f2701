"""Tables that describe a prepared data set: split sizes, voices, utterance lengths (notebook 00)."""
from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import numpy as np

from .dataset import utterance_key
from .fbank_cache import FbankCache
from .records import Record


def markdown_table(rows: list[dict]) -> str:
    """A list of same-keyed dicts as a Markdown table."""
    if not rows:
        return "(empty)"
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(r[h]) for h in head) + " |" for r in rows]
    return "\n".join(lines)


def write_csv(rows: list[dict], path: str | Path) -> None:
    """A list of same-keyed dicts as a CSV file (a table a person can open)."""
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def write_csv_replacing(rows: list[dict], path: str | Path, same: tuple[str, ...] = ("cpu",),
                        speed: str | None = None, tolerance: float = 0.15) -> None:
    """`write_csv` of the rows already in `path` that no new row replaces (a benchmark's other machines), then
    `rows`: one file holds every machine's figures, each machine's replaced by its newest run. A new row replaces
    an old one that matches it on the columns `same` and, with `speed` (a host probe's column, e.g. GFLOP/s), whose
    probe is within `tolerance` of the new one: rows of two hosts with one model string but another speed, or of an
    old row that has no probe, are both kept."""
    path = Path(path)

    def replaces(new: dict, old: dict) -> bool:
        if any(str(new[k]) != old.get(k) for k in same):
            return False
        if speed is None:
            return True
        try:
            return abs(float(old[speed]) / float(new[speed]) - 1) <= tolerance
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            return False

    kept = [r for r in read_csv(path) if not any(replaces(n, r) for n in rows)] if path.exists() else []
    columns = list(dict.fromkeys(k for r in kept + rows for k in r))
    write_csv([{k: r.get(k, "") for k in columns} for r in kept + rows], path)


def read_csv(path: str | Path) -> list[dict]:
    """The rows of a CSV file written by `write_csv` (values as text)."""
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def split_rows(records: dict[str, list[Record]]) -> list[dict]:
    """Classes, images, captions and utterances per split."""
    return [{"split": split, "classes": len({r.label for r in recs}), "images": len(recs),
             "captions": sum(len(r.captions) for r in recs), "utterances": sum(len(r.wavs) for r in recs)}
            for split, recs in records.items()]


def voice_rows(records: dict[str, list[Record]], voice_use: dict[str, str]) -> list[dict]:
    """Utterances per voice and split; `voice_use` maps a voice id to "train" or "test" (held out)."""
    counts = {split: Counter(v for r in recs for v in r.voices) for split, recs in records.items()}
    voices = sorted(set().union(*counts.values()) | set(voice_use))
    return [{"voice": v, "held out for test": "yes" if voice_use.get(v) == "test" else "no",
             **{f"{split} utterances": counts[split][v] for split in records}} for v in voices]


def duration_rows(records: dict[str, list[Record]], fbanks: FbankCache, target_length: int) -> list[dict]:
    """Utterance length in frames (10 ms) per split, and how many are cut by the profile's `target_length`."""
    rows = []
    for split, recs in records.items():
        frames = np.array([fbanks.index[utterance_key(r, k)][1] for r in recs for k in range(len(r.wavs))])
        frames = frames[frames > 0]
        rows.append({"split": split, "utterances": len(frames), "mean s": round(frames.mean() / 100, 2),
                     "min s": round(frames.min() / 100, 2), "max s": round(frames.max() / 100, 2),
                     f"cut at {target_length} frames": int((frames > target_length).sum())})
    return rows
