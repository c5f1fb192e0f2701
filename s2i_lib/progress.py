"""Progress bars a person can follow both in JupyterLab and in a headless papermill log.

In a notebook `tqdm.auto` draws a widget; papermill's log records only the widget's first text form, a bar
stuck at 0%. With `S2I_PROGRESS=log` (set by the Makefile's headless targets) every bar is plain text, written
as one line per update at most every `LOG_INTERVAL` seconds (with the rate and the time left), which the log
keeps in order.
"""
from __future__ import annotations

import os
import sys

from tqdm.auto import tqdm as _auto
from tqdm.std import tqdm as _text

LOG_INTERVAL = 30.0


class _Lines:
    """A stream that turns tqdm's carriage-return redraws into whole lines on stderr."""

    def write(self, text: str) -> None:
        text = text.replace("\r", "").strip()
        if text:
            sys.stderr.write(text + "\n")

    def flush(self) -> None:
        sys.stderr.flush()


class _LogBar(_text):
    """A text bar whose postfix waits for the next timed line (tqdm redraws on every `set_postfix` otherwise)."""

    def set_postfix(self, ordered_dict=None, refresh=True, **kwargs):
        super().set_postfix(ordered_dict, refresh=False, **kwargs)


def tqdm(*args, **kwargs):
    """`tqdm.auto.tqdm`, or under `S2I_PROGRESS=log` a text bar that logs a line every `LOG_INTERVAL` s."""
    if os.environ.get("S2I_PROGRESS") != "log":
        return _auto(*args, **kwargs)
    kwargs.update(file=_Lines(), mininterval=LOG_INTERVAL, ascii=True, ncols=100, leave=True)
    return _LogBar(*args, **kwargs)
