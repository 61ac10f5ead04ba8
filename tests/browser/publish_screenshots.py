"""Copy the chosen pictures of the browser tests' run (var/screenshots/) to docs/screenshots/,
each quantised to a 256-colour palette so that it stays small (the console's flat colours
lose nothing visible). Run by ``make screenshots`` after the browser tests."""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "var" / "screenshots"
TARGET = ROOT / "docs" / "screenshots"
CHOSEN = (
    "dashboard",
    "upload-log",
    "document-trace",
    "work-queue",
    "debtor-mapping",
    "import-run",
    "period-report",
    "datev-export",
    "statement-lines",
    "settle",
)
WIDTHS = (1920, 1366)
LIMIT_BYTES = 300_000


def publish(name: str, width: int) -> Path:
    source = SOURCE / f"{name}-{width}.png"
    target = TARGET / source.name
    with Image.open(source) as picture:
        small = picture.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        small.save(target, optimize=True)
    return target


def main() -> int:
    missing = [
        f"{n}-{w}.png" for n in CHOSEN for w in WIDTHS if not (SOURCE / f"{n}-{w}.png").exists()
    ]
    if missing:
        print(f"missing in {SOURCE}: {', '.join(missing)} (run the browser tests first)")
        return 1
    TARGET.mkdir(parents=True, exist_ok=True)
    too_big = []
    for name in CHOSEN:
        for width in WIDTHS:
            target = publish(name, width)
            size = target.stat().st_size
            print(f"{target.relative_to(ROOT)}: {size // 1000} KB")
            if size > LIMIT_BYTES:
                too_big.append(target.name)
    if too_big:
        print(f"larger than {LIMIT_BYTES // 1000} KB: {', '.join(too_big)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
