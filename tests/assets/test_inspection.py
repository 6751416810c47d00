"""inspect_image: what is accepted, what is refused and why, decided from the bytes alone."""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib

import pytest
from PIL import ExifTags, Image

from apps.assets.inspection import (
    MAX_BYTES,
    MAX_PIXELS,
    THUMBNAIL_WIDTH,
    InspectedImage,
    InvalidImage,
    inspect_image,
)


def make_image(fmt: str, size: tuple[int, int] = (640, 480), mode: str = "RGB", **save) -> bytes:
    """A small picture with some structure (a gradient), so encoders do real work."""
    img = Image.linear_gradient("L").resize(size).convert(mode)
    out = io.BytesIO()
    img.save(out, fmt, **save)
    return out.getvalue()


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Acme Phone"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (2.0, 21.0, 3.0),
    }
    return exif


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def refusal(data: bytes) -> str:
    with pytest.raises(InvalidImage) as caught:
        inspect_image(data)
    return caught.value.reason


def assert_thumbnail_ok(result: InspectedImage) -> None:
    assert result.thumbnail_content_type == "image/webp"
    with Image.open(io.BytesIO(result.thumbnail)) as thumb:
        assert thumb.format == "WEBP"
        assert thumb.width <= THUMBNAIL_WIDTH
        expected_width = min(THUMBNAIL_WIDTH, result.width)
        assert thumb.width == expected_width
        assert abs(thumb.height - result.height * expected_width / result.width) <= 1


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [
        ("PNG", "image/png", "png"),
        ("JPEG", "image/jpeg", "jpg"),
        ("GIF", "image/gif", "gif"),
        ("WEBP", "image/webp", "webp"),
    ],
)
def test_it_accepts_the_four_formats(fmt: str, content_type: str, extension: str) -> None:
    data = make_image(fmt, (640, 480))

    result = inspect_image(data)

    assert (result.content_type, result.extension) == (content_type, extension)
    assert (result.width, result.height) == (640, 480)
    assert result.size == len(result.data)
    with Image.open(io.BytesIO(result.data)) as stored:
        assert stored.format == fmt
        assert stored.size == (640, 480)
    assert_thumbnail_ok(result)


def test_it_keeps_png_gif_and_webp_bytes_as_they_are() -> None:
    for fmt in ("PNG", "GIF", "WEBP"):
        data = make_image(fmt, (200, 100))
        assert inspect_image(data).data == data


def test_it_detects_a_png_from_its_bytes_whatever_it_was_called() -> None:
    # What a client would upload as "photo.jpg" with Content-Type image/jpeg: only bytes reach us.
    data = make_image("PNG", (50, 40))

    result = inspect_image(data)

    assert result.content_type == "image/png"
    assert result.extension == "png"


def test_it_strips_exif_and_gps_from_a_jpeg_and_turns_it_upright() -> None:
    # Orientation 6: the camera was turned; the stored pixels are 640×480 but it shows 480×640.
    data = make_image("JPEG", (640, 480), exif=exif_with_gps(orientation=6).tobytes())
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif()[ExifTags.Base.Orientation] == 6

    result = inspect_image(data)

    assert (result.width, result.height) == (480, 640)
    assert b"Exif\x00\x00" not in result.data
    assert b"Acme Phone" not in result.data
    with Image.open(io.BytesIO(result.data)) as stored:
        assert stored.size == (480, 640)
        assert not stored.getexif()
        assert "exif" not in stored.info
    assert_thumbnail_ok(result)
    with Image.open(io.BytesIO(result.thumbnail)) as thumb:
        assert thumb.height > thumb.width


def test_it_drops_jpeg_comments_and_xmp_but_keeps_the_icc_profile() -> None:
    icc = b"\x00" * 128 + b"fake-but-carried-icc"
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">GPS 48.85N</x:xmpmeta>'
    data = make_image("JPEG", (100, 80), comment=b"secret comment", xmp=xmp, icc_profile=icc)

    result = inspect_image(data)

    assert b"secret comment" not in result.data
    assert b"GPS 48.85N" not in result.data
    with Image.open(io.BytesIO(result.data)) as stored:
        assert stored.info.get("icc_profile") == icc


