"""Finalizing a 5 MB JPEG: time and peak memory of `apps.assets.inspection.inspect_image`.

Builds a realistic camera-like JPEG (4000×3000, noise over a gradient, quality 95, EXIF with GPS
and orientation 6), then:

- times `inspect_image` over N runs in this process (p50/p95/mean), next to the bare cost of
  decoding the same JPEG with Pillow, for scale;
- measures peak memory in a fresh interpreter doing one finalize, as a worker would:
  tracemalloc's peak (Python allocations only: the input, output and thumbnail buffers) and the
  whole process's peak RSS (VmHWM, reset through /proc/self/clear_refs just before the call,
  and the ru_maxrss delta), which includes Pillow's pixel buffers and libjpeg's. The photo is
  made in a child of its own first: ru_maxrss survives exec, so the measuring child must be
  started by a parent that never held the big image.

No database, no Django. Prints a table.

    .venv/bin/python bench/bench_finalize.py [--runs 30] [--keep path/to/photo.jpg]
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import ExifTags, Image  # noqa: E402

from apps.assets.inspection import inspect_image  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30, help="timed finalizes")
    parser.add_argument("--keep", default="", help="also write the generated JPEG here")
    parser.add_argument("--make-photo", default="", help=argparse.SUPPRESS)
    parser.add_argument("--measure-memory", default="", help=argparse.SUPPRESS)
    return parser.parse_args()


def make_photo(width: int = 4000, height: int = 3000) -> bytes:
    """A JPEG that compresses like a photo: gradients plus sensor-like noise, with camera EXIF."""
    gradient = Image.linear_gradient("L").resize((width, height))
    channels = []
    for sigma, flip in ((28, False), (32, True), (24, False)):
        noise = Image.effect_noise((width, height), sigma)
        base = gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if flip else gradient
        channels.append(Image.blend(base, noise, 0.3))
    photo = Image.merge("RGB", channels)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Acme"
    exif[ExifTags.Base.Model] = "Phone 12"
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.DateTime] = "2026:11:27 10:00:00"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (2.0, 21.0, 3.0),
    }
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def time_runs(action: Callable[[], object], runs: int) -> dict[str, float]:
    action()  # warm-up: imports, codec setup
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "p50": percentile(samples, 0.50),
        "p95": percentile(samples, 0.95),
        "mean": statistics.fmean(samples),
    }


def decode_only(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as img:
        img.load()


def status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def measure_memory(path: str) -> None:
    """Child process: one finalize in a fresh interpreter, as the first job of a worker."""
    data = Path(path).read_bytes()
    rss_before = status_kib("VmRSS")
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    inspect_image(data)
    hwm = status_kib("VmHWM")
    maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    tracemalloc.start()
    inspect_image(data)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "rss_before_kib": rss_before,
                "hwm_kib": hwm,
                "maxrss_delta_kib": maxrss_after - maxrss_before,
                "tracemalloc_peak_kib": traced_peak // 1024,
            }
        )
    )


def main() -> None:
    args = parse_args()
    if args.make_photo:
        Path(args.make_photo).write_bytes(make_photo())
        return
    if args.measure_memory:
        measure_memory(args.measure_memory)
        return

    with tempfile.TemporaryDirectory() as tmp:
        photo = Path(tmp) / "photo.jpg"
        for flag in ("--make-photo", "--measure-memory"):
            child = subprocess.run(
                [sys.executable, __file__, flag, str(photo)],
                check=True,
                capture_output=True,
                text=True,
            )
        memory = json.loads(child.stdout)
        data = photo.read_bytes()
    if args.keep:
        Path(args.keep).write_bytes(data)
    result = inspect_image(data)

    finalize = time_runs(lambda: inspect_image(data), args.runs)
    decode = time_runs(lambda: decode_only(data), args.runs)

    mib = 1024 * 1024
    print(f"input: 4000×3000 JPEG, quality 95, EXIF+GPS, orientation 6, {len(data) / mib:.2f} MiB")
    print(
        f"output: {result.width}×{result.height} JPEG q90 baseline, {result.size / mib:.2f} MiB;"
        f" thumbnail WebP {len(result.thumbnail) / 1024:.1f} KiB"
    )
    python = sys.version.split()[0]
    print(f"runs: {args.runs} (+1 warm-up), Pillow {Image.__version__}, Python {python}")
    print()
    print("| measure | p50 ms | p95 ms | mean ms |")
    print("|---|---|---|---|")
    for name, figures in (("inspect_image (finalize)", finalize), ("Pillow decode only", decode)):
        print(f"| {name} | {figures['p50']:.0f} | {figures['p95']:.0f} | {figures['mean']:.0f} |")
    print()
    print("| memory, one finalize in a fresh process | MiB |")
    print("|---|---|")
    print(f"| RSS before (interpreter, Pillow, input) | {memory['rss_before_kib'] / 1024:.1f} |")
    print(f"| peak RSS during finalize (VmHWM) | {memory['hwm_kib'] / 1024:.1f} |")
    extra = (memory["hwm_kib"] - memory["rss_before_kib"]) / 1024
    print(f"| peak RSS added by finalize (VmHWM − RSS before) | {extra:.1f} |")
    print(f"| ru_maxrss delta | {memory['maxrss_delta_kib'] / 1024:.1f} |")
    traced = memory["tracemalloc_peak_kib"] / 1024
    print(f"| tracemalloc peak (Python allocations only) | {traced:.1f} |")


if __name__ == "__main__":
    main()
