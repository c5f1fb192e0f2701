"""Speech encoder shapes and the length semantics of docs/authors-code.md#3 (64x reduction, mean over padded steps)."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from s2i_lib.models.speech_encoder import SpeechEncoder


@pytest.mark.parametrize("frames", [64, 768, 2048])
def test_time_is_reduced_64x(frames):
    enc = SpeechEncoder(embedding_dim=32, width=0.125).eval()
    x = torch.randn(3, 40, frames)
    cnn_out = enc.cnn(enc.input_norm(x.unsqueeze(1)))
    assert cnn_out.shape[-1] == frames // 64
    assert enc(x, torch.tensor([frames, 64, frames // 2])).shape == (3, 32)


def test_batch_of_one_keeps_its_batch_dimension():
    enc = SpeechEncoder(embedding_dim=16, width=0.125).eval()
    assert enc(torch.randn(1, 40, 128), torch.tensor([128])).shape == (1, 16)


def test_embedding_is_the_mean_over_all_steps_padded_ones_included():
    torch.manual_seed(0)
    enc = SpeechEncoder(embedding_dim=16, width=0.125).eval()
    x = torch.randn(1, 40, 256)
    with torch.no_grad():
        short = enc(x, torch.tensor([128]))               # 2 valid steps of 4
        steps = enc.cnn(enc.input_norm(x.unsqueeze(1))).squeeze(2).transpose(1, 2)[:, :2]
        valid_sum = enc.rnn(steps)[0].sum(dim=1)
    torch.testing.assert_close(short, valid_sum / 4)      # divided by all 4 steps, as the authors' mean


def test_paper_width_matches_the_authors_channels():
    enc = SpeechEncoder()
    convs = [m for m in enc.cnn.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [64, 64, 128, 256, 256, 512, 512, 1024]
    assert convs[0].kernel_size == (40, 1) and all(c.bias is None for c in convs)
    assert enc.rnn.hidden_size == 512 and enc.rnn.bidirectional


def test_length_not_a_multiple_of_64_is_refused():
    with pytest.raises(ValueError, match="multiple of 64"):
        SpeechEncoder(embedding_dim=16, width=0.125)(torch.randn(2, 40, 100), torch.tensor([100, 100]))


def test_every_layer_has_the_authors_kernel_stride_and_padding():
    """The layer table of docs/authors-code.md#3, layer by layer (not only the channels and the overall 64x)."""
    model = SpeechEncoder(embedding_dim=1024, n_mels=40, width=1.0)
    got = []
    for m in model.cnn.modules():
        if isinstance(m, nn.Conv2d):
            got.append(("conv", m.out_channels, m.kernel_size, m.stride, m.padding, m.bias is None))
        elif isinstance(m, nn.MaxPool2d):
            got.append(("pool", m.kernel_size, m.stride, m.padding))
    assert got == [
        ("conv", 64, (40, 1), (1, 1), (0, 0), True),
        ("conv", 64, (1, 3), (1, 1), (0, 1), True),
        ("pool", (1, 3), (1, 2), (0, 1)),
        ("conv", 128, (1, 17), (1, 2), (0, 8), True),
        ("conv", 256, (1, 13), (1, 2), (0, 6), True),
        ("conv", 256, (1, 3), (1, 1), (0, 1), True),
        ("conv", 512, (1, 9), (1, 2), (0, 4), True),
        ("pool", (1, 3), (1, 2), (0, 1)),
        ("conv", 512, (1, 3), (1, 1), (0, 1), True),
        ("conv", 1024, (1, 5), (1, 2), (0, 2), True),
    ]
    assert isinstance(model.input_norm, nn.BatchNorm2d) and model.input_norm.num_features == 1
    rnn = model.rnn
    assert (rnn.input_size, rnn.hidden_size, rnn.num_layers, rnn.bidirectional) == (1024, 512, 1, True)


def test_channels_last_layout_computes_what_the_contiguous_one_does():
    """The conv stack runs channels-last for speed; outputs and gradients must be those of the plain layout."""
    torch.manual_seed(0)
    fast = SpeechEncoder(64, width=0.125)
    plain = SpeechEncoder(64, width=0.125, memory_format=torch.contiguous_format)
    plain.load_state_dict(fast.state_dict())
    conv = fast.cnn[1][0].weight                                 # (8, 8, 1, 3): the layouts differ
    assert conv.is_contiguous(memory_format=torch.channels_last) and not conv.is_contiguous()
    spec, frames = torch.randn(3, 40, 256), torch.tensor([256, 130, 64])
    outputs = [model(spec, frames) for model in (fast, plain)]
    torch.testing.assert_close(outputs[0], outputs[1], rtol=1e-5, atol=1e-5)
    for out in outputs:
        out.square().sum().backward()
    fast_grad, plain_grad = fast.cnn[1][0].weight.grad, plain.cnn[1][0].weight.grad   # summed in another order
    assert (fast_grad - plain_grad).abs().max() <= 1e-5 * plain_grad.abs().max()
