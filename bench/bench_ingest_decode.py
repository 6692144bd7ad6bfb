"""Cost of analysing one image file: decode versus hashing, at 1 MP and 12 MP.

Run: .venv/bin/python bench/bench_ingest_decode.py [--repeat N]

Writes synthetic JPEGs (generated rooms, no real imagery) to a temporary folder and
prints milliseconds per image for each stage of ``media.mediafile.analyse``, plus the
PDQ distance that the reduced-scale JPEG decode costs against a full decode, and the
pHash distance between the pHash of the 512x512 shrink (what ``image_hashes`` stores)
and that of the full picture (what it stored before).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import imagehash
import numpy as np
import pdqhash
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from media import digests, exif  # noqa: E402 - the path is set just above
from media import mediafile as mf  # noqa: E402 - the path is set just above
from media import pdq as pq  # noqa: E402

SIZES = {"1 MP": (1155, 866), "12 MP": (4000, 3000)}


def synthetic_room(seed: int, size: tuple[int, int]) -> Image.Image:
    """A room-like picture: walls, floor, window, furniture, mild noise."""
    rng = np.random.default_rng(seed)
    w, h = size

    def colour(lo: int = 40, hi: int = 230) -> tuple[int, int, int]:
        r, g, b = (int(v) for v in rng.integers(lo, hi, 3))
        return r, g, b

    img = Image.new("RGB", size, colour(90))
    draw = ImageDraw.Draw(img)
    horizon = int(h * 0.62)
    draw.polygon([(0, h), (w * 0.15, horizon), (w * 0.85, horizon), (w, h)], fill=colour())
    draw.rectangle([w * 0.4, h * 0.15, w * 0.6, h * 0.4], fill=colour(170, 255))
    for _ in range(4):
        x, y = rng.uniform(0, w * 0.8), rng.uniform(horizon * 0.8, h * 0.9)
        draw.rectangle([x, y, x + w * 0.18, y + h * 0.2], fill=colour(), outline=(20, 20, 20))
    arr = np.asarray(img).astype(np.float32) + rng.normal(0, 3, (h, w, 3)).astype(np.float32)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def timed(fn: Callable[[], object], repeat: int, clock: Callable[[], float]) -> float:
    """Median milliseconds of ``fn`` by ``clock`` (CPU time by default: on a busy machine
    wall-clock time measures the neighbours too)."""
    fn()
    samples = []
    for _ in range(repeat):
        t0 = clock()
        fn()
        samples.append((clock() - t0) * 1000)
    return statistics.median(samples)


def decode(path: Path, reduced: bool) -> Image.Image:
    img, _, _ = mf._open_image(path, "image/jpeg", mf.DEFAULT_MAX_PIXELS, reduced)
    with img:
        return img.copy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--wall", action="store_true", help="wall-clock instead of CPU time")
    args = parser.parse_args()
    clock = time.perf_counter if args.wall else time.process_time

    with tempfile.TemporaryDirectory() as tmp:
        unit = "wall" if args.wall else "CPU"
        print(f"{'stage (' + unit + ' ms per image)':34s} " + " ".join(f"{k:>9s}" for k in SIZES))
        rows: dict[str, list[float]] = {}
        drift: dict[str, list[int]] = {}
        phash_drift: dict[str, list[int]] = {}
        for label, size in SIZES.items():
            path = Path(tmp) / f"room-{label.replace(' ', '')}.jpg"
            synthetic_room(1, size).save(path, quality=90)
            reduced = decode(path, True)
            base = pq._pdq_base(reduced)
            stages: dict[str, Callable[[], object]] = {
                "digests (md5+sha1+sha256)": lambda p=path: digests.file_digests(p),
                "decode, full": lambda p=path: decode(p, False),
                "decode, reduced (draft)": lambda p=path: decode(p, True),
                "  512 shrink": lambda r=reduced: pq._pdq_base(r),
                "  PDQ + 8 dihedral": lambda b=base: pdqhash.compute_dihedral(b),
                "  pHash (of the 512 shrink)": lambda b=base: imagehash.phash(Image.fromarray(b)),
                "  pHash (of the full picture)": lambda p=path: imagehash.phash(decode(p, False)),
                "  border search": lambda b=base: pq._uniform_border(b),
                f"  {len(pq.CROP_BOXES)} crop hashes": lambda b=base: pq._crop_hashes(
                    b, pq.CROP_BOXES
                ),
                "image_hashes (all of the above)": lambda r=reduced: pq.image_hashes(r),
                "read_exif": lambda p=path: exif.read_exif(p),
                "analyse, total": lambda p=path: mf.analyse(p),
            }
            for name, fn in stages.items():
                rows.setdefault(name, []).append(timed(fn, args.repeat, clock))
            distances, phash_moves = [], []
            for seed in range(5):
                p = Path(tmp) / f"drift-{seed}.jpg"
                synthetic_room(seed, size).save(p, quality=90)
                exact = mf.analyse(p).hashes
                fast = mf.analyse(p, reduced_decode=True).hashes
                assert exact is not None and fast is not None
                distances.append(digests.hamming_hex(exact.pdq, fast.pdq))
                full_phash = str(imagehash.phash(decode(p, False)))
                phash_moves.append(digests.hamming_hex(exact.phash, full_phash))
            drift[label] = distances
            phash_drift[label] = phash_moves
        for name, values in rows.items():
            print(f"{name:34s} " + " ".join(f"{v:9.1f}" for v in values))
        for label, distances in drift.items():
            print(f"PDQ bits moved by the reduced decode at {label}: {distances}")
        for label, moves in phash_drift.items():
            print(f"pHash bits, 512 shrink vs full picture, at {label}: {moves}")


if __name__ == "__main__":
    main()
