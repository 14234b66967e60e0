"""A decompression-bomb logo is refused with a Danish 400, never a 500 (Hardening 12)."""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
import zlib

import pytest

from tests.conftest import csrf_token

MB = 1024 * 1024


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A 1-bit grey PNG of zeros, written row by row: ~100 KB claiming 900 M pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\0" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    parts = [packer.compress(row) for _ in range(height)]
    parts.append(packer.flush())
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", b"".join(parts))
        + _chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("width", "height"),
    [(30_000, 30_000), (10_000, 10_000), (4_001, 10)],  # error, warning, our own limit
)
def test_validate_logo_refuses_huge_images_from_the_header(width, height):
    from app.reports.service import LogoError, validate_logo

    data = bomb_png(width, height)
    assert len(data) < 1 * MB
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(LogoError) as refused:
            validate_logo(data)
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "4000 × 4000 punkter" in str(refused.value)
    assert elapsed < 1.0 and peak < 10 * MB, (elapsed, peak)


def test_bomb_logo_upload_gives_a_danish_400(app, admin_client):
    token = csrf_token(admin_client, "/rapporter/udseende")
    response = admin_client.post(
        "/rapporter/udseende",
        data={
            "csrf_token": token,
            "organisation": "Testrup Kommune",
            "department": "",
            "logo": (io.BytesIO(bomb_png()), "logo.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Billedet er for stort (over 4000 × 4000 punkter)." in response.text


def test_a_normal_logo_still_passes():
    from PIL import Image

    from app.reports.service import validate_logo

    png = io.BytesIO()
    Image.new("RGB", (120, 40), "navy").save(png, format="PNG")
    assert validate_logo(png.getvalue()) == ".png"
    jpeg = io.BytesIO()
    Image.new("RGB", (120, 40), "navy").save(jpeg, format="JPEG")
    assert validate_logo(jpeg.getvalue()) == ".jpg"
