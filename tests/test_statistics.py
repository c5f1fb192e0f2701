"""Training seeds as the unit of replication (docs/statistics.md): the between-seed error, paired readings and
the equivalence test on hand-computed cases; per-seed results files written, read, skipped when half-finished
and refused when damaged; Table II combined from committed seeds alone."""
from __future__ import annotations

import json
import math

import pytest

from s2i_lib.metrics.uncertainty import (EQUIVALENT, HELD, NOT_EQUIVALENT, NOT_HELD, UNDETERMINED, WITHIN_NOISE,
                                         Estimate, OverSeeds, over_seeds, read_beats, read_claim, read_equivalence)
from s2i_lib.report.claims import COARSE
from s2i_lib.report import GAN_MEASURES, SeedResults, combine, paired, read_seed_claims, read_seeds, write_seed
from s2i_lib.report.measures import measure

T_975_2, T_95_2 = 4.302652729749464, 2.919985580355516     # t quantiles with 2 degrees of freedom


def test_over_seeds_mean_between_seed_error_and_evaluation_noise():
    three = over_seeds([Estimate(10, 1), Estimate(12, 1), Estimate(14, 1)])
    assert (three.n, three.mean) == (3, 12)
    assert three.spread == pytest.approx(2 / math.sqrt(3))          # std 2 (ddof 1) / sqrt 3
    assert three.noise == pytest.approx(math.sqrt(3) / 3)           # sqrt(1 + 1 + 1) / 3
    assert three.error == three.spread and not three.provisional     # three seeds: final
    assert OverSeeds((1.0, 2.0), 0.1).provisional                    # two: provisional
    low, high = three.interval(0.95)
    assert (low, high) == pytest.approx((12 - T_975_2 * 2 / math.sqrt(3), 12 + T_975_2 * 2 / math.sqrt(3)))
    one = over_seeds([Estimate(5, 0.5)])
    assert math.isnan(one.spread) and one.error == 0.5 and one.provisional
    assert one.interval(0.95) == (4.0, 6.0)                          # ± 2 evaluation errors, the one-training rule
    assert one.interval(0.90) == pytest.approx((5 - 1.6448536 * 0.5, 5 + 1.6448536 * 0.5))
    with pytest.raises(ValueError, match="no training seed"):
        over_seeds([])


def test_beats_is_read_on_the_t_interval_of_paired_differences():
    # differences ours - other of FID (lower is better) on three seeds: -3, -4, -5 -> mean -4, s.e. 1/sqrt 3;
    # half-width 4.30 x 0.577 = 2.48: the interval (-6.48, -1.52) lies on ours' side
    assert read_beats(OverSeeds((-3.0, -4.0, -5.0), 0.1), lower_is_better=True) == HELD
    assert read_beats(OverSeeds((-3.0, -4.0, -5.0), 0.1), lower_is_better=False) == NOT_HELD
    # -1, -4, 2: mean -1, s.e. sqrt 3, half-width 7.45: within noise
    assert read_beats(OverSeeds((-1.0, -4.0, 2.0), 0.1), lower_is_better=True) == WITHIN_NOISE
    # two seeds agreeing to 0.1 but with 1 degree of freedom (t 12.7): 5.0 and 5.1 -> half-width 0.635
    assert read_beats(OverSeeds((5.0, 5.1), 0.01), lower_is_better=False) == HELD
    # one training: the difference against twice the combined evaluation error (sqrt 2 x 2 = 2.83)
    assert read_claim(Estimate(10, 1), Estimate(14, 1), lower_is_better=True) == HELD
    assert read_claim(Estimate(10, 1), Estimate(12, 1), lower_is_better=True) == WITHIN_NOISE


def test_comparable_is_two_one_sided_tests_against_a_declared_margin():
    # 0.1, -0.1, 0: s.e. 0.0577, 90% half-width 2.92 x 0.0577 = 0.169 inside ± 1
    assert read_equivalence(OverSeeds((0.1, -0.1, 0.0), 0.0), margin=1.0) == EQUIVALENT
    # 5, 6, 7: the interval (4.31, 7.69) lies wholly beyond the margin
    assert read_equivalence(OverSeeds((5.0, 6.0, 7.0), 0.0), margin=1.0) == NOT_EQUIVALENT
    assert read_equivalence(OverSeeds((-5.0, -6.0, -7.0), 0.0), margin=1.0) == NOT_EQUIVALENT
    # 0, 2, -2: half-width 2.92 x 1.155 = 3.37 straddles the margin
    assert read_equivalence(OverSeeds((0.0, 2.0, -2.0), 0.0), margin=1.0) == UNDETERMINED
    # one training, 0.5 ± 0.2: 90% interval (0.171, 0.829) inside ± 1
    assert read_equivalence(OverSeeds((0.5,), 0.2), margin=1.0) == EQUIVALENT
    with pytest.raises(ValueError, match="positive"):
        read_equivalence(OverSeeds((0.5,), 0.2), margin=0.0)


