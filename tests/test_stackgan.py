"""StackGAN-v2: shapes at every scale, the paper config's layers (docs/stackgan-v2.md#2), init, losses on hand-computed
values (docs/stackgan-v2.md#3, docs/authors-code.md#8) and the EMA update."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from s2i_lib.config import get_profile
from s2i_lib.losses.stackgan import (bce, class_aware_loss, discriminator_loss, discriminator_scale_loss,
                                      generator_adversarial_loss, generator_loss, kl_loss)
from s2i_lib.models.stackgan import CANet, Discriminator, DOutput, GANConfig, Generator, ResBlock, make_discriminators
from s2i_lib.train.gan import ema_update

LOG2 = math.log(2.0)


def tiny(**overrides) -> GANConfig:
    return GANConfig(**{"embedding_dim": 12, "condition_dim": 8, "z_dim": 10, "gf_dim": 4, "df_dim": 4,
                        **overrides})


@pytest.mark.parametrize("branches,base", [(1, 32), (2, 32), (3, 32), (1, 64), (2, 64), (3, 64)])
def test_generator_and_discriminators_shapes(branches, base):
    torch.manual_seed(0)
    config = tiny(branches=branches, base_size=base)
    netG, netsD = Generator(config), make_discriminators(config)
    images, mu, logvar = netG(torch.randn(2, 10), torch.randn(2, 12))
    assert [x.shape for x in images] == [(2, 3, s, s) for s in config.image_sizes]
    assert all(x.abs().max() <= 1 for x in images)                    # tanh
    assert mu.shape == logvar.shape == (2, 8)
    for netD, x in zip(netsD, images):
        out = netD(x, mu)
        assert out.cond.shape == out.uncond.shape == (2,)
        assert out.code.shape == (2, 8 * 4 * 4 * 4)                     # 8 df x 4 x 4 at every scale


def conv_shapes(module: nn.Module) -> list[tuple[int, int]]:
    return [tuple(m.weight.shape[:2]) for m in module.modules() if isinstance(m, nn.Conv2d)]


def test_paper_config_has_stackgan_v2_layers():
    with torch.device("meta"):                                          # shapes only: no memory, no init cost
        config = GANConfig(1024, **get_profile("paper").gan.architecture())
        netG, netsD = Generator(config), make_discriminators(config)
        images, mu, _ = netG(torch.zeros(24, 100), torch.zeros(24, 1024))
        outs = [netD(x, mu) for netD, x in zip(netsD, images)]
    assert [x.shape[-1] for x in images] == [64, 128, 256]
    assert netG.ca_net.fc.weight.shape == (4 * 128, 1024)               # Linear(1024 -> 512) + GLU
    fc = netG.stages[0].fc[0]
    assert fc.weight.shape == (1024 * 4 * 4 * 2, 100 + 128) and fc.bias is None
    assert conv_shapes(netG.stages[0].upsample) == [(1024, 1024), (512, 512), (256, 256), (128, 128)]
    assert conv_shapes(netG.stages[1].joint) == [(128, 64 + 128)] and len(netG.stages[1].residual) == 2
    assert conv_shapes(netG.stages[1].upsample) == [(64, 64)] and conv_shapes(netG.stages[2].upsample) == [(32, 32)]
    assert [conv_shapes(t)[0] for t in netG.to_image] == [(3, 64), (3, 32), (3, 16)]
    d256 = netsD[2]
    assert conv_shapes(d256.encode) == [(64, 3), (128, 64), (256, 128), (512, 256),      # encode_image_by_16times
                                        (1024, 512), (2048, 1024), (1024, 2048), (512, 1024)]
    assert conv_shapes(netsD[1].encode)[4:] == [(1024, 512), (512, 1024)]                 # D_NET128's extra blocks
    assert conv_shapes(d256.joint) == [(512, 512 + 128)]
    assert d256.logits.kernel_size == (4, 4) and d256.logits.stride == (4, 4) and d256.logits.bias is not None
    assert all(o.code.shape == (24, 512 * 16) for o in outs)


def test_parameter_counts_by_hand():
    # ResBlock(4): conv3x3 4->8 (288) + BN(8) (16) + conv3x3 4->4 (144) + BN(4) (8)
    assert sum(p.numel() for p in ResBlock(4).parameters()) == 288 + 16 + 144 + 8
    # CA_NET(16 -> 4 x 4): Linear(16, 16) with bias
    assert sum(p.numel() for p in CANet(16, 4).parameters()) == 16 * 16 + 16
    # D for 8 px, df 1, ef 2: conv4x4 3->8 (384), jointConv 3x3 10->8 (720) + BN(8) (16), two 4x4 logit convs
    # 8->1 with bias (129 each)
    assert sum(p.numel() for p in Discriminator(8, 1, 2).parameters()) == 384 + 720 + 16 + 2 * 129


def test_small_discriminator_keeps_the_last_convs_of_encode_image_by_16times():
    d32 = Discriminator(32, 2, 8)
    assert conv_shapes(d32.encode) == [(4, 3), (8, 4), (16, 8)]                # 2 df, 4 df, 8 df
    assert not isinstance(d32.encode[1], nn.BatchNorm2d)                       # no BN after the first conv


def test_discriminator_uses_mu_only_in_its_conditional_logit():
    torch.manual_seed(0)
    netD = Discriminator(32, 4, 8).eval()
    x = torch.randn(3, 3, 32, 32)
    a, b = netD(x, torch.zeros(3, 8)), netD(x, torch.ones(3, 8))
    assert not torch.allclose(a.cond, b.cond)
    torch.testing.assert_close(a.uncond, b.uncond)
    torch.testing.assert_close(a.code, b.code)


def test_init_is_stackgan_v2_weights_init():
    torch.manual_seed(0)
    netG = Generator(tiny(gf_dim=16, base_size=64))
    bn = [m for m in netG.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]
    weights = torch.cat([m.weight.detach() for m in bn])
    assert weights.mean().item() == pytest.approx(1.0, abs=0.005)
    assert weights.std().item() == pytest.approx(0.02, abs=0.005)
    assert all((m.bias == 0).all() for m in bn)
    assert (netG.ca_net.fc.bias == 0).all()
    conv = netG.stages[0].upsample[0][1].weight.detach().flatten(1)           # (2 c_out, c_in * 9): rows orthonormal
    torch.testing.assert_close(conv @ conv.T, torch.eye(len(conv)), atol=1e-5, rtol=0)


def test_config_validation():
    assert GANConfig(1280, **get_profile("smoke").gan.architecture()).image_sizes == (32, 64)
    assert GANConfig(1024, branches=1).image_sizes == (64,)
    with pytest.raises(ValueError, match="branches"):
        tiny(branches=4)
    with pytest.raises(ValueError, match="power of two"):
        tiny(base_size=48)


def out(cond, uncond):
    return DOutput(torch.tensor(cond), torch.tensor(uncond), torch.zeros(len(cond), 1))


def softplus(x):
    return math.log1p(math.exp(x))


def test_bce_with_logits_is_sigmoid_then_bce():
    logits = torch.tensor([-3.0, 0.5, 2.0])
    torch.testing.assert_close(bce(logits, 1.0), F.binary_cross_entropy(logits.sigmoid(), torch.ones(3)))
    torch.testing.assert_close(bce(logits, 0.0), F.binary_cross_entropy(logits.sigmoid(), torch.zeros(3)))


def test_discriminator_loss_hand_values():
    zero = out([0.0, 0.0], [0.0, 0.0])
    assert discriminator_scale_loss(zero, zero, zero, 1.0).item() == pytest.approx(6 * LOG2)
    assert discriminator_scale_loss(zero, zero, zero, 0.5).item() == pytest.approx(4.5 * LOG2)
    assert discriminator_scale_loss(zero, zero, zero, 0.0).item() == pytest.approx(2 * LOG2)   # real + (wrong + fake) / 2
    real, wrong, fake = out([2.0], [1.0]), out([-1.0], [0.0]), out([0.0], [-2.0])
    # BCE(x, 1) = softplus(-x), BCE(x, 0) = softplus(x)
    expected = softplus(-2) + softplus(-1) + softplus(0) + 0.5 * (softplus(-1) + softplus(0) + softplus(-2))
    assert discriminator_scale_loss(real, wrong, fake, 0.5).item() == pytest.approx(expected)
    # wrong images count as real for the unconditional head: swapping wrong and fake changes the loss
    assert discriminator_scale_loss(real, fake, wrong, 0.5).item() != pytest.approx(expected)
    total, per_scale = discriminator_loss([zero, real], [zero, wrong], [zero, fake], 0.5)
    assert [t.item() for t in per_scale] == pytest.approx([4.5 * LOG2, expected])
    assert total.item() == pytest.approx(4.5 * LOG2 + expected)


def test_generator_loss_sums_scales_class_aware_and_twice_the_kl():
    mu, logvar = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, LOG2]])
    kl = (2 - LOG2) / 4
    total, terms = generator_loss([out([0.0], [0.0]), out([2.0], [-1.0])], mu, logvar, 2.0, 0.5)
    assert terms["g0"].item() == pytest.approx(1.5 * LOG2)
    assert terms["g1"].item() == pytest.approx(softplus(-2) + 0.5 * softplus(1))
    assert total.item() == pytest.approx(1.5 * LOG2 + softplus(-2) + 0.5 * softplus(1) + 2 * kl)
    assert "cal" not in terms
    codes = DOutput(torch.zeros(3), torch.zeros(3), torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0]]))
    with_cal, terms = generator_loss([codes], torch.zeros(3, 2), torch.zeros(3, 2), 2.0, 1.0, torch.tensor([0, 0, 1]))
    assert terms["cal"].item() == pytest.approx((10 / 9) / 2)
    assert with_cal.item() == pytest.approx(2 * LOG2 + (10 / 9) / 2)


def test_generator_losses_hand_values():
    assert generator_adversarial_loss(out([0.0], [0.0]), 1.0).item() == pytest.approx(2 * LOG2)
    assert generator_adversarial_loss(out([2.0], [-1.0]), 0.5).item() == pytest.approx(softplus(-2) + 0.5 * softplus(1))
    assert generator_adversarial_loss(out([2.0], [-1.0]), 0.0).item() == pytest.approx(softplus(-2))
    assert kl_loss(torch.zeros(3, 4), torch.zeros(3, 4)).item() == 0.0
    # elements: 1 + 0 - 1 - 1 = -1 and 1 + log 2 - 0 - 2 = log 2 - 1; mean (log 2 - 2) / 2; times -0.5
    mu, logvar = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, LOG2]])
    assert kl_loss(mu, logvar).item() == pytest.approx((2 - LOG2) / 4)


def test_class_aware_loss_hand_values():
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0]])
    # X X^T = [[1, 0, 2], [0, 1, 0], [2, 0, 4]]: mean 10/9; same-class off-diagonal pairs (0, 1), (1, 0): 0
    assert class_aware_loss(x, torch.tensor([0, 0, 1])).item() == pytest.approx((10 / 9 - 0) / 2)
    # same-class pairs (0, 2), (2, 0) score 2 > mean 10/9: clamped at 0
    assert class_aware_loss(x, torch.tensor([0, 1, 0])).item() == 0.0
    assert class_aware_loss(x, torch.tensor([0, 1, 2])).item() == 0.0                  # no same-class pair


def test_ema_update_is_the_per_parameter_loop_in_one_foreach_operation():
    """Issue 26: the EMA became foreach operations; its numbers must be the loop's, bit for bit."""
    torch.manual_seed(0)
    model, ema = nn.Sequential(nn.Linear(5, 7), nn.BatchNorm1d(7), nn.Linear(7, 3)), None
    model(torch.randn(4, 5))                                         # BN statistics and a batch count to copy
    ema, looped = (nn.Sequential(nn.Linear(5, 7), nn.BatchNorm1d(7), nn.Linear(7, 3)) for _ in range(2))
    looped.load_state_dict(ema.state_dict())
    ema_update(ema, model, decay=0.999)
    with torch.no_grad():
        for avg, p in zip(looped.parameters(), model.parameters()):
            avg.mul_(0.999).add_(p, alpha=1 - 0.999)
        for avg, b in zip(looped.buffers(), model.buffers()):
            avg.copy_(b)
    assert all(torch.equal(a, b) for a, b in zip(ema.state_dict().values(), looped.state_dict().values()))


def test_ema_update_hand_case():
    model, ema = nn.BatchNorm1d(2), nn.BatchNorm1d(2)
    with torch.no_grad():
        ema.weight.fill_(1.0)
        model.weight.fill_(3.0)
        model.running_mean.fill_(5.0)
    ema_update(ema, model, decay=0.9)
    torch.testing.assert_close(ema.weight, torch.full((2,), 0.9 * 1 + 0.1 * 3))
    torch.testing.assert_close(ema.running_mean, torch.full((2,), 5.0))                # buffers are copied