def test_it_cuts_exif_from_a_png_and_leaves_the_rest() -> None:
    data = make_image("PNG", (120, 90), exif=exif_with_gps().tobytes())
    assert b"eXIf" in data

    result = inspect_image(data)

    assert b"eXIf" not in result.data
    assert b"Acme Phone" not in result.data
    with Image.open(io.BytesIO(result.data)) as stored:
        stored.load()
        assert stored.size == (120, 90)
        assert not stored.getexif()


def test_it_turns_a_png_upright_by_its_exif_orientation() -> None:
    data = make_image("PNG", (120, 90), exif=exif_with_gps(orientation=6).tobytes())

    result = inspect_image(data)

    assert (result.width, result.height) == (90, 120)
    assert b"Acme Phone" not in result.data


def test_it_cuts_exif_from_a_webp() -> None:
    data = make_image("WEBP", (120, 90), exif=exif_with_gps().tobytes())
    assert b"EXIF" in data

    result = inspect_image(data)

    assert b"Acme Phone" not in result.data
    with Image.open(io.BytesIO(result.data)) as stored:
        stored.load()
        assert stored.size == (120, 90)
        assert not stored.getexif()
    assert struct.unpack_from("<I", result.data, 4)[0] == len(result.data) - 8


def test_it_accepts_an_animated_gif_with_a_thumbnail_of_its_first_frame() -> None:
    frames = [Image.new("RGB", (400, 200), colour) for colour in ("red", "green", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    data = out.getvalue()

    result = inspect_image(data)

    assert result.content_type == "image/gif"
    assert (result.width, result.height) == (400, 200)
    assert result.data == data
    assert_thumbnail_ok(result)
    with Image.open(io.BytesIO(result.thumbnail)) as thumb:
        red, green, blue = thumb.convert("RGB").getpixel((10, 10))  # type: ignore[misc]
        assert red > 200 and green < 50 and blue < 50


def test_it_shrinks_a_tall_narrow_image_only_as_far_as_needed() -> None:
    result = inspect_image(make_image("PNG", (200, 900)))

    with Image.open(io.BytesIO(result.thumbnail)) as thumb:
        assert thumb.size == (200, 900)  # narrower than 320 already: not enlarged


@pytest.mark.parametrize(
    ("data", "looks_like"),
    [
        (b"Hello, this is just some text.\n" * 20, "text"),
        (
            b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" '
            b'height="10"><script>alert(document.cookie)</script></svg>',
            "SVG",
        ),
        (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "HTML"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "PDF"),
    ],
    ids=["text", "svg", "html", "pdf"],
)
def test_it_refuses_what_is_not_an_image(data: bytes, looks_like: str) -> None:
    reason = refusal(data)

    assert reason.startswith("not an image")
    assert looks_like in reason


@pytest.mark.parametrize(("fmt", "name"), [("TIFF", "TIFF"), ("BMP", "BMP")])
def test_it_refuses_other_image_formats_by_name(fmt: str, name: str) -> None:
    assert refusal(make_image(fmt, (20, 20))) == f"GIF/PNG/JPEG/WebP only; got {name}"


def test_it_refuses_an_empty_file() -> None:
    assert refusal(b"") == "the file is empty"


def test_it_refuses_a_jpeg_cut_in_half() -> None:
    data = make_image("JPEG", (640, 480), quality=95)

    assert refusal(data[: len(data) // 2]) == "truncated or corrupt image"


def test_it_refuses_a_png_cut_short() -> None:
    data = make_image("PNG", (640, 480))

    assert refusal(data[: len(data) - 40]) == "truncated or corrupt image"


def test_it_refuses_a_png_whose_pixels_are_corrupt() -> None:
    # Structure intact (chunks and CRCs recomputed) but the zlib stream is garbage.
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0))
    data = b"\x89PNG\r\n\x1a\n" + ihdr + png_chunk(b"IDAT", b"\x00" * 64) + png_chunk(b"IEND", b"")

    assert refusal(data) == "truncated or corrupt image"


def test_it_refuses_a_png_bomb_without_decoding_it() -> None:
    # 20000×20000 of one colour: a few KB on disk, 400 megapixels once decoded.
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")
    data = out.getvalue()
    assert len(data) < 200_000

    started = time.perf_counter()
    reason = refusal(data)
    elapsed = time.perf_counter() - started

    assert reason == "image is 20000×20000 = 400 megapixels; the limit is 40"
    assert elapsed < 0.5


def test_it_refuses_a_gif_whose_frame_outgrows_a_tiny_canvas() -> None:
    frame = make_image("GIF", (10, 10))
    # Rewrite the first image descriptor to claim a 10000×10000 frame on the 10×10 screen.
    at = frame.index(b"\x2c", 13)
    data = frame[: at + 5] + struct.pack("<HH", 10_000, 10_000) + frame[at + 9 :]

    assert "megapixels" in refusal(data)


def test_it_refuses_a_file_over_10_mib_before_looking_at_it() -> None:
    data = make_image("PNG", (10, 10))
    data += b"\x00" * (MAX_BYTES + 1 - len(data))

    assert refusal(data) == "file is 10,485,761 bytes; the limit is 10 MiB"
    assert refusal(b"\x00" * (MAX_BYTES + 1_300_000)) == "file is 11.2 MiB; the limit is 10 MiB"


def test_it_accepts_a_file_of_exactly_10_mib() -> None:
    # A PNG padded with a private ancillary chunk up to exactly MAX_BYTES.
    data = make_image("PNG", (10, 10))
    iend = png_chunk(b"IEND", b"")
    body, _ = data[: -len(iend)], data[-len(iend) :]
    padding = MAX_BYTES - len(body) - len(iend) - 12
    data = body + png_chunk(b"prVt", b"\x01" * padding) + iend
    assert len(data) == MAX_BYTES

    result = inspect_image(data)

    assert result.size == MAX_BYTES


def test_it_accepts_exactly_40_megapixels_and_refuses_one_pixel_more() -> None:
    for size in ((8000, 5000), (8001, 5000)):
        out = io.BytesIO()
        Image.new("1", size).save(out, "PNG")
        if size[0] * size[1] <= MAX_PIXELS:
            result = inspect_image(out.getvalue())
            assert (result.width, result.height) == size
            assert_thumbnail_ok(result)
        else:
            assert refusal(out.getvalue()) == (
                "image is 8001×5000 = 40.01 megapixels; the limit is 40"
            )


def test_it_refuses_a_jpeg_with_html_after_its_end() -> None:
    data = make_image("JPEG", (64, 64)) + b"<html><body><script>alert(1)</script></body></html>"

    assert "polyglot" in refusal(data)


def test_it_refuses_a_jpeg_with_a_zip_after_its_end() -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("payload.txt", "hello")

    assert "zip" in refusal(make_image("JPEG", (64, 64)) + archive.getvalue())


def test_it_accepts_a_jpeg_followed_by_a_second_picture_and_drops_it() -> None:
    # Phones append a second JPEG (MPF: depth map, preview) after the first one's EOI.
    data = make_image("JPEG", (64, 64)) + make_image("JPEG", (32, 32))

    result = inspect_image(data)

    assert (result.width, result.height) == (64, 64)
    assert result.data.count(b"\xff\xd8\xff") == 1


def test_it_refuses_a_png_with_a_zip_after_iend() -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("evil.jsp", "<% out.println(1); %>")

    reason = refusal(make_image("PNG", (64, 64)) + archive.getvalue())

    assert reason == "unexpected data after the end of the PNG"


def test_it_refuses_a_png_carrying_a_script_in_a_text_chunk() -> None:
    data = make_image("PNG", (32, 32))
    iend = png_chunk(b"IEND", b"")
    text = png_chunk(b"tEXt", b"Comment\x00<script>alert(1)</script>")
    data = data[: -len(iend)] + text + iend

    assert "HTML or script" in refusal(data)


def test_it_ignores_nul_padding_after_the_end() -> None:
    data = make_image("PNG", (32, 32)) + b"\x00" * 512

    assert inspect_image(data).content_type == "image/png"
