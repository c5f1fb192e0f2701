"""CUB / Oxford-style captions of procedural birds and flowers, and a parser of what a caption says.

Each caption names 2-5 true attributes of its image with varied wording ("a red crown", "its belly is white",
"five pointed pink petals"). Captions are lower-case plain words with no digits or punctuation, since they are
spoken by text-to-speech engines and transcribed by a recogniser. `mentioned_attributes` reads the attributes
back from any such text (a caption or its transcript), so generated images can be scored on what was spoken.
"""
from __future__ import annotations

import re

import numpy as np

from .procedural import ATTRIBUTES

# noun -> attribute group; a bird noun takes a colour, "petals" takes colour, count and shape
_NOUNS = {
    "birds": {"crown": "crown", "head": "crown", "breast": "breast", "belly": "breast", "chest": "breast",
              "wing": "wing", "wings": "wing", "tail": "tail"},
    "flowers": {"petal": "petal", "petals": "petal", "flower": "flower", "center": "center", "centre": "center",
                "middle": "center"},
}
_SLOTS = {  # (noun group, adjective type) -> attribute
    "birds": {("crown", "color"): "crown_color", ("breast", "color"): "breast_color",
              ("wing", "color"): "wing_color", ("tail", "color"): "tail_color"},
    "flowers": {("petal", "color"): "petal_color", ("flower", "color"): "petal_color",
                ("petal", "count"): "petal_count", ("petal", "shape"): "petal_shape",
                ("center", "color"): "center_color"},
}
_COLOR_WORDS = {"gray": "grey"}
_SHAPE_WORDS = {"round": "round", "rounded": "round", "pointed": "pointed", "pointy": "pointed"}

# caption wording: (noun, plural) choices per bird part
_BIRD_PARTS = {
    "crown_color": (("crown", False), ("head", False)),
    "breast_color": (("breast", False), ("belly", False), ("chest", False)),
    "wing_color": (("wings", True), ("wing feathers", True)),
    "tail_color": (("tail", False), ("tail feathers", True)),
}
_BIRD_OPENINGS = ("this bird has", "the bird has", "this small bird has", "a bird with", "a small bird with",
                  "this is a bird with", "this is a small bird with")
_FLOWER_OPENINGS = ("this {}flower has", "the {}flower has", "a {}flower with", "this is a {}flower with",
                    "this {}flower features")
_CREST = {"yes": ("a crest", "a pointed crest", "a tall crest on its head"),
          "no": ("no crest", "a smooth head with no crest")}


def _adjective(kind: str, word: str) -> tuple[str, str] | None:
    """(type, value) of an adjective word, or None."""
    color = _COLOR_WORDS.get(word, word)
    if kind == "birds":
        return ("color", color) if color in ATTRIBUTES["birds"]["crown_color"] else None
    values = ATTRIBUTES["flowers"]
    if color in values["petal_color"] or color in values["center_color"]:
        return "color", color
    if word in values["petal_count"]:
        return "count", word
    if word in _SHAPE_WORDS:
        return "shape", _SHAPE_WORDS[word]
    return None


def mentioned_attributes(kind: str, caption: str) -> dict[str, str]:
    """Attributes a caption (or its transcript) states: name -> value. Unknown wording is ignored."""
    words = re.sub(r"[^a-z ]", " ", caption.lower()).split()
    nouns, slots, found = _NOUNS[kind], _SLOTS[kind], {}

    def take(group: str, word: str) -> None:
        adj = _adjective(kind, word)
        if adj and (group, adj[0]) in slots:
            found.setdefault(slots[group, adj[0]], adj[1])

    for i, w in enumerate(words):
        if kind == "birds" and w in ("crest", "crested"):
            found.setdefault("crest", "no" if "no" in words[max(0, i - 2):i] else "yes")
        if w not in nouns:
            continue
        j = i - 1                                     # adjectives before the noun: "five pointed pink petals"
        while j >= 0 and _adjective(kind, words[j]):
            take(nouns[w], words[j])
            j -= 1
        j = i + 1 + (words[i + 1:i + 2] == ["feathers"])  # "its wing feathers are blue", "petals that are pink"
        j += words[j:j + 1] == ["that"]
        if words[j:j + 1] in (["is"], ["are"]):
            j += 1
            while j < len(words) and _adjective(kind, words[j]):
                take(nouns[w], words[j])
                if not (words[j + 1:j + 2] == ["and"] and j + 2 < len(words) and _adjective(kind, words[j + 2])
                        and (j + 3 == len(words) or words[j + 3] not in nouns)):
                    break
                j += 2
    return found


def _pick(options, rng: np.random.Generator):
    return options[rng.integers(len(options))]


def _bird_caption(a: dict, names: list[str], rng: np.random.Generator) -> str:
    phrases, clauses = [], []
    for i, name in enumerate(names):
        if name == "crest":
            phrases.append(_pick(_CREST[a["crest"]], rng))
            continue
        noun, plural = _pick(_BIRD_PARTS[name], rng)
        style = rng.random()
        if style < 0.2 and i > 0:  # a clause after the opening's noun phrases: "and its tail is brown"
            clauses.append(f"{_pick(('its', 'the'), rng)} {noun} {'are' if plural else 'is'} {a[name]}")
        elif style < 0.3:
            phrases.append(f"{'' if plural else 'a '}{noun} that {'are' if plural else 'is'} {a[name]}")
        else:
            phrases.append(f"{'' if plural else 'a '}{a[name]} {noun}")
    return " and ".join([f"{_pick(_BIRD_OPENINGS, rng)} {' and '.join(phrases)}"] + clauses)


def _flower_caption(a: dict, names: list[str], rng: np.random.Generator) -> str:
    petal = [n for n in ("petal_count", "petal_shape", "petal_color") if n in names]  # adjective order
    color_flower = "petal_color" in petal and len(names) > 1 and rng.random() < 0.35
    if color_flower:                                   # "a pink flower with ..."
        petal.remove("petal_color")
    opening = _pick(_FLOWER_OPENINGS, rng).format(f"{a['petal_color']} " if color_flower else "")
    phrases, clauses = [], []
    if petal:
        before = [n for n in petal if n == "petal_count" or rng.random() < 0.7]
        after = [n for n in petal if n not in before]
        phrase = " ".join([a[n] for n in before] + ["petals"])
        if after:
            phrase += " that are " + " and ".join(a[n] for n in after)
        phrases.append(phrase)
    if "center_color" in names:
        if phrases and rng.random() < 0.3:
            clauses.append(f"{_pick(('the', 'its'), rng)} {_pick(('center', 'middle'), rng)} is {a['center_color']}")
        else:
            phrases.append(f"a {a['center_color']} {_pick(('center', 'middle', 'center'), rng)}")
    return " and ".join([f"{opening} {' and '.join(phrases)}"] + clauses)


def make_captions(kind: str, attributes: dict, n: int = 10, rng: np.random.Generator | None = None,
                  return_mentions: bool = False) -> list[str] | list[tuple[str, dict[str, str]]]:
    """`n` captions of an image with these (per-image) attributes, each naming 2-5 of them.

    With `return_mentions`, each item is (caption, {attribute: value} it names).
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    names = list(ATTRIBUTES[kind])
    out = []
    for _ in range(n):
        k = int(rng.integers(2, min(5, len(names)) + 1))
        chosen = [names[i] for i in sorted(rng.choice(len(names), k, replace=False))]
        rng.shuffle(chosen)
        text = (_bird_caption if kind == "birds" else _flower_caption)(attributes, chosen, rng)
        out.append((text, {name: attributes[name] for name in chosen}) if return_mentions else text)
    return out
