"""How well caption embeddings find their images' teacher features among unseen classes (paper Table III).

The authors' `EvalClass.eval_class` (docs/authors-code.md#7): class centres are the means of the speech embeddings
of each test class; an image is classified by the largest dot product between its teacher feature and the
centres ("accuracy"); "AP@50" is, per class, the fraction of that class's images among the 50 images scoring
highest against its centre, averaged over classes (at most images-per-class / 50 when classes are smaller
than 50). Speech-to-image recall@k ranks every test image's teacher feature by dot product with each caption
embedding and counts the caption's own image within the top k. `speech_class_accuracy` needs no image features
(for embeddings outside the teacher's space).
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .uncertainty import Estimate, bootstrap_error


def class_centres(embeddings: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
    """(classes (C,), centres (C, D)): the mean embedding of each label. `embeddings` (M, D)."""
    classes = torch.unique(labels)
    return classes, torch.stack([embeddings[labels == c].mean(0) for c in classes])


def class_centre_hits(embeddings: Tensor, embedding_labels: Tensor, image_features: Tensor,
                      image_labels: Tensor) -> Tensor:
    """Per image, whether its teacher feature scores highest with its own class's centre (bool (N,))."""
    classes, centres = class_centres(embeddings, embedding_labels)
    return classes[(image_features @ centres.T).argmax(1)] == image_labels


def class_centre_accuracy(embeddings: Tensor, embedding_labels: Tensor, image_features: Tensor,
                          image_labels: Tensor) -> float:
    """Fraction of images whose teacher feature scores highest with its own class's centre."""
    return float(class_centre_hits(embeddings, embedding_labels, image_features, image_labels).double().mean())


def precision_per_class(embeddings: Tensor, embedding_labels: Tensor, image_features: Tensor, image_labels: Tensor,
                        k: int = 50) -> Tensor:
    """Per class centre, the share of its class among the k top-scoring images ((C,) float64)."""
    classes, centres = class_centres(embeddings, embedding_labels)
    top = (centres @ image_features.T).topk(min(k, len(image_features)), dim=1).indices
    return (image_labels[top] == classes[:, None]).double().mean(1)


def precision_at_k(embeddings: Tensor, embedding_labels: Tensor, image_features: Tensor, image_labels: Tensor,
                   k: int = 50) -> float:
    """The authors' AP@k: per class centre, the share of its class among the k top-scoring images; mean."""
    return float(precision_per_class(embeddings, embedding_labels, image_features, image_labels, k).mean())


def image_ranks(embeddings: Tensor, image_index: Tensor, image_features: Tensor) -> Tensor:
    """Per caption m, the rank (1 = first) of its own image `image_index[m]` among all images, by dot product."""
    scores = embeddings.double() @ image_features.double().T
    own = scores.gather(1, image_index[:, None].long())
    return 1 + (scores > own).sum(dim=1)


def speech_to_image_recall(embeddings: Tensor, image_index: Tensor, image_features: Tensor,
                           ks: tuple[int, ...] = (1, 5, 10)) -> dict[str, float]:
    """Recall@k of caption -> image retrieval by dot product; `image_index[m]` is caption m's image."""
    rank = image_ranks(embeddings, image_index, image_features)
    return {f"R@{k}": float((rank <= k).double().mean()) for k in ks}


def speech_class_accuracy(embeddings: Tensor, labels: Tensor) -> float:
    """Leave-one-image-out nearest class centre among the caption embeddings alone (`speech_class_hits`)."""
    return float(speech_class_hits(embeddings, labels).mean())


def speech_class_hits(embeddings: Tensor, labels: Tensor) -> np.ndarray:
    """(N,) bool: leave-one-image-out nearest class centre among the caption embeddings alone (N, K, D), by
    cosine: each image's mean unit-length caption embedding against every class's centre computed without it.

    It needs no image features, so it compares encoders whose embeddings live in different spaces: the
    classifier baseline's space is its own, where the teacher-space retrieval above cannot find anything."""
    per_image = F.normalize(embeddings.double(), dim=-1).mean(1)                  # (N, D)
    classes, index = torch.unique(labels, return_inverse=True)
    sums = torch.zeros(len(classes), per_image.shape[1], dtype=torch.float64).index_add_(0, index, per_image)
    counts = torch.bincount(index, minlength=len(classes)).double()
    hits = np.zeros(len(per_image), dtype=bool)
    for i in range(len(per_image)):
        centres, n = sums.clone(), counts.clone()
        centres[index[i]] -= per_image[i]
        n[index[i]] -= 1
        scores = F.cosine_similarity(per_image[i][None], centres / n.clamp(min=1)[:, None], dim=1)
        scores[n == 0] = -2                                                       # a class of one image
        hits[i] = bool(scores.argmax() == index[i])
    return hits


