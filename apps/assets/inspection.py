"""Decide from an upload's bytes alone whether it is an image we accept, and prepare what to store.

Pure Python + Pillow, no models: `inspect_image(data)` returns the original to store (JPEGs
re-encoded upright without metadata), its detected type and size, and a WebP thumbnail, or raises
`InvalidImage` with a reason a person can act on. The client's file name and content type are
never consulted.
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass, field

from PIL import ExifTags, Image, ImageFile, ImageOps

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
THUMBNAIL_WIDTH = 320

JPEG_QUALITY = 90
THUMBNAIL_QUALITY = 80

_TYPES = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}

# Pillow's own guard, in case it ever reads a size our header walk did not: over MAX_PIXELS it
# warns, over twice that it raises DecompressionBombError. Set again on every call, since these
# are process-wide and another library could have loosened them.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False

# What Pillow raises on bytes it cannot make sense of; all of them mean "corrupt" to us.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)

# Markup that makes a file dangerous if a browser or a mail client ever sniffs it as HTML/SVG.
# Long enough that compressed pixel data does not match them by chance, so the whole file is
# scanned; `<svg` and archive/document signatures are only looked for after the image's end.
# A literal `<` first lets `re` skip ahead with a fast search (a case-insensitive pattern as a
# whole takes ~200 ms over 10 MiB; this one ~5 ms).
_ACTIVE_CONTENT = re.compile(rb"<(?i:script|iframe|html[\s>]|!doctype\s+html|\?php)")
_SVG = re.compile(rb"<svg[\s>/]", re.IGNORECASE)
# In JPEG entropy-coded data a 0xFF byte is followed by 0x00 (stuffing), a restart marker
# (0xD0-0xD7) or another 0xFF (fill); anything else is the next marker.
_JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_NOT_PADDING = re.compile(rb"[^\x00]")
_JPEG_SOF = frozenset({*range(0xC0, 0xD0)} - {0xC4, 0xC8, 0xCC})


class InvalidImage(Exception):
    """The bytes are not an image we accept; `reason` says why, for the person who uploaded it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class InspectedImage:
    content_type: str
    extension: str
    width: int
    height: int
    size: int
    data: bytes = field(repr=False)
    thumbnail: bytes = field(repr=False)
    thumbnail_content_type: str = "image/webp"


@dataclass
class _Layout:
    """What a walk of the file's structure found, before Pillow decodes anything."""

    width: int
    height: int
    end: int  # offset just past the image's end marker
    metadata: list[tuple[int, int]] = field(default_factory=list)  # EXIF/XMP spans to cut
    webp_flags_at: int | None = None
    lossless: bool = False  # a WebP whose pixels are VP8L


def inspect_image(data: bytes) -> InspectedImage:
    """Check `data` is a PNG, JPEG, GIF or WebP within our limits; return what to store."""
    if len(data) > MAX_BYTES:
        limit = MAX_BYTES // (1024 * 1024)
        raise InvalidImage(f"file is {_describe_size(len(data))}; the limit is {limit} MiB")
    if not data:
        raise InvalidImage("the file is empty")
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    ImageFile.LOAD_TRUNCATED_IMAGES = False

    fmt = _sniff(data)
    layout = _LAYOUTS[fmt](data)
    _check_pixels(layout.width, layout.height)
    _refuse_polyglots(data, layout, fmt)

    try:
        with _open(data, fmt) as img:
            img.verify()
        with _open(data, fmt) as img:
            _check_pixels(img.width, img.height)
            img.load()
            if fmt == "JPEG":
                return _finish_jpeg(img)
            return _finish_kept(data, img, fmt, layout)
    except _DECODE_ERRORS as exc:
        raise InvalidImage("truncated or corrupt image") from exc


def _open(data: bytes, fmt: str) -> ImageFile.ImageFile:
    try:
        return Image.open(io.BytesIO(data), formats=[fmt])  # type: ignore[return-value]
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidImage(f"image is over {MAX_PIXELS // 1_000_000} megapixels") from exc


