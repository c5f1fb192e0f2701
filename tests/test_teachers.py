"""Image teachers: frozen pooled features, the authors' ten views, and the GoogLeNet weights-file path."""
from __future__ import annotations

import pytest
import torch
from torchvision.models import googlenet

from s2i_lib.models.teachers import load_teacher, make_views, teacher_features


@pytest.fixture(scope="module")
def lite0():
    return load_teacher("efficientnet-lite0")


def test_lite0_gives_frozen_1280_d_pooled_features(lite0):
    images = torch.rand(2, 3, 96, 96) * 2 - 1
    features = lite0(images)
    assert features.shape == (2, 1280) and not features.requires_grad
    assert all(not p.requires_grad for p in lite0.parameters())
    lite0.train()
    assert not lite0.backbone.training                        # BatchNorm statistics stay frozen
    torch.testing.assert_close(lite0(images), features)


def test_lite0_features_are_what_its_imagenet_classifier_reads(lite0):
    # the pooled feature followed by the network's own fc layer must reproduce its ImageNet logits, which checks
    # both the pooling and the (x - 127) / 128 input normalisation against the network's forward()
    images = torch.rand(2, 3, 64, 64) * 2 - 1
    fc = lite0.backbone._fc
    logits = lite0.backbone(((images + 1) * 127.5 - 127.0) / 128.0)
    torch.testing.assert_close(fc(lite0(images)), logits, rtol=1e-4, atol=1e-4)


def test_ten_views_are_the_authors_crops_and_their_mirrors():
    ramp = torch.arange(227.0).expand(1, 3, 227, 227)            # pixel value = its x coordinate
    views = make_views(ramp)
    assert views.shape == (1, 10, 3, 224, 224)
    assert [views[0, v, 0, 0, 0].item() for v in range(5)] == [0.0, 3.0, 1.0, 0.0, 3.0]
    torch.testing.assert_close(views[0, 5:], views[0, :5].flip(-1))
    down = ramp.transpose(-1, -2)                               # pixel value = its y coordinate
    assert [make_views(down)[0, v, 0, 0, 0].item() for v in range(5)] == [0.0, 0.0, 1.0, 3.0, 3.0]


def test_centre_flip_views_are_views_2_and_7_of_the_ten():
    image = torch.rand(2, 3, 50, 40, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(make_views(image, "centre+flip", crop=32), make_views(image, crop=32)[:, [2, 7]])
    with pytest.raises(ValueError, match="unknown view set"):
        make_views(image, "five")


def test_teacher_features_has_one_row_per_view(lite0):
    assert teacher_features(lite0, torch.zeros(3, 3, 32, 32), batch_size=2, progress=False).shape == (3, 10, 1280)
    assert teacher_features(lite0, torch.zeros(3, 3, 32, 32), "centre+flip", 64, progress=False).shape == (3, 2, 1280)


def test_googlenet_needs_its_weights_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="googlenet-1378be20.pth"):
        load_teacher("googlenet", tmp_path / "absent.pth")
    torch.save(googlenet(weights=None, aux_logits=True, init_weights=True).state_dict(), tmp_path / "g.pth")
    teacher = load_teacher("googlenet", tmp_path / "g.pth")
    assert teacher.dim == 1024 and teacher(torch.zeros(2, 3, 224, 224)).shape == (2, 1024)
    with pytest.raises(ValueError, match="unknown teacher"):
        load_teacher("vgg")
