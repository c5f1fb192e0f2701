"""The speech encoder E_s = RNN(CNN(s')) of paper section III-A, with the authors' layers (docs/authors-code.md#3).

Input: log-Mel spectrograms (B, 40, T) padded to a fixed T (a multiple of 64) and the number of real frames
per utterance. The input is normalised by a BatchNorm over its single channel; eight conv blocks (each
Conv2d without bias + BN + ReLU, weights N(0, 0.02)) and two max-pools shorten time 64x; a bidirectional LSTM
runs over `n_frames // 64` valid steps; the sentence embedding is the mean over **all** T/64 steps, padded
steps included (their outputs are zeros), exactly as the authors' `output.mean(-2)`. It is not normalised.

`width` scales every conv's channels (1.0 = the paper's 64 ... 1024) so CPU profiles can use a narrower
encoder; the embedding size always follows the teacher (paper III-B).

The conv stack runs channels-last (weights and activations): oneDNN's NHWC kernels made a `default` training epoch
(width 0.25, batch 64, 768 frames) 1.17x faster on a 2-core AVX2 CPU (`benchmarks/encoder_epoch.py`), outputs
equal to 4e-6 of their largest (tests/test_speech_encoder.py); `memory_format=torch.contiguous_format` is the plain layout.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ..config import TIME_REDUCTION

# (out channels, kernel along time, stride along time) of the eight conv blocks; "pool" is MaxPool (1x3, s2).
LAYERS = [(64, 1, 1), (64, 3, 1), "pool", (128, 17, 2), (256, 13, 2), (256, 3, 1), (512, 9, 2), "pool",
          (512, 3, 1), (1024, 5, 2)]


def _conv_block(c_in: int, c_out: int, kernel: tuple[int, int], stride: int) -> nn.Sequential:
    pad = (0, kernel[1] // 2)
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel, stride=(1, stride), padding=pad, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class SpeechEncoder(nn.Module):
    """(B, n_mels, T) spectrograms + (B,) frame counts -> (B, embedding_dim) speech embeddings."""

    def __init__(self, embedding_dim: int = 1024, n_mels: int = 40, width: float = 1.0, bidirectional: bool = True,
                 memory_format=torch.channels_last):
        super().__init__()
        layers, c_in = [], 1
        for i, spec in enumerate(LAYERS):
            if spec == "pool":
                layers.append(nn.MaxPool2d((1, 3), stride=(1, 2), padding=(0, 1)))
                continue
            c_out, k, stride = spec
            c_out = max(8, int(round(c_out * width)))
            layers.append(_conv_block(c_in, c_out, (n_mels, 1) if i == 0 else (1, k), stride))
            c_in = c_out
        self.input_norm = nn.BatchNorm2d(1)
        self.cnn = nn.Sequential(*layers)
        hidden = embedding_dim // 2 if bidirectional else embedding_dim
        self.rnn = nn.LSTM(c_in, hidden, num_layers=1, batch_first=True, bidirectional=bidirectional)
        self.embedding_dim = embedding_dim
        for m in self.cnn.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, 0.0, 0.02)
        self.memory_format = memory_format
        self.cnn.to(memory_format=memory_format)

    def forward(self, spec: Tensor, n_frames: Tensor) -> Tensor:
        if spec.shape[-1] % TIME_REDUCTION:
            raise ValueError(f"input length {spec.shape[-1]} is not a multiple of {TIME_REDUCTION}")
        x = self.input_norm(spec.unsqueeze(1)).contiguous(memory_format=self.memory_format)
        x = self.cnn(x)                                              # (B, C, 1, T/64)
        x = x.squeeze(2).transpose(1, 2)                             # (B, T/64, C); never squeezes B
        steps = (n_frames // TIME_REDUCTION).clamp(1, x.shape[1]).cpu()
        packed = pack_padded_sequence(x, steps, batch_first=True, enforce_sorted=False)
        out, _ = pad_packed_sequence(self.rnn(packed)[0], batch_first=True, total_length=x.shape[1])
        return out.mean(dim=1)                                       # padded (zero) steps included
