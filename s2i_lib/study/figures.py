"""Figures 3 and 5 and the training curves, from Table II's TSL encoder and GAN (nothing is trained here).

- Fig. 3 (paper Sec. IV-B): unseen-class test utterances, each with its spectrogram and its caption (shown for
  reading only, never used by the model), and images from different noise for the same embedding.
- Fig. 5 (paper Sec. V-C): images along f = (1 - t) f_1 + t f_2, t = 0, 1/8, ..., 1 (the paper's alpha = 1 - t),
  with fixed noise; and a number the paper does not give, `interpolation_monotonicity`: along each of many
  paths, the attribute scorer's probability of the second caption's spoken values against the first's (on the
  attributes both captions speak with different values) should rise step by step. Its control scores the same
  paths on another pair's attributes: a generator whose images follow the path but not the spoken content, or
  a scorer that cannot read them, scores ~0 there as well as on the matched pairs.
- `training_logs`: each run's logged losses (encoders per epoch, GANs per logged iteration).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np
import torch
from scipy.stats import spearmanr
from torch import Tensor

from ..data.dataset import utterance_key
from ..data.prepare import PreparedData
from ..generate import generate
from ..metrics.attributes import AttributeClassifier, attribute_probabilities
from ..metrics.uncertainty import Estimate, bootstrap_error
from ..models.stackgan import Generator
from ..pipeline.gan import GANRun, derangement, spoken_targets
from ..pipeline.runs import Run


def figure3_rows(data: PreparedData, rows: int = 5) -> list[int]:
    """Test images for Fig. 3: one from each of `rows` unseen classes spread over the test split."""
    test = data.records["test"]
    firsts = sorted({r.label: i for i, r in reversed(list(enumerate(test)))}.values())
    return [firsts[i] for i in np.linspace(0, len(firsts) - 1, min(rows, len(firsts))).astype(int)]


def figure3(data: PreparedData, netG: Generator, embeddings: Tensor, picks: list[int], caption: int = 0,
            samples: int = 8, seed: int = 0, device: str = "cpu") -> dict:
    """For each picked test image: the spectrogram (n_mels, frames) of its spoken caption `caption`, the caption
    text (for reading), and `samples` images (S, H, W, 3) uint8 from different noise for that one embedding."""
    test = data.records["test"]
    images = generate(netG, embeddings[picks, caption][:, None], seed=seed, samples_per_caption=samples,
                      device=device, progress=False)[:, 0]
    return {"spectrograms": [data.fbanks.get(utterance_key(test[i], caption)) for i in picks],
            "captions": [test[i].captions[caption] for i in picks],
            "images": images.permute(0, 1, 3, 4, 2).numpy()}


def interpolation_images(netG: Generator, first: Tensor, second: Tensor, steps: int = 9, seed: int = 0,
                         device: str = "cpu") -> Tensor:
    """uint8 images (P, steps, 3, H, W) along (1 - t) * first + t * second for t = 0 ... 1, one noise draw per
    path (`first`, `second`: (P, D))."""
    t = torch.linspace(0, 1, steps)[None, :, None]
    path = (1 - t) * first[:, None].float() + t * second[:, None].float()
    return generate(netG, path, seed=seed, device=device, progress=False, same_noise_per_row=True)[:, :, 0]


@dataclass(frozen=True)
class Pair:
    """Two test captions (image index, caption index) and the attributes both speak with different values:
    name -> (first's value, second's value)."""
    first: tuple[int, int]
    second: tuple[int, int]
    contrast: dict[str, tuple[str, str]]


def contrasting_pairs(data: PreparedData, n: int, seed: int = 0) -> list[Pair]:
    """`n` seeded pairs of test captions from different images that speak at least one attribute with
    different values (drawn until found; fewer when the split holds fewer)."""
    targets = spoken_targets(data, "test")
    rng = np.random.default_rng([seed, 5])
    pairs, seen = [], set()
    for _ in range(200 * n):
        if len(pairs) == n:
            break
        i, j = rng.choice(len(targets), 2, replace=False)
        ci, cj = rng.integers(len(targets[i])), rng.integers(len(targets[j]))
        a, b = targets[i][ci], targets[j][cj]
        contrast = {k: (a[k], b[k]) for k in sorted(set(a) & set(b)) if a[k] != b[k]}
        if contrast and (i, ci, j, cj) not in seen:
            seen.add((i, ci, j, cj))
            pairs.append(Pair((int(i), int(ci)), (int(j), int(cj)), contrast))
    return pairs


def preference(probs: dict[str, Tensor], contrast: dict[str, tuple[str, str]],
               values: dict[str, tuple[str, ...]]) -> np.ndarray:
    """Per image (steps,): the mean over the contrasted attributes of P(second's value) - P(first's value)."""
    diffs = [probs[k][:, values[k].index(b)] - probs[k][:, values[k].index(a)] for k, (a, b) in contrast.items()]
    return torch.stack(diffs).mean(0).numpy()


def monotone_rho(curve: np.ndarray) -> float:
    """Spearman's rank correlation of a curve with its step (1: rising at every step); 0 for a flat curve."""
    if np.ptp(curve) == 0:
        return 0.0
    return float(spearmanr(np.arange(len(curve)), curve).statistic)


