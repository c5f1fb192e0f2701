"""Reading a data set's image files, and checking a real data set's images once when it is prepared.

`open_rgb` is how every stage reads an image: 8-bit RGB, with 16-bit greyscale scaled by its real depth (PIL's
`convert("RGB")` clips it: 99.5% of a 16-bit PNG's pixels became 255), greyscale and CMYK converted, and a
truncated or unreadable file named. `check_images` opens every image of a real data set once (a truncated JPEG
otherwise passed `data` and failed in the encoders without a path) and remembers what it found in the data set's
`FileLedger`, so a later `prepare` rechecks only files that changed.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

from .errors import DataFormatError
from .ledger import FileLedger
from .records import Record

SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I")
MIN_SIDE = 16          # smaller than this cannot be a photograph of the data set (a 1x1 placeholder, an icon)
UNREADABLE = (OSError, SyntaxError, ValueError, Image.DecompressionBombError)


def unreadable(path: str | Path, error: Exception) -> DataFormatError:
    """The error of an image file that cannot be decoded whole, naming it and the fix."""
    return DataFormatError(f"{path} is not a readable image ({error}): replace it with the data set's original file")


def open_rgb(path: str | Path) -> Image.Image:
    """The image file at `path` as 8-bit RGB (16-bit greyscale scaled by 255/65535, grey and CMYK converted);
    `DataFormatError` naming the file when it cannot be decoded whole."""
    try:
        with Image.open(path) as image:
            image.load()
            if image.mode in SIXTEEN_BIT:
                levels = np.asarray(image, dtype=np.float64) * (255.0 / 65535.0)
                return Image.fromarray(np.rint(levels).clip(0, 255).astype(np.uint8)).convert("RGB")
            return image.convert("RGB")
    except UNREADABLE as e:
        raise unreadable(path, e) from None


def image_kind(path: Path) -> tuple[str, int, int]:
    """(what `open_rgb` converts it from: "RGB", "greyscale", "CMYK", "16-bit" ..., width, height), decoding it
    whole."""
    try:
        with Image.open(path) as image:
            mode, (width, height) = image.mode, image.size
    except UNREADABLE as e:
        raise unreadable(path, e) from None
    open_rgb(path)                                       # decodes every byte: a truncated file fails here
    kind = ("16-bit" if mode in SIXTEEN_BIT else "greyscale" if mode in ("L", "LA", "1") else
            "CMYK" if mode == "CMYK" else "palette" if mode == "P" else "RGB")
    return kind, width, height


def check_images(records: list[Record], ledger: FileLedger, side: int) -> Counter:
    """Open every record's image once (the `ledger` remembers those checked: unchanged files are not reopened);
    `DataFormatError` listing the unreadable and the degenerate ones (a side below `MIN_SIDE`). Returns how many
    were converted (by kind) and how many are smaller than `side` (upsampled)."""
    counts, bad = Counter(), []
    for record in records:
        kind = ledger.get(record.image, "image")
        if kind is None:
            try:
                kind = list(image_kind(record.image))
            except DataFormatError as e:
                bad.append(str(e))
                continue
            ledger.put(record.image, image=kind)
        kind, width, height = kind
        if min(width, height) < MIN_SIDE:
            bad.append(f"{record.image} is {width}x{height} px, too small to be an image of the data set: "
                       "replace or remove it")
            continue
        counts[kind] += kind != "RGB"
        counts[f"smaller than {side} px"] += min(width, height) < side
    ledger.save()
    if bad:
        raise DataFormatError(f"{len(bad)} of {len(records)} images cannot be used:\n  " + "\n  ".join(bad[:10])
                              + ("\n  ..." if len(bad) > 10 else ""))
    return +counts
