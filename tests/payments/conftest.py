from __future__ import annotations

from pathlib import Path

import pytest

SAMPLES = Path(__file__).parent / "samples"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "payments"
SHARED_ALTERNATIVES = (SHARED, Path("/work/shared/fixtures/payments"))


def sample(*parts: str) -> bytes:
    return SAMPLES.joinpath(*parts).read_bytes()


def shared_folder(name: str) -> Path:
    for base in SHARED_ALTERNATIVES:
        if (base / name).is_dir():
            return base / name
    pytest.skip(f"The shared sample folder ../shared/fixtures/payments/{name} is not here.")
