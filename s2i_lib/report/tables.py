"""The one table writer: a table's rows, the paper's claims read on them and what produced them (the run
details: data, networks, seeds, times, machine, versions), as `<stem>.md` and `<stem>.csv`."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..data.summary import markdown_table, write_csv


def machine() -> str:
    """The CPU model, its vector extensions that matter for speed, and the core count (beside every time)."""
    model, flags = "unknown CPU", set()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name") and model == "unknown CPU":
                model = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    extensions = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16") if f in flags]
    return f"{model} ({', '.join(extensions) or 'no AVX2'}), {os.cpu_count()} cores"


HOST_SPEED = "host fp32 GFLOP/s"


def host_speed(size: int = 1024, repeats: int = 10) -> float:
    """GFLOP/s of one fixed fp32 matrix product (`size` x `size`) on torch's threads, best of `repeats`: two hosts
    that `machine()` names alike ran the GAN step 1.65x apart, so a benchmark row carries this probe, measured in its
    own run, beside the model string (docs/running.md, "Timing on shared hosts")."""
    generator = torch.Generator().manual_seed(0)
    a, b = (torch.randn(size, size, generator=generator) for _ in range(2))
    torch.mm(a, b)                                                  # first call: oneDNN's set-up, not timed
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b)
        seconds.append(time.perf_counter() - start)
    return round(2 * size ** 3 / min(seconds) / 1e9, 1)


def host_columns() -> dict:
    """A benchmark row's machine: `cpu` (the model string) and `HOST_SPEED` (the probe, measured now)."""
    return {"cpu": machine(), HOST_SPEED: host_speed()}


def versions() -> str:
    return f"torch {torch.__version__}, numpy {np.__version__}"


def write_table(folder: Path, stem: str, heading: str, rows: list[dict], claims: list[dict],
                details: dict) -> list[Path]:
    """`<stem>.md` (heading, table, the paper's claims read, run details) and `<stem>.csv` (the rows) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"# {heading}", "", markdown_table(rows), "", "## The paper's claims, read on these numbers",
             "", markdown_table(claims) if claims else "(no pair of systems measured)", "", "## Run details", ""]
    lines += [f"- {name}: {value}" for name, value in details.items()]
    (folder / f"{stem}.md").write_text("\n".join(lines) + "\n")
    write_csv(rows, folder / f"{stem}.csv")
    return [folder / f"{stem}.md", folder / f"{stem}.csv"]


@dataclass
class Table:
    """One table as measured: the results files' `stem`, its heading, rows, the paper's claims read on them and
    the run details; `write` adds the machine and versions that wrote it (a table combined over seeds lists each
    seed's own in its details) and writes them (`write_table`)."""
    stem: str
    heading: str
    rows: list[dict]
    claims: list[dict]
    details: dict[str, str]

    def write(self, folder: Path) -> list[Path]:
        return write_table(folder, self.stem, self.heading, self.rows, self.claims,
                           {**self.details, "written on": machine(), "versions": versions()})
