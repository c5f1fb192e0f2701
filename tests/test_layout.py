"""The library's layers import one way (config <- audio, checkpoint ... <- data, models <- losses, metrics <- report
<- train <- pipeline <- study <- the command line), and no tracked file cites a reference outside the repository."""
from __future__ import annotations

import ast
import json
import re
import subprocess
from pathlib import Path

import pytest

from s2i_lib.config import REPO_ROOT, profile_table

LAYER = {"config": -1, "audio": 0, "checkpoint": 0, "asr": 0, "progress": 0, "degrade": 0, "draws": 0, "__init__": 0,
         "data": 1, "models": 1,
         "losses": 2, "metrics": 2, "generate": 2, "plots": 2, "report": 2.5,
         "train": 3, "translate": 3.5, "pipeline": 4, "study": 4.5, "__main__": 5}


def imported_parts(path: Path) -> set[str]:
    """The first s2i_lib component of every s2i_lib module that `path` imports."""
    package = path.relative_to(REPO_ROOT).parts[:-1]            # ("s2i_lib", ...)
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[:len(package) - node.level + 1]) + (node.module or "").split(".")
            elif (node.module or "").startswith("s2i_lib"):
                base = node.module.split(".")
            else:
                continue
            parts = [p for p in base if p][1:]
            names = parts or [a.name for a in node.names]
            out.update({names[0]} if parts else set(names))
        elif isinstance(node, ast.Import):
            out.update(a.name.split(".")[1] for a in node.names if a.name.startswith("s2i_lib."))
    return out


@pytest.mark.parametrize("path", sorted((REPO_ROOT / "s2i_lib").rglob("*.py")), ids=lambda p: p.name)
def test_imports_go_one_way(path):
    own = path.relative_to(REPO_ROOT / "s2i_lib").parts[0].removesuffix(".py")
    for part in imported_parts(path) - {own}:
        assert LAYER[part] < LAYER[own], f"{path} ({own}, layer {LAYER[own]}) imports {part} (layer {LAYER[part]})"


# The planning notes this project was started from live outside the repository; the code cites docs/ instead.
OUTSIDE = re.compile(r"anchors\.md|(?<![/`\[(])offline-assets\.md|DESIGN\.md|\.\./shared")


def test_no_tracked_file_cites_a_file_outside_the_repository():
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO_ROOT,
                           capture_output=True, text=True, check=True).stdout
    for name in files.splitlines():
        path = REPO_ROOT / name
        if path.suffix in {".py", ".md", ".ipynb", ".toml", ".yml", ".sh", ""} and path.is_file() \
                and name != "tests/test_layout.py":
            found = OUTSIDE.search(path.read_text(errors="ignore"))
            assert found is None, f"{name} cites {found.group()}, a file outside the repository"


def test_readme_profile_table_is_the_configs():
    assert profile_table() in (REPO_ROOT / "README.md").read_text()


NOTEBOOK_ENTRY_POINTS = {"s2i_lib.config", "s2i_lib.data", "s2i_lib.metrics", "s2i_lib.plots", "s2i_lib.report",
                         "s2i_lib.pipeline", "s2i_lib.study", "s2i_lib.translate"}


