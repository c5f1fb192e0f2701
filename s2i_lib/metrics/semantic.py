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


def spoken_attributes(attributes: dict[str, str], mentions: Sequence[str]) -> dict[str, str]:
    """The {attribute: value} a caption spoke, from the image's attributes and the caption's `mentions`."""
    return {name: attributes[name] for name in mentions}


def spoken_attribute_accuracy(model: AttributeClassifier, images: Tensor,
                              spoken: Sequence[dict[str, str]]) -> dict[str, float]:
    """Per attribute, the accuracy over the images whose caption spoke it; "overall" pools every spoken
    (image, attribute) pair. Images are (N, 3, H, W) in [-1, 1]; `spoken[i]` is image i's {attribute: value}."""
    if len(spoken) != len(images):
        raise ValueError(f"{len(images)} images but {len(spoken)} spoken-attribute dicts")
    preds = predict_attributes(model, images)
    hits: dict[str, list[bool]] = {}
    for i, said in enumerate(spoken):
        for name, value in said.items():
            values = model.attribute_values[name]
            hits.setdefault(name, []).append(values[int(preds[name][i])] == value)
    if not hits:
        raise ValueError("no caption spoke any attribute")
    acc = {name: float(np.mean(h)) for name, h in sorted(hits.items())}
    acc["overall"] = float(np.mean([x for h in hits.values() for x in h]))
    return acc


def _cosine(queries: Tensor | np.ndarray, candidates: Tensor | np.ndarray) -> Tensor:
    q = F.normalize(torch.as_tensor(queries, dtype=torch.float64), dim=1)
    c = F.normalize(torch.as_tensor(candidates, dtype=torch.float64), dim=1)
    return q @ c.T


def r_precision(queries: Tensor | np.ndarray, candidates: Tensor | np.ndarray, r: int = 100,
                seed: int = 0) -> float:
    """Fraction of queries i whose candidate i scores above R - 1 random other candidates (R capped at N).

    Chance level is 1 / R; ties count as misses.
    """
    sim = _cosine(queries, candidates)
    n = sim.shape[0]
    if sim.shape[1] != n or n < 2:
        raise ValueError(f"need N >= 2 paired queries and candidates, got {tuple(sim.shape)}")
    r = min(r, n)
    rng = np.random.default_rng(seed)
    hits = 0
    for i in range(n):
        others = rng.choice(n - 1, r - 1, replace=False)
        others = others + (others >= i)              # indices over all j != i
        hits += bool((sim[i, i] > sim[i, others]).all())
    return hits / n


def recall_at_k(queries: Tensor | np.ndarray, candidates: Tensor | np.ndarray,
                ks: Sequence[int] = (1, 5, 10)) -> dict[str, float]:
    """Recall@k over all N candidates: the true candidate's rank (1 + the number scoring higher) is <= k."""
    sim = _cosine(queries, candidates)
    rank = 1 + (sim > sim.diagonal()[:, None]).sum(dim=1)
    return {f"R@{k}": float((rank <= k).double().mean()) for k in ks}
