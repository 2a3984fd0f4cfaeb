"""Upload safety: accept only real, sane images; apply EXIF orientation; drop all metadata."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from portal.identity.policy import MAX_UPLOAD_BYTES, MAX_UPLOAD_PIXELS, MIN_UPLOAD_SIDE

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


@dataclass
class SanitizedImage:
    image: Image.Image  # RGB, orientation applied, no metadata
    jpeg_bytes: bytes  # clean re-encoded JPEG, safe to store
    width: int
    height: int
    format: str  # sniffed source format: "jpeg", "png", "webp" or "heic"

    def bgr(self) -> np.ndarray:
        """The image as an OpenCV BGR array."""
        return np.ascontiguousarray(np.asarray(self.image)[:, :, ::-1])


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
    """Validate an uploaded photo and return a clean copy, or raise UploadRejected."""
    if not data:
        raise UploadRejected("empty", "文件为空，请重新选择图片")
    if len(data) > max_bytes:
        raise UploadRejected("too_large", f"图片超过 {max_bytes // (1024 * 1024)} MB，请压缩后重新上传")
    kind = sniff_format(data)
    if kind is None:
        raise UploadRejected("not_image", _NOT_IMAGE)
    if kind == "heic" and not HEIF_SUPPORTED:
        raise UploadRejected("unsupported", "暂不支持 HEIC 格式，请转换为 JPG 后上传")

    too_many_pixels = f"图片像素过多，请使用不超过 {max_pixels // 10_000} 万像素的照片"
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            width, height = img.size
            if width <= 0 or height <= 0:
                raise UploadRejected("not_image", _NOT_IMAGE)
            if width * height > max_pixels:
                raise UploadRejected("too_many_pixels", too_many_pixels)
            if getattr(img, "n_frames", 1) > 1 and kind != "webp":
                img.seek(0)
            img.load()
            img = ImageOps.exif_transpose(img)
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
    if min(img.size) < MIN_UPLOAD_SIDE:
        raise UploadRejected("too_small_image", "图片分辨率太低，请上传清晰的原图")

    clean = Image.new("RGB", img.size)  # fresh image: no info dict, no EXIF, no ICC, no XMP
    clean.paste(img)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=quality, optimize=False)
    return SanitizedImage(clean, out.getvalue(), clean.width, clean.height, kind)
