"""Real-data loaders (CUB-200, Oxford-102, Places audio captions) on fixture trees of the real layouts."""
from __future__ import annotations

import json
import logging
import pickle
import shutil
import wave

import pytest
from fixture_trees import make_cub_tree, make_oxford_tree, make_places_tree

from s2i_lib.data.cub import load_cub
from s2i_lib.data.errors import DataFormatError, DataRootError
from s2i_lib.data.oxford import fallback_class_split, load_oxford
from s2i_lib.data.places import PLACES_CLASSES, load_places, scene_class

SPLITS = ("train", "test")


def assert_matches_tree(records, tree, split, with_audio):
    assert [r.key for r in records] == tree.keys[split]
    for r in records:
        assert r.split == split
        assert r.label == tree.labels[r.key]
        assert r.captions == tree.captions[r.key]
        assert r.image.is_absolute() and r.image.is_file()
        if with_audio:
            assert r.wavs == tree.wavs[r.key]
            assert all(w.is_absolute() and w.is_file() for w in r.wavs)
        else:
            assert r.wavs == []


# ---------------------------------------------------------------- CUB


@pytest.mark.parametrize("with_audio", [True, False])
def test_cub_both_splits(tmp_path, with_audio):
    tree = make_cub_tree(tmp_path, with_audio=with_audio)
    for split in SPLITS:
        records = load_cub(tmp_path, split)
        assert len(records) == len(tree.keys[split]) == (6 if split == "train" else 4)
        assert len({r.label for r in records}) == tree.n_classes(split) == (3 if split == "train" else 2)
        assert_matches_tree(records, tree, split, with_audio)
        for r in records:
            assert r.bbox == tree.bboxes[r.key]
            assert r.class_name == r.key.split("/")[0]
            assert r.label == int(r.class_name[:3]) - 1
            assert r.image.name == r.key.split("/")[1] + ".jpg"
            assert len(r.captions) == 10


def test_cub_record_example(tmp_path):
    make_cub_tree(tmp_path)
    first = load_cub(tmp_path, "train")[0]
    assert first.key == "001.Black_footed_Albatross/Black_footed_Albatross_0001_101"
    assert first.label == 0 and first.class_name == "001.Black_footed_Albatross"
    assert first.bbox == (1.5, 2.0, 21.0, 15.25)
    assert first.captions[3] == f"caption 3 of {first.key}: a small thing with a red part and a blue part"
    assert first.wavs[0] == tmp_path / "CUB_200_2011_audio/audio/person_0/Black_footed_Albatross_0001_101_0.wav"
    with wave.open(str(first.wavs[0])) as w:
        assert (w.getframerate(), w.getnchannels(), w.getnframes()) == (16000, 1, 16000)
    test_first = load_cub(tmp_path, "test")[0]
    assert test_first.label == 3 and test_first.class_name == "004.Groove_billed_Ani"


def test_cub_absolute_json_paths(tmp_path):
    tree = make_cub_tree(tmp_path, absolute_paths=True)
    assert json.loads((tmp_path / "train.json").read_text())["audio_base_path"].startswith("/")
    assert_matches_tree(load_cub(tmp_path, "train"), tree, "train", with_audio=True)


def test_cub_json_is_the_caption_source(tmp_path):
    tree = make_cub_tree(tmp_path)
    shutil.rmtree(tmp_path / "text_c10")
    assert_matches_tree(load_cub(tmp_path, "test"), tree, "test", with_audio=True)


def test_cub_attngan_text_folder(tmp_path):
    tree = make_cub_tree(tmp_path, with_audio=False, text_dir="text")
    assert_matches_tree(load_cub(tmp_path, "train"), tree, "train", with_audio=False)


def test_cub_text_only_needs_captions(tmp_path):
    make_cub_tree(tmp_path, with_audio=False)
    shutil.rmtree(tmp_path / "text_c10")
    with pytest.raises(DataRootError, match="text_c10"):
        load_cub(tmp_path, "train")


