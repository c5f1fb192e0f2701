"""The validation view: choices are measured on classes carved from the train split, never on test classes."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from s2i_lib.config import get_profile
from s2i_lib.data.prepare import PreparedData, validation_view
from s2i_lib.data.records import Record


def data_with(train_classes: int, dataset: str = "birds", seed: int = 0, per_class: int = 3) -> PreparedData:
    def records(split, labels):
        return [Record(key=f"{split}{c}_{j}", image=Path(f"{c}_{j}.png"), label=c, class_name=str(c), split=split,
                       captions=[], wavs=[]) for c in labels for j in range(per_class)]
    test = range(1000, 1003) if dataset != "places" else range(train_classes)
    return PreparedData(dataset, get_profile("smoke"), seed, Path("."),
                        {"train": records("train", range(train_classes)), "test": records("test", test)}, None)


def test_a_fifth_of_the_train_classes_is_held_out_and_no_test_class_enters():
    data = data_with(150)
    view = validation_view(data)
    fit, val = ({r.label for r in view.records[s]} for s in ("train", "test"))
    assert len(val) == 30 and len(fit) == 120 and not fit & val
    assert fit | val == {r.label for r in data.records["train"]}
    assert not (fit | val) & {r.label for r in data.records["test"]}
    assert view.view["held_out"] == sorted(val)
    assert len(validation_view(data_with(82)).view["held_out"]) == 16          # flowers
    assert len(validation_view(data_with(6)).view["held_out"]) == 2            # smoke


def test_the_view_is_seeded_and_keyed_apart_from_the_full_data():
    data = data_with(150)
    assert validation_view(data).view == validation_view(data).view
    assert validation_view(replace(data, seed=1)).view != validation_view(data).view
    assert validation_view(data).identity() != data.identity()
    assert validation_view(data).identity()["view"]["kind"] == "validation classes"


def test_places_holds_out_images_since_its_scenes_are_shared():
    view = validation_view(data_with(7, "places", per_class=10))
    assert view.view["kind"] == "validation images" and len(view.records["test"]) == 14
    assert {r.key for r in view.records["train"]}.isdisjoint(r.key for r in view.records["test"])


def test_too_few_classes_and_a_view_of_a_view_are_refused():
    with pytest.raises(ValueError, match="too few"):
        validation_view(data_with(3))
    with pytest.raises(ValueError, match="already"):
        validation_view(validation_view(data_with(10)))
