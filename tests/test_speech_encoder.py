"""Speech encoder shapes and the length semantics of docs/authors-code.md#3 (64x reduction, mean over padded steps)."""
from __future__ import annotations

import pytest
import torch

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