def test_cub_warns_about_incomplete_split(tmp_path, caplog):
    make_cub_tree(tmp_path)
    with caplog.at_level(logging.WARNING, logger="s2i_lib.data.cub"):
        load_cub(tmp_path, "train")
    assert "6 images of 3 classes" in caplog.text and "8855 of 150" in caplog.text and "S2IGAN#5" in caplog.text


def test_cub_missing_root(tmp_path):
    with pytest.raises(DataRootError) as err:
        load_cub(tmp_path / "no_such_birds", "train")
    message = str(err.value)
    assert str(tmp_path / "no_such_birds") in message
    assert "DATA_ROOT=" in message and "CUB_200_2011/" in message


def test_cub_root_one_level_too_deep(tmp_path):
    make_cub_tree(tmp_path)
    with pytest.raises(DataRootError, match=f"DATA_ROOT={tmp_path},"):
        load_cub(tmp_path / "CUB_200_2011", "train")


def test_cub_root_without_cub_folder(tmp_path):
    with pytest.raises(DataRootError, match="CUB_200_2011"):
        load_cub(tmp_path, "train")


@pytest.mark.parametrize("rel", ["test/filenames.pickle", "test/class_info.pickle",
                                 "CUB_200_2011/bounding_boxes.txt", "CUB_200_2011/images.txt"])
def test_cub_missing_required_file(tmp_path, rel):
    make_cub_tree(tmp_path)
    (tmp_path / rel).unlink()
    with pytest.raises(DataRootError, match=str(tmp_path / rel)):
        load_cub(tmp_path, "test")


def test_cub_missing_image_text_only(tmp_path):
    tree = make_cub_tree(tmp_path, with_audio=False)
    image = tmp_path / "CUB_200_2011/images" / f"{tree.keys['train'][1]}.jpg"
    image.unlink()
    with pytest.raises(DataRootError, match=str(image)):
        load_cub(tmp_path, "train")


def test_cub_json_item_with_missing_wav(tmp_path):
    tree = make_cub_tree(tmp_path)
    wav = tree.wavs[tree.keys["test"][1]][4]
    wav.unlink()
    with pytest.raises(DataRootError) as err:
        load_cub(tmp_path, "test")
    assert str(wav) in str(err.value) and "test.json" in str(err.value) and "audio_base_path" in str(err.value)
    assert len(load_cub(tmp_path, "train")) == 6  # the other split is unaffected


def test_cub_json_item_with_missing_image(tmp_path):
    tree = make_cub_tree(tmp_path)
    image = tmp_path / "CUB_200_2011/images" / f"{tree.keys['train'][0]}.jpg"
    image.unlink()
    with pytest.raises(DataRootError, match="image_base_path"):
        load_cub(tmp_path, "train")


def test_cub_json_must_cover_the_split(tmp_path):
    tree = make_cub_tree(tmp_path)
    doc = json.loads((tmp_path / "train.json").read_text())
    doc["data"] = doc["data"][:-1]
    (tmp_path / "train.json").write_text(json.dumps(doc))
    with pytest.raises(DataFormatError, match=tree.keys["train"][-1]):
        load_cub(tmp_path, "train")


def _edit_first_item(path, edit):
    doc = json.loads(path.read_text())
    edit(doc["data"][0])
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize("edit, message", [
    (lambda item: item.update(text="a small bird with a red head"),
     r"data\[0\]\['text'\] must be a list of the image's caption strings, one per wav, not str 'a small bird"),
    (lambda item: item.update(text=item["text"][:3]), r"data\[0\]\['text'\] has 3 captions but 'audio' has 10 wavs"),
    (lambda item: item.update(text=[" "] * 10), r"data\[0\]\['text'\]: every caption is empty"),
])
def test_cub_json_captions_must_be_one_string_per_wav(tmp_path, edit, message):
    """Issue: a string `text` became 35 one-letter captions; 3 captions for 10 wavs ended in a RuntimeError on a
    tensor shape; all-empty captions passed. Each is named with the file and the item."""
    make_cub_tree(tmp_path)
    _edit_first_item(tmp_path / "train.json", edit)
    with pytest.raises(DataFormatError, match=rf"{tmp_path / 'train.json'}: {message}"):
        load_cub(tmp_path, "train")


