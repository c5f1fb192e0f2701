"""What the project learnt about a real data set's files (content hash, image kind and size), remembered between
`prepare` calls in one JSON file per data artifacts folder and trusted only while a file's size and modification
time are unchanged: a file replaced in place is looked at again, an unchanged one is not reopened."""
from __future__ import annotations

import json
import os
from pathlib import Path


class FileLedger:
    """path -> facts about the file (a dict), each entry stamped with the file's size and mtime."""

    def __init__(self, path: Path):
        self.path, self.changed = path, False
        try:
            self.entries = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            self.entries = {}

    def get(self, file: Path, fact: str):
        """The remembered `fact` about `file`, or None when unknown or when the file changed since."""
        stat = file.stat()
        entry = self.entries.get(str(file))
        if entry is None or entry["stamp"] != [stat.st_size, stat.st_mtime_ns]:
            return None
        return entry.get(fact)

    def put(self, file: Path, **facts) -> None:
        stat = file.stat()
        stamp = [stat.st_size, stat.st_mtime_ns]
        entry = self.entries.get(str(file))
        if entry is None or entry["stamp"] != stamp:
            entry = self.entries[str(file)] = {"stamp": stamp}
        entry.update(facts)
        self.changed = True

    def save(self) -> None:
        """Written atomically, and only when something was learnt (a finished, read-only folder stays untouched)."""
        if self.changed:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self.entries))
            os.replace(tmp, self.path)
            self.changed = False
