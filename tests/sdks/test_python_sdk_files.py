"""The Python SDK's generated files are what openapi.json gives: models and resources cannot
drift from the API (regenerate with sdks/python/scripts/generate_*.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "sdks" / "python" / "scripts"


@pytest.mark.parametrize("script", ["generate_models.py", "generate_resources.py"])
def test_the_generated_files_are_current(script: str) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPTS / script), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_the_package_is_typed() -> None:
    import segmentflow_sdk

    assert (Path(segmentflow_sdk.__file__).parent / "py.typed").is_file()
