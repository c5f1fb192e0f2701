"""Procedural birds and flowers: the classes, per-image attributes and the renderer of the built-in data set.

A class is a prototype: one value per part attribute (e.g. a red crown, a blue breast...). Each image takes the
prototype, flips an attribute now and then (`sample_image_attributes`), and draws it with its own pose, scale,
position, background and colour jitter (`render`). Every attribute is carried by a large part, so that it stays
readable at 32x32 (see benchmarks/readability.py).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

KINDS = ("birds", "flowers")
N_CLASSES = {"birds": 200, "flowers": 102}
N_TEST_CLASSES = {"birds": 50, "flowers": 20}

COLORS: dict[str, tuple[int, int, int]] = {
    "red": (205, 30, 35),
    "orange": (245, 135, 20),
    "yellow": (250, 220, 40),
    "green": (40, 150, 55),
    "blue": (35, 80, 215),
    "purple": (130, 45, 175),
    "pink": (245, 135, 190),
    "brown": (115, 70, 30),
    "black": (25, 25, 25),
    "white": (245, 245, 245),
    "grey": (135, 135, 135),
}
_BIRD_COLORS = ("red", "orange", "yellow", "green", "blue", "brown", "black", "white", "grey")

ATTRIBUTES: dict[str, dict[str, tuple[str, ...]]] = {
    "birds": {
        "crown_color": _BIRD_COLORS,
        "breast_color": _BIRD_COLORS,
        "wing_color": _BIRD_COLORS,
        "tail_color": _BIRD_COLORS,
        "crest": ("no", "yes"),
    },
    "flowers": {
        "petal_color": ("white", "yellow", "orange", "red", "pink", "purple", "blue"),
        "center_color": ("yellow", "orange", "brown", "black", "white", "red"),
        "petal_count": ("five", "eight", "twelve"),
        "petal_shape": ("round", "pointed"),
    },
}

# Background themes: (top colour, bottom colour) of a smooth vertical gradient.
_BACKGROUNDS = {
    "birds": (((150, 190, 235), (215, 232, 248)),   # sky
              ((95, 130, 85), (155, 180, 125)),     # foliage
              ((200, 185, 160), (232, 222, 202)),   # sand
              ((175, 182, 190), (220, 223, 228))),  # overcast
    "flowers": (((60, 95, 50), (120, 155, 90)),     # leaves
                ((90, 120, 70), (165, 180, 130)),   # meadow
                ((110, 90, 70), (160, 140, 110)),   # soil
                ((150, 185, 225), (200, 225, 240))),  # sky
}


@dataclass(frozen=True)
class ClassSpec:
    index: int        # 0-based class index over train and test classes
    name: str         # "017.red_crown_blue_breast_..." (1-based number, as CUB)
    split: str        # "train" or "test"
    attributes: dict  # attribute name -> value: the class prototype


def _class_name(kind: str, index: int, attributes: dict) -> str:
    a = attributes
    if kind == "birds":
        body = (f"{a['crown_color']}_crown_{a['breast_color']}_breast_{a['wing_color']}_wing_{a['tail_color']}_tail"
                + ("_crested" if a["crest"] == "yes" else ""))
    else:
        body = f"{a['petal_color']}_{a['petal_count']}_{a['petal_shape']}_{a['center_color']}_center"
    return f"{index + 1:03d}.{body}"


def make_classes(kind: str, seed: int = 0) -> list[ClassSpec]:
    """All class prototypes of `kind`: distinct combinations, the test ones unseen but made of seen values."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}, expected one of {KINDS}")
    space = ATTRIBUTES[kind]
    rng = np.random.default_rng([seed, KINDS.index(kind)])
    combos = list(itertools.product(*space.values()))
    chosen = [dict(zip(space, combos[i])) for i in rng.choice(len(combos), N_CLASSES[kind], replace=False)]
    while True:  # draw test classes until every value they (and train) use is seen in train
        is_test = np.zeros(N_CLASSES[kind], dtype=bool)
        is_test[rng.choice(N_CLASSES[kind], N_TEST_CLASSES[kind], replace=False)] = True
        seen = {(k, c[k]) for c, t in zip(chosen, is_test) if not t for k in space}
        if all((k, v) in seen for k in space for v in space[k]):
            break
    return [ClassSpec(i, _class_name(kind, i, a), "test" if t else "train", a)
            for i, (a, t) in enumerate(zip(chosen, is_test))]


