"""Write tiny data trees in the exact on-disk layouts of the real data sets (docs/authors-code.md#9, docs/stackgan-v2.md#4, docs/evaluation.md#3).

No real data is available offline, so the loaders are tested on these: real JPEGs (PIL), real 16 kHz mono
wavs (a tone plus noise, stdlib `wave`), Python 2 pickles, `.mat` files (`scipy.io.savemat`), text and JSON.
Each `make_*_tree` returns a `FixtureTree` with what a loader should find.
"""
from __future__ import annotations

import json
import struct
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image
from scipy.io import savemat

BIRD_NAMES = ["Black_footed_Albatross", "Laysan_Albatross", "Sooty_Albatross", "Groove_billed_Ani",
              "Crested_Auklet", "Least_Auklet", "Parakeet_Auklet"]
PLACES_EXTRA = ("airport_terminal",)  # a scene outside the authors' seven, to test the class filter


@dataclass
class FixtureTree:
    root: Path
    keys: dict[str, list[str]] = field(default_factory=lambda: {"train": [], "test": []})  # in load order
    labels: dict[str, int] = field(default_factory=dict)               # key -> 0-based label
    captions: dict[str, list[str]] = field(default_factory=dict)       # key -> captions
    bboxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    wavs: dict[str, list[Path]] = field(default_factory=dict)          # key -> wav paths (when with_audio)

    def n_classes(self, split: str) -> int:
        return len({self.labels[k] for k in self.keys[split]})


def write_jpeg(path: Path, seed: int, size: tuple[int, int] = (32, 24)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path, "JPEG")


