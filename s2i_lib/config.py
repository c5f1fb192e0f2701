"""Profiles (smoke / default / paper): one object per name holding every stage's sizes, and the artifacts folder.

A profile fixes every size that trades fidelity for time. `paper` is the paper's and the authors' setting
(paper Sec. IV-E and V; docs/authors-code.md#6 and #8, docs/stackgan-v2.md#3), adjusted per data set as the
paper's Sec. V says (Oxford-102: 100K GAN iterations; Places: 128x128 from two branches). `default` is sized
for a 2-core CPU; `smoke` runs every notebook in about a minute. Resolve a profile once with `get_profile`
and pass the object on: `prepare` carries it in `PreparedData.profile`, and a run's stored config is the
part of it that the run uses (`pipeline.runs`).
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILTIN_DATASETS = ("birds", "flowers")
REAL_DATASETS = ("cub", "oxford", "places")
SHARED_CLASS_DATASETS = ("places",)   # train and test share their classes (the seven Places scenes)
TRAIN_SEED = 1234          # the default training seed of every stage (`train_seed` in notebooks, CLI and make)
TIME_REDUCTION = 64        # the speech encoder's time downsampling (its convs' strides); fbank lengths are multiples of it


@dataclass(frozen=True)
class DataSizes:
    classes_per_split: dict | None   # {"train": n, "test": n} subset of the built-in classes; None = all
    images_per_class: dict           # built-in kind -> images rendered per class
    image_size: int                  # side of the stored built-in images
    target_length: int               # fbank frames every utterance is padded / cut to (multiple of 64)
    captions_per_image: int = 10


@dataclass(frozen=True)
class TeacherSizes:
    """The image encoder whose features the students learn (docs/authors-code.md#4)."""
    teacher: str = "frozen"          # "frozen" ImageNet EfficientNet-Lite0, or "finetuned" on the train classes
    view_set: str = "ten"            # views per image: "ten" (authors) or "centre+flip"
    crop: int = 224                  # side of each view
    finetune_epochs: int = 6


@dataclass(frozen=True)
class EncoderSizes:
    """Speech, classifier-based and text encoders (docs/authors-code.md#3 and #6)."""
    speech_width: float = 1.0        # conv channel multiplier of the speech encoder
    epochs: int = 1000
    text_epochs: int = 1000
    batch_size: int = 64
    asr_per_image: int | None = None  # captions per image transcribed for the two-stage system (None = all)
    classifier_schedule: str = "authors"  # the classifier baseline's learning rate, one of
                                          # pipeline.encoders.SCHEDULES ("authors": Adam 1e-3, StepLR halving
                                          # five times over the run)
    two_stage: str = "retrained"     # the two-stage system (pipeline.transcripts.TWO_STAGE_READINGS): "retrained" on
                                     # transcripts of the training speech (the paper's), or "pipeline": the
                                     # recogniser in front of the text system's encoder and GAN
    speech_augment: str = "none"     # the speech encoders' training spectrograms (data.augment.AUGMENTS): "none"
                                     # is the authors'; the others are for voices unheard in training
    skip_voices: tuple[str, ...] = ()  # training captions of these voices are never drawn (validation only)


@dataclass(frozen=True)
class GANSizes:
    """StackGAN-v2 (docs/stackgan-v2.md#2-3, docs/authors-code.md#8)."""
    branches: int = 3
    base_size: int = 64              # side of the first branch's images
    gf_dim: int = 64
    df_dim: int = 64
    iterations: int = 220_000        # the authors' netG_220000
    batch_size: int = 24
    amp: bool | str | None = None    # autocast (bf16); None / "native": timed against fp32 on CUDA / where native
    sample_every: int = 2000
    snapshot_every: int = 2000
    log_every: int = 100

    def architecture(self) -> dict:
        """The GANConfig fields this profile sets (embedding_dim comes from the encoder)."""
        return {"branches": self.branches, "base_size": self.base_size, "gf_dim": self.gf_dim, "df_dim": self.df_dim}


@dataclass(frozen=True)
class EvalSizes:
    """Table II's evaluation (`pipeline.evaluate`) and the built-in data set's attribute scorer."""
    scorer_size: int = 32
    scorer_epochs: int = 15
    captions_per_image: int | None = None   # test captions generated from per image (None = all, the authors')
    bootstrap_reps: int = 50                # resamples of the test images for FID's and accuracies' errors
    kid_subsets: int = 100
    kid_subset_size: int = 1000
    score_size: int = 64                    # the in-domain score's classifier: input side and fine-tuning epochs
    score_epochs: int = 5


@dataclass(frozen=True)
class RobustnessSizes:
    """Table III's offline stand-in (`pipeline.degraded`, `study.standin`): held-out-voice test utterances (one per test image, for
    at most `images` images) degraded by each noise at each SNR and by reverberation of each RT60."""
    images: int = 100
    noises: tuple[str, ...] = ("pink", "babble")
    snrs_db: tuple[float, ...] = (20.0, 10.0, 0.0)
    rt60s_s: tuple[float, ...] = (0.8,)


@dataclass(frozen=True)
class AblationSizes:
    """Tables IV and V and Fig. 5 (`study.table4`, `study.table5`, `study.figures`)."""
    sweep_lambda_norm: tuple[float, ...] = (0.5, 50.0)     # Table IV's encoder-level weight sweep: each value
    sweep_lambda_kdl: tuple[float, ...] = (100.0, 10000.0)  # replaces the paper's 5 / 1000, the others kept
    sweep_epochs: int = 0            # the sweep's encoder epochs (0: the profile's; the paper's weights are
                                     # retrained at the same schedule as the sweep's reference)
    scale_base_size: int = 0         # Table V: the first branch's side (0: the profile's GAN base size)
    interpolation_pairs: int = 200   # Fig. 5's monotonicity: caption pairs whose paths are scored
    interpolation_steps: int = 9     # alpha = 0, 1/8, ..., 1 (paper Sec. V-C)


@dataclass(frozen=True)
class Profile:
    name: str
    data: DataSizes
    teacher: TeacherSizes = field(default_factory=TeacherSizes)
    encoder: EncoderSizes = field(default_factory=EncoderSizes)
    gan: GANSizes = field(default_factory=GANSizes)
    eval: EvalSizes = field(default_factory=EvalSizes)
    robustness: RobustnessSizes = field(default_factory=RobustnessSizes)
    ablation: AblationSizes = field(default_factory=AblationSizes)

    def as_dict(self) -> dict:
        return asdict(self)


PROFILES = {
    "smoke": Profile(
        "smoke", DataSizes({"train": 6, "test": 3}, {"birds": 4, "flowers": 4}, 64, 768),
        TeacherSizes(view_set="centre+flip", crop=64, finetune_epochs=1),
        EncoderSizes(speech_width=0.125, epochs=2, text_epochs=2, batch_size=16, asr_per_image=1,
                     classifier_schedule="authors-lr3e-4", two_stage="pipeline"),
        GANSizes(branches=2, base_size=32, gf_dim=8, df_dim=8, iterations=12, batch_size=8, sample_every=6,
                 snapshot_every=6, log_every=3),
        EvalSizes(scorer_epochs=15, captions_per_image=1, bootstrap_reps=5, score_size=32, score_epochs=1),
        RobustnessSizes(images=3, snrs_db=(0.0,)),
        AblationSizes(sweep_lambda_norm=(50.0,), sweep_lambda_kdl=(10000.0,), sweep_epochs=1, scale_base_size=16,
                      interpolation_pairs=8)),
    # `default` GAN: one 32-px branch, gf = df = 32, batch 32, bf16 or fp32 by a timing where the device has bf16
    # (AMX, AVX-512-BF16, CUDA; emulated bf16 on an AVX2 CPU was 21x slower than fp32: docs/deviations.md); its
    # images follow the condition on unseen classes from ~2,000 iterations and the gain slows after ~3,000
    # (results/birds/default/README.md).
    "default": Profile(
        "default", DataSizes(None, {"birds": 20, "flowers": 30}, 128, 768),
        TeacherSizes(view_set="centre+flip", crop=160, finetune_epochs=2),
        EncoderSizes(speech_width=0.25, epochs=50, text_epochs=50, asr_per_image=1,
                     classifier_schedule="authors-lr3e-4",     # chosen on validation classes (docs/running.md)
                     two_stage="pipeline"),                    # no ASR of training speech (docs/deviations.md)
        GANSizes(branches=1, base_size=32, gf_dim=32, df_dim=32, iterations=5000, batch_size=32, amp="native",
                 sample_every=500, snapshot_every=500, log_every=50),
        EvalSizes(captions_per_image=1), RobustnessSizes(images=100),
        AblationSizes(sweep_epochs=10, scale_base_size=16)),
    # CUB has 11,788 images in 200 classes (~59 each), Oxford-102 8,189 in 102 (~80); the authors pad to 2048.
    "paper": Profile("paper", DataSizes(None, {"birds": 59, "flowers": 80}, 256, 2048),
                     gan=GANSizes(snapshot_every=5000, sample_every=5000),
                     robustness=RobustnessSizes(images=1000, snrs_db=(20.0, 10.0, 5.0, 0.0))),
}

# The paper's Sec. V per data set: Oxford-102's generators train 100K iterations; Places-Subset is generated at
# 128x128 (two branches). Built-in flowers follow Oxford-102, built-in birds CUB-200.
PAPER_PER_DATASET = {
    "oxford": {"iterations": 100_000},
    "flowers": {"iterations": 100_000},
    "places": {"branches": 2},
}


def get_profile(name: str, dataset: str | None = None) -> Profile:
    """The profile called `name`, with the paper's per-data-set GAN settings applied for `paper`."""
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose one of {sorted(PROFILES)}")
    profile = PROFILES[name]
    if name == "paper" and dataset in PAPER_PER_DATASET:
        profile = replace(profile, gan=replace(profile.gan, **PAPER_PER_DATASET[dataset]))
    return profile


def results_dir(dataset: str, profile: str) -> Path:
    """Where tables, figures and executed notebooks go: `$S2I_RESULTS` or <repo>/results, then dataset/profile."""
    return Path(os.environ.get("S2I_RESULTS", REPO_ROOT / "results")) / dataset / profile


def artifacts_dir(dataset: str, profile: str) -> Path:
    """Ignored folder for everything regenerable: `$S2I_ARTIFACTS` or <repo>/artifacts, then dataset/profile."""
    base = Path(os.environ.get("S2I_ARTIFACTS", REPO_ROOT / "artifacts"))
    return base / dataset / profile


def captions(n: int | None) -> str:
    return "every caption" if n is None else "1 caption" if n == 1 else f"{n} captions"


# How the profile table words a GAN's precision policy (`GANSizes.amp`).
PRECISION_WORDS = {True: "bf16", False: "fp32", None: "on CUDA the faster of fp32 and bf16 + channels-last (timed at "
                                                     "the start), else fp32",
                   "native": "where bf16 is native (CUDA, AMX, AVX-512-BF16) the faster of fp32 and bf16 (timed at "
                             "the start), else fp32"}


def profile_table() -> str:
    """The README's profile table: every stage's sizes of every profile (tests check that the README holds it)."""
    rows = {
        "data": lambda p: ((f"{p.data.classes_per_split['train']} train + {p.data.classes_per_split['test']} test"
                            if p.data.classes_per_split else "all") + " classes, images per class "
                           + ", ".join(f"{k} {v}" for k, v in p.data.images_per_class.items())
                           + f"; {p.data.image_size} px; utterances cut / padded to {p.data.target_length} frames"),
        "teacher": lambda p: f"{p.teacher.teacher}; views {p.teacher.view_set} at {p.teacher.crop} px",
        "encoders": lambda p: (f"speech width x{p.encoder.speech_width:g}; {p.encoder.epochs} epochs (text "
                               f"{p.encoder.text_epochs}), batch {p.encoder.batch_size}; ASR captions per image "
                               f"{p.encoder.asr_per_image or 'all'}; classifier baseline's learning rate: "
                               f"{p.encoder.classifier_schedule}; two-stage: {p.encoder.two_stage}"),
        "GAN": lambda p: (f"{p.gan.branches} branch{'es' if p.gan.branches > 1 else ''} from {p.gan.base_size} px, gf = df = {p.gan.gf_dim}; "
                          f"{p.gan.iterations:,} iterations, batch {p.gan.batch_size}; "
                          f"{PRECISION_WORDS[p.gan.amp]}"),
        "evaluation": lambda p: (f"images from {captions(p.eval.captions_per_image)} per test image; "
                                 f"{p.eval.bootstrap_reps} bootstrap resamples; KID {p.eval.kid_subsets} subsets "
                                 f"of up to {p.eval.kid_subset_size}; in-domain score's classifier {p.eval.score_size} "
                                 f"px, {p.eval.score_epochs} epochs; attribute scorer {p.eval.scorer_size} px, "
                                 f"{p.eval.scorer_epochs} epochs"),
        "Table III stand-in": lambda p: (f"{p.robustness.images} held-out-voice test utterances; "
                                         f"{', '.join(p.robustness.noises)} noise at "
                                         f"{', '.join(f'{x:g}' for x in p.robustness.snrs_db)} dB SNR; reverberation "
                                         f"RT60 {', '.join(f'{x:g}' for x in p.robustness.rt60s_s)} s"),
        "Tables IV, V, Fig. 5": lambda p: (f"weight sweep lambda_norm {', '.join(f'{x:g}' for x in p.ablation.sweep_lambda_norm)}"
                                           f", lambda_KDL {', '.join(f'{x:g}' for x in p.ablation.sweep_lambda_kdl)} at "
                                           f"{p.ablation.sweep_epochs or p.encoder.epochs} epoch(s); scales from "
                                           f"{p.ablation.scale_base_size or p.gan.base_size} px; "
                                           f"{p.ablation.interpolation_pairs} interpolation paths of "
                                           f"{p.ablation.interpolation_steps} steps"),
    }
    names = list(PROFILES)
    lines = ["| stage | " + " | ".join(f"`{n}`" for n in names) + " |", "|---" * (len(names) + 1) + "|"]
    lines += [f"| {stage} | " + " | ".join(describe(PROFILES[n]) for n in names) + " |"
              for stage, describe in rows.items()]
    return "\n".join(lines)


def shown(path: str | Path) -> str:
    """`path` relative to the repository when it lies inside it, or written `$S2I_ARTIFACTS/...` when it lies
    in an artifacts folder set by that variable, so that printed paths (and the committed notebooks' outputs)
    hold no machine-specific prefix."""
    path = Path(path).resolve()
    bases = [("", REPO_ROOT)]
    if os.environ.get("S2I_ARTIFACTS"):
        bases.insert(0, ("$S2I_ARTIFACTS/", Path(os.environ["S2I_ARTIFACTS"]).resolve()))
    for prefix, base in bases:
        if path.is_relative_to(base):
            return prefix + str(path.relative_to(base))
    return str(path)
