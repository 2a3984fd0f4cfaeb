"""A small file that decodes to a huge image: a 6300×6300 PNG of a few hundred KB is decoded once per submission,
reduced to the pixels the check needs, and previewed on a small copy, so preview + check stay far below the cost
of the full-size image (measured in a fresh process: peak memory and the number of decodes)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from portal.identity import policy
from portal.identity.check import imaging

ROOT = Path(__file__).resolve().parents[2]
SIDE = 6300
PEAK_OVER_BASELINE_MB = 250

MEASURE = r"""
import inspect, json, os, resource, sys, tempfile
resource.setrlimit(resource.RLIMIT_AS, (4 * 1024**3, 4 * 1024**3))  # keep a regression from swamping the machine
path, small_path, work = sys.argv[1], sys.argv[2], sys.argv[3]
os.environ.update(
    PORTAL_DATABASE_URL=f"sqlite:///{work}/portal.db",
    PORTAL_DATA_DIR=f"{work}/data",
    PORTAL_ALLOW_UPLOAD_AUTO_CHECK="1",
    PORTAL_BCRYPT_ROUNDS="4",
    PORTAL_SECRET_KEY="test-secret-key-" + "x" * 32,
)
from PIL import ImageFile
from db.engine import make_engine, session_scope
from db.models import Base
from portal.identity import service as identity
from tests import factories

decodes = []
_load = ImageFile.ImageFile.load
def counting_load(self):
    if self.tile:  # pixels still to be decoded (a second load() of a loaded image decodes nothing)
        decodes.append(self.size)
    return _load(self)
ImageFile.ImageFile.load = counting_load

class NoOcr:  # a photo without a card never reaches the OCR model; should it, it reads nothing
    def text_det(self, image):
        return None, None

engine = make_engine(os.environ["PORTAL_DATABASE_URL"])
Base.metadata.create_all(engine)
with session_scope(engine) as session:
    actor = factories.actor(session, "candidate")
    identity.fill_in(session, actor=actor, real_name="张三", document_type="resident_id",
                     document_number="420106199001011231")

def preview(session, data):
    if "actor" in inspect.signature(identity.preview_scan).parameters:
        return identity.preview_scan(session, actor=actor, image=data)
    return identity.preview_scan(data)  # the signature before the per-account scan limit

def preview_and_check(data):
    with session_scope(engine) as session:
        shown = preview(session, data)  # the page keeps the preview while the candidate decides
        outcome = identity.submit_scan(session, actor=actor, image=data, engine=NoOcr())
        return shown, outcome

preview_and_check(open(small_path, "rb").read())  # warm-up: lazy imports, OpenCV's buffers
decodes.clear()
data = open(path, "rb").read()
with open("/proc/self/clear_refs", "w") as handle:
    handle.write("5")  # reset VmHWM to the current resident size
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
baseline = int(status["VmRSS"].split()[0]) / 1024
shown, outcome = preview_and_check(data)
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
peak = int(status["VmHWM"].split()[0]) / 1024
print(json.dumps({"baseline_mb": baseline, "peak_mb": peak, "decodes": decodes, "decision": outcome.decision,
                  "preview_bytes": len(shown.overlay_jpeg)}))
"""


def _png(path: Path, side: int) -> None:
    """A highly compressible photo-sized PNG: a smooth gradient, no card."""
    row = np.linspace(60, 200, side, dtype=np.uint8)
    pixels = np.repeat(np.repeat(row[None, :, None], side, axis=0), 3, axis=2)
    Image.fromarray(pixels).save(path, format="PNG", optimize=False, compress_level=9)


def _measure(tmp_path: Path) -> dict:
    big, small = tmp_path / "big.png", tmp_path / "small.png"
    _png(big, SIDE)
    _png(small, 600)
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(big), str(small), str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_huge_png_is_decoded_once_and_preview_plus_check_stay_small(tmp_path):
    measured = _measure(tmp_path)
    assert (tmp_path / "big.png").stat().st_size < 1024 * 1024  # small on the wire
    assert measured["decodes"] == [[SIDE, SIDE]], measured  # once per submission, for preview and check together
    assert measured["peak_mb"] - measured["baseline_mb"] < PEAK_OVER_BASELINE_MB, measured
    assert measured["decision"] in ("retake", "unreadable") and measured["preview_bytes"] > 0


def test_a_decoded_photo_is_reduced_to_what_the_check_needs():
    buffer = io.BytesIO()
    Image.new("RGB", (5000, 4000), (200, 180, 160)).save(buffer, format="PNG")
    clean = imaging.sanitize_upload(buffer.getvalue())
    assert clean.width * clean.height <= policy.MAX_CHECK_PIXELS
    assert clean.width / clean.height == pytest.approx(5000 / 4000, rel=0.01)
    assert max(clean.preview_bgr().shape[:2]) <= policy.PREVIEW_SIDE
    with Image.open(io.BytesIO(clean.jpeg_bytes)) as stored:
        assert stored.size == (clean.width, clean.height)


def test_pixel_count_is_refused_from_the_header_before_decoding(monkeypatch):
    buffer = io.BytesIO()
    Image.new("L", (7000, 7000)).save(buffer, format="PNG")  # 49 MP, above the cap
    loads = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: loads.append(self.size))
    with pytest.raises(imaging.UploadRejected) as refused:
        imaging.sanitize_upload(buffer.getvalue())
    assert refused.value.code == "too_many_pixels" and loads == []
