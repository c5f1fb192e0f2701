"""Figures shared by the notebooks (matplotlib only; each function returns its Figure)."""
from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np

from .data.images import open_rgb
from .data.records import Record


def caption_grid(records: list[Record], columns: int = 4, caption_index: int = 0, size: float = 3.0):
    """Images with one of their captions underneath."""
    rows = int(np.ceil(len(records) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(size * columns, size * 1.45 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, record in zip(axes.flat, records):
        ax.imshow(open_rgb(record.image))
        text = record.captions[caption_index] if record.captions else ""
        ax.set_title(textwrap.fill(f"{record.class_name}: {text}", 40), fontsize=7.5, loc="left")
    fig.tight_layout()
    return fig


def draw_spectrogram(ax, spec: np.ndarray, hop_ms: float = 10.0):
    """A log-Mel spectrogram (n_mels, frames) in dB (-80 to 0) on `ax`, time in seconds; returns the image."""
    image = ax.imshow(spec, origin="lower", aspect="auto", cmap="magma", vmin=-80, vmax=0,
                      extent=(0, spec.shape[1] * hop_ms / 1000, 0, spec.shape[0]))
    ax.set_ylabel("Mel band")
    return image


def spectrograms(specs: list[np.ndarray], titles: list[str], hop_ms: float = 10.0):
    """Log-Mel spectrograms (n_mels, frames) in dB, one row each, time in seconds."""
    fig, axes = plt.subplots(len(specs), 1, figsize=(10, 2.3 * len(specs)), squeeze=False, layout="constrained")
    for ax, spec, title in zip(axes[:, 0], specs, titles):
        image = draw_spectrogram(ax, spec, hop_ms)
        ax.set_title(textwrap.shorten(title, 110), fontsize=9, loc="left")
    axes[-1, 0].set_xlabel("time (s)")
    fig.colorbar(image, ax=axes[:, 0].tolist(), label="dB re max", fraction=0.02)
    return fig


def bar_table(rows: list[dict], label: str, values: list[str], title: str = "", ylim=(0, 1), reference=None):
    """Grouped bars, one group per row (e.g. accuracy per attribute), with an optional dashed reference key."""
    x = np.arange(len(rows))
    width = 0.8 / len(values)
    fig, ax = plt.subplots(figsize=(max(5, 1.1 * len(rows)), 3.2))
    for i, v in enumerate(values):
        ax.bar(x + i * width, [r[v] for r in rows], width, label=v)
    if reference:
        ax.scatter(x + 0.4 - width / 2, [r[reference] for r in rows], marker="_", s=400, color="k", label=reference)
    ax.set_xticks(x + 0.4 - width / 2, [r[label] for r in rows], rotation=20)
    ax.set_ylim(*ylim)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def loss_curves(histories: dict[str, list[dict]], keys: tuple[str, ...] = ("loss",), title: str = ""):
    """Training curves, one panel per run (against "epoch", or "iteration" where the run logs that); each of
    `keys` the run logged is drawn, on a log scale when every value is positive."""
    fig, axes = plt.subplots(1, len(histories), figsize=(3.6 * len(histories), 2.8), squeeze=False)
    for ax, (name, history) in zip(axes[0], histories.items()):
        x = "epoch" if history and "epoch" in history[0] else "iteration"
        drawn = [key for key in keys if history and key in history[0]]
        for key in drawn:
            ax.plot([h[x] for h in history], [h[key] for h in history], label=key)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel(x)
        if all(h[key] > 0 for h in history for key in drawn):
            ax.set_yscale("log")
        ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def embedding_pca(embeddings: dict[str, np.ndarray], labels: np.ndarray, classes: int = 10):
    """First two principal components of each system's embeddings (M, D), coloured by class; the first
    `classes` classes only, so colours stay distinguishable."""
    keep = np.isin(labels, np.unique(labels)[:classes])
    fig, axes = plt.subplots(1, len(embeddings), figsize=(3.4 * len(embeddings), 3.2), squeeze=False)
    for ax, (name, x) in zip(axes[0], embeddings.items()):
        x = np.asarray(x, dtype=np.float64)[keep]
        x = x - x.mean(0)
        _, _, vt = np.linalg.svd(x, full_matrices=False)
        xy = x @ vt[:2].T
        ax.scatter(xy[:, 0], xy[:, 1], c=labels[keep], cmap="tab10", s=6)
        ax.set_title(name, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def generated_grid(real: np.ndarray, generated: np.ndarray, captions: list[str], size: float = 1.6,
                   titles: list[str] | None = None):
    """One row per caption: the real image (N, H, W, 3) uint8, then its S generated images (N, S, H, W, 3),
    the columns titled `titles` (default "noise 1" ... "noise S")."""
    n, s = generated.shape[:2]
    fig, axes = plt.subplots(n, s + 1, figsize=(size * (s + 1) + 3.5, size * n), squeeze=False)
    for i in range(n):
        for j, image in enumerate([real[i], *generated[i]]):
            axes[i, j].imshow(image)
            axes[i, j].set_xticks([])
            axes[i, j].set_yticks([])
        axes[i, -1].text(1.08, 0.5, textwrap.fill(captions[i], 38), transform=axes[i, -1].transAxes, fontsize=7.5,
                         va="center")
    axes[0, 0].set_title("real", fontsize=8)
    for j, title in enumerate(titles or [f"noise {j}" for j in range(1, s + 1)], start=1):
        axes[0, j].set_title(textwrap.fill(title, 18), fontsize=8)
    fig.tight_layout()
    return fig


def translation_sheet(spectrogram: np.ndarray, images: np.ndarray, title: str, hop_ms: float = 10.0,
                      size: float = 1.6):
    """A recording's log-Mel spectrogram (n_mels, frames) in dB above the images (S, H, W, 3) made from it."""
    s = len(images)
    fig = plt.figure(figsize=(max(6.0, size * s), 2.2 + size), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[2.2, size])
    ax = top.subplots()
    draw_spectrogram(ax, spectrogram, hop_ms)
    ax.set_xlabel("time (s)")
    ax.set_title(textwrap.fill(title, 110), fontsize=8, loc="left")
    for i, axis in enumerate(bottom.subplots(1, s, squeeze=False)[0]):
        axis.imshow(images[i])
        axis.set_axis_off()
        axis.set_title(f"noise {i + 1}", fontsize=7)
    return fig


def image_row(images: np.ndarray, titles: list[str], size: float = 1.6, suptitle: str = ""):
    """One row of images (S, H, W, 3) uint8, each titled."""
    fig, axes = plt.subplots(1, len(images), figsize=(size * len(images), size + 0.6), squeeze=False)
    for ax, image, title in zip(axes[0], images, titles):
        ax.imshow(image)
        ax.set_axis_off()
        ax.set_title(title, fontsize=8)
    if suptitle:
        fig.suptitle(textwrap.fill(suptitle, 100), fontsize=9)
    fig.tight_layout()
    return fig


def measure_curves(results: dict[str, dict[str, dict]], measures: list[str], groups: list[list[str]],
                   title: str = "", size: float = 3.0):
    """One panel per measure: for each line (label -> {x tick: {measure: Estimate}}) one connected segment per
    group of x ticks (e.g. clean then one noise from high SNR to low), the groups side by side with a gap; one
    standard error as bars, one colour per line in every panel."""
    fig, axes = plt.subplots(1, len(measures), figsize=(size * len(measures), size + 0.9), squeeze=False)
    colours = {label: f"C{i}" for i, label in enumerate(results)}
    positions, start = [], 0
    for group in groups:
        positions.append(list(range(start, start + len(group))))
        start += len(group) + 1
    for ax, measure in zip(axes[0], measures):
        for label, points in results.items():
            for group, xs in zip(groups, positions):
                kept = [(x, points[tick][measure]) for x, tick in zip(xs, group) if measure in points.get(tick, {})]
                if kept:
                    ax.errorbar([x for x, _ in kept], [e.value for _, e in kept], yerr=[e.error for _, e in kept],
                                marker="o", ms=3, capsize=2, color=colours[label],
                                label=label if group is groups[0] else None)
        ax.set_xticks([x for xs in positions for x in xs], [t for g in groups for t in g], rotation=60, ha="right",
                      fontsize=7)
        ax.set_title(measure, fontsize=9)
        ax.grid(alpha=0.3)
    fullest = max(axes[0], key=lambda ax: len(ax.get_legend_handles_labels()[1]))
    fullest.legend(fontsize=7)
    if title:
        fig.suptitle(textwrap.fill(title, 120), fontsize=9)
    fig.tight_layout()
    return fig


def image_table(images: np.ndarray, rows: list[str], columns: list[str], size: float = 1.2):
    """A table of images (R, C, H, W, 3) uint8, rows and columns titled."""
    r, c = images.shape[:2]
    fig, axes = plt.subplots(r, c, figsize=(size * c + 1.2, size * r + 0.4), squeeze=False)
    for i in range(r):
        for j in range(c):
            axes[i, j].imshow(images[i, j])
            axes[i, j].set_xticks([])
            axes[i, j].set_yticks([])
        axes[i, 0].set_ylabel(textwrap.fill(rows[i], 16), fontsize=7)
    for j, title in enumerate(columns):
        axes[0, j].set_title(textwrap.fill(title, 12), fontsize=7)
    fig.tight_layout()
    return fig


def qualitative_rows(spectrograms: list[np.ndarray], captions: list[str], images: np.ndarray, hop_ms: float = 10.0,
                     size: float = 1.3):
    """Fig. 3's layout: per row, a spoken caption's log-Mel spectrogram (dB) with its text (for reading only)
    on the left, and the images (R, S, H, W, 3) made from that one embedding with S noise draws on the right."""
    r, s = images.shape[:2]
    fig = plt.figure(figsize=(3.6 + size * s, size * r + 0.3), layout="constrained")
    grid = fig.add_gridspec(r, s + 3)
    for i in range(r):
        ax = fig.add_subplot(grid[i, :3])
        draw_spectrogram(ax, spectrograms[i], hop_ms)
        ax.set_ylabel("")
        ax.set_yticks([])
        ax.set_title(textwrap.fill(captions[i], 52), fontsize=6, loc="left")
        ax.tick_params(labelsize=6)
        for j in range(s):
            axis = fig.add_subplot(grid[i, 3 + j])
            axis.imshow(images[i, j])
            axis.set_axis_off()
    return fig


def transition_curves(curves: dict[str, np.ndarray], title: str = ""):
    """Mean curves over interpolation paths (steps,) against t = 0 ... 1, one line each."""
    fig, ax = plt.subplots(figsize=(4.2, 3.0))
    for name, curve in curves.items():
        ax.plot(np.linspace(0, 1, len(curve)), curve, marker="o", ms=3, label=name)
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xlabel("t (0: first caption's embedding, 1: second's)")
    ax.set_ylabel("P(second's values) - P(first's)")
    ax.legend(fontsize=7)
    if title:
        ax.set_title(textwrap.fill(title, 60), fontsize=9)
    fig.tight_layout()
    return fig
