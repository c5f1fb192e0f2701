"""environment.yml must pin exactly what pyproject.toml pins, so conda and pip users get the same stack, and
torch, torchvision and torchaudio must be versions released together."""
from __future__ import annotations

import re
import tomllib

from s2i_lib.config import REPO_ROOT


def test_conda_environment_pins_match_pyproject():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    pins = set(project["dependencies"]) | {p for group in project["optional-dependencies"].values() for p in group}
    conda = set(re.findall(r"^\s+- ([A-Za-z0-9_.-]+==[^\s]+)$", (REPO_ROOT / "environment.yml").read_text(), re.M))
    assert pins == conda
    assert all("==" in p for p in pins), "every dependency is pinned exactly"
    version = {p.split("==")[0]: tuple(map(int, p.split("==")[1].split(".")[:2])) for p in pins}
    torch = version["torch"]                        # the three are released together: 2.N, 0.(N + 15), 2.N
    assert version["torchvision"] == (0, torch[1] + 15) and version["torchaudio"] == torch
