"""Upload safety: accept only real, sane images; apply EXIF orientation; drop all metadata."""

from __future__ import annotations

import hashlib
import io
import math
import threading
import warnings
import weakref
from dataclasses import dataclass, field

import numpy as np
from PIL import ExifTags, Image

from portal.identity.policy import (
    MAX_CHECK_PIXELS,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_PIXELS,
    MIN_UPLOAD_SIDE,
    PREVIEW_SIDE,
)

try:  # optional: iPhone photos
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - depends on the environment
    HEIF_SUPPORTED = False


class UploadRejected(ValueError):
    """An upload that is not a usable image. `code` is stable; `message` is Chinese for the page."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(eq=False)
class SanitizedImage:
    """A decoded upload, reduced to at most MAX_CHECK_PIXELS. Shared by every step of one submission (the
    preview, the check, the stored copy): treat it and its arrays as read-only."""

    image: Image.Image  # RGB, orientation applied, no metadata
    jpeg_bytes: bytes  # clean re-encoded JPEG, safe to store
    width: int
    height: int
    format: str  # sniffed source format: "jpeg", "png", "webp" or "heic"
    _arrays: dict = field(default_factory=dict, repr=False)

    def bgr(self) -> np.ndarray:
        """The image as an OpenCV BGR array (a new array: not kept, so a held image costs no more memory)."""
        return np.ascontiguousarray(np.asarray(self.image)[:, :, ::-1])

    def preview_bgr(self) -> np.ndarray:
        """A BGR copy whose longer side is at most PREVIEW_SIDE, for the quality preview (computed once)."""
        if "preview" not in self._arrays:
            scale = PREVIEW_SIDE / max(self.width, self.height)
            small = self.image
            if scale < 1:
                size = (max(1, round(self.width * scale)), max(1, round(self.height * scale)))
                small = self.image.resize(size, Image.Resampling.BOX)
            array = np.ascontiguousarray(np.asarray(small)[:, :, ::-1])
            array.flags.writeable = False
            self._arrays["preview"] = array
        return self._arrays["preview"]


# One decode per submission: while any step of a submission holds the decoded image (the page keeps its preview),
# another sanitize_upload of the same bytes returns it instead of decoding again. Weak values: nothing is kept
# alive here, and the key is the content's own hash, so only the holder of the same bytes gets the same image.
_decoded: weakref.WeakValueDictionary[tuple, SanitizedImage] = weakref.WeakValueDictionary()
_decoded_lock = threading.Lock()


def sniff_format(data: bytes) -> str | None:
    """Real image type from magic bytes, whatever the file name says."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
        return "heic"
    return None


_NOT_IMAGE = "文件不是可识别的图片（支持 JPG、PNG、WebP）"


def sanitize_upload(
    data: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES, max_pixels: int = MAX_UPLOAD_PIXELS, quality: int = 90
) -> SanitizedImage:
    """Validate an uploaded photo and return a clean copy, or raise UploadRejected.

    The pixel count is refused from the header, before decoding; a decoded image above MAX_CHECK_PIXELS is
    reduced at once. The same bytes still held by an earlier step are not decoded again.
    """
    if not data:
        raise UploadRejected("empty", "文件为空，请重新选择图片")
    if len(data) > max_bytes:
        raise UploadRejected("too_large", f"图片超过 {max_bytes // (1024 * 1024)} MB，请压缩后重新上传")
    kind = sniff_format(data)
    if kind is None:
        raise UploadRejected("not_image", _NOT_IMAGE)
    if kind == "heic" and not HEIF_SUPPORTED:
        raise UploadRejected("unsupported", "暂不支持 HEIC 格式，请转换为 JPG 后上传")
    key = (hashlib.sha256(data).digest(), max_bytes, max_pixels, quality)
    with _decoded_lock:
        known = _decoded.get(key)
    if known is not None:
        return known

    img = _decode(data, kind, max_pixels)
    clean = Image.new("RGB", img.size)  # fresh image: no info dict, no EXIF, no ICC, no XMP
    clean.paste(img)
    del img
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=quality, optimize=False)
    result = SanitizedImage(clean, out.getvalue(), clean.width, clean.height, kind)
    with _decoded_lock:
        _decoded[key] = result
    return result


def _reduction(width: int, height: int) -> int:
    """The smallest whole factor that brings width × height to at most MAX_CHECK_PIXELS."""
    factor = 1
    while math.ceil(width / factor) * math.ceil(height / factor) > MAX_CHECK_PIXELS:
        factor += 1
    return factor


def _decode(data: bytes, kind: str, max_pixels: int) -> Image.Image:
    """Decode the image (the one expensive step): RGB, orientation applied, at most MAX_CHECK_PIXELS."""
    too_many_pixels = f"图片像素过多，请使用不超过 {max_pixels // 10_000} 万像素的照片"
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            width, height = img.size  # from the header: nothing is decoded yet
            if width <= 0 or height <= 0:
                raise UploadRejected("not_image", _NOT_IMAGE)
            if width * height > max_pixels:
                raise UploadRejected("too_many_pixels", too_many_pixels)
            if getattr(img, "n_frames", 1) > 1 and kind != "webp":
                img.seek(0)
            factor = _reduction(width, height)
            if factor > 1 and kind == "jpeg":  # JPEG decodes at 1/2, 1/4 or 1/8 scale directly
                img.draft(img.mode, (math.ceil(width / factor), math.ceil(height / factor)))
            img.load()
            orientation = img.getexif().get(ExifTags.Base.Orientation)
            factor = _reduction(*img.size)
            if factor > 1:
                if img.mode not in ("RGB", "RGBA", "L", "LA"):
                    img = img.convert("RGB")
                img = img.reduce(factor)  # one pass into an image of the reduced size, then the full one is freed
            if orientation in _ORIENTATION:
                img = img.transpose(_ORIENTATION[orientation])
            if img.mode != "RGB":
                img = img.convert("RGB")
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRejected("too_many_pixels", too_many_pixels) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow reports truncated and corrupt files as OSError ("image file is truncated", ...)
        if "truncated" in str(exc).lower() or kind is not None:
            raise UploadRejected("corrupt", "图片文件已损坏或不完整，请重新拍摄上传") from None
        raise UploadRejected("not_image", _NOT_IMAGE) from None
    if min(width, height) < MIN_UPLOAD_SIDE:
        raise UploadRejected("too_small_image", "图片分辨率太低，请上传清晰的原图")
    return img


_ORIENTATION = {  # EXIF orientation → the transposition that shows the photo upright (as ImageOps.exif_transpose)
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
