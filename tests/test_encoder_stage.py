"""Encoder-stage pieces: training pairs, text encoder, classifier baseline, embeddings, gradient balance."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from s2i_lib.data.fbank_cache import open_fbank_cache
from s2i_lib.data.dataset import wav_table
from s2i_lib.data.pairs import SpeechPairs, TextPairs
from s2i_lib.config import get_profile
from s2i_lib.pipeline.encoders import (classifier_step, ClassifierEncoder, embed_speech, embed_tokens, encoder_train_config, gradient_balance, tsl_step)
from s2i_lib.losses.tsl import TSLConfig
from s2i_lib.models.speech_encoder import SpeechEncoder
from s2i_lib.models.text_encoder import TextEncoder, Vocabulary
from s2i_lib.train.encoder import EncoderTrainConfig, train_encoder
from test_dataset import make_records


@pytest.fixture
def speech_data(tmp_path):
    records = make_records(tmp_path, bad={(1, 0, 1)})
    cache = open_fbank_cache(tmp_path / "cache", wav_table(records), workers=1, progress=False)
    features = torch.randn(len(records), 2, 16, generator=torch.Generator().manual_seed(0))
    return records, cache, features


def test_speech_pairs_draw_one_caption_and_one_view(speech_data):
    records, cache, features = speech_data
    ds = SpeechPairs(records, cache, features, target_length=128)
    torch.manual_seed(0)
    seen_views, seen_lengths = set(), set()
    for _ in range(40):
        item = ds[2]                                          # record 2 = class 1, image 0: caption 1 is bad
        assert item["speech"].shape == (40, 128) and item["label"] == 1
        seen_lengths.add(int(item["n_frames"]))
        seen_views.add(next(v for v in range(2) if torch.equal(item["image_feature"], features[2, v])))
    assert seen_views == {0, 1}
    assert seen_lengths == {81, 101}                          # 0.8 s and 1.0 s; the bad 0.9 s one is replaced


def test_speech_pairs_refuse_features_of_another_length(speech_data):
    records, cache, features = speech_data
    with pytest.raises(ValueError, match="teacher features"):
        SpeechPairs(records, cache, features[:3], 128)


def test_vocabulary_orders_by_frequency_and_maps_unknown_words():
    vocab = Vocabulary(["A red bird.", "a blue bird", "bird"])
    assert vocab.words == ["<pad>", "<unk>", "bird", "a", "blue", "red"]
    assert vocab.encode("A green bird!") == [3, 1, 2]
    assert vocab.encode("") == vocab.encode(" ... ") == [1]              # an empty transcript: one unknown word


def test_text_pairs_pad_and_pick_among_each_images_captions():
    ds = TextPairs([[[2, 3, 4]], [[5], [6, 7]]], [0, 1], None, max_len=4)
    item = ds[0]
    assert item["tokens"].tolist() == [2, 3, 4, 0] and item["n_tokens"] == 3
    torch.manual_seed(0)
    assert {int(ds[1]["n_tokens"]) for _ in range(20)} == {1, 2}
    with pytest.raises(ValueError, match="at least one caption"):
        TextPairs([[]], [0], None, 4)


def test_text_encoder_means_over_real_words_only():
    torch.manual_seed(0)
    model = TextEncoder(10, embedding_dim=8, word_dim=4).eval()
    tokens = torch.tensor([[2, 3, 0, 0], [2, 3, 5, 6]])
    out = model(tokens, torch.tensor([2, 4]))
    assert out.shape == (2, 8)
    torch.testing.assert_close(out[0], model(tokens[:1, :2], torch.tensor([2]))[0])   # padding changes nothing


def test_embed_tokens_matches_one_at_a_time():
    torch.manual_seed(0)
    model = TextEncoder(10, embedding_dim=8, word_dim=4)
    ids = [[[2, 3], [4, 5, 6]], [[7], [8, 9, 2]]]
    out = embed_tokens(model, ids, batch_size=3)
    assert out.shape == (2, 2, 8)
    torch.testing.assert_close(out[1, 1], model(torch.tensor([[8, 9, 2]]), torch.tensor([3]))[0])


def test_embed_speech_gives_every_caption_of_every_image(speech_data):
    records, cache, _ = speech_data
    torch.manual_seed(0)
    model = SpeechEncoder(embedding_dim=16, width=0.125)
    out = embed_speech(model, records, cache, 128, batch_size=5, progress=False)
    assert out.shape == (len(records), 3, 16)
    torch.testing.assert_close(out[2, 1], out[2, 0])          # the bad caption is its neighbour's embedding
    assert not torch.allclose(out[2, 2], out[2, 0])


def test_classifier_baseline_maps_any_label_ids_to_its_classes():
    model = ClassifierEncoder(TextEncoder(10, embedding_dim=8, word_dim=4), classes=[7, 3, 12])
    assert model.targets(torch.tensor([3, 12, 7])).tolist() == [0, 2, 1]
    batch = {"tokens": torch.tensor([[2, 3], [4, 0]]), "n_tokens": torch.tensor([2, 1]),
             "label": torch.tensor([12, 3])}
    loss, logs = classifier_step(model, batch)
    assert loss.item() == pytest.approx(torch.log(torch.tensor(3.0)).item(), abs=0.3) and "train_acc" in logs


def test_text_encoder_learns_with_tsl(tmp_path):
    torch.manual_seed(0)
    features = torch.randn(6, 1, 8)
    ds = TextPairs([[[2 + i, 3]] for i in range(6)], [0, 0, 1, 1, 2, 2], features, max_len=3)
    config = EncoderTrainConfig(epochs=60, batch_size=6, lr=1e-2, lr_step_epochs=100)
    history = train_encoder(TextEncoder(10, 8, 4), ds, tsl_step(), tmp_path, config, progress=False)
    assert history[-1]["loss"] < 0.5 * history[0]["loss"]
    assert history[-1]["jel"] < 0.5 * history[0]["jel"] and history[-1]["kdl"] < 0.5 * history[0]["kdl"]


def test_gradient_balance_reports_each_weighted_term(speech_data):
    records, cache, features = speech_data
    torch.manual_seed(0)
    model = SpeechEncoder(embedding_dim=16, width=0.125)
    batch = torch.utils.data.default_collate([SpeechPairs(records, cache, features, 128)[i] for i in range(6)])
    norms = gradient_balance(model, batch)
    assert list(norms) == ["jel (x1)", "norm (x5)", "kdl (x1000)"]
    assert all(v["embedding"] > 0 and v["parameters"] > 0 for v in norms.values())
    halved = gradient_balance(model, batch, TSLConfig(lambda_kdl=500.0))["kdl (x500)"]
    assert halved["embedding"] == pytest.approx(norms["kdl (x1000)"]["embedding"] / 2, rel=1e-4)
    assert halved["parameters"] == pytest.approx(norms["kdl (x1000)"]["parameters"] / 2, rel=1e-4)


def test_gradient_balance_embedding_gradient_of_the_norm_term_by_hand():
    # A model whose embedding is a fixed tensor: d(5 * L1(s/|s|, v/|v|))/ds can be checked against autograd
    class Fixed(nn.Module):
        def __init__(self, value):
            super().__init__()
            self.value = nn.Parameter(value)

        def forward(self, tokens, n_tokens):
            return self.value * 1.0

    speech = torch.tensor([[1.0, 2.0], [3.0, -1.0]])
    image = torch.tensor([[0.5, 0.0], [1.0, 1.0]])
    batch = {"tokens": None, "n_tokens": None, "image_feature": image, "label": torch.tensor([0, 1])}
    norms = gradient_balance(Fixed(speech.clone()), batch)
    s = speech.clone().requires_grad_(True)
    (5 * torch.nn.functional.l1_loss(s / s.norm(), image / image.norm())).backward()
    assert norms["norm (x5)"]["embedding"] == pytest.approx(float(s.grad.norm()), rel=1e-6)
    assert norms["norm (x5)"]["parameters"] == pytest.approx(float(s.grad.norm()), rel=1e-6)


def test_profiles_use_the_authors_views_and_schedule_at_paper():
    paper, default = get_profile("paper"), get_profile("default")
    assert paper.teacher.view_set == "ten" and paper.teacher.crop == 224
    assert encoder_train_config(paper.encoder).lr_step_epochs == 200          # the authors' StepLR
    assert encoder_train_config(paper.encoder).epochs == 1000 and paper.encoder.batch_size == 64
    assert encoder_train_config(default.encoder).lr_step_epochs == default.encoder.epochs // 5
    assert encoder_train_config(default.encoder, train_seed=7).seed == 7
    constant = encoder_train_config(default.encoder, schedule="constant")
    assert constant.lr_step_epochs > constant.epochs                          # StepLR never fires: a constant rate
    assert constant.lr == encoder_train_config(default.encoder).lr == 1e-3   # the authors' Adam rate
    assert paper.encoder.classifier_schedule == "authors"                    # the paper profile stays faithful
    assert default.encoder.classifier_schedule == "authors-lr3e-4"           # chosen on validation classes
    low = encoder_train_config(default.encoder, schedule="authors-lr3e-4")
    assert low.lr == 3e-4 and low.lr_step_epochs == default.encoder.epochs // 5    # only the initial rate differs
    with pytest.raises(ValueError, match="schedule"):
        encoder_train_config(default.encoder, schedule="cosine")
