"""The encoder training loop: a run interrupted and resumed ends with the same weights as one that was not."""
from __future__ import annotations

import csv

import pytest
import torch
from torch.utils.data import Dataset

from s2i_lib.checkpoint import load_checkpoint
from s2i_lib.losses.tsl import teacher_student_loss
from s2i_lib.models.speech_encoder import SpeechEncoder
from s2i_lib.pipeline.runs import weights_hash
from s2i_lib.train.encoder import EncoderTrainConfig, train_encoder


class Toy(Dataset):
    """Random spectrograms with a random 'teacher' feature and a class label."""

    def __init__(self, n=12, dim=16):
        g = torch.Generator().manual_seed(0)
        self.speech = torch.randn(n, 40, 128, generator=g)
        self.frames = torch.randint(64, 129, (n,), generator=g)
        self.teacher = torch.randn(n, dim, generator=g)
        self.labels = torch.arange(n) % 3

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"speech": self.speech[i], "n_frames": self.frames[i], "image_feature": self.teacher[i],
                "label": self.labels[i]}


def tsl_step(model, batch):
    return teacher_student_loss(batch["image_feature"], model(batch["speech"], batch["n_frames"]), batch["label"])


CONFIG = EncoderTrainConfig(epochs=4, batch_size=4, lr_step_epochs=2, seed=7)


def fresh_model():
    torch.manual_seed(123)
    return SpeechEncoder(embedding_dim=16, width=0.125)


def test_resumed_run_equals_uninterrupted_run(tmp_path):
    straight = fresh_model()
    history = train_encoder(straight, Toy(), tsl_step, tmp_path / "a", CONFIG, progress=False)
    assert [h["epoch"] for h in history] == [1, 2, 3, 4]
    assert history[-1]["lr"] == pytest.approx(1e-3 * 0.25)        # StepLR halved twice
    assert {"loss", "jel", "norm", "kdl"} <= set(history[0])

    first = fresh_model()
    train_encoder(first, Toy(), tsl_step, tmp_path / "b", CONFIG, progress=False, stop_after_epochs=2)
    first_seconds = load_checkpoint(tmp_path / "b" / "last.pt")["train_seconds"]
    resumed = fresh_model()                                          # a new process would start from scratch
    history_b = train_encoder(resumed, Toy(), tsl_step, tmp_path / "b", CONFIG, progress=False)
    for p, q in zip(straight.state_dict().values(), resumed.state_dict().values()):
        torch.testing.assert_close(p, q)
    assert history_b == history and weights_hash(tmp_path / "a") == weights_hash(tmp_path / "b")
    assert 0 < first_seconds < load_checkpoint(tmp_path / "b" / "last.pt")["train_seconds"]   # summed over calls
    with open(tmp_path / "b" / "loss_log.csv") as f:
        assert [int(r["epoch"]) for r in csv.DictReader(f)] == [1, 2, 3, 4]


def test_training_lowers_the_loss(tmp_path):
    history = train_encoder(fresh_model(), Toy(), tsl_step, tmp_path, EncoderTrainConfig(epochs=6, batch_size=4),
                            progress=False)
    assert history[-1]["loss"] < history[0]["loss"]


def test_resume_with_another_configuration_is_refused(tmp_path):
    train_encoder(fresh_model(), Toy(), tsl_step, tmp_path, CONFIG, progress=False, stop_after_epochs=1)
    with pytest.raises(ValueError, match="was trained with"):
        train_encoder(fresh_model(), Toy(), tsl_step, tmp_path, EncoderTrainConfig(epochs=5), progress=False)