def sample_image_attributes(spec: ClassSpec, rng: np.random.Generator, flip_prob: float = 0.05) -> dict:
    """The ground truth of one image: the class prototype with each attribute flipped with `flip_prob`."""
    space = next(v for v in ATTRIBUTES.values() if v.keys() == spec.attributes.keys())
    out = dict(spec.attributes)
    for name, value in spec.attributes.items():
        if rng.random() < flip_prob:
            others = [v for v in space[name] if v != value]
            out[name] = others[rng.integers(len(others))]
    return out


# ---------------------------------------------------------------------------------------------------------- drawing

def _ellipse(cx: float, cy: float, rx: float, ry: float, angle: float = 0.0, n: int = 32) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x, y = rx * np.cos(t), ry * np.sin(t)
    c, s = np.cos(angle), np.sin(angle)
    return np.stack([cx + c * x - s * y, cy + s * x + c * y], 1)


def _jitter(name: str, rng: np.random.Generator) -> tuple[int, int, int]:
    rgb = np.array(COLORS[name], float) * rng.uniform(0.9, 1.1) + rng.normal(0, 8, 3)
    return tuple(int(v) for v in np.clip(rgb, 0, 255))


def _darker(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    return tuple(int(v * 0.55) for v in rgb)


def _background(kind: str, side: int, rng: np.random.Generator) -> Image.Image:
    """A smooth gradient with a few soft blobs, drawn at 1/8 resolution and upscaled (cheap blur)."""
    top, bottom = (np.array(c, float) for c in _BACKGROUNDS[kind][rng.integers(len(_BACKGROUNDS[kind]))])
    n = max(side // 8, 8)
    t = np.linspace(0, 1, n)[:, None, None]
    grid = (top * (1 - t) + bottom * t) * np.ones((n, n, 1)) + rng.normal(0, 6, 3)
    yy, xx = np.mgrid[:n, :n]
    for _ in range(rng.integers(1, 4)):  # lighter or darker patches, slightly tinted
        cx, cy, r = rng.uniform(0, n), rng.uniform(0, n), rng.uniform(0.15, 0.35) * n
        blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))[..., None]
        grid += blob * (rng.normal(0, 25) + rng.normal(0, 8, 3))
    small = Image.fromarray(np.clip(grid, 0, 255).astype(np.uint8))
    return small.resize((side, side), Image.BICUBIC)


class _Canvas:
    """Draws polygons given in local part coordinates, mapped by one similarity transform to pixels."""

    def __init__(self, image: Image.Image, scale: float, angle: float, flip: bool, center: tuple[float, float],
                 squash: float = 1.0):
        self.draw = ImageDraw.Draw(image)
        c, s = np.cos(angle), np.sin(angle)
        self.m = scale * np.array([[c, -s], [s, c]]) @ np.diag([-1.0 if flip else 1.0, squash])
        self.center = np.array(center)
        self.line = max(1, round(scale * 0.025))

    def poly(self, pts: np.ndarray, rgb: tuple[int, int, int], outline: bool = True) -> None:
        xy = pts @ self.m.T + self.center
        self.draw.polygon(xy.ravel().tolist(), fill=rgb, outline=_darker(rgb) if outline else None,
                          width=self.line if outline else 0)