def test_broken_json_names_the_file(tmp_path):
    make_cub_tree(tmp_path)
    (tmp_path / "test.json").write_text('{"image_base_path": "x", ')
    with pytest.raises(DataFormatError, match=rf"{tmp_path / 'test.json'} is not valid JSON \(.* line 1, column"):
        load_cub(tmp_path, "train")


def test_cub_parallel_split_files(tmp_path):
    make_cub_tree(tmp_path)
    (tmp_path / "train/class_info.pickle").write_bytes(pickle.dumps([1, 2]))
    with pytest.raises(DataFormatError, match="class_info.pickle"):
        load_cub(tmp_path, "train")


# ---------------------------------------------------------------- Oxford-102


@pytest.mark.parametrize("with_audio", [True, False])
def test_oxford_reed_class_split(tmp_path, with_audio):
    tree = make_oxford_tree(tmp_path, with_audio=with_audio)
    for split in SPLITS:
        records = load_oxford(tmp_path, split)
        assert len(records) == (6 if split == "train" else 4)
        assert_matches_tree(records, tree, split, with_audio)
        for r in records:
            assert r.class_name == r.key.split("/")[0] and r.label == int(r.class_name[6:]) - 1
            assert r.image == tmp_path / "jpg" / (r.key.split("/")[1] + ".jpg")
            assert r.bbox is None
    assert {r.label for r in load_oxford(tmp_path, "test")} == {3, 4}


def test_oxford_record_example(tmp_path):
    make_oxford_tree(tmp_path)
    first = load_oxford(tmp_path, "test")[0]
    assert (first.key, first.label, first.class_name) == ("class_00004/image_00004", 3, "class_00004")
    assert first.wavs[9] == tmp_path / "flowers_audio/person_0/image_00004_9.wav"


def test_oxford_absolute_json_paths(tmp_path):
    tree = make_oxford_tree(tmp_path, absolute_paths=True)
    shutil.rmtree(tmp_path / "text_c10")
    assert_matches_tree(load_oxford(tmp_path, "test"), tree, "test", with_audio=True)


def test_oxford_fallback_class_split(tmp_path):
    make_oxford_tree(tmp_path, n_train_classes=8, n_test_classes=2, class_files=False, with_audio=False)
    train, test = (load_oxford(tmp_path, split) for split in SPLITS)
    train_classes, test_classes = {r.label for r in train}, {r.label for r in test}
    assert len(test_classes) == 2 and not train_classes & test_classes
    assert train_classes | test_classes == set(range(10)) and len(train) + len(test) == 20
    assert test_classes == {c - 1 for c in fallback_class_split(list(range(1, 11)))}


def test_oxford_fallback_is_82_20_and_deterministic():
    test = fallback_class_split(list(range(1, 103)))
    assert len(test) == 20 and test == fallback_class_split(list(range(102, 0, -1)))


def test_oxford_missing_root(tmp_path):
    with pytest.raises(DataRootError) as err:
        load_oxford(tmp_path / "flowerz", "train")
    assert str(tmp_path / "flowerz") in str(err.value) and "DATA_ROOT=/path/to/flowers" in str(err.value)


def test_oxford_missing_imagelabels(tmp_path):
    make_oxford_tree(tmp_path)
    (tmp_path / "imagelabels.mat").unlink()
    with pytest.raises(DataRootError, match="imagelabels.mat"):
        load_oxford(tmp_path, "train")


def test_oxford_half_a_class_split(tmp_path):
    make_oxford_tree(tmp_path)
    (tmp_path / "testclasses.txt").unlink()
    with pytest.raises(DataRootError, match="testclasses.txt") as err:
        load_oxford(tmp_path, "train")
    assert "or neither" in str(err.value)


