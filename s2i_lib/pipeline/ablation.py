"""Table IV's encoder side (paper Sec. V-A): the loss variants of the speech encoder, trained in keyed runs, their
unseen-class retrieval (`metrics.retrieval.retrieval_estimates`), each weighted term's gradient to the speech
embeddings (`gradient_rows`) and an encoder-level sweep of the loss weights (`weight_sweep`).

The paper says the weights 5 / 1 / 1000 make the gradients to the speech embedding "of similar scale"
(Sec. V-A); `gradient_rows` measures each term's gradient on one seeded training batch, at initialisation and
after each variant's training, and `weight_sweep` retrains the encoder with other L_norm and KDL weights (at
`AblationSizes.sweep_epochs`) to show whether the weights matter here, at the encoder level only.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace

import torch

from ..config import TRAIN_SEED
from ..data.prepare import PreparedData
from ..losses.tsl import TSLConfig
from ..metrics.retrieval import retrieval_estimates
from ..metrics.uncertainty import Estimate
from .encoders import embed_speech, gradient_balance, initial_gradient_balance, train_speech_encoder, training_batch
from .runs import Run
from .systems import build_system
from .teacher import TeacherFeatures

LOSS_VARIANTS = {"norm": TSLConfig(jel=False, kdl=False), "norm+jel": TSLConfig(kdl=False), "tsl": TSLConfig()}


def variant_tsl(variant: str) -> TSLConfig:
    if variant not in LOSS_VARIANTS:
        raise ValueError(f"unknown loss variant {variant!r}; choose one of {', '.join(LOSS_VARIANTS)}")
    return LOSS_VARIANTS[variant]


def train_variant(data: PreparedData, variant: str, teacher: TeacherFeatures, train_seed: int = TRAIN_SEED,
                  device: str = "cpu", progress: bool = True):
    """The speech encoder of `variant` trained (or reused) with the profile's schedule, and its caption
    embeddings of both splits exported (`build_system`); "tsl" is Table II's run."""
    return build_system(data, "tsl", teacher, variant_tsl(variant), train_seed, device=device, progress=progress)


def test_retrieval(data: PreparedData, encoder_run: Run, embed: Callable[[], torch.Tensor],
                   teacher: TeacherFeatures, seed: int = 0) -> dict[str, Estimate]:
    """Unseen-class retrieval of an encoder's test embeddings (N, K, D), made by `embed()` when not yet
    measured, against the teacher's test features (`retrieval_estimates`); kept in a keyed run."""
    reps = data.profile.eval.bootstrap_reps
    run = Run("retrieval", encoder_run.name, {"encoder": encoder_run.key, "teacher": teacher.run.key, "reps": reps,
                                              "seed": seed}, data.artifacts)

    labels = torch.tensor([r.label for r in data.records["test"]])
    return run.measured("measures.pt", lambda: retrieval_estimates(embed(), labels, teacher.features["test"].mean(1),
                                                                   reps, seed), "measuring the retrieval again")


def gradient_rows(data: PreparedData, teacher: TeacherFeatures, encoders: dict[str, torch.nn.Module],
                  train_seed: int = TRAIN_SEED) -> list[dict]:
    """Per encoder state ("initialisation": notebook 01's `initial_gradient_balance`, then each trained
    variant's) the L2 norm of each weighted term's gradient (JEL, 5 * L_norm, 1000 * L_KDL, whether or not the
    variant trained with it) with respect to the speech embeddings of one seeded training batch
    (`encoders.gradient_balance`), and each term's ratio to JEL's. The trained encoders are copied: a
    train-mode pass would move their BatchNorm statistics."""
    def row(state: str, norms: dict[str, dict[str, float]]) -> dict:
        jel = next(v["embedding"] for k, v in norms.items() if k.startswith("jel"))
        return {"encoder": state, **{k: f"{v['embedding']:.3g}" for k, v in norms.items()},
                **{f"{k.split(' ')[0]} / jel": f"{v['embedding'] / jel:.3g}" for k, v in norms.items()
                   if not k.startswith("jel")}}

    rows = [row("initialisation", initial_gradient_balance(data, teacher, train_seed=train_seed))]
    batch = training_batch(data, teacher, train_seed)
    return rows + [row(state, gradient_balance(copy.deepcopy(model).cpu(), batch)) for state, model in encoders.items()]


def sweep_configs(data: PreparedData) -> dict[str, TSLConfig]:
    """The encoder-level weight sweep: the paper's weights, then each `sweep_lambda_norm` and
    `sweep_lambda_kdl` value replacing one weight (the other terms as the paper's)."""
    sizes = data.profile.ablation
    configs = {"paper's 5 / 1 / 1000": TSLConfig()}
    configs |= {f"lambda_norm {w:g}": TSLConfig(lambda_norm=w) for w in sizes.sweep_lambda_norm}
    configs |= {f"lambda_KDL {w:g}": TSLConfig(lambda_kdl=w) for w in sizes.sweep_lambda_kdl}
    return configs


def weight_sweep(data: PreparedData, teacher: TeacherFeatures, *, train_seed: int = TRAIN_SEED, seed: int = 0,
                 device: str = "cpu", progress: bool = True) -> dict[str, dict[str, Estimate]]:
    """Unseen-class retrieval of speech encoders trained with each of `sweep_configs` for
    `AblationSizes.sweep_epochs` epochs (0: the profile's), each in its keyed encoder run (resumable)."""
    epochs = data.profile.ablation.sweep_epochs or data.profile.encoder.epochs
    sizes = replace(data.profile.encoder, epochs=epochs)
    out = {}
    for name, tsl in sweep_configs(data).items():
        encoder = train_speech_encoder("tsl", data, teacher, tsl, train_seed, device, progress, sizes)
        out[name] = test_retrieval(data, encoder.run, lambda e=encoder: embed_speech(
            e.model, data.records["test"], data.fbanks, data.profile.data.target_length, progress=False), teacher, seed)
        print(f"sweep {name}: {epochs} epochs, run {encoder.run.folder.name}; R@10 {out[name]['R@10']}", flush=True)
    return out
