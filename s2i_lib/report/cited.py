"""Every number of the paper the study shows, in one place (docs/published-numbers.md), always as cited text.

They are shown beside ours for the data set a built-in or real one stands for, never compared with ours as if
measured alike (other data, networks and resolution).
"""
from __future__ import annotations

PAPER_DATASET = {"birds": "CUB-200", "cub": "CUB-200", "flowers": "Oxford-102", "oxford": "Oxford-102"}
# Table II: (IS mean, IS std, FID) per system; StackGAN-v1 is cited only.
TABLE2 = {
    "CUB-200": {"two_stage": (4.04, 0.04, 20.85), "classifier": (3.68, 0.04, 43.76), "tsl": (4.09, 0.04, 18.37),
                "text": (4.04, None, 15.37), "stackgan_v1": (3.70, 0.04, 51.89)},
    "Oxford-102": {"two_stage": (3.23, 0.06, 57.73), "classifier": (3.30, 0.06, 64.75), "tsl": (3.23, 0.05, 54.76),
                   "text": (3.26, 0.01, 48.68), "stackgan_v1": (3.20, 0.01, 55.28)},
}
# Table III: FID per system on the Places-Subset (7 scenes, 128 x 128, real speech).
TABLE3_FID = {"two_stage": 64.59, "classifier": 232.39, "tsl": 83.06}
# Table IV: (IS mean, IS std, FID) per loss variant.
TABLE4 = {
    "CUB-200": {"norm": (3.71, 0.05, 27.45), "norm+jel": (4.02, 0.04, 16.75), "tsl": (4.11, 0.05, 18.70)},
    "Oxford-102": {"norm": (2.81, 0.04, 66.84), "norm+jel": (3.22, 0.03, 58.19), "tsl": (3.23, 0.05, 57.11)},
}
# Table V: largest side -> (IS mean, IS std, FID).
TABLE5 = {
    "CUB-200": {64: (3.45, 0.04, 70.18), 128: (3.98, 0.04, 28.25), 256: (4.11, 0.05, 18.70)},
    "Oxford-102": {64: (2.82, 0.04, 70.95), 128: (3.27, 0.06, 63.35), 256: (3.23, 0.05, 57.11)},
}
TABLES = {"II": TABLE2, "IV": TABLE4, "V": TABLE5}


def paper_dataset(dataset: str, table: str = "II") -> str:
    """The paper's data set that `dataset` stands for, or a note that the table has none."""
    return PAPER_DATASET.get(dataset, f"no Table {table} data set")


def cited_is_fid(numbers: tuple | None) -> dict[str, str]:
    """A paper row's (IS mean, IS std or None, FID) as cited text columns ("" when the paper has no such row)."""
    if numbers is None:
        return {"paper IS (cited)": "", "paper FID (cited)": ""}
    mean, std, fid = numbers
    return {"paper IS (cited)": f"{mean:.2f}" + ("" if std is None else f" ± {std:.2f}"),
            "paper FID (cited)": f"{fid:.2f}"}


def cited(table: str, dataset: str, row) -> dict[str, str]:
    """The paper's IS and FID of `row` (a system, a loss variant, a largest side) in Table `table` ("II", "IV"
    or "V") on the data set `dataset` stands for, as cited text ("" where the paper has none)."""
    return cited_is_fid(TABLES[table].get(PAPER_DATASET.get(dataset, ""), {}).get(row))


def cited_table3(system: str) -> str:
    """The paper's Table III FID of `system` (Places-Subset), as cited text ("" where the paper has none)."""
    return f"{TABLE3_FID[system]:.2f}" if system in TABLE3_FID else ""