def test_oxford_text_only_needs_captions(tmp_path):
    make_oxford_tree(tmp_path, with_audio=False)
    shutil.rmtree(tmp_path / "text_c10")
    with pytest.raises(DataRootError, match="text_c10"):
        load_oxford(tmp_path, "train")


def test_oxford_json_item_with_missing_wav(tmp_path):
    tree = make_oxford_tree(tmp_path)
    wav = tree.wavs[tree.keys["train"][0]][0]
    wav.unlink()
    with pytest.raises(DataRootError, match=str(wav)):
        load_oxford(tmp_path, "train")


def test_oxford_json_captions_must_match_the_wavs(tmp_path):
    make_oxford_tree(tmp_path)
    _edit_first_item(tmp_path / "train.json", lambda item: item.update(text=item["text"][:2]))
    with pytest.raises(DataFormatError, match=r"train\.json: data\[0\]\['text'\] has 2 captions but 'wav' has 10 wavs"):
        load_oxford(tmp_path, "train")


# ---------------------------------------------------------------- Places audio captions


@pytest.mark.parametrize("absolute_paths", [False, True])
def test_places_both_splits(tmp_path, absolute_paths):
    tree = make_places_tree(tmp_path, absolute_paths=absolute_paths)
    for split in SPLITS:
        records = load_places(tmp_path, split)
        assert len(records) == 6
        assert_matches_tree(records, tree, split, with_audio=True)
        for r in records:
            assert r.class_name in PLACES_CLASSES
            assert r.label == sorted(PLACES_CLASSES).index(r.class_name)


def test_places_record_example(tmp_path):
    make_places_tree(tmp_path)
    first = load_places(tmp_path, "train")[0]
    assert (first.key, first.class_name, first.label) == ("A0000-GSUN_TRAIN0", "bedroom", 0)
    assert first.captions == ["a bedroom with a table number 0"]
    assert first.image == tmp_path / "images/b/bedroom/gsun_train0000.jpg"
    assert first.wavs == [tmp_path / "audio/wavs/0/utterance_0.wav"]


def test_places_all_classes(tmp_path):
    make_places_tree(tmp_path)
    records = load_places(tmp_path, "train", classes=None)
    assert len(records) == 7
    names = sorted({r.class_name for r in records})
    assert names == ["airport_terminal", "bedroom", "kitchenette", "living_room"]
    assert all(r.label == names.index(r.class_name) for r in records)


def test_places_named_json_and_subset(tmp_path):
    make_places_tree(tmp_path, test_name="my_eval.json")
    with pytest.raises(DataRootError, match="test.json"):
        load_places(tmp_path, "test")
    records = load_places(tmp_path, "test", json_file="my_eval.json", classes=["kitchenette", "bedroom"])
    assert [r.label for r in records] == [0, 0, 1, 1] and records[2].class_name == "kitchenette"
    assert len(load_places(tmp_path, "test", json_file=tmp_path / "my_eval.json")) == 6


def test_places_davenet_metadata_folder(tmp_path):
    tree = make_places_tree(tmp_path)
    (tmp_path / "metadata").mkdir()
    (tmp_path / "val.json").rename(tmp_path / "metadata/val.json")
    assert [r.key for r in load_places(tmp_path, "test")] == tree.keys["test"]


def test_places_no_item_in_classes(tmp_path):
    make_places_tree(tmp_path)
    with pytest.raises(DataFormatError, match="no item belongs"):
        load_places(tmp_path, "train", classes=["beach"])


def test_places_missing_root(tmp_path):
    with pytest.raises(DataRootError) as err:
        load_places(tmp_path / "placez", "train")
    assert str(tmp_path / "placez") in str(err.value) and "DATA_ROOT=/path/to/places" in str(err.value)


def test_places_missing_json(tmp_path):
    with pytest.raises(DataRootError, match=str(tmp_path / "train.json")):
        load_places(tmp_path, "train")


def test_places_json_item_with_missing_wav(tmp_path):
    tree = make_places_tree(tmp_path)
    wav = tree.wavs[tree.keys["test"][2]][0]
    wav.unlink()
    with pytest.raises(DataRootError) as err:
        load_places(tmp_path, "test")
    assert str(wav) in str(err.value) and "val.json" in str(err.value)


