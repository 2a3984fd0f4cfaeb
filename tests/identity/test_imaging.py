import io
import struct
import zlib

import pytest
from PIL import Image

from portal.identity.check.imaging import UploadRejected, sanitize_upload, sniff_format


def _jpeg(size=(640, 400), exif=None, color=(200, 180, 160)) -> bytes:
    img = Image.new("RGB", size, color)
    img.paste((20, 20, 20), (0, 0, size[0] // 4, size[1] // 4))  # dark top-left marker
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    img.save(out, format="JPEG", quality=90, **kwargs)
    return out.getvalue()


def _reject(data, **kwargs) -> UploadRejected:
    with pytest.raises(UploadRejected) as info:
        sanitize_upload(data, **kwargs)
    assert info.value.message  # Chinese message for the page
    return info.value


def test_plain_jpeg_ok():
    result = sanitize_upload(_jpeg())
    assert (result.width, result.height, result.format) == (640, 400, "jpeg")
    assert result.image.mode == "RGB"
    assert result.jpeg_bytes[:3] == b"\xff\xd8\xff"
    assert result.bgr().shape == (400, 640, 3)


def test_png_and_webp_ok():
    for fmt in ("PNG", "WEBP"):
        out = io.BytesIO()
        Image.new("RGB", (300, 300), "white").save(out, format=fmt)
        assert sanitize_upload(out.getvalue()).format == fmt.lower()


def test_zero_bytes():
    assert _reject(b"").code == "empty"


def test_too_large():
    error = _reject(_jpeg(), max_bytes=1000)
    assert error.code == "too_large" and "MB" in error.message


def test_truncated_jpeg():
    data = _jpeg((1200, 900))
    assert _reject(data[: len(data) // 2]).code == "corrupt"


def test_text_file_renamed_jpg():
    error = _reject("这不是图片 just text\n".encode() * 50)
    assert error.code == "not_image"
    assert "JPG" in error.message


def test_fake_magic_then_garbage():
    assert _reject(b"\xff\xd8\xff\xe0" + b"\x00garbage" * 100).code in {"corrupt", "not_image"}


def _png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size (the pixel data is a few bytes of zeros)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" + b"\x00" * (width // 8 + 1)
    compressor = zlib.compressobj(9)
    raw = compressor.compress(row * 64) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def test_pixel_bomb_refused_before_decoding():
    data = _png_bomb(50_000, 50_000)
    assert len(data) < 10_000
    assert _reject(data).code == "too_many_pixels"


def test_exif_gps_stripped_and_orientation_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW when displayed
    exif[0x010F] = "FakeCam"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (30.0, 35.0, 0.0)
    data = _jpeg((640, 400), exif=exif)
    assert b"FakeCam" in data
    result = sanitize_upload(data)
    assert (result.width, result.height) == (400, 640)  # orientation applied
    clean = Image.open(io.BytesIO(result.jpeg_bytes))
    assert not clean.getexif()
    assert b"FakeCam" not in result.jpeg_bytes and b"Exif" not in result.jpeg_bytes
    # the dark marker moved from top-left to top-right
    assert result.image.getpixel((390, 10))[0] < 80
    assert result.image.getpixel((10, 10))[0] > 150


def test_sniff_ignores_names():
    assert sniff_format(_jpeg()) == "jpeg"
    assert sniff_format(b"GIF89a....") is None
