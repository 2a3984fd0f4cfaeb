"""Presentation-attack signals on the rectified card: `photocopy`, `printout`, `screen` (CONTRACTS verify-id).

A genuine card photographed on a desk is a coloured object (blue labels, pink and blue guilloche, a colour
portrait) whose fine texture is irregular. What the attacks add or remove, measured on the 856x540 card:
- photocopy: the colour is gone. `chroma` is the 95th percentile of the distance of each pixel's (a*, b*)
  from the card's median colour (a colour cast of the light moves the median, not the spread).
- printout and screen: a regular grid (halftone lattice, display sub-pixels and their moire) that the
  rectification makes straight again. `lattice` is the height of the strongest isolated peak of the
  high-pass spectrum above its local median, in the band of periods 2-12 px; `chroma_lattice` is the
  same on the chroma channels, where the R/G/B sub-pixels and the C/M/Y screens live.
- screen: fine colour fringes (`chroma_fine`: 95th percentile of the a*b* high-pass), the sub-pixel moire;
  or a dark device border around the card (`bezel`: share of a ring just outside the card darker than
  a quarter of the card's white) together with a glowing, over-bright card.
Limits (README): a high-quality colour laser print at 300 lpi photographed from afar, a high-PPI screen
photographed out of focus, or a colour copy on card stock may show none of these; see README.
"""

from __future__ import annotations

import cv2
import numpy as np

CHROMA_MIN = 2.5  # below: no colour over the card (photocopy); genuine cards measured 4.0-14.2, copies 0-1.4
SCREEN_FINE_CHROMA = 10.0  # fine colour fringes of display sub-pixels (moire): screens 14-60, genuine below 4
LATTICE_MIN = 8.0  # spectral peak over local median (dB) of a halftone lattice; genuine cards below 7
CHROMA_LATTICE_MIN = 10.0  # the same on the chroma channels; genuine cards below 9.5
BEZEL_SHARE = 0.6
DARK_CARD = 80  # mean grey of the card below which colour cannot be judged (quality.DARK_MEAN)


def _peak(channel: np.ndarray) -> float:
    """Strongest isolated high-frequency peak of a channel's spectrum (dB-like, over the local median)."""
    f = channel.astype(np.float32)
    f = f - cv2.GaussianBlur(f, (0, 0), 3)
    h, w = f.shape
    window = np.outer(np.hanning(h), np.hanning(w)).astype(np.float32)
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2(f * window)))
    log = 10 * np.log10(spectrum + 1e-3)
    local = cv2.medianBlur(log.astype(np.float32), 5)
    yy, xx = np.mgrid[0:h, 0:w]
    fy, fx = (yy - h / 2) / h, (xx - w / 2) / w
    radius = np.sqrt(fx**2 + fy**2)
    band = (radius > 1 / 12) & (radius < 0.5) & (np.abs(fx) > 2 / w) & (np.abs(fy) > 2 / h)
    return float((log - local)[band].max())


def signals(card: np.ndarray, image: np.ndarray | None = None, quad: np.ndarray | None = None) -> dict:
    """Measured values (rounded, for the reviewer's record)."""
    lab = cv2.cvtColor(card, cv2.COLOR_BGR2LAB).astype(np.float32)
    a, b = lab[..., 1], lab[..., 2]
    spread = np.sqrt((a - np.median(a)) ** 2 + (b - np.median(b)) ** 2)
    gray = lab[..., 0]
    h, w = gray.shape
    zone = (slice(int(0.05 * h), int(0.95 * h)), slice(int(0.03 * w), int(0.6 * w)))
    fine = np.sqrt((a - cv2.GaussianBlur(a, (0, 0), 2)) ** 2 + (b - cv2.GaussianBlur(b, (0, 0), 2)) ** 2)
    out = {
        "chroma": round(float(np.percentile(spread, 95)), 2),
        "chroma_fine": round(float(np.percentile(fine, 95)), 2),
        "lattice": round(_peak(gray[zone]), 2),
        "chroma_lattice": round(max(_peak(a[zone]), _peak(b[zone])), 2),
        "bezel": 0.0,
        "brightness": round(float(gray.mean()), 1),  # OpenCV 8-bit L (0-255)
    }
    if image is not None and quad is not None:
        out["bezel"] = round(_bezel(image, quad, card), 3)
    return out


def _bezel(image: np.ndarray, quad: np.ndarray, card: np.ndarray) -> float:
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    centre = quad.mean(axis=0)
    outer = (quad - centre) * 1.12 + centre
    ring = np.zeros_like(gray)
    cv2.fillConvexPoly(ring, outer.astype(np.int32), 255)
    cv2.fillConvexPoly(ring, ((quad - centre) * 1.02 + centre).astype(np.int32), 0)
    white = float(np.percentile(cv2.cvtColor(card, cv2.COLOR_BGR2GRAY), 90))
    values = gray[ring > 0]
    if values.size == 0:
        return 0.0
    return float((values < 0.25 * white).mean())


def attack_reasons(found: dict) -> list[str]:
    """Named reasons from the measured signals ([] for what looks like the original card).

    An underexposed card shows no colour whatever it is: it is left to the `too_dark` quality reason."""
    if found.get("brightness", 255) < DARK_CARD:
        return []
    if found["chroma"] < CHROMA_MIN:
        return ["photocopy"]
    if found["chroma_fine"] >= SCREEN_FINE_CHROMA or (found["bezel"] >= BEZEL_SHARE and found["lattice"] >= 7.5):
        return ["screen"]
    if found["lattice"] >= LATTICE_MIN or found["chroma_lattice"] >= CHROMA_LATTICE_MIN:
        return ["printout"]
    return []
