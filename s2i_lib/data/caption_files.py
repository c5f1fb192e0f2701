"""Reed et al.'s caption files (`text_c10/<key>.txt`, one caption per line), read for the CUB and Oxford
text-only layouts with checks that name the file, the line and the fix.

Blank lines are skipped and the first `CAPTIONS_PER_IMAGE` captions kept, as AttnGAN's loader does (both
releases have 10 per image, paper Table I). A file with fewer, or a caption without a letter or digit a voice
can read (`voices.speakable`: only punctuation, another script), is refused: every file is checked before
anything is voiced, and one `DataFormatError` lists every bad file (the first `SHOWN`) so that one pass fixes
them all. Accented letters are kept in the text and folded to ASCII only where a voice reads them
(`voices.spoken_form`); text that is not English is read with English letter-to-sound rules.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .errors import DataFormatError, missing
from .voices import speakable

CAPTIONS_PER_IMAGE = 10
SHOWN = 10


def _problems(path: Path, lines: list[tuple[int, str]]) -> list[str]:
    """What is wrong with one file's non-blank (line number, caption) pairs, as lines of a message."""
    if not lines:
        return [f"{path}: no caption (the file is empty)"]
    problems = [f"{path}:{number}: {text!r} has no letter or digit a voice can read"
                for number, text in lines[:CAPTIONS_PER_IMAGE] if not speakable(text)]
    if len(lines) < CAPTIONS_PER_IMAGE:
        problems.append(f"{path}: {len(lines)} captions, fewer than the {CAPTIONS_PER_IMAGE} every image needs")
    return problems


def read_caption_files(paths: Sequence[Path], expected: str, fix: str) -> list[list[str]]:
    """The first `CAPTIONS_PER_IMAGE` non-blank lines of each file, stripped, in order.

    A missing file is a `DataRootError` showing `expected` (the data set's tree) and `fix`; an empty file, one
    with fewer captions or a caption no voice can read is a `DataFormatError` listing every such file."""
    captions, problems = [], []
    for path in paths:
        if not path.is_file():
            raise missing(path, expected, fix, "caption file")
        text = path.read_text(encoding="utf-8", errors="replace")
        lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
        problems += _problems(path, lines)
        captions.append([line for _, line in lines[:CAPTIONS_PER_IMAGE]])
    if problems:
        shown = "\n  ".join(problems[:SHOWN]) + (f"\n  ... and {len(problems) - SHOWN} more" if len(problems) > SHOWN
                                                  else "")
        raise DataFormatError(f"{len(problems)} problems in the caption files:\n  {shown}\nfix: edit the files listed "
                              f"so that each holds {CAPTIONS_PER_IMAGE} captions, one per line, in English spelling "
                              f"(accented letters are fine)")
    return captions