def _finish_jpeg(img: ImageFile.ImageFile) -> InspectedImage:
    # Re-encoding drops EXIF (GPS, serial numbers), XMP, comments and anything after the end
    # marker; the orientation is applied to the pixels first so the picture stays upright.
    icc_profile = img.info.get("icc_profile")
    ImageOps.exif_transpose(img, in_place=True)
    width, height = img.size
    out = io.BytesIO()
    img.save(
        out,
        "JPEG",
        quality=JPEG_QUALITY,
        # Baseline: progressive costs ~330 ms more on a 12 MP photo for a ~9% smaller file
        # (bench/bench_finalize.py).
        progressive=False,
        icc_profile=icc_profile,
        comment=b"",
    )
    img.close()  # the full-size pixels are no longer needed
    stored = out.getvalue()
    del out
    with _open(stored, "JPEG") as small:
        # Decode the thumbnail's source at 1/2, 1/4 or 1/8 scale straight from the DCT.
        small.draft("RGB", (THUMBNAIL_WIDTH, max(1, height * THUMBNAIL_WIDTH // width)))
        thumbnail = _thumbnail(small)
    return _inspected("JPEG", width, height, stored, thumbnail)


def _finish_kept(
    data: bytes, img: ImageFile.ImageFile, fmt: str, layout: _Layout
) -> InspectedImage:
    animated = getattr(img, "is_animated", False)
    orientation = img.getexif().get(ExifTags.Base.Orientation, 1) if layout.metadata else 1
    if orientation != 1 and not animated:
        stored = _reencode_upright(img, fmt, lossless=layout.lossless)
    elif layout.metadata:
        stored = _cut_metadata(data, layout, fmt)
    else:
        stored = data
    thumbnail = _thumbnail(img)
    return _inspected(fmt, img.width, img.height, stored, thumbnail)


def _reencode_upright(img: ImageFile.ImageFile, fmt: str, *, lossless: bool) -> bytes:
    """Rotate by the EXIF orientation and save again without EXIF (PNG or a still WebP)."""
    ImageOps.exif_transpose(img, in_place=True)
    out = io.BytesIO()
    icc_profile = img.info.get("icc_profile")
    if fmt == "PNG":
        img.save(out, "PNG", icc_profile=icc_profile)
    else:
        img.save(out, "WEBP", lossless=lossless, quality=JPEG_QUALITY, icc_profile=icc_profile)
    return out.getvalue()


def _cut_metadata(data: bytes, layout: _Layout, fmt: str) -> bytes:
    """Drop the EXIF/XMP chunks byte for byte; the pixels and everything else stay as they were."""
    out = bytearray()
    pos = 0
    for start, end in layout.metadata:
        out += data[pos:start]
        pos = end
    out += data[pos : layout.end]
    if fmt == "WEBP":
        struct.pack_into("<I", out, 4, len(out) - 8)
        if layout.webp_flags_at is not None:
            # VP8X flags: 0x08 says an EXIF chunk follows, 0x04 an XMP chunk.
            out[layout.webp_flags_at] &= ~0x0C & 0xFF
    return bytes(out)


def _thumbnail(img: Image.Image) -> bytes:
    """A WebP at most THUMBNAIL_WIDTH wide (first frame of an animation), aspect ratio kept."""
    if img.mode not in ("RGB", "RGBA"):
        transparent = img.has_transparency_data
        img = img.convert("RGBA" if transparent else "RGB")
    if img.width > THUMBNAIL_WIDTH:
        height = max(1, round(img.height * THUMBNAIL_WIDTH / img.width))
        img = img.resize((THUMBNAIL_WIDTH, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    out = io.BytesIO()
    img.save(out, "WEBP", quality=THUMBNAIL_QUALITY)
    return out.getvalue()


def _inspected(
    fmt: str, width: int, height: int, stored: bytes, thumbnail: bytes
) -> InspectedImage:
    content_type, extension = _TYPES[fmt]
    return InspectedImage(
        content_type=content_type,
        extension=extension,
        width=width,
        height=height,
        size=len(stored),
        data=stored,
        thumbnail=thumbnail,
    )


def _check_pixels(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise InvalidImage("truncated or corrupt image")
    if width * height > MAX_PIXELS:
        megapixels = width * height / 1_000_000
        raise InvalidImage(
            f"image is {width}×{height} = {megapixels:.4g} megapixels; "
            f"the limit is {MAX_PIXELS // 1_000_000}"
        )


def _describe_size(size: int) -> str:
    mib = f"{size / (1024 * 1024):.1f}"
    if float(mib) * 1024 * 1024 <= MAX_BYTES:  # rounds down to the limit: give the bytes
        return f"{size:,} bytes"
    return f"{mib.removesuffix('.0')} MiB"


# --- recognising the format -----------------------------------------------------------------

_OTHER_IMAGES = (
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"8BPS", "PSD"),
    (b"\xff\x0a", "JPEG XL"),
    (b"\x00\x00\x00\x0cJXL ", "JPEG XL"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000"),
    (b"qoif", "QOI"),
)


def _sniff(data: bytes) -> str:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    for magic, name in _OTHER_IMAGES:
        if data.startswith(magic):
            raise InvalidImage(f"GIF/PNG/JPEG/WebP only; got {name}")
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand.startswith(b"avi"):
            raise InvalidImage("GIF/PNG/JPEG/WebP only; got AVIF")
        if brand.startswith((b"he", b"mif1")):
            raise InvalidImage("GIF/PNG/JPEG/WebP only; got HEIC")
    raise InvalidImage(f"not an image (looks like {_guess_non_image(data)})")


def _guess_non_image(data: bytes) -> str:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf") or b"%pdf-" in head[:1024]:
        return "PDF"
    if head.startswith((b"pk\x03\x04", b"pk\x05\x06")):
        return "a zip archive"
    if b"<svg" in head:
        return "SVG"
    if b"<html" in head or b"<!doctype html" in head or b"<body" in head or b"<script" in head:
        return "HTML"
    if head.startswith(b"<"):
        return "XML/HTML"
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "an unknown binary format"
    return "text"


# --- walking each format's structure: size from the header, and where the image ends ---------


def _truncated() -> InvalidImage:
    return InvalidImage("truncated or corrupt image")


def _png_layout(data: bytes) -> _Layout:
    layout = _Layout(0, 0, 0)
    pos, n = 8, len(data)
    while pos + 12 <= n:
        length, kind = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length
        if end > n:
            break
        if kind == b"IHDR":
            layout.width, layout.height = struct.unpack_from(">II", data, pos + 8)
        elif kind == b"eXIf" or (
            kind in (b"tEXt", b"zTXt", b"iTXt")
            and data[pos + 8 : pos + 30].startswith(
                (b"Raw profile type exif", b"Raw profile type APP1", b"XML:com.adobe.xmp")
            )
        ):
            layout.metadata.append((pos, end))
        elif kind == b"IEND":
            layout.end = end
            return layout
        pos = end
    raise _truncated()


def _jpeg_layout(data: bytes) -> _Layout:
    layout = _Layout(0, 0, 0)
    pos, n = 2, len(data)
    while pos + 2 <= n:
        if data[pos] != 0xFF:
            raise _truncated()
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:  # EOI
            layout.end = pos + 2
            return layout
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # no length
            pos += 2
            continue
        if pos + 4 > n:
            break
        end = pos + 2 + struct.unpack_from(">H", data, pos + 2)[0]
        if end > n:
            break
        if marker in _JPEG_SOF and not layout.width and end >= pos + 9:
            layout.height, layout.width = struct.unpack_from(">HH", data, pos + 5)
        pos = end
        if marker == 0xDA:  # SOS: skip the entropy-coded data to the next marker
            found = _JPEG_MARKER.search(data, pos)
            if found is None:
                break
            pos = found.start()
    raise _truncated()


def _gif_layout(data: bytes) -> _Layout:
    n = len(data)
    if n < 13:
        raise _truncated()
    width, height = struct.unpack_from("<HH", data, 6)
    pos = 13 + (3 * (2 << (data[10] & 7)) if data[10] & 0x80 else 0)
    while pos < n:
        block = data[pos]
        if block == 0x3B:  # trailer
            return _Layout(width, height, pos + 1)
        if block == 0x21:  # extension: label, then sub-blocks
            pos = _skip_gif_sub_blocks(data, pos + 2)
        elif block == 0x2C:  # image descriptor
            if pos + 10 > n:
                break
            left, top, w, h = struct.unpack_from("<HHHH", data, pos + 1)
            # Pillow grows the canvas to hold a frame that sticks out of it.
            width, height = max(width, left + w), max(height, top + h)
            flags = data[pos + 9]
            pos += 10 + (3 * (2 << (flags & 7)) if flags & 0x80 else 0) + 1  # + LZW code size
            pos = _skip_gif_sub_blocks(data, pos)
        else:
            break
    raise _truncated()


def _skip_gif_sub_blocks(data: bytes, pos: int) -> int:
    n = len(data)
    while pos < n:
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos
    raise _truncated()


def _webp_layout(data: bytes) -> _Layout:
    end = 8 + struct.unpack_from("<I", data, 4)[0]
    if end > len(data):
        raise _truncated()
    layout = _Layout(0, 0, end)
    pos = 12
    while pos + 8 <= end:
        kind, size = struct.unpack_from("<4sI", data, pos)
        body, following = pos + 8, min(end, pos + 8 + size + (size & 1))
        if body + size > end:
            raise _truncated()
        if kind == b"VP8X" and size >= 10:
            layout.webp_flags_at = body
            layout.width = 1 + int.from_bytes(data[body + 4 : body + 7], "little")
            layout.height = 1 + int.from_bytes(data[body + 7 : body + 10], "little")
        elif kind == b"VP8 " and not layout.width and size >= 10:
            w, h = struct.unpack_from("<HH", data, body + 6)
            layout.width, layout.height = w & 0x3FFF, h & 0x3FFF
        elif kind == b"VP8L" and not layout.width and size >= 5:
            layout.lossless = True
            bits = int.from_bytes(data[body + 1 : body + 5], "little")
            layout.width, layout.height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        elif kind in (b"EXIF", b"XMP "):
            layout.metadata.append((pos, following))
        pos = following
    return layout


_LAYOUTS = {"PNG": _png_layout, "JPEG": _jpeg_layout, "GIF": _gif_layout, "WEBP": _webp_layout}


def _refuse_polyglots(data: bytes, layout: _Layout, fmt: str) -> None:
    """Refuse a file that is also something else: markup inside, or another file after the end."""
    if _ACTIVE_CONTENT.search(data):
        raise InvalidImage("image contains HTML or script; refusing a polyglot file")
    if not _NOT_PADDING.search(data, layout.end):
        return  # nothing after the end marker but NUL padding
    tail = memoryview(data)[layout.end :]
    if fmt != "JPEG":
        raise InvalidImage(f"unexpected data after the end of the {_TYPES[fmt][1].upper()}")
    # Cameras and phones append data after a JPEG's EOI (a second picture, a depth map), and the
    # re-encode drops it; only refuse a tail that is another kind of file.
    head = tail[:1024].tobytes()
    what = None
    if _SVG.search(tail):
        what = "SVG"
    elif b"%PDF-" in head:
        what = "a PDF"
    elif head.startswith(b"PK\x03\x04") or b"PK\x05\x06" in tail[-65_557:].tobytes():
        what = "a zip archive"
    elif head.startswith((b"\x7fELF", b"MZ", b"Rar!", b"7z\xbc\xaf")):
        what = "an archive or a program"
    if what:
        raise InvalidImage(f"JPEG followed by {what}; refusing a polyglot file")
