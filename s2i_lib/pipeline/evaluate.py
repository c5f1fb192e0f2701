"""Table II's measures of one GAN on the unseen test classes, each with its uncertainty, in a keyed run.

Protocol (docs/evaluation.md#4; the profile's `eval` sizes):
- one evaluation draw for every system and measure (`evaluation_captions`): `captions_per_image` seeded test
  captions per test image (`None`: every caption, the authors' protocol) among those the recogniser
  transcribes, so that two-stage is scored on its transcript of the very utterance the others hear;
- generated side: the EMA generator makes one image (largest branch, seeded noise) per drawn caption;
- real side: every test image, resized (antialiased) to the generator's resolution, as uint8 pixels like the
  generated PNGs, so both sides reach the FID network the same way (/ 255, then pytorch-fid's resize);
- FID (TF Inception pool3 through pytorch-fid's preprocessing) with the standard deviation over bootstrap
  resamples of the test images (each resample takes an image's real features and all its generated ones); the
  Fréchet distance is pytorch-fid's formula computed through an SVD (`metrics.fid.fid_by_singular_values`:
  equal to pytorch-fid's to 1e-6 where its 2048-d `sqrtm` is well conditioned, and exact with fewer than
  2,048 images, where that `sqrtm` is singular and can fail); KID with its standard deviation over random
  subsets of at most half the images (`kid_estimate`);
- for ours, the same with shuffled conditions ("FID shuffled", "KID shuffled", "score shuffled", ...: each
  image's captions replaced by another image's, the same noise), the control of a generator that ignores its
  input: FID, KID and the score see the image distribution only;
- the in-domain score (`score_classifier`, `metrics.inception_score`: NOT comparable to published IS) of the
  matched images, mean ± std over 10 splits;
- R-precision (AttnGAN's, R = 100; docs/evaluation.md#5): each generated image's teacher feature against the
  text system's embedding of the caption it was made from and of 99 captions of other test images
  (`caption_matcher`), with a bootstrap error over the test images; the real test images shown with the same
  captions are its ceiling;
- on the built-in data set, spoken-attribute accuracy of the same matched and shuffled images and of the real
  images, each scored on the attributes its caption spoke (`attribute_estimate`), with bootstrap errors over the
  test images.
The real test images' own row (`real_reference`) compares two random halves of the test images: the floor of
FID / KID at half the sample size; its in-domain score is of the fifth of the test images its classifier never
trained on; the scorer's ceiling on the spoken attributes is part of every GAN's measures ("attributes real").

The judges (the score's classifier, the attribute scorer, R-precision's caption matcher) are trained once per data
set and machine with `JUDGE_SEED`, whatever seed trained the judged system: a further training seed measured where
their runs are does not train them again, and each seed's record keeps which trainings judged it
(`judges_trained_by`, docs/statistics.md#2).
"""
from __future__ import annotations

from dataclasses import asdict

import numpy as np
import torch
from torch import Tensor

from ..config import TRAIN_SEED
from ..data.dataset import load_image_tensor
from ..data.prepare import PreparedData
from ..generate import generate
from ..metrics.attributes import AttributeClassifier
from ..metrics.fid import PROTOCOL, fid_by_singular_values, fid_features
from ..metrics.inception_score import (InDomainClassifier, class_probabilities, classifier_accuracy,
                                       fine_tune_classifier, inception_score)
from ..metrics.kid import kid
from ..metrics.semantic import pooled_accuracy, r_precision_hits, spoken_attribute_hits
from ..metrics.uncertainty import Estimate, bootstrap_error
from ..models.stackgan import Generator
from ..models.teachers import ImageTeacher, teacher_features
from .gan import GANRun, attribute_scorer, attribute_scorer_run, derangement, spoken_targets
from .runs import Run
from .systems import System, build_systems, transcribed_captions
from .teacher import teacher_network, teacher_sizes

JUDGE_SEED = TRAIN_SEED         # the training seed of every judge, shared by every judged training seed