@pytest.mark.parametrize("path", sorted((REPO_ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_call_the_library_through_a_handful_of_entry_points(path):
    sources = [line for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "code"
               for line in "".join(cell["source"]).splitlines()]
    used = {line.split()[1] for line in sources if re.match(r"(from|import) s2i_lib", line)}
    assert used <= NOTEBOOK_ENTRY_POINTS, f"{path.name} imports {sorted(used - NOTEBOOK_ENTRY_POINTS)}"


# What a notebook's `for` statement would range over if it assembled a table itself (the study's entry points do).
TABLE_LOOP = re.compile(r"\b(systems?|seeds?|SYSTEMS|STANDIN_SYSTEMS|TABLE3_SYSTEMS|LOSS_VARIANTS|SCALES|variants|"
                        r"results|measures|standin)\b")


@pytest.mark.parametrize("path", sorted((REPO_ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_narrate_and_call_the_study_without_assembling_tables(path):
    cells = [ast.parse("".join(cell["source"])) for cell in json.loads(path.read_text())["cells"]
             if cell["cell_type"] == "code"]
    loops = [ast.unparse(node.iter) for tree in cells for node in ast.walk(tree) if isinstance(node, ast.For)]
    assert not [it for it in loops if TABLE_LOOP.search(it)], f"{path.name} loops over systems or seeds: {loops}"
    details = [node for tree in cells for node in ast.walk(tree) if isinstance(node, ast.Assign)
               and any(isinstance(t, ast.Name) and t.id == "details" for t in node.targets)]
    assert not details, f"{path.name} writes run details itself"


# A stage writes its run only through the helpers of `pipeline.runs` (`Run.made`, `computed`, `measured`).
@pytest.mark.parametrize("path", sorted((REPO_ROOT / "s2i_lib").rglob("*.py")), ids=lambda p: p.name)
def test_only_the_run_helpers_open_and_finish_runs(path):
    if path.name == "runs.py":
        return
    calls = re.findall(r"\.(?:open|finish)\(\)|\.finish\(", path.read_text())
    assert not calls, f"{path} opens or finishes a run itself: use Run.made / computed / measured"


# Every table the results' write-up shows at `default`, as the notebook wrote it (the table and its claims' readings).
COMMITTED_TABLES = ["table2.md", "table3_standin.md", "table4.md", "table5.md"]
DEFAULT_RESULTS = REPO_ROOT / "results" / "birds" / "default"


@pytest.mark.parametrize("name", COMMITTED_TABLES)
def test_the_write_ups_tables_and_their_claims_are_the_committed_default_runs(name):
    written = (DEFAULT_RESULTS / name).read_text()
    tables = [block for block in written.split("\n\n") if block.startswith("| ")]
    assert len(tables) == 2                                          # the table and the claims' readings
    write_up = (DEFAULT_RESULTS / "README.md").read_text()
    for table in tables:
        assert table.strip() in write_up, f"results/birds/default/README.md's table differs from {name}"


def test_readme_fits_on_a_screen_and_links_files_that_exist():
    text = (REPO_ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 150
    long = [line for line in text.splitlines() if len(line) > 120 and not line.startswith("|")]
    assert not long, f"README lines over 120 characters outside tables: {long[:2]}"
    for target in re.findall(r"\]\(([^)#]+)\)", text):
        assert (REPO_ROOT / target).exists(), f"README links {target}, which does not exist"


def test_readme_table3_is_marked_as_a_stand_in():
    assert "not real speech" in (REPO_ROOT / "results" / "birds" / "default" / "table3_standin.md").read_text()


def test_shown_paths_hold_no_machine_prefix(monkeypatch, tmp_path):
    from s2i_lib.config import shown
    monkeypatch.delenv("S2I_ARTIFACTS", raising=False)
    assert shown(REPO_ROOT / "results" / "x.csv") == "results/x.csv"
    assert shown(tmp_path / "elsewhere.csv") == str(tmp_path / "elsewhere.csv")     # nothing to shorten it by
    monkeypatch.setenv("S2I_ARTIFACTS", str(tmp_path / "store"))
    assert shown(tmp_path / "store" / "birds" / "run") == "$S2I_ARTIFACTS/birds/run"
    assert shown(REPO_ROOT / "results" / "x.csv") == "results/x.csv"


def tracked(*patterns: str) -> list[Path]:
    """The repository's tracked files matching git pathspecs (an ignored smoke run's outputs are not committed)."""
    names = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *patterns],
                           cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.split()
    return sorted(REPO_ROOT / name for name in names)


@pytest.mark.parametrize("path", tracked("notebooks/*.ipynb", "results/*.ipynb"),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_notebooks_hold_no_machine_paths(path):
    found = re.search(r"(/work/|/root/|/home/|/tmp/)[^\s\"]*", path.read_text())
    assert found is None, f"{path.name} shows the machine path {found.group()}: print paths with config.shown()"
