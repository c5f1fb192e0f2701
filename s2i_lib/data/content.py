"""The content a real data set's runs read, as fingerprints (issue: a finished run was reused after images or
wavs were replaced in place, and moving the data folder re-keyed every run).

Four parts, each the SHA-256 (first 12 hex digits) of what it covers, in record order:
- `records`: the splits' keys, labels, class names, bounding boxes and attributes (every run reads them);
- `images`: each image file's content (teacher features, GANs, scorers, real-image statistics);
- `speech`: each wav's content (speech encoders, embeddings, the recogniser);
- `captions`: each caption's text (text encoder, attribute targets).
A file's content hash is computed once and kept in the data set's `FileLedger`, recomputed when its size or
modification time changes. Paths are not part of any fingerprint, so moving the data or the artifacts keys
nothing anew. A run keys only the parts it reads (`PreparedData.identity`).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .ledger import FileLedger
from .records import Record

PARTS = ("records", "images", "speech", "captions")


def file_sha1(path: Path, ledger: FileLedger) -> str:
    """The file's SHA-1, from the ledger while the file is unchanged."""
    digest = ledger.get(path, "sha1")
    if digest is None:
        hasher = hashlib.sha1()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                hasher.update(block)
        digest = hasher.hexdigest()
        ledger.put(path, sha1=digest)
    return digest


def fingerprint(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:12]


def content_fingerprints(records: dict[str, list[Record]], ledger: FileLedger) -> dict[str, str]:
    """The four parts' fingerprints of a real data set's splits (see the module docstring)."""
    ordered = [(split, r) for split in sorted(records) for r in records[split]]
    parts = {
        "records": fingerprint([(s, r.key, r.label, r.class_name, r.bbox, r.attributes) for s, r in ordered]),
        "images": fingerprint([(r.key, file_sha1(r.image, ledger)) for _, r in ordered]),
        "speech": fingerprint([(r.key, [file_sha1(w, ledger) for w in r.wavs]) for _, r in ordered]),
        "captions": fingerprint([(r.key, r.captions) for _, r in ordered])}
    ledger.save()
    return parts