def real_test_images(data: PreparedData, image_size: int) -> torch.Tensor:
    """The test images resized (antialiased) to `image_size`, as the resize's uint8 pixels (N, 3, H, W), the
    form generated images take (`generate.to_uint8`)."""
    return ((load_image_tensor(data.records["test"], image_size) + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)


def real_test_features(data: PreparedData, image_size: int, device: str = "cpu", progress: bool = True) -> np.ndarray:
    """FID features (N, 2048) of the real test images at `image_size`, uint8-quantised as generated images;
    kept in a keyed run (one per data set, resolution and FID protocol)."""
    run = Run("fid_real", "test", {"data": data.identity(("images",)), "image_size": image_size, "protocol": PROTOCOL},
              data.artifacts)

    def compute() -> dict:
        images = real_test_images(data, image_size).float() / 255
        return {"features": torch.from_numpy(fid_features(images, device=device, progress=progress))}
    state = run.computed("features.pt", compute, lambda state: {"images": len(state["features"])},
                         "computing the real features again")
    return state["features"].numpy()


def score_held_out(data: PreparedData) -> torch.Tensor:
    """(N,) bool: the test images the score's classifier never trains on, every fifth image of each class."""
    seen, held = {}, []
    for r in data.records["test"]:
        seen[r.label] = seen.get(r.label, 0) + 1
        held.append(seen[r.label] % 5 == 0)
    return torch.tensor(held)


def score_classifier_run(data: PreparedData, train_seed: int = TRAIN_SEED) -> Run:
    """The keyed run of the in-domain score's classifier (`score_classifier`)."""
    sizes = data.profile.eval
    return Run("score_classifier", "efficientnet-lite0",
               {"data": data.identity(("images",)), "image_size": sizes.score_size, "epochs": sizes.score_epochs,
                "train_seed": train_seed}, data.artifacts)


def judges_trained_by(data: PreparedData) -> dict[str, str]:
    """Which training of each judge of `JUDGE_SEED` exists now (`Run.trained_by`): the score's classifier,
    R-precision's caption matcher (the text system's encoder) and, on the built-in data set, the attribute
    scorer. A seed's record keeps it, so that rows judged by two trainings of a judge are never paired
    (docs/statistics.md#2)."""
    runs = {"score classifier": score_classifier_run(data, JUDGE_SEED),
            "caption matcher": System.of(data, "text", encoder_seed=JUDGE_SEED).run}
    if data.builtin:
        runs["attribute scorer"] = attribute_scorer_run(data, JUDGE_SEED)
    return {name: run.trained_by() for name, run in runs.items() if run.done}


def score_classifier(data: PreparedData, train_seed: int = TRAIN_SEED, device: str = "cpu",
                     progress: bool = True) -> tuple[InDomainClassifier, float]:
    """The in-domain score's classifier (`metrics.inception_score`): ImageNet EfficientNet-Lite0 fine-tuned on
    the test classes' real images, as the paper's Inception-v3 was (docs/evaluation.md#1), on four of every five
    images of each class; returns it and its accuracy on the fifth (how far its score can be trusted). Kept in
    a keyed run."""
    sizes = data.profile.eval
    run = score_classifier_run(data, train_seed)
    test = data.records["test"]
    classes = sorted({r.label for r in test})
    labels = torch.tensor([classes.index(r.label) for r in test])
    held = score_held_out(data)

    def compute() -> dict:
        images = load_image_tensor(test, sizes.score_size)
        model = fine_tune_classifier(images[~held], labels[~held], sizes.score_epochs, image_size=sizes.score_size,
                                     seed=train_seed, device=device, progress=progress)
        accuracy = classifier_accuracy(model, images[held], labels[held]) if held.any() else float("nan")
        return {"model": model.state_dict(), "held_out_accuracy": accuracy}
    state = run.computed("classifier.pt", compute, lambda state: {"held_out_accuracy": state["held_out_accuracy"],
                                                                  "classes": len(classes)},
                         "fine-tuning the score's classifier again")
    model = InDomainClassifier(len(classes), sizes.score_size)
    model.load_state_dict(state["model"])
    return model.eval().to(device), state["held_out_accuracy"]


def score_estimate(model: InDomainClassifier, images: torch.Tensor, seed: int, splits: int = 10) -> Estimate:
    """The in-domain score of uint8 images (N, 3, H, W): mean and std over `splits` seeded splits (at most N;
    the ± is that std, the Inception Score's convention, not a standard error); NaN for fewer than 2 images."""
    if len(images) < 2:
        return Estimate(float("nan"), float("nan"))
    probs = class_probabilities(model, images.float() / 127.5 - 1, progress=False)
    return Estimate(*inception_score(probs, splits=min(splits, len(probs)), seed=seed))


def picked_captions(n_images: int, n_captions: int, per_image: int | None, seed: int) -> np.ndarray:
    """(N, k) caption indices per test image: all of them, or `per_image` drawn without replacement (seeded)."""
    if per_image is None or per_image >= n_captions:
        return np.tile(np.arange(n_captions), (n_images, 1))
    rng = np.random.default_rng([seed, 16])
    return np.stack([np.sort(rng.choice(n_captions, per_image, replace=False)) for _ in range(n_images)])


def fid_estimate(real: np.ndarray, fake: np.ndarray, reps: int, seed: int) -> Estimate:
    """FID of real (N, D) against fake (N, k, D) (k images per real one), bootstrap error over the N images."""
    value = fid_by_singular_values(real, fake.reshape(-1, fake.shape[-1]))
    error = bootstrap_error(lambda idx: fid_by_singular_values(real[idx], fake[idx].reshape(-1, fake.shape[-1])),
                            len(real), reps, seed)
    return Estimate(value, error)


def kid_estimate(real: np.ndarray, fake: np.ndarray, subsets: int, subset_size: int, seed: int) -> Estimate:
    """KID's mean over random subsets and their standard deviation (as KID's authors report it), with subsets
    of at most half the smaller set so that they differ (subsets of every image would all agree: std 0)."""
    size = max(2, min(subset_size, len(real) // 2, len(fake) // 2))
    result = kid(real, fake, subsets, size, seed)
    return Estimate(result.mean, result.std)


def evaluation_captions(data: PreparedData, seed: int) -> np.ndarray:
    """(N, k) caption numbers of the test utterances every system and measure is evaluated on: the profile's
    `captions_per_image` per image, drawn (seeded) among the captions the recogniser transcribes, so that the
    two-stage system is scored on its transcript of the very utterance the other systems hear
    (docs/statistics.md#5)."""
    heard = transcribed_captions(data, "test")
    picks = picked_captions(len(heard), heard.shape[1], data.profile.eval.captions_per_image, seed)
    return np.take_along_axis(heard, picks, 1)


def evaluation_conditions(data: PreparedData, gan: GANRun, seed: int) -> tuple[np.ndarray, Tensor]:
    """The evaluation's test captions (`evaluation_captions`, (N, k) caption numbers) and `gan`'s system's
    embeddings of them (N, k, D)."""
    numbers = evaluation_captions(data, seed)
    columns = [[list(row).index(k) for k in ks] for row, ks in zip(gan.system.caption_indices("test"), numbers)]
    embeddings = gan.embeddings.embeddings["test"]
    return numbers, embeddings[torch.arange(len(embeddings))[:, None], torch.as_tensor(columns)]


def fid_kid(data: PreparedData, real: np.ndarray, images: Tensor, seed: int, device: str = "cpu",
            progress: bool = True) -> tuple[Estimate, Estimate]:
    """FID and KID of generated uint8 images (N, k, 1, 3, H, W) against real test features (N, 2048)."""
    sizes = data.profile.eval
    n, k = images.shape[:2]
    fake = fid_features(images.reshape(n * k, *images.shape[-3:]).float() / 255, device=device, progress=progress)
    return (fid_estimate(real, fake.reshape(n, k, -1), sizes.bootstrap_reps, seed),
            kid_estimate(real, fake, sizes.kid_subsets, sizes.kid_subset_size, seed))


R_PRECISION_CANDIDATES = 100      # AttnGAN's R: the true caption against 99 mismatched ones


def caption_matcher(data: PreparedData, train_seed: int = TRAIN_SEED,
                    device: str = "cpu") -> tuple[ImageTeacher, Tensor]:
    """R-precision's judge: the teacher network (image side) and the text system's embeddings of every test
    caption (N, K, D), which TSL trained into the teacher's space (notebook 01's retrieval). The same judge for
    every system; it is the text system's own encoder, which favours the text and two-stage rows (docs/running.md).
    Trained here (`build_systems`) when the text system of `train_seed` is not."""
    sizes = teacher_sizes(data)
    net = teacher_network(data, sizes, train_seed, device, progress=False)
    text = System.of(data, "text", encoder_seed=train_seed)
    made = text.load() if text.run.done else build_systems(data, train_seed, ("text",), device=device,
                                                           progress=False)["text"]
    return net, made.embeddings["test"]


def r_precision_estimate(data: PreparedData, matcher: tuple[ImageTeacher, Tensor], images: torch.Tensor,
                         captions: np.ndarray, reps: int, seed: int) -> Estimate:
    """R-precision of uint8 images (N, k, 3, H, W), image i's j-th made from (or, for real images, shown with)
    its caption `captions[i, j]`: the teacher feature (mean over the profile's views) against the text
    embedding of that caption and of `R_PRECISION_CANDIDATES` - 1 captions of other images (cosine); error
    bootstrapped over the N images."""
    net, text = matcher
    n, k = captions.shape
    sizes = data.profile.teacher
    queries = teacher_features(net, flat(images).float() / 127.5 - 1, sizes.view_set, sizes.crop,
                               progress=False).mean(1)
    truth = text[torch.arange(n)[:, None], torch.as_tensor(captions)].reshape(n * k, -1)
    hits = r_precision_hits(queries, truth, R_PRECISION_CANDIDATES, seed,
                            groups=np.repeat(np.arange(n), k)).reshape(n, k).astype(np.float64)
    return Estimate(float(hits.mean()), bootstrap_error(lambda idx: hits[idx].mean(), n, reps, seed))


def evaluation_run(data: PreparedData, gan: GANRun, seed: int, shuffled_control: bool = True) -> Run:
    """Keyed by the GAN and the embeddings it is fed (the pipeline two-stage system shares the text GAN); what
    `evaluate_gan` measures is versioned by `runs.VERSIONS["evaluation"]`."""
    return Run("evaluation", gan.system.name, {"data": data.identity(), "gan": gan.run.key,
                                               "embeddings": gan.system.run.key, "seed": seed,
                                               "eval": asdict(data.profile.eval), "protocol": PROTOCOL,
                                               "shuffled_control": shuffled_control},
               data.artifacts)


def evaluate_gan(data: PreparedData, gan: GANRun, netG: Generator, *, seed: int = 0, device: str = "cpu",
                 progress: bool = True, shuffled_control: bool = True) -> dict[str, Estimate]:
    """FID and KID of `gan`'s generator `netG` on the test images (with `shuffled_control` also with shuffled
    conditions, and their in-domain score: Table II shows them for ours only), the in-domain score of the
    matched images, and (built-in data) spoken-attribute accuracy of matched, shuffled and real images
    ("attributes real"), each an `Estimate`, judged by the judges of `JUDGE_SEED`; reused from its keyed run
    when already measured."""
    return evaluation_run(data, gan, seed, shuffled_control).measured(
        "measures.pt", lambda: gan_measures(data, gan, netG, seed, device, progress, shuffled_control),
        "evaluating again")


def gan_measures(data: PreparedData, gan: GANRun, netG: Generator, seed: int, device: str, progress: bool,
                 shuffled_control: bool) -> dict[str, Estimate]:
    """`evaluate_gan`'s measures, computed."""
    sizes = data.profile.eval
    spoken, chosen = evaluation_conditions(data, gan, seed)                   # caption numbers, embeddings
    matched = generate(netG, chosen, seed=seed, device=device, progress=progress)       # (N, k, 1, 3, H, W)
    classifier, _ = score_classifier(data, JUDGE_SEED, device, progress)
    measures = {}
    real = real_test_features(data, matched.shape[-1], device, progress)
    matcher = caption_matcher(data, JUDGE_SEED, device)
    sets = {"": matched}
    if shuffled_control:
        sets[" shuffled"] = generate(netG, chosen[torch.as_tensor(derangement(len(chosen), seed))], seed=seed,
                                     device=device, progress=progress)
    for suffix, images in sets.items():
        measures[f"score{suffix}"] = score_estimate(classifier, flat(images), seed)
        measures[f"FID{suffix}"], measures[f"KID{suffix}"] = fid_kid(data, real, images, seed, device, progress)
        measures[f"R-precision{suffix}"] = r_precision_estimate(data, matcher, images, spoken,
                                                                 sizes.bootstrap_reps, seed)
    if data.builtin:
        scorer = attribute_scorer(data, JUDGE_SEED, progress)
        real_images = real_test_images(data, scorer.image_size)[:, None].expand(-1, spoken.shape[1], -1, -1, -1)
        scored = {"matched": matched, "shuffled": sets.get(" shuffled"), "real": real_images}
        measures.update({f"attributes {name}": attribute_estimate(data, scorer, images, spoken, seed)
                         for name, images in scored.items() if images is not None})
    return measures


def flat(images: Tensor) -> Tensor:
    """Images (N, k, ..., 3, H, W) as (N * k, 3, H, W), image by image."""
    return images.reshape(-1, *images.shape[-3:])


def attribute_estimate(data: PreparedData, scorer: AttributeClassifier, images: Tensor, spoken: np.ndarray,
                       seed: int) -> Estimate:
    """Spoken-attribute accuracy of uint8 images (N, k, ..., 3, H, W), image i's j-th scored on the attributes
    its caption `spoken[i, j]` spoke, pooled per test image (`metrics.semantic.pooled_accuracy`)."""
    targets = spoken_targets(data, "test")
    said = [targets[i][k] for i, row in enumerate(spoken) for k in row]
    hits = spoken_attribute_hits(scorer, flat(images).float() / 127.5 - 1, said)
    k = spoken.shape[1]
    per_image = [{(j, name): hit for j in range(k) for name, hit in hits[i * k + j].items()} for i in range(len(spoken))]
    return pooled_accuracy(per_image, data.profile.eval.bootstrap_reps, seed)


def real_reference(data: PreparedData, image_size: int, *, seed: int = 0, device: str = "cpu",
                   progress: bool = True) -> dict[str, Estimate]:
    """FID and KID between two seeded random halves of the real test images at `image_size`: what a generator
    indistinguishable from the test images would score at half the sample size (FID is biased upward at small
    N, so this floor lies above 0); the in-domain score at `image_size` of the fifth of them its classifier
    never trained on (`score_held_out`); that classifier's accuracy on them (no error: one number, NaN when no
    image was held out); R-precision of the images shown with their captions."""
    real = real_test_features(data, image_size, device, progress)
    sizes = data.profile.eval
    order = np.random.default_rng([seed, 2]).permutation(len(real))
    a, b = real[order[:len(real) // 2]], real[order[len(real) // 2:2 * (len(real) // 2)]]
    classifier, accuracy = score_classifier(data, JUDGE_SEED, device, progress)
    images = real_test_images(data, image_size)
    picks = evaluation_captions(data, seed)
    shown = images[:, None].expand(-1, picks.shape[1], -1, -1, -1)
    held = score_held_out(data)         # split as close to a generated split's size as 2 to 10 splits allow
    splits = max(2, min(10, round(10 * int(held.sum()) / shown.shape[0] / shown.shape[1])))
    return {"FID": fid_estimate(a, b[:, None], sizes.bootstrap_reps, seed),
            "KID": kid_estimate(a, b, sizes.kid_subsets, sizes.kid_subset_size, seed),
            "score": score_estimate(classifier, images[held], seed, splits),
            "R-precision": r_precision_estimate(data, caption_matcher(data, JUDGE_SEED, device), shown, picks,
                                                sizes.bootstrap_reps, seed),
            "score classifier accuracy": Estimate(accuracy, float("nan"))}
