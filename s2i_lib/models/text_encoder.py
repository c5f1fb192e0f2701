"""Text encoder for the text-input systems of Table II (ground-truth captions, and the two-stage system's ASR
transcripts), trained with the same teacher-student loss against the same teacher as the speech encoder.

The paper does not describe this encoder beyond its training (section III-F); StackGAN-v2's own text
embedding is Reed et al.'s char-CNN-RNN. Here: word embeddings (300-d) -> one bidirectional LSTM with
embedding_dim / 2 units per direction -> mean over the real words. Words are lower-cased and stripped of
punctuation (`asr.normalize_text`); the vocabulary is built on the training texts, other words map to <unk>.
"""
from __future__ import annotations

from collections import Counter

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ..asr import normalize_text

PAD, UNK = "<pad>", "<unk>"


class Vocabulary:
    """Word <-> id; id 0 is padding, id 1 unknown words; words ordered by frequency, then alphabetically."""

    def __init__(self, texts: list[str], min_count: int = 1):
        counts = Counter(w for t in texts for w in normalize_text(t).split())
        words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
        self.words = [PAD, UNK, *words]
        self.ids = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, text: str) -> list[int]:
        """Word ids; a text without words (an empty transcript) is one unknown word, so every caption embeds."""
        return [self.ids.get(w, 1) for w in normalize_text(text).split()] or [1]


class TextEncoder(nn.Module):
    """(B, L) word ids + (B,) lengths -> (B, embedding_dim) caption embeddings."""

    def __init__(self, vocab_size: int, embedding_dim: int = 1024, word_dim: int = 300):
        super().__init__()
        self.words = nn.Embedding(vocab_size, word_dim, padding_idx=0)
        self.rnn = nn.LSTM(word_dim, embedding_dim // 2, batch_first=True, bidirectional=True)
        self.embedding_dim = embedding_dim

    def forward(self, tokens: Tensor, n_tokens: Tensor) -> Tensor:
        lengths = torch.as_tensor(n_tokens).clamp(1, tokens.shape[1]).cpu()
        packed = pack_padded_sequence(self.words(tokens), lengths, batch_first=True, enforce_sorted=False)
        out, _ = pad_packed_sequence(self.rnn(packed)[0], batch_first=True, total_length=tokens.shape[1])
        return out.sum(dim=1) / lengths.to(out.device, out.dtype)[:, None]
