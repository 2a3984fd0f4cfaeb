import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def ocr_engine():
    from portal.identity.check.ocr import ocr_engine

    return ocr_engine()


@pytest.fixture(scope="session")
def manifest() -> list[dict]:
    lines = (FIXTURES / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]
