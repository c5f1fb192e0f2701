"""Semantic consistency of generated images with their speech: spoken-attribute accuracy and retrieval.

Spoken-attribute accuracy scores, with the built-in data set's attribute classifier (`metrics.attributes`),
only the attributes a caption actually named (the manifest's per-caption `mentions`). Retrieval follows the
R-precision of AttnGAN (Xu et al., CVPR 2018): each query ranks its true candidate against R - 1 random
mismatched ones by cosine similarity; with one relevant item this is precision@1.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from s2i_lib.metrics.attributes import AttributeClassifier, predict_attributes
from s2i_lib.metrics.uncertainty import Estimate, bootstrap_error


def spoken_attributes(attributes: dict[str, str], mentions: Sequence[str]) -> dict[str, str]:
    """The {attribute: value} a caption spoke, from the image's attributes and the caption's `mentions`."""
    return {name: attributes[name] for name in mentions}


def spoken_attribute_hits(model: AttributeClassifier, images: Tensor,
                          spoken: Sequence[dict[str, str]]) -> list[dict[str, bool]]:
    """Per image, {attribute: read correctly?} for each attribute its caption spoke. Images are (N, 3, H, W) in
    [-1, 1]; `spoken[i]` is image i's {attribute: value}."""
    if len(spoken) != len(images):
        raise ValueError(f"{len(images)} images but {len(spoken)} spoken-attribute dicts")
    preds = predict_attributes(model, images)
    return [{name: model.attribute_values[name][int(preds[name][i])] == value for name, value in said.items()}
            for i, said in enumerate(spoken)]


def pooled_accuracy(hits: Sequence[dict], reps: int = 50, seed: int = 0) -> Estimate:
    """Accuracy pooled over every (image, spoken attribute) of `hits` (per image, {attribute: read correctly?}),
    with its bootstrap error over the images (NaN with fewer than two)."""
    correct = np.array([sum(h.values()) for h in hits], dtype=np.float64)
    spoken = np.array([len(h) for h in hits], dtype=np.float64)
    value = float(correct.sum() / spoken.sum())
    if len(hits) < 2:
        return Estimate(value, float("nan"))
    return Estimate(value, bootstrap_error(lambda idx: correct[idx].sum() / max(spoken[idx].sum(), 1), len(hits),
                                           reps, seed))


def accuracy_from_hits(hits: Sequence[dict[str, bool]], reps: int = 50, seed: int = 0) -> dict[str, Estimate]:
    """Per attribute, the accuracy over the images that spoke it; "overall" pools every (image, attribute); each
    with its bootstrap error over the images (`pooled_accuracy`)."""
    names = sorted({name for image in hits for name in image})
    if not names:
        raise ValueError("no caption spoke any attribute")
    acc = {name: pooled_accuracy([{name: h[name]} for h in hits if name in h], reps, seed) for name in names}
    acc["overall"] = pooled_accuracy([h for h in hits if h], reps, seed)
    return acc


def spoken_attribute_accuracy(model: AttributeClassifier, images: Tensor,
                              spoken: Sequence[dict[str, str]]) -> dict[str, Estimate]:
    """Per attribute, the accuracy over the images whose caption spoke it; "overall" pools every spoken
    (image, attribute) pair (`spoken_attribute_hits`, `accuracy_from_hits`)."""
    return accuracy_from_hits(spoken_attribute_hits(model, images, spoken))


def _cosine(queries: Tensor | np.ndarray, candidates: Tensor | np.ndarray) -> Tensor:
    q = F.normalize(torch.as_tensor(queries, dtype=torch.float64), dim=1)
    c = F.normalize(torch.as_tensor(candidates, dtype=torch.float64), dim=1)
    return q @ c.T


def r_precision_hits(queries: Tensor | np.ndarray, candidates: Tensor | np.ndarray, r: int = 100, seed: int = 0,
                     groups: Sequence | np.ndarray | None = None) -> np.ndarray:
    """Per query i, whether its candidate i scores above R - 1 random mismatched candidates (bool (N,)).

    Mismatched candidates are those of other `groups` (e.g. the same image's other captions are not
    mismatched; default: every other candidate); R is capped at one plus their number. Ties count as misses.
    """
    sim = _cosine(queries, candidates)
    n = sim.shape[0]
    if sim.shape[1] != n or n < 2:
        raise ValueError(f"need N >= 2 paired queries and candidates, got {tuple(sim.shape)}")
    groups = np.arange(n) if groups is None else np.asarray(groups)
    rng = np.random.default_rng(seed)
    hits = np.zeros(n, dtype=bool)
    for i in range(n):
        pool = np.flatnonzero(groups != groups[i])
        if len(pool) == 0:
            raise ValueError("every candidate belongs to the query's own group: no mismatched candidate")
        others = rng.choice(pool, min(r - 1, len(pool)), replace=False)
        hits[i] = bool((sim[i, i] > sim[i, others]).all())
    return hits


def r_precision(queries: Tensor | np.ndarray, candidates: Tensor | np.ndarray, r: int = 100,
                seed: int = 0, groups: Sequence | np.ndarray | None = None) -> float:
    """Fraction of queries i whose candidate i scores above R - 1 random mismatched candidates
    (`r_precision_hits`). Chance level is 1 / R."""
    return float(r_precision_hits(queries, candidates, r, seed, groups).mean())


def recall_at_k(queries: Tensor | np.ndarray, candidates: Tensor | np.ndarray,
                ks: Sequence[int] = (1, 5, 10)) -> dict[str, float]:
    """Recall@k over all N candidates: the true candidate's rank (1 + the number scoring higher) is <= k."""
    sim = _cosine(queries, candidates)
    rank = 1 + (sim > sim.diagonal()[:, None]).sum(dim=1)
    return {f"R@{k}": float((rank <= k).double().mean()) for k in ks}