def test_a_noisier_measure_no_longer_confirms_comparability_more_easily():
    """The trap the old reading fell into: "comparable" held whenever the difference was within 2 s.e., so the
    noisier the measure, the more often it held. An equivalence test says undetermined instead."""
    noisy = OverSeeds((0.5,), 2.0)                         # a difference of 0.5 with an evaluation error of 2
    assert abs(noisy.mean) <= 2 * noisy.noise              # the old rule: "held"
    assert read_equivalence(noisy, margin=1.0) == UNDETERMINED
    precise = OverSeeds((0.5,), 0.1)
    assert read_equivalence(precise, margin=1.0) == EQUIVALENT


def seeds_of(table: dict[int, dict[str, dict[str, tuple[float, float]]]]) -> dict[int, SeedResults]:
    return {s: SeedResults(s, {row: {m: Estimate(*v) for m, v in named.items()} for row, named in rows.items()}, {})
            for s, rows in table.items()}


def test_rows_combine_over_the_seeds_that_have_them_and_pairs_stay_within_a_seed():
    seeds = seeds_of({1: {"tsl": {"FID": (10.0, 1.0)}, "text": {"FID": (8.0, 1.0)}},
                      2: {"tsl": {"FID": (14.0, 1.0)}, "text": {"FID": (13.0, 1.0)}},
                      3: {"tsl": {"FID": (12.0, 2.0)}}})
    combined = combine(seeds)
    assert combined["tsl"]["FID"].values == (10.0, 14.0, 12.0) and combined["text"]["FID"].n == 2
    assert combined["tsl"]["FID"].noise == pytest.approx(math.sqrt(1 + 1 + 4) / 3)
    differences = paired(seeds, "tsl", "text", "FID")
    assert differences.values == (2.0, 1.0)                # seed 3 has no text row: not paired
    assert differences.noise == pytest.approx(math.sqrt(2 + 2) / 2)
    assert paired(seeds, "tsl", "classifier", "FID") is None


def test_seed_claims_carry_the_judge_range_the_margin_and_a_provisional_mark():
    # FID differences ours - text of 1.0 and 1.4: mean 1.2, s.e. 0.2, one degree of freedom
    seeds = seeds_of({1: {"tsl": {"FID": (21.0, 1.0), "R-precision": (0.05, 0.01)},
                          "text": {"FID": (20.0, 1.0), "R-precision": (0.06, 0.01)}},
                      2: {"tsl": {"FID": (22.0, 1.0), "R-precision": (0.05, 0.01)},
                          "text": {"FID": (20.6, 1.0), "R-precision": (0.06, 0.01)}}})
    ranges = {"FID": (10.0, 30.0), "R-precision": (0.12, 0.01)}
    fid, r = measure("FID", GAN_MEASURES), measure("R-precision", GAN_MEASURES)
    beats = read_seed_claims("ours beats text", seeds, "tsl", "text", (fid, r), ranges)
    assert [row["measure"] for row in beats] == ["FID", "R-precision (R = 100)"]
    assert beats[0]["reading"] == f"within noise (provisional: 2 seeds; {COARSE})"   # 1.2 ± 12.71 x 0.2 spans 0
    assert beats[0]["95% half-width / range"] == "0.13"                  # 12.706 x 0.2 / 20 = 0.127 > 0.10
    assert beats[1]["95% half-width / range"] == "0.00"                  # the same -0.01 on both seeds
    assert beats[0]["judge's range (ceiling -> floor)"] == "10.00 -> 30.00"
    assert beats[0]["difference / range"] == "+0.06" and beats[0]["seeds"] == 2
    assert beats[0]["difference (a - b)"] == "1.20 ± 0.20 [eval ± 1.00]"    # eval: sqrt(2 + 2) / 2
    assert beats[1]["reading"] == "not held (provisional: 2 seeds)"       # -0.01 both seeds, higher is better
    same = read_seed_claims("ours is comparable to text", seeds, "tsl", "text", (fid, r), ranges, 0.1)
    assert same[0]["equivalence margin"] == "± 2.00"                      # 0.1 x |10 - 30|
    assert same[0]["reading"] == f"undetermined (provisional: 2 seeds; {COARSE})"   # 90%: 1.2 ± 6.31 x 0.2
    assert same[1]["equivalence margin"] == "± 0.011"                     # 0.1 x 0.11, and -0.01 ± 0 inside it
    assert same[1]["reading"] == "equivalent (provisional: 2 seeds)"
    no_range = read_seed_claims("c", seeds, "tsl", "text", (fid,), {}, 0.1)
    assert no_range[0]["reading"].startswith("undetermined") and no_range[0]["equivalence margin"].startswith("none")
    assert no_range[0]["95% half-width / range"] == "" and COARSE not in no_range[0]["reading"]