def test_places_json_without_base_paths(tmp_path):
    (tmp_path / "train.json").write_text(json.dumps({"data": []}))
    with pytest.raises(DataFormatError, match="image_base_path"):
        load_places(tmp_path, "train")


def test_scene_class():
    assert scene_class("b/bedroom/gsun_1.jpg") == "bedroom"
    assert scene_class("/data/images256/a/apartment_building/outdoor/x.jpg") == "apartment_building/outdoor"
    assert scene_class("living_room/x.jpg") == "living_room"


# ---------------------------------------------------------------- all loaders


@pytest.mark.parametrize("load", [load_cub, load_oxford, load_places])
def test_bad_split_name(tmp_path, load):
    with pytest.raises(ValueError, match="'val'"):
        load(tmp_path, "val")


# --- text-only caption files (caption_files.read_caption_files): every problem names its file ---------------

def text_only(tmp_path, dataset):
    """A text-only tree, its loader and the caption file of its first train image."""
    if dataset == "cub":
        tree = make_cub_tree(tmp_path, with_audio=False)
        return tree, load_cub, tmp_path / "text_c10" / f"{tree.keys['train'][0]}.txt"
    tree = make_oxford_tree(tmp_path, with_audio=False)
    return tree, load_oxford, tmp_path / "text_c10" / f"{tree.keys['train'][0]}.txt"


@pytest.mark.parametrize("dataset", ["cub", "oxford"])
def test_text_only_records_name_their_caption_file_and_keep_the_first_ten(tmp_path, dataset):
    tree, load, first = text_only(tmp_path, dataset)
    first.write_text("\n".join(tree.captions[tree.keys["train"][0]] + ["an eleventh caption", ""]) + "\n\n")
    records = load(tmp_path, "train")
    assert records[0].caption_file == first and records[0].captions == tree.captions[tree.keys["train"][0]]


@pytest.mark.parametrize("dataset", ["cub", "oxford"])
@pytest.mark.parametrize("content, message", [
    ("", ": no caption (the file is empty)"),
    ("\n  \n", ": no caption (the file is empty)"),
    ("a red bird\n" * 7, ": 7 captions, fewer than the 10 every image needs"),
    ("a red bird\n" * 4 + "...\n" + "a red bird\n" * 5, ":5: '...' has no letter or digit a voice can read"),
    ("a red bird\n" * 9 + "这只鸟是红色的\n", ":10: '这只鸟是红色的' has no letter or digit a voice can read"),
])
def test_a_bad_caption_file_is_named_with_its_line_and_the_fix(tmp_path, dataset, content, message):
    _, load, first = text_only(tmp_path, dataset)
    first.write_text(content, encoding="utf-8")
    with pytest.raises(DataFormatError) as err:
        load(tmp_path, "train")
    assert f"{first}{message}" in str(err.value) and "fix: edit the files listed" in str(err.value)


def test_every_bad_caption_file_is_listed_at_once(tmp_path):
    tree, _, _ = text_only(tmp_path, "cub")
    for key in tree.keys["train"]:
        (tmp_path / "text_c10" / f"{key}.txt").write_text("")
    with pytest.raises(DataFormatError, match=f"^{len(tree.keys['train'])} problems in the caption files"):
        load_cub(tmp_path, "train")


@pytest.mark.parametrize("dataset", ["cub", "oxford"])
def test_a_missing_caption_file_is_named(tmp_path, dataset):
    _, load, first = text_only(tmp_path, dataset)
    first.unlink()
    with pytest.raises(DataRootError, match=f"caption file not found: {first}"):
        load(tmp_path, "train")


def test_accented_captions_are_kept_as_written(tmp_path):
    tree, _, first = text_only(tmp_path, "cub")
    first.write_text("a café-coloured bird with a naïve look\n" * 10, encoding="utf-8")
    assert load_cub(tmp_path, "train")[0].captions[0] == "a café-coloured bird with a naïve look"
