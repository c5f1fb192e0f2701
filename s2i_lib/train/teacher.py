"""The fine-tuned teacher option: ImageNet EfficientNet-Lite0 fine-tuned to classify the **train** classes.

The frozen ImageNet teacher barely encodes the part colours of the built-in birds (issue 3's probe), and the
student can only learn what the teacher's vector holds. This option fine-tunes the whole network with a new
linear head on train-class images only (never on test classes), on random crops of side `crop` of the
(crop * 76/64)-square resize plus mirror images, then drops the head: the teacher is the fine-tuned backbone's
pooled 1280-d feature. The weights are saved as a full EfficientNet-Lite0 state dict (its ImageNet classifier
kept as it was), so `load_teacher("efficientnet-lite0", weights_path=...)` loads the result.
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..models.teachers import ImageTeacher, efficientnet_features, load_teacher
from ..checkpoint import save_checkpoint
from ..metrics.fit import fit_images


class _TeacherClassifier(nn.Module):
    def __init__(self, backbone: nn.Module, num_classes: int, dropout: float = 0.2):
        super().__init__()
        self.backbone, self.head, self.dropout = backbone, nn.Linear(1280, num_classes), nn.Dropout(dropout)

    def forward(self, images: Tensor) -> Tensor:
        return self.head(self.dropout(efficientnet_features(self.backbone, images)))


def fine_tune_teacher(images: Tensor, labels: Tensor, weights_path: str | Path, crop: int = 160, epochs: int = 6,
                      batch_size: int = 32, lr: float = 1e-4, seed: int = 0, device: str | torch.device = "cpu",
                      progress: bool = True) -> ImageTeacher:
    """Fine-tune on train-class `images` (N, 3, H, W) in [-1, 1] with class `labels`, save the backbone to
    `weights_path`, and return it as a frozen teacher. An existing `weights_path` is loaded, not retrained."""
    weights_path = Path(weights_path)
    if not weights_path.exists():
        torch.manual_seed(seed)
        backbone = load_teacher("efficientnet-lite0").backbone
        for p in backbone.parameters():
            p.requires_grad_(True)
        classes, targets = torch.unique(labels, return_inverse=True)
        model = _TeacherClassifier(backbone, len(classes)).to(device)
        generator = torch.Generator().manual_seed(seed)
        big = int(round(crop * 76 / 64))

        def augment(x: Tensor) -> Tensor:
            x = F.interpolate(x, size=(big, big), mode="bilinear", align_corners=False, antialias=True)
            i, j = torch.randint(0, big - crop + 1, (2,), generator=generator).tolist()
            x = x[..., i:i + crop, j:j + crop]
            return x.flip(-1) if torch.rand((), generator=generator) < 0.5 else x

        steps = epochs * -(-len(images) // batch_size)
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
        fit_images(model, images, lambda logits, idx: F.cross_entropy(logits, targets[idx].to(device)), opt=opt,
                   sched=sched, epochs=epochs, batch_size=batch_size, generator=generator, augment=augment,
                   device=torch.device(device), desc="fine-tune teacher", progress=progress)
        save_checkpoint(weights_path, {k: v.cpu() for k, v in model.backbone.state_dict().items()})
    return load_teacher("efficientnet-lite0", weights_path=weights_path).to(device)