def test_a_judge_too_coarse_to_tell_a_tenth_of_its_range_is_marked():
    """Table II's one training at `default`: R-precision 0.024 ± 0.005 for both systems, range 0.124 -> 0.007:
    the difference's 95% half-width 2 x sqrt(2) x 0.005 = 0.0141 is 0.12 of the range, so the reading is marked
    coarse; attribute accuracy 0.329 ± 0.007 vs 0.273 ± 0.007, range 0.994 -> 0.196: 0.0198 / 0.798 = 0.02."""
    seeds = seeds_of({1234: {"tsl": {"R-precision": (0.024, 0.005), "attributes matched": (0.329, 0.007)},
                             "two_stage": {"R-precision": (0.024, 0.005), "attributes matched": (0.273, 0.007)}}})
    ranges = {"R-precision": (0.124, 0.007), "attributes matched": (0.994, 0.196)}
    r, attributes = measure("R-precision", GAN_MEASURES), measure("attributes matched", GAN_MEASURES)
    rows = read_seed_claims("ours beats two-stage", seeds, "tsl", "two_stage", (r, attributes), ranges)
    assert [row["95% half-width / range"] for row in rows] == ["0.12", "0.02"]
    assert rows[0]["reading"] == f"within noise (provisional: 1 seed; {COARSE})"
    assert rows[1]["reading"] == "held (provisional: 1 seed)"


def test_seed_files_round_trip_exactly_and_a_half_finished_seed_never_counts(tmp_path, monkeypatch):
    measures = {"tsl": {"FID": Estimate(129.2817, 1.3712), "KID": Estimate(0.10394, 0.00164)},
                "real": {"score judge accuracy": Estimate(0.675, float("nan"))}}
    paths = write_seed(tmp_path, "table2", 1234, measures, {"machine": "test CPU"})
    assert [p.name for p in paths] == ["table2_measures.csv", "table2_record.json"]
    found = read_seeds(tmp_path, "table2")
    assert list(found) == [1234] and found[1234].record["machine"] == "test CPU"
    assert found[1234].measures["tsl"] == measures["tsl"]                      # exact floats, not rounded text
    assert math.isnan(found[1234].measures["real"]["score judge accuracy"].error)
    # a seed killed while writing: its measures file exists, its record does not
    import s2i_lib.report.seeds as seeds_module

    def dies(rows, path):
        path.write_text("row,measure,value,error\ntsl,FID,1.0,")
        raise KeyboardInterrupt
    monkeypatch.setattr(seeds_module, "write_csv", dies)
    with pytest.raises(KeyboardInterrupt):
        write_seed(tmp_path, "table2", 1235, measures, {})
    with pytest.raises(KeyboardInterrupt):                                     # rewriting a finished seed
        write_seed(tmp_path, "table2", 1234, measures, {})
    assert read_seeds(tmp_path, "table2") == {}                                # neither counts
    monkeypatch.undo()
    write_seed(tmp_path, "table2", 1234, measures, {})
    write_seed(tmp_path, "table2", 99, measures, {})
    assert list(read_seeds(tmp_path, "table2")) == [99, 1234]                  # in seed order
    record = tmp_path / "seeds" / "99" / "table2_record.json"
    record.write_text(json.dumps({**json.loads(record.read_text()), "numbers": 7}))
    with pytest.raises(ValueError, match=r"seeds/99/table2_measures.csv holds 3 numbers .* delete .*seeds/99"):
        read_seeds(tmp_path, "table2")