@dataclass(frozen=True)
class Monotonicity:
    """Fig. 5's number: per path, Spearman's rho of the preference with the step, its change from t = 0 to 1
    and the share of the steps that move toward the second caption; matched and control (another pair's
    attributes) as `Estimate`s over the paths (bootstrap), and the mean curves (steps,)."""
    measures: dict[str, Estimate]
    curves: dict[str, np.ndarray]
    pairs: int


def interpolation_monotonicity(data: PreparedData, netG: Generator, scorer: AttributeClassifier,
                               embeddings: Tensor, pairs: list[Pair], steps: int = 9, seed: int = 0,
                               device: str = "cpu") -> Monotonicity:
    """Generate every pair's path (`interpolation_images`) and score it with `scorer` on its own contrasted
    attributes ("matched") and on those of another pair (a seeded derangement: "control")."""
    first = torch.stack([embeddings[p.first] for p in pairs])
    second = torch.stack([embeddings[p.second] for p in pairs])
    images = interpolation_images(netG, first, second, steps, seed, device)
    flat = images.reshape(-1, *images.shape[-3:]).float() / 127.5 - 1
    probs = attribute_probabilities(scorer, flat)
    per_path = [{k: v[i * steps:(i + 1) * steps] for k, v in probs.items()} for i in range(len(pairs))]
    other = derangement(len(pairs), seed)
    curves = {"matched": np.stack([preference(per_path[i], p.contrast, scorer.attribute_values)
                                   for i, p in enumerate(pairs)]),
              "control": np.stack([preference(per_path[i], pairs[other[i]].contrast, scorer.attribute_values)
                                   for i in range(len(pairs))])}
    reps = data.profile.eval.bootstrap_reps
    measures = {}
    for name, c in curves.items():
        per = {"rho": np.array([monotone_rho(row) for row in c]), "change": c[:, -1] - c[:, 0],
               "steps toward second": (np.diff(c, axis=1) > 0).mean(1)}
        for what, values in per.items():
            measures[f"{what} {name}"] = Estimate(float(values.mean()), bootstrap_error(
                lambda idx, v=values: v[idx].mean(), len(values), reps, seed) if len(values) > 1 else float("nan"))
    return Monotonicity(measures, {k: c.mean(0) for k, c in curves.items()}, len(pairs))


def training_logs(runs: dict[str, Run | GANRun]) -> dict[str, list[dict[str, float]]]:
    """Each run's loss history as its `loss_log.csv` holds it (encoders: one row per epoch; GANs: one per
    `log_every` iterations), numbers as floats."""
    out = {}
    for name, run in runs.items():
        path = run.folder / "loss_log.csv"
        if not path.exists():
            raise FileNotFoundError(f"no training log {path}: train the run first")
        with open(path, newline="") as f:
            out[name] = [{k: float(v) for k, v in row.items() if v != ""} for row in csv.DictReader(f)]
    return out
