"""Time training epochs of the text encoder and the speech encoder alone, at a profile's sizes, on synthetic inputs:
how much of an encoder stage is the encoder itself (issue: the stage table was measured with other work beside it).

Each encoder trains through `s2i_lib.train.encoder.train_encoder` with the TSL step (`pipeline.encoders.tsl_step`),
the profile's batch size and embedding size 1280 (EfficientNet-Lite0's), on `--images` train images with random
teacher features: the text encoder on ten captions per image of 8-25 words from a `--vocab`-word vocabulary, the
speech encoder (the profile's width) on random filter banks of the profile's input length with 40-100% real
frames; the speech encoder in its channels-last conv layout (the library's) and in the contiguous one. The time
is the best of `--epochs` epochs after a first warm-up epoch; nothing else should run beside it. Prints a
markdown table and writes results/encoder_epoch_benchmark.csv, replacing this machine's rows (the `cpu` column, and
its speed probe within 15%).

    python benchmarks/encoder_epoch.py --profile default --images 3000 --epochs 2
"""
from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.data import Dataset

from s2i_lib.config import get_profile
from s2i_lib.data import markdown_table
from s2i_lib.data.summary import write_csv_replacing
from s2i_lib.data.pairs import TextPairs
from s2i_lib.models.speech_encoder import SpeechEncoder
from s2i_lib.models.text_encoder import TextEncoder
from s2i_lib.pipeline.encoders import tsl_step
from s2i_lib.report import HOST_SPEED, host_columns
from s2i_lib.train.encoder import EncoderTrainConfig, train_encoder

RESULTS = Path(__file__).resolve().parent.parent / "results" / "encoder_epoch_benchmark.csv"
DIM, N_MELS, VIEWS, PER_CLASS = 1280, 40, 2, 16


class RandomSpeech(Dataset):
    """Items as `data.pairs.SpeechPairs` makes them, from seeded random filter banks."""

    def __init__(self, features: torch.Tensor, target_length: int):
        self.features, self.target_length = features, target_length
        g = torch.Generator().manual_seed(1)
        self.frames = torch.randint(int(0.4 * target_length), target_length + 1, (len(features),), generator=g)

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, index: int) -> dict:
        g = torch.Generator().manual_seed(index)
        return {"speech": torch.randn(N_MELS, self.target_length, generator=g), "n_frames": int(self.frames[index]),
                "label": index // PER_CLASS, "index": index, "image_feature": self.features[index, 0]}


def text_pairs(features: torch.Tensor, vocab: int) -> TextPairs:
    g = torch.Generator().manual_seed(1)
    lengths = torch.randint(8, 26, (len(features), 10), generator=g)
    token_ids = [[torch.randint(2, vocab, (int(n),), generator=g).tolist() for n in row] for row in lengths]
    return TextPairs(token_ids, [i // PER_CLASS for i in range(len(features))], features, 25)


def epoch_seconds(model: torch.nn.Module, dataset: Dataset, batch_size: int, epochs: int) -> float:
    """The best epoch time of `epochs` epochs after one warm-up epoch."""
    times, config = [], EncoderTrainConfig(epochs=epochs + 1, batch_size=batch_size)
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(epochs + 1):                  # one epoch a call, resumed from the run's checkpoint
            start = time.perf_counter()
            train_encoder(model, dataset, tsl_step(), folder, config, progress=False, stop_after_epochs=1)
            times.append(time.perf_counter() - start)
    return min(times[1:])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--profile", default="default")
    p.add_argument("--images", type=int, default=3000)          # built-in birds at `default`: 150 x 20
    p.add_argument("--vocab", type=int, default=300)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args()
    profile = get_profile(args.profile)
    sizes = profile.encoder
    features = torch.randn(args.images, VIEWS, DIM, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    speech = RandomSpeech(features, profile.data.target_length)
    encoders = {"text": (TextEncoder(args.vocab, DIM), text_pairs(features, args.vocab), sizes.text_epochs),
                "speech": (SpeechEncoder(DIM, N_MELS, width=sizes.speech_width), speech, sizes.epochs),
                "speech (contiguous layout)": (SpeechEncoder(DIM, N_MELS, width=sizes.speech_width,
                                                             memory_format=torch.contiguous_format),
                                               speech, sizes.epochs)}
    host, rows = host_columns(), []
    for name, (model, dataset, epochs) in encoders.items():
        seconds = epoch_seconds(model, dataset, sizes.batch_size, args.epochs)
        steps = max(1, len(dataset) // sizes.batch_size)            # the loader drops the last partial batch
        rows.append({**host, "encoder": name, "images": len(dataset), "batch": sizes.batch_size,
                     "s per epoch": round(seconds, 2), "s per step": round(seconds / steps, 3),
                     f"minutes for {epochs} epochs": round(seconds * epochs / 60, 1)})
        print(rows[-1], flush=True)
    print(f"{host['cpu']}, {host[HOST_SPEED]} {HOST_SPEED}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, python {platform.python_version()}")
    print(markdown_table(rows))
    write_csv_replacing(rows, args.out, speed=HOST_SPEED)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