def write_wav(path: Path, seed: int, seconds: float = 1.0, rate: int = 16000) -> None:
    """A 16-bit mono wav: a tone (200-800 Hz, set by `seed`) plus a little noise."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    t = np.arange(int(rate * seconds)) / rate
    signal = 0.3 * np.sin(2 * np.pi * (200 + seed % 600) * t) + 0.02 * rng.standard_normal(t.size)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(signal, -1, 1) * 32767).astype("<i2").tobytes())


def py2_pickle(items: list[str] | list[int]) -> bytes:
    """A list pickled as Python 2 wrote the real split files: protocol 2, str as BINSTRING, int as BININT."""
    body = b"".join(b"T" + struct.pack("<I", len(item)) + item.encode("latin1") if isinstance(item, str)
                    else b"J" + struct.pack("<i", item) for item in items)
    return b"\x80\x02](" + body + b"e."


def _write_lines(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines))


def _base(root: Path, rel: str, absolute: bool) -> str:
    return str(root / rel) if absolute else rel


def _captions(thing: str, n: int = 10) -> list[str]:
    return [f"caption {k} of {thing}: a small thing with a red part and a blue part" for k in range(n)]


def make_cub_tree(root: Path, n_train_classes: int = 3, n_test_classes: int = 2, images_per_class: int = 2,
                  with_audio: bool = True, absolute_paths: bool = False, text_dir: str = "text_c10") -> FixtureTree:
    """A "birds" root: CUB_200_2011/{images,images.txt,bounding_boxes.txt}, {train,test}/{filenames,
    class_info}.pickle, `text_dir`/<key>.txt and, with audio, train.json/test.json + CUB_200_2011_audio/."""
    tree = FixtureTree(Path(root))
    image_lines, box_lines = [], []
    for c in range(n_train_classes + n_test_classes):
        split = "train" if c < n_train_classes else "test"
        name = BIRD_NAMES[c] if c < len(BIRD_NAMES) else f"Bird_{c + 1}"
        class_dir = f"{c + 1:03d}.{name}"
        for j in range(images_per_class):
            image_id = len(image_lines) + 1
            key = f"{class_dir}/{name}_{j + 1:04d}_{100 + image_id}"
            write_jpeg(root / "CUB_200_2011/images" / f"{key}.jpg", image_id)
            image_lines.append(f"{image_id} {key}.jpg")
            bbox = (1.5 * image_id, 2.0, 20.0 + image_id, 15.25)
            box_lines.append(f"{image_id} " + " ".join(f"{v:.2f}" for v in bbox))
            _write_lines(root / text_dir / f"{key}.txt", _captions(key))
            tree.keys[split].append(key)
            tree.labels[key], tree.captions[key], tree.bboxes[key] = c, _captions(key), bbox
    _write_lines(root / "CUB_200_2011/images.txt", image_lines)
    _write_lines(root / "CUB_200_2011/bounding_boxes.txt", box_lines)
    for split, keys in tree.keys.items():
        (root / split).mkdir(parents=True, exist_ok=True)
        (root / split / "filenames.pickle").write_bytes(py2_pickle(keys))
        (root / split / "class_info.pickle").write_bytes(py2_pickle([tree.labels[k] + 1 for k in keys]))
        if with_audio:
            _write_birds_json(root, split, tree, absolute_paths)
    return tree


def _write_birds_json(root: Path, split: str, tree: FixtureTree, absolute: bool) -> None:
    data = []
    for key in tree.keys[split]:
        name = key.split("/")[1]
        audio = [f"person_0/{name}_{k}.wav" for k in range(10)]
        for k, rel in enumerate(audio):
            write_wav(root / "CUB_200_2011_audio/audio" / rel, seed=len(data) * 10 + k)
        tree.wavs[key] = [root / "CUB_200_2011_audio/audio" / rel for rel in audio]
        data.append({"image": f"{key}.jpg", "class": key.split("/")[0], "text": tree.captions[key], "audio": audio})
    doc = {"image_feature_path": f"{split}/image_features_googlenet_caffe.pickle",
           "image_base_path": _base(root, "CUB_200_2011/images", absolute),
           "audio_base_path": _base(root, "CUB_200_2011_audio/audio", absolute), "data": data}
    (root / f"{split}.json").write_text(json.dumps(doc))


def make_oxford_tree(root: Path, n_train_classes: int = 3, n_test_classes: int = 2, images_per_class: int = 2,
                     with_audio: bool = True, absolute_paths: bool = False, class_files: bool = True) -> FixtureTree:
    """A flowers root: jpg/, imagelabels.mat, setid.mat, text_c10/, Reed's class files (if `class_files`,
    test classes = the last `n_test_classes`) and, with audio, the authors' train.json/test.json.

    Image ids interleave the classes, as in the real imagelabels.mat. Without class files the loader's
    fallback decides the split, so `keys` then holds every image under "train" and nothing under "test".
    """
    tree = FixtureTree(Path(root))
    n_classes = n_train_classes + n_test_classes
    labels = [c + 1 for _ in range(images_per_class) for c in range(n_classes)]
    for i, c in enumerate(labels, start=1):
        key = f"class_{c:05d}/image_{i:05d}"
        write_jpeg(root / "jpg" / f"image_{i:05d}.jpg", i)
        _write_lines(root / "text_c10" / f"{key}.txt", _captions(key))
        split = "test" if class_files and c > n_train_classes else "train"
        tree.keys[split].append(key)
        tree.labels[key], tree.captions[key] = c - 1, _captions(key)
    savemat(root / "imagelabels.mat", {"labels": np.array([labels], dtype=np.uint8)})
    ids = np.arange(1, len(labels) + 1)
    savemat(root / "setid.mat", {"trnid": ids[0::3][None], "valid": ids[1::3][None], "tstid": ids[2::3][None]})
    if class_files:
        _write_lines(root / "trainvalclasses.txt", [f"class_{c:05d}" for c in range(1, n_train_classes + 1)])
        _write_lines(root / "testclasses.txt", [f"class_{c:05d}" for c in range(n_train_classes + 1, n_classes + 1)])
    if with_audio:
        for split in ("train", "test"):
            _write_flowers_json(root, split, tree, absolute_paths)
    return tree


def _write_flowers_json(root: Path, split: str, tree: FixtureTree, absolute: bool) -> None:
    data = []
    for key in tree.keys[split]:
        class_dir, name = key.split("/")
        wav = [f"person_0/{name}_{k}.wav" for k in range(10)]
        for k, rel in enumerate(wav):
            write_wav(root / "flowers_audio" / rel, seed=len(data) * 10 + k)
        tree.wavs[key] = [root / "flowers_audio" / rel for rel in wav]
        data.append({"img": f"{name}.jpg", "class": str(int(class_dir[6:])), "text": tree.captions[key], "wav": wav})
    doc = {"image_feature": f"{split}/image_features.pickle", "image_base_path": _base(root, "jpg", absolute),
           "audio_base_path": _base(root, "flowers_audio", absolute), "data": data}
    (root / f"{split}.json").write_text(json.dumps(doc))


def make_places_tree(root: Path, classes: tuple[str, ...] = ("bedroom", "kitchenette", "living_room"),
                     images_per_class: int = 2, test_name: str = "val.json",
                     absolute_paths: bool = False) -> FixtureTree:
    """A Places audio-captions root: images/<letter>/<scene>/gsun_*.jpg, wavs/<n>/utterance_*.wav and DAVEnet
    JSONs train.json and `test_name`. Each split also holds one image of a scene outside the authors' seven
    (`PLACES_EXTRA`), which `keys` and `labels` leave out; labels index the sorted seven scenes."""
    seven = sorted(("bedroom", "dinette", "dining_room", "home_office", "hotel_room", "kitchenette", "living_room"))
    tree = FixtureTree(Path(root))
    for split, json_name in (("train", "train.json"), ("test", test_name)):
        data = []
        for scene in (*classes, *PLACES_EXTRA):
            for j in range(images_per_class if scene in classes else 1):
                n = 1000 * (split == "test") + len(data)
                image = f"{scene[0]}/{scene}/gsun_{split}{n:04d}.jpg"
                wav = f"wavs/{n % 3}/utterance_{n}.wav"
                write_jpeg(root / "images" / image, n)
                write_wav(root / "audio" / wav, n)
                uttid = f"A{n:04d}-GSUN_{split.upper()}{n}"
                text = f"a {scene.replace('_', ' ')} with a table number {n}"
                data.append({"uttid": uttid, "speaker": f"A{n % 2}", "asr_text": text, "image": image, "wav": wav})
                if scene in seven:
                    tree.keys[split].append(uttid)
                    tree.labels[uttid], tree.captions[uttid] = seven.index(scene), [text]
                    tree.wavs[uttid] = [root / "audio" / wav]
        doc = {"image_base_path": _base(root, "images", absolute_paths),
               "audio_base_path": _base(root, "audio", absolute_paths), "data": data}
        (root / json_name).write_text(json.dumps(doc))
    return tree