def retrieval_table(embeddings: Tensor, labels: Tensor, image_features: Tensor) -> dict[str, float]:
    """All retrieval numbers for per-image caption embeddings (N, K, D) with image labels (N,) and teacher
    features (N, D) of the same images."""
    n, k, _ = embeddings.shape
    flat, flat_labels = embeddings.reshape(n * k, -1), labels.repeat_interleave(k)
    per_class = int(np.bincount(labels.numpy()).max())
    return {"class-centre acc": class_centre_accuracy(flat, flat_labels, image_features, labels),
            "AP@50": precision_at_k(flat, flat_labels, image_features, labels, 50),
            f"AP@{per_class}": precision_at_k(flat, flat_labels, image_features, labels, per_class),
            **speech_to_image_recall(flat, torch.arange(n).repeat_interleave(k), image_features)}


def retrieval_estimates(embeddings: Tensor, labels: Tensor, image_features: Tensor, reps: int = 50,
                        seed: int = 0, ks: tuple[int, ...] = (1, 5, 10)) -> dict[str, Estimate]:
    """`retrieval_table`'s class-centre accuracy, AP@50 and R@k of caption embeddings (N, K, D), each with one
    standard error: accuracy and R@k bootstrapped over the N test images (centres and ranks computed once, on
    every image), AP@50 the standard error of its mean over the classes."""
    n, k, _ = embeddings.shape
    flat, flat_labels = embeddings.reshape(n * k, -1), labels.repeat_interleave(k)
    per_image = {"class-centre acc": class_centre_hits(flat, flat_labels, image_features, labels).double().numpy()}
    ranks = image_ranks(flat, torch.arange(n).repeat_interleave(k), image_features).view(n, k)
    per_image |= {f"R@{r}": (ranks <= r).double().mean(1).numpy() for r in ks}
    out = {name: Estimate(float(hits.mean()), bootstrap_error(lambda idx, h=hits: h[idx].mean(), n, reps, seed))
           for name, hits in per_image.items()}
    ap = precision_per_class(flat, flat_labels, image_features, labels, 50).numpy()
    out["AP@50"] = Estimate(float(ap.mean()), float(ap.std(ddof=1) / np.sqrt(len(ap))) if len(ap) > 1 else float("nan"))
    return out


def encoder_retrieval(embeddings: Tensor, labels: Tensor, image_features: Tensor, reps: int = 50,
                      seed: int = 0) -> dict[str, Estimate]:
    """An encoder's unseen-class retrieval table row: its speech class accuracy (`speech_class_hits`,
    bootstrapped over the images) and `retrieval_estimates`, each with one standard error."""
    hits = speech_class_hits(embeddings, labels).astype(np.float64)
    return {"speech class acc": Estimate(float(hits.mean()), bootstrap_error(lambda idx: hits[idx].mean(), len(hits),
                                                                            reps, seed)),
            **retrieval_estimates(embeddings, labels, image_features, reps, seed)}


def recall_by_group(embeddings: Tensor, groups: list[list[str]], image_features: Tensor,
                    ks: tuple[int, ...] = (1, 5, 10)) -> dict[str, dict]:
    """Speech-to-image recall@k of caption embeddings (N, K, D) against the N images' features, reported per
    group of captions (`groups[i][k]`, e.g. the voice that spoke caption k of image i): group -> {"captions": count,
    "R@k": recall ± its binomial standard error sqrt(p (1 - p) / n), the captions taken as independent}. Every
    caption ranks all N images, whatever its group."""
    n, k, _ = embeddings.shape
    flat = embeddings.reshape(n * k, -1)
    labels = [g for per_image in groups for g in per_image]
    if len(labels) != n * k:
        raise ValueError(f"{len(labels)} group labels for {n * k} captions")
    image_index = torch.arange(n).repeat_interleave(k)
    out = {}
    for group in sorted(set(labels)):
        rows = torch.tensor([i for i, g in enumerate(labels) if g == group])
        recall = speech_to_image_recall(flat[rows], image_index[rows], image_features, ks)
        out[group] = {"captions": len(rows),
                      **{k: Estimate(p, math.sqrt(p * (1 - p) / len(rows))) for k, p in recall.items()}}
    return out