def _bird(cv: _Canvas, a: dict, rng: np.random.Generator) -> None:
    """A bird facing +x in local units (body about 2 wide), y pointing down."""
    crown, breast, wing, tail = (_jitter(a[k], rng) for k in ("crown_color", "breast_color", "wing_color",
                                                               "tail_color"))
    fan = rng.uniform(0.45, 0.65)      # tail half-angle
    tail_dir = np.pi + rng.uniform(-0.15, 0.35)
    t = tail_dir + np.linspace(-fan, fan, 9)
    base = np.array([-0.3, 0.08])
    cv.poly(np.vstack([base, base + 0.68 * np.stack([np.cos(t), np.sin(t)], 1)]), tail)
    legs = (90, 75, 60)
    for x in (-0.05, 0.12):
        cv.poly(np.array([[x, 0.3], [x + 0.05, 0.3], [x + 0.04, 0.62], [x - 0.01, 0.62]]), legs, outline=False)
    cv.poly(_ellipse(0.02, 0.08, 0.48, 0.33, -0.12), breast)
    t = np.linspace(0, 2 * np.pi, 28, endpoint=False)
    r = 1 + 0.45 * np.maximum(0, -np.cos(t)) ** 6                # a teardrop, pointed towards the tail
    cv.poly(np.stack([-0.1 + 0.4 * r * np.cos(t), -0.02 + 0.2 * np.sin(t) + 0.08 * r * -np.cos(t)], 1), wing)
    hx, hy = 0.42, -0.3
    if a["crest"] == "yes":
        cv.poly(np.array([[hx - 0.18, hy - 0.08], [hx - 0.3, hy - 0.42], [hx - 0.1, hy - 0.22],
                          [hx - 0.08, hy - 0.5], [hx + 0.06, hy - 0.2]]), crown)
    cv.poly(_ellipse(hx, hy, 0.26, 0.24), crown)
    cv.poly(np.array([[hx + 0.22, hy - 0.06], [hx + 0.46, hy + 0.03], [hx + 0.22, hy + 0.1]]), (70, 60, 50))
    cv.poly(_ellipse(hx + 0.08, hy - 0.03, 0.055, 0.055, n=12), (250, 250, 250), outline=False)
    cv.poly(_ellipse(hx + 0.09, hy - 0.03, 0.03, 0.03, n=10), (10, 10, 10), outline=False)


_COUNTS = {"five": 5, "eight": 8, "twelve": 12}


def _flower(cv: _Canvas, a: dict, rng: np.random.Generator) -> None:
    """A flower seen from the front, radius about 1 in local units."""
    petal, center = _jitter(a["petal_color"], rng), _jitter(a["center_color"], rng)
    n = _COUNTS[a["petal_count"]]
    width = min(0.42, 1.25 * np.sin(np.pi / n))     # half-width of a petal, fewer petals are wider
    if a["petal_shape"] == "round":
        shape = _ellipse(0.55, 0.0, 0.45, width * 0.8, n=20)
    else:
        shape = np.array([[0.08, 0.0], [0.35, -width], [1.0, 0.0], [0.35, width]])
    offset = rng.uniform(0, 2 * np.pi)
    for i in range(n):
        phi = offset + 2 * np.pi * i / n
        c, s = np.cos(phi), np.sin(phi)
        cv.poly(shape @ np.array([[c, s], [-s, c]]), petal)
    cv.poly(_ellipse(0, 0, 0.3, 0.3, n=24), center)


def render(kind: str, attributes: dict, size: int, rng: np.random.Generator) -> Image.Image:
    """Draw one `size` x `size` RGB image of a bird or flower with these attributes and a random pose."""
    ss = 2 if size >= 128 else 4          # supersampling factor, for antialiased edges
    side = size * ss
    image = _background(kind, side, rng)
    half = side / 2
    flip = bool(rng.random() < 0.5)
    if kind == "birds":
        scale = half * rng.uniform(0.9, 1.04)
        center = half + rng.uniform(-0.06, 0.06, 2) * side + np.array([-0.06 if flip else 0.06, 0.0]) * scale
        cv = _Canvas(image, scale, rng.uniform(-0.25, 0.25), flip, tuple(center))
        _bird(cv, attributes, rng)
    elif kind == "flowers":
        scale = half * rng.uniform(0.78, 0.95)
        center = half + rng.uniform(-0.06, 0.06, 2) * side
        cv = _Canvas(image, scale, rng.uniform(0, 2 * np.pi), flip, tuple(center), squash=rng.uniform(0.75, 1.0))
        _flower(cv, attributes, rng)
    else:
        raise ValueError(f"unknown kind {kind!r}, expected one of {KINDS}")
    return image.reduce(ss)
