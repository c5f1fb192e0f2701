"""Real data sets on fixture trees go through the same path as the built-in one: prepare -> fbank cache ->
SpeechImageDataset items of (image, spoken captions, class, wrong-class image)."""
from __future__ import annotations

import importlib

import pytest
from fixture_trees import make_cub_tree, make_oxford_tree, make_places_tree

from s2i_lib.data.prepare import prepare


@pytest.mark.parametrize("dataset, make_tree, captions", [
    ("cub", make_cub_tree, 10), ("oxford", make_oxford_tree, 10), ("places", make_places_tree, 1)])
def test_real_data_sets_share_the_dataset_interface(tmp_path, monkeypatch, dataset, make_tree, captions):
    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path / "artifacts"))
    tree = make_tree(tmp_path / dataset)
    data = prepare(dataset, "smoke", tree.root, workers=1, progress=False)
    assert data.fbanks is not None and not data.fbanks.failed
    assert data.fbanks.folder == tmp_path / "artifacts" / dataset / "smoke" / "seed0" / "fbank"
    for split in ("train", "test"):
        ds = data.torch_dataset(split, image_sizes=(16, 32))
        assert len(ds) == len(tree.keys[split])
        item = ds[0]
        assert [t.shape for t in item["image"]] == [(3, 16, 16), (3, 32, 32)]
        assert [t.shape for t in item["wrong_image"]] == [(3, 16, 16), (3, 32, 32)]
        assert item["speech"].shape == (captions, 40, 768)
        assert item["label"] == data.records[split][0].label
    spec = data.fbanks.get(next(iter(data.fbanks.index)))
    if dataset == "places":          # divided by its largest |value|, as the authors do for Places only
        assert data.fbanks.params.max_abs_scale and spec.min() == -1.0 and spec.max() <= 0.0
    else:                            # dB relative to the utterance's peak, floored at -80
        assert not data.fbanks.params.max_abs_scale and spec.max() == 0.0 and spec.min() >= -80.0
    assert data.disjoint_classes == (dataset != "places")


@pytest.mark.parametrize("dataset", ["cub", "birds"])
def test_a_data_root_that_is_a_file_is_named_without_a_traceback(tmp_path, monkeypatch, dataset):
    """The CLI prints the project's named errors alone (issue: a raw NotADirectoryError); S2I_DEBUG=1 raises."""
    from s2i_lib.__main__ import main
    from s2i_lib.data.errors import DataRootError

    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path / "artifacts"))
    monkeypatch.delenv("S2I_DEBUG", raising=False)
    afile = tmp_path / "notes.txt"
    afile.write_text("not a data set")
    args = ["data", "--dataset", dataset, "--profile", "smoke", "--data-root", str(afile)]
    with pytest.raises(SystemExit, match=rf"^data: DATA_ROOT {afile} is a file, not a folder: .*DATA_ROOT={tmp_path}"):
        main(args)
    monkeypatch.setenv("S2I_DEBUG", "1")
    with pytest.raises(DataRootError, match="is a file"):
        main(args)


def test_a_finished_read_only_artifacts_folder_is_read_without_its_lock(tmp_path, monkeypatch):
    """Issue: `prepare` always created `.lock`, so `translate`, `runs` and a data check failed on a read-only folder."""
    prepare_module = importlib.import_module("s2i_lib.data.prepare")      # the package exports the function

    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path / "artifacts"))
    tree = make_cub_tree(tmp_path / "cub")
    first = prepare("cub", "smoke", tree.root, workers=1, progress=False)

    def read_only_lock(*args, **kwargs):
        raise OSError(30, "Read-only file system", ".lock")
    monkeypatch.setattr(prepare_module, "folder_lock", read_only_lock)
    monkeypatch.setattr(prepare_module.os, "access", lambda path, mode: False)
    again = prepare("cub", "smoke", tree.root, workers=1, progress=False)
    assert [r.key for r in again.records["test"]] == [r.key for r in first.records["test"]]
    assert again.fbanks.index == first.fbanks.index


def test_run_keys_follow_the_content_they_read_not_where_it_lives(tmp_path, monkeypatch):
    """Issue: with a CUB tree, images and wavs replaced in place left the teacher features, encoder and
    embeddings reused under the same key; and the absolute root in every key re-keyed runs when data moved."""
    import shutil

    from fixture_trees import write_jpeg

    from s2i_lib.pipeline.teacher import teacher_run, teacher_sizes
    from s2i_lib.pipeline.transcripts import transcripts_run

    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path / "artifacts"))
    tree = make_cub_tree(tmp_path / "cub")

    def keys(root):
        data = prepare("cub", "smoke", root, workers=1, progress=False)
        return {"teacher": teacher_run(data, teacher_sizes(data)).key, "asr": transcripts_run(data).key}, data

    first, data = keys(tree.root)
    moved = shutil.copytree(tree.root, tmp_path / "elsewhere" / "cub")
    assert keys(moved)[0] == first                                              # moving re-keys nothing
    wav = data.records["train"][0].wavs[3]
    wav.write_bytes(wav.read_bytes()[:-2] + b"\x01\x00")                      # one sample changed in place
    after_wav, _ = keys(tree.root)
    assert after_wav["teacher"] == first["teacher"] and after_wav["asr"] != first["asr"]
    write_jpeg(data.records["test"][1].image, seed=99)                        # an image replaced in place
    after_image, _ = keys(tree.root)
    assert after_image["teacher"] != first["teacher"] and after_image["asr"] == after_wav["asr"]
