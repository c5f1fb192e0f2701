"""Table II's measures of one GAN on the unseen test classes, each with its uncertainty, in a keyed run.

Protocol (docs/evaluation.md#4; the profile's `eval` sizes):
- generated side: the EMA generator makes one image (largest branch, seeded noise) for each of
  `captions_per_image` seeded test captions per test image (`None`: every caption, the authors' protocol);
- real side: every test image, resized (antialiased) to the generator's resolution, as uint8 pixels like the
  generated PNGs, so both sides reach the FID network the same way (/ 255, then pytorch-fid's resize);
- FID (TF Inception pool3 through pytorch-fid's preprocessing) with the standard deviation over bootstrap
  resamples of the test images (each resample takes an image's real features and all its generated ones); the
  Fréchet distance is pytorch-fid's formula computed through an SVD (`metrics.fid.fid_by_singular_values`:
  equal to pytorch-fid's to 1e-6 where its 2048-d `sqrtm` is well conditioned, and exact with fewer than
  2,048 images, where that `sqrtm` is singular and can fail); KID with its standard deviation over random
  subsets of at most half the images (`kid_estimate`);
- for ours, the same with shuffled conditions ("FID shuffled", "KID shuffled": each image's captions replaced by
  another image's), the control of a generator that ignores its input: FID and KID see the image distribution
  only;
- the in-domain score (`score_classifier`, `metrics.inception_score`: NOT comparable to published IS) of the
  matched images, mean ± std over 10 splits;
- R-precision (AttnGAN's, R = 100; docs/evaluation.md#5): each generated image's teacher feature against the
  text system's embedding of the caption it was made from and of 99 captions of other test images
  (`caption_matcher`), with a bootstrap error over the test images; the real test images shown with the same
  captions are its ceiling;
- on the built-in data set, spoken-attribute accuracy of matched and shuffled conditions (`condition_hits`),
  with bootstrap errors over the test images.
The real test images' own row (`real_reference`) compares two random halves of the test images: the floor of
FID / KID at half the sample size; the scorer's ceiling on the spoken attributes is part of every GAN's
measures ("attributes real").
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
from ..metrics.fid import PROTOCOL, fid_by_singular_values, fid_features
from ..metrics.inception_score import (InDomainClassifier, class_probabilities, classifier_accuracy,
                                       fine_tune_classifier, inception_score)
from ..metrics.kid import kid
from ..metrics.semantic import r_precision_hits
from ..metrics.uncertainty import Estimate, bootstrap_error
from ..models.stackgan import Generator
from ..models.teachers import ImageTeacher, teacher_features
from .gan import GANRun, attribute_scorer, condition_hits, derangement, spoken_targets
from .runs import Run
from .systems import System
from .teacher import teacher_network, teacher_sizes


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


def score_classifier(data: PreparedData, train_seed: int = TRAIN_SEED, device: str = "cpu",
                     progress: bool = True) -> tuple[InDomainClassifier, float]:
    """The in-domain score's classifier (`metrics.inception_score`): ImageNet EfficientNet-Lite0 fine-tuned on
    the test classes' real images, as the paper's Inception-v3 was (docs/evaluation.md#1), on four of every five
    images of each class; returns it and its accuracy on the fifth (how far its score can be trusted). Kept in
    a keyed run."""
    sizes = data.profile.eval
    run = Run("score_classifier", "efficientnet-lite0",
              {"data": data.identity(("images",)), "image_size": sizes.score_size, "epochs": sizes.score_epochs,
               "train_seed": train_seed}, data.artifacts)
    test = data.records["test"]
    classes = sorted({r.label for r in test})
    labels = torch.tensor([classes.index(r.label) for r in test])
    seen, held = {}, []
    for r in test:                                       # every fifth image of each class is held out
        seen[r.label] = seen.get(r.label, 0) + 1
        held.append(seen[r.label] % 5 == 0)
    held = torch.tensor(held)

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


def score_estimate(model: InDomainClassifier, images: torch.Tensor, seed: int) -> Estimate:
    """The in-domain score of uint8 images (N, 3, H, W): mean and std over 10 seeded splits (at most N)."""
    probs = class_probabilities(model, images.float() / 127.5 - 1, progress=False)
    return Estimate(*inception_score(probs, splits=min(10, len(probs)), seed=seed))


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


def evaluation_conditions(data: PreparedData, gan: GANRun, seed: int) -> tuple[np.ndarray, Tensor]:
    """The evaluation's seeded test captions: (N, k) caption indices per test image and their embeddings
    (N, k, D) from `gan`'s system."""
    embeddings = gan.embeddings.embeddings["test"]
    picks = picked_captions(len(embeddings), embeddings.shape[1], data.profile.eval.captions_per_image, seed)
    return picks, embeddings[torch.arange(len(embeddings))[:, None], torch.as_tensor(picks)]


def fid_kid(data: PreparedData, real: np.ndarray, images: Tensor, seed: int, device: str = "cpu",
            progress: bool = True) -> tuple[Estimate, Estimate]:
    """FID and KID of generated uint8 images (N, k, 1, 3, H, W) against real test features (N, 2048)."""
    sizes = data.profile.eval
    n, k = images.shape[:2]
    fake = fid_features(images.reshape(n * k, *images.shape[-3:]).float() / 255, device=device, progress=progress)
    return (fid_estimate(real, fake.reshape(n, k, -1), sizes.bootstrap_reps, seed),
            kid_estimate(real, fake, sizes.kid_subsets, sizes.kid_subset_size, seed))


def hits_estimate(hits: list[dict[str, bool]], reps: int, seed: int) -> Estimate:
    """Pooled accuracy over every (image, spoken attribute) and its bootstrap error over the images."""
    correct = np.array([sum(h.values()) for h in hits], dtype=np.float64)
    spoken = np.array([len(h) for h in hits], dtype=np.float64)
    value = correct.sum() / spoken.sum()
    return Estimate(float(value), bootstrap_error(lambda idx: correct[idx].sum() / max(spoken[idx].sum(), 1),
                                                  len(hits), reps, seed))


R_PRECISION_CANDIDATES = 100      # AttnGAN's R: the true caption against 99 mismatched ones


def caption_matcher(data: PreparedData, train_seed: int = TRAIN_SEED,
                    device: str = "cpu") -> tuple[ImageTeacher, Tensor]:
    """R-precision's judge: the teacher network (image side) and the text system's embeddings of every test
    caption (N, K, D), which TSL trained into the teacher's space (notebook 01's retrieval). The same judge for
    every system; it is the text system's own encoder, which favours the text and two-stage rows (docs/running.md)."""
    sizes = teacher_sizes(data)
    net = teacher_network(data, sizes, train_seed, device, progress=False)
    return net, System.of(data, "text", encoder_seed=train_seed).load().embeddings["test"]


def r_precision_estimate(data: PreparedData, matcher: tuple[ImageTeacher, Tensor], images: torch.Tensor,
                         captions: np.ndarray, reps: int, seed: int) -> Estimate:
    """R-precision of uint8 images (N, k, 3, H, W), image i's j-th made from (or, for real images, shown with)
    its caption `captions[i, j]`: the teacher feature (mean over the profile's views) against the text
    embedding of that caption and of `R_PRECISION_CANDIDATES` - 1 captions of other images (cosine); error
    bootstrapped over the N images."""
    net, text = matcher
    n, k = captions.shape
    sizes = data.profile.teacher
    flat = images.reshape(n * k, *images.shape[-3:]).float() / 127.5 - 1
    queries = teacher_features(net, flat, sizes.view_set, sizes.crop, progress=False).mean(1)
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


def spoken_targets_of(data: PreparedData, system: System) -> list[list[dict[str, str]]]:
    """Per test image, the spoken attributes of the caption behind each of `system`'s embeddings (in the
    embeddings' order: the two-stage system's are of the transcribed captions only)."""
    targets = spoken_targets(data, "test")
    return [[targets[i][k] for k in row] for i, row in enumerate(system.caption_indices("test"))]


def evaluate_gan(data: PreparedData, gan: GANRun, netG: Generator, *, seed: int = 0, train_seed: int = TRAIN_SEED,
                 device: str = "cpu", progress: bool = True, shuffled_control: bool = True) -> dict[str, Estimate]:
    """FID and KID of `gan`'s generator `netG` on the test images (with `shuffled_control` also with shuffled
    conditions: Table II shows them for ours only), the in-domain score of the matched images, and (built-in
    data) spoken-attribute accuracy of matched, shuffled and real images ("attributes real"), each an
    `Estimate`; reused from its keyed run when already measured. `train_seed` is the score classifier's and the
    attribute scorer's."""
    return evaluation_run(data, gan, seed, shuffled_control).measured(
        "measures.pt", lambda: gan_measures(data, gan, netG, seed, train_seed, device, progress, shuffled_control),
        "evaluating again")


def gan_measures(data: PreparedData, gan: GANRun, netG: Generator, seed: int, train_seed: int, device: str,
                 progress: bool, shuffled_control: bool) -> dict[str, Estimate]:
    """`evaluate_gan`'s measures, computed."""
    sizes = data.profile.eval
    embeddings = gan.embeddings.embeddings["test"]
    picks, chosen = evaluation_conditions(data, gan, seed)
    matched = generate(netG, chosen, seed=seed, device=device, progress=progress)       # (N, k, 1, 3, H, W)
    n, k = matched.shape[:2]

    def flat(images: torch.Tensor) -> torch.Tensor:
        return images.reshape(n * k, *images.shape[-3:])

    classifier, _ = score_classifier(data, train_seed, device, progress)
    measures = {"score": score_estimate(classifier, flat(matched), seed)}
    real = real_test_features(data, matched.shape[-1], device, progress)
    matcher = caption_matcher(data, train_seed, device)
    spoken = np.take_along_axis(gan.system.caption_indices("test"), picks, 1)  # caption numbers
    sets = {"": matched}
    if shuffled_control:
        sets[" shuffled"] = generate(netG, chosen[torch.as_tensor(derangement(len(chosen), seed))], seed=seed,
                                     device=device, progress=progress)
    for suffix, images in sets.items():
        measures[f"FID{suffix}"], measures[f"KID{suffix}"] = fid_kid(data, real, images, seed, device, progress)
        measures[f"R-precision{suffix}"] = r_precision_estimate(data, matcher, images, spoken,
                                                                 sizes.bootstrap_reps, seed)
    if data.builtin:
        scorer = attribute_scorer(data, train_seed, progress)
        real_images = load_image_tensor(data.records["test"], scorer.image_size)
        hits = condition_hits(netG, scorer, embeddings, spoken_targets_of(data, gan.system), seed,
                              device, real_images)
        measures.update({f"attributes {name}": hits_estimate(h, sizes.bootstrap_reps, seed)
                         for name, h in hits.items()})
    return measures


def real_reference(data: PreparedData, image_size: int, *, seed: int = 0, train_seed: int = TRAIN_SEED,
                   device: str = "cpu", progress: bool = True) -> dict[str, Estimate]:
    """FID and KID between two seeded random halves of the real test images at `image_size`: what a generator
    indistinguishable from the test images would score at half the sample size (FID is biased upward at small
    N, so this floor lies above 0); the in-domain score of all of them at `image_size`; and the score
    classifier's accuracy on its held-out fifth (no error: one number, NaN when no image was held out)."""
    real = real_test_features(data, image_size, device, progress)
    sizes = data.profile.eval
    order = np.random.default_rng([seed, 2]).permutation(len(real))
    a, b = real[order[:len(real) // 2]], real[order[len(real) // 2:2 * (len(real) // 2)]]
    classifier, accuracy = score_classifier(data, train_seed, device, progress)
    images = real_test_images(data, image_size)
    captions = data.records["test"][0].captions
    picks = picked_captions(len(images), len(captions), sizes.captions_per_image, seed)
    shown = images[:, None].expand(-1, picks.shape[1], -1, -1, -1)
    return {"FID": fid_estimate(a, b[:, None], sizes.bootstrap_reps, seed),
            "KID": kid_estimate(a, b, sizes.kid_subsets, sizes.kid_subset_size, seed),
            "score": score_estimate(classifier, images, seed),
            "R-precision": r_precision_estimate(data, caption_matcher(data, train_seed, device), shown, picks,
                                                sizes.bootstrap_reps, seed),
            "score classifier accuracy": Estimate(accuracy, float("nan"))}