def test_a_seed_measured_in_parts_joins_its_rows_and_pairs_judged_measures_within_one_judging(tmp_path):
    """A seed too long for one session (run folders do not outlive it) is measured in parts: ours in one call,
    the text system in another on another machine, whose judges were trained again. Each part's rows replace
    those rows and keep the others; FID (a fixed network's) is paired across parts, the in-domain score (a judge
    this study trains) only between rows of one judging."""
    first, second = {"score classifier": "weights aaa, CPU 1"}, {"score classifier": "weights bbb, CPU 2"}
    ours = {"tsl": {"FID": Estimate(126.0, 1.2), "score": Estimate(3.1, 0.15)},
            "real": {"FID": Estimate(18.0, 0.6)}}
    record = {"evaluation version": 4, "data": "birds", "machine": "CPU 1", "judges": first,
              "GANs": {"tsl 1235": {"run": "tsl-1"}}}
    write_seed(tmp_path, "table2", 1235, ours, record, merge=True)            # the first part: nothing to join
    text = {"text": {"FID": Estimate(121.0, 1.2), "score": Estimate(2.8, 0.16)}, "real": {"FID": Estimate(19.0, 0.6)}}
    write_seed(tmp_path, "table2", 1235, text, {**record, "machine": "CPU 2", "judges": second,
                                                 "GANs": {"text 1235": {"run": "text-1"}}}, merge=True)
    seed = read_seeds(tmp_path, "table2")[1235]
    assert seed.measures["tsl"] == ours["tsl"] and seed.measures["text"] == text["text"]
    assert seed.measures["real"]["FID"] == Estimate(19.0, 0.6)                 # the newer part's real row
    assert seed.record["GANs"] == {"tsl 1235": {"run": "tsl-1"}, "text 1235": {"run": "text-1"}}
    assert [(p["rows"], p["machine"]) for p in seed.record["parts"]] == [(["tsl"], "CPU 1"), (["text", "real"], "CPU 2")]
    assert paired({1235: seed}, "tsl", "text", "FID").values == (pytest.approx(5.0),)
    assert paired({1235: seed}, "tsl", "text", "score", same_judges=True) is None
    assert paired({1235: seed}, "tsl", "text", "score").values == (pytest.approx(0.3),)
    rows = read_seed_claims("ours beats text", {1235: seed}, "tsl", "text", GAN_MEASURES, {})
    assert [row["measure"] for row in rows] == ["FID"]                         # the score is not read across judgings
    from s2i_lib.study.measured import parts_said
    assert parts_said(seed) == ("; measured in 2 parts: tsl on CPU 1 (?), judges: score classifier weights aaa; "
                                "text, real on CPU 2 (?), judges: score classifier weights bbb")
    # a seed written whole is one part, one judging: its judged measures pair
    write_seed(tmp_path, "table2", 1234, {**ours, **text}, record)
    whole = read_seeds(tmp_path, "table2")[1234]
    assert paired({1234: whole}, "tsl", "text", "score", same_judges=True).values == (pytest.approx(0.3),)
    assert parts_said(whole) == "; judges: score classifier weights aaa"
    assert parts_said(SeedResults(7, whole.measures, {})) == ""                # written before judges were recorded
    # parts of two evaluation versions are never joined
    with pytest.raises(ValueError, match=r"seeds/1235 holds rows measured with evaluation version 4, this part 5: "
                                         r"measure every system of seed 1235 again"):
        write_seed(tmp_path, "table2", 1235, text, {**record, "evaluation version": 5}, merge=True)


def test_seeds_of_an_older_evaluation_are_left_out_and_named(tmp_path, capsys):
    """Numbers of two evaluation protocols are never averaged: with seeds of versions 3 and 4 committed, only the
    version 4 seeds are read, and a line names the others; a record without a version counts as the oldest."""
    measures = {"tsl": {"FID": Estimate(129.0, 1.0)}}
    write_seed(tmp_path, "table2", 1234, measures, {"evaluation version": 3})
    assert list(read_seeds(tmp_path, "table2")) == [1234] and capsys.readouterr().out == ""
    write_seed(tmp_path, "table2", 7, measures, {})
    assert list(read_seeds(tmp_path, "table2")) == [1234]
    assert "seed 7 was measured by an older evaluation than version 3" in capsys.readouterr().out
    write_seed(tmp_path, "table2", 1235, measures, {"evaluation version": 4})
    write_seed(tmp_path, "table2", 1236, measures, {"evaluation version": 4})
    assert list(read_seeds(tmp_path, "table2")) == [1235, 1236]
    assert "seeds 7, 1234 were measured by an older evaluation than version 4 and left out of table2" in \
        capsys.readouterr().out


