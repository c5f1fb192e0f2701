"""Attribute classifier: a small CNN with one softmax head per attribute.

It proves that the built-in data set's attributes can be read from 32x32 images, and scores whether generated
images show the attributes their speech described. Images are tensors (B, 3, H, W) in [-1, 1]; other sizes are
resized (with antialiasing) to the classifier's `image_size`.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor, nn

from .fit import fit_images


def images_to_tensor(images: list[Image.Image]) -> Tensor:
    """PIL RGB images of one size -> float tensor (B, 3, H, W) in [-1, 1]."""
    array = np.stack([np.asarray(im.convert("RGB")) for im in images])
    return torch.from_numpy(array).permute(0, 3, 1, 2).float().div(127.5).sub(1)


def encode_attributes(attribute_dicts: list[dict], attribute_values: dict[str, tuple[str, ...]]) -> dict[str, Tensor]:
    """Per-image attribute dicts -> attribute name -> long tensor of value indices."""
    return {name: torch.tensor([values.index(d[name]) for d in attribute_dicts], dtype=torch.long)
            for name, values in attribute_values.items()}


def _block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(True),
                         nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(True),
                         nn.MaxPool2d(2))


class AttributeClassifier(nn.Module):
    """Conv trunk down to a 4x4 map (kept spatial: parts are told apart by where they are), then one head each."""

    def __init__(self, attribute_values: dict[str, tuple[str, ...]], image_size: int = 32, width: int = 32):
        super().__init__()
        self.attribute_values = {k: tuple(v) for k, v in attribute_values.items()}
        self.image_size = image_size
        self.trunk = nn.Sequential(_block(3, width), _block(width, 2 * width), _block(2 * width, 4 * width),
                                   nn.AdaptiveAvgPool2d(4), nn.Flatten(),
                                   nn.Linear(4 * width * 16, 256), nn.ReLU(True), nn.Dropout(0.3))
        self.heads = nn.ModuleDict({k: nn.Linear(256, len(v)) for k, v in self.attribute_values.items()})

    def forward(self, images: Tensor) -> dict[str, Tensor]:
        """Images (B, 3, H, W) in [-1, 1] -> attribute name -> logits (B, n_values)."""
        if images.shape[-1] != self.image_size or images.shape[-2] != self.image_size:
            images = F.interpolate(images, size=(self.image_size, self.image_size), mode="bilinear",
                                   align_corners=False, antialias=True)
        h = self.trunk(images)
        return {k: head(h) for k, head in self.heads.items()}


def _augment(x: Tensor, generator: torch.Generator, shift: int = 2) -> Tensor:
    """Random horizontal flip and a random translation of up to `shift` pixels (edge padded)."""
    flip = torch.rand(x.shape[0], generator=generator) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    dx, dy = torch.randint(0, 2 * shift + 1, (2,), generator=generator).tolist()
    h, w = x.shape[-2:]
    return F.pad(x, (shift,) * 4, mode="replicate")[..., dy:dy + h, dx:dx + w]


def train_attribute_classifier(images: Tensor, targets: dict[str, Tensor],
                               attribute_values: dict[str, tuple[str, ...]], epochs: int = 15,
                               batch_size: int = 64, lr: float = 2e-3, image_size: int = 32, seed: int = 0,
                               device: str | torch.device | None = None, progress: bool = True) -> AttributeClassifier:
    """Fit an `AttributeClassifier` with summed cross-entropies (Adam, cosine schedule); returns it in eval mode."""
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = AttributeClassifier(attribute_values, image_size).to(device)
    if images.shape[-1] != image_size:  # resize once, not every batch
        images = F.interpolate(images, size=(image_size, image_size), mode="bilinear", antialias=True)
    n = images.shape[0]
    steps = epochs * -(-n // batch_size)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)

    def loss_fn(logits: dict[str, Tensor], idx: Tensor) -> Tensor:
        return sum(F.cross_entropy(logits[k], targets[k][idx].to(device)) for k in logits)

    return fit_images(model, images, loss_fn, opt=opt, sched=sched, epochs=epochs, batch_size=batch_size,
                      generator=generator, augment=lambda x: _augment(x, generator), device=device,
                      desc="attribute classifier", progress=progress)


@torch.no_grad()
def attribute_probabilities(model: AttributeClassifier, images: Tensor, batch_size: int = 256) -> dict[str, Tensor]:
    """Per attribute, the softmax over its values (B, V) for images (B, 3, H, W) in [-1, 1]."""
    device = next(model.parameters()).device
    model.eval()
    probs: dict[str, list[Tensor]] = {k: [] for k in model.attribute_values}
    for chunk in images.split(batch_size):
        for k, logits in model(chunk.to(device)).items():
            probs[k].append(logits.float().softmax(1).cpu())
    return {k: torch.cat(v) for k, v in probs.items()}


def predict_attributes(model: AttributeClassifier, images: Tensor, batch_size: int = 256) -> dict[str, Tensor]:
    """Predicted value index per attribute, long tensors of length B."""
    return {k: p.argmax(1) for k, p in attribute_probabilities(model, images, batch_size).items()}


def attribute_accuracy(model: AttributeClassifier, images: Tensor, targets: dict[str, Tensor]) -> dict[str, float]:
    """Accuracy of each attribute in `targets`, and their "mean"."""
    preds = predict_attributes(model, images)
    acc = {k: (preds[k] == targets[k]).float().mean().item() for k in targets}
    acc["mean"] = float(np.mean(list(acc.values())))
    return acc


def readability_rows(train_images: Tensor, train_attributes: list[dict], test_images: Tensor,
                     test_attributes: list[dict], attribute_values: dict[str, tuple[str, ...]], image_size: int = 32,
                     epochs: int = 15, seed: int = 0, progress: bool = True) -> list[dict]:
    """Train on one set of images (train classes), read another (unseen classes): a row per attribute with its
    accuracy beside chance (1/K) and the test set's majority-value rate."""
    values = {k: tuple(v) for k, v in attribute_values.items()}
    model = train_attribute_classifier(train_images, encode_attributes(train_attributes, values), values,
                                       epochs=epochs, image_size=image_size, seed=seed, progress=progress)
    targets = encode_attributes(test_attributes, values)
    accuracy = attribute_accuracy(model, test_images, targets)
    rows = [{"attribute": k, "values": len(v), "chance": round(1 / len(v), 3),
             "majority": round(torch.bincount(targets[k], minlength=len(v)).max().item() / len(test_attributes), 3),
             "accuracy": round(accuracy[k], 3)} for k, v in values.items()]
    rows.append({"attribute": "mean", "values": "", "chance": round(float(np.mean([r["chance"] for r in rows])), 3),
                 "majority": round(float(np.mean([r["majority"] for r in rows])), 3),
                 "accuracy": round(accuracy["mean"], 3)})
    return rows