def test_table2_is_combined_from_committed_seeds_alone(tmp_path, monkeypatch):
    """`make combine-table2`: no data set, no run, only the seeds' files (they may come from other machines)."""
    from s2i_lib.study import combine_table2
    from s2i_lib.study.measured import gan_rows
    monkeypatch.setenv("S2I_RESULTS", str(tmp_path))
    folder = tmp_path / "birds" / "default"

    def system(fid):
        return {"FID": Estimate(fid, 1.0), "KID": Estimate(0.1, 0.002), "score": Estimate(2.5, 0.1),
                "R-precision": Estimate(0.02, 0.005), "attributes matched": Estimate(0.3, 0.007),
                "FID shuffled": Estimate(fid, 1.0), "attributes shuffled": Estimate(0.2, 0.006),
                "attributes real": Estimate(0.99, 0.001)}
    real = {"FID": Estimate(18.0, 0.5), "KID": Estimate(0.0, 0.0003), "score": Estimate(6.0, 0.3),
            "R-precision": Estimate(0.12, 0.009), "score classifier accuracy": Estimate(0.68, float("nan"))}
    for seed, shift in ((1234, 0.0), (1235, 3.0)):
        measures = {"tsl": system(129 + shift), "two_stage": system(128 + shift), "classifier": system(158 + shift),
                    "text": system(115 + shift)}
        fed = {"embeddings": "tsl-e", "embeddings training": "weights 40f39958c316, CPU, torch t, today"}
        write_seed(folder, "table2", seed, gan_rows(measures, real),
                   {"machine": f"CPU {seed}", "written": "today", "data": "birds, profile default",
                    "GANs": {"tsl GAN seed 1": {"train minutes": 36.0, "precision": "float32", "training": "x",
                                                **(fed if seed == 1235 else {"embeddings": "tsl-e"})}}})
    table = combine_table2("birds", "default")
    ours = next(r for r in table.rows if r["system"].startswith("ours: "))
    assert ours["training seeds"] == 2 and ours["FID"] == "130.50 ± 1.50 [eval ± 0.71]"   # std 2.12 / sqrt 2
    readings = {(c["claim"], c["measure"]): c["reading"] for c in table.claims}
    assert readings[("teacher-student beats classifier-based", "FID")] == "held (provisional: 2 seeds)"
    assert all("provisional: 2 seeds" in c["reading"] for c in table.claims)
    assert "CPU 1234" in table.details["seed 1234"] and "CPU 1235" in table.details["seed 1235"]
    # which encoder training fed a GAN: the embeddings' hash where the record has it (two trainings of one key)
    assert "tsl GAN seed 1: 36.0 min (float32; x; fed tsl-e, weights 40f39958c316)" in table.details["seed 1235"]
    assert "tsl GAN seed 1: 36.0 min (float32; x)" in table.details["seed 1234"]
    assert table.details["training seeds"] == "1234, 1235"
    written = table.write(folder)
    assert "(provisional: 2 seeds)" in written[0].read_text()


def test_the_table_commands_measure_the_seeds_they_are_given_and_write_the_table(tmp_path, monkeypatch, capsys):
    """`python -m s2i_lib table2 --train-seeds 1235 1236` (notebook 03 without its notebook, for seeds run in the
    background or on other machines) passes its seeds to `study.table2` and writes the combined table; `table4` and
    `table5` pass theirs to `study.table4` and `study.table5`."""
    import importlib
    from types import SimpleNamespace

    import s2i_lib.study as study
    from s2i_lib.__main__ import main
    asked = {}

    class Written:
        stem, details = "table2", {"training seeds": "1234, 1235, 1236"}

        def write(self, folder):
            return [folder / "table2.md"]
    monkeypatch.setattr(importlib.import_module("s2i_lib.data.prepare"), "prepare",
                        lambda *args: asked.update(prepare=args) or SimpleNamespace(results=tmp_path))
    monkeypatch.setattr(study, "table2", lambda data, **kw: asked.update(table2=kw) or SimpleNamespace(table=Written()))
    main(["table2", "--profile", "smoke", "--train-seeds", "1235", "1236", "--device", "cpu"])
    assert asked["prepare"] == ("birds", "smoke", None, 0, 2)
    assert asked["table2"] == {"train_seeds": [1235, 1236], "gan_seeds": (), "seed_systems": (), "systems": (),
                               "seed": 0, "device": "cpu"}
    main(["table2", "--profile", "smoke", "--train-seeds", "1235", "--systems", "tsl", "--device", "cpu"])
    assert asked["table2"]["systems"] == ["tsl"]                     # a part of seed 1235
    assert "table2 over training seeds 1234, 1235, 1236: " in capsys.readouterr().out
    for stage in ("table4", "table5"):
        monkeypatch.setattr(study, stage, lambda data, stage=stage, **kw: asked.update({stage: kw})
                            or SimpleNamespace(table=Written()))
        main([stage, "--profile", "smoke", "--train-seeds", "1235", "1236", "--device", "cpu"])
        assert asked[stage] == {"train_seeds": [1235, 1236], "seed": 0, "device": "cpu"}
    assert asked["prepare"] == ("birds", "smoke", None, 0, 2)
