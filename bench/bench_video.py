"""Video fingerprinting: frames hashed per second against a decode-only pass (the ceiling).

    python bench/bench_video.py [--seconds 20] [--clips 2] [--size 640x360] [--repeat 3]

1. Encodes synthetic clips (a slow pan across rooms drawn by loaders/demo/rooms.py, 30
   frames per second) in three keyframe layouts: H.264 with x264's default long groups
   of pictures (a keyframe every 250 frames), H.264 with a keyframe every second (as
   phones record) and MJPEG (every frame a keyframe).
2. Per layout, in the same run, interleaved ``--repeat`` times (medians; the machine may
   be shared): a decode-only pass (PyAV decodes every frame, same thread settings, no
   conversion: the ceiling of any analysis that decodes the whole clip), a naive pass
   (decode every frame, hash the first frame at or after each second) and
   :func:`media.video.video_info` (1 frame per second, groups of pictures without a
   sample skipped).
3. Prints a Markdown table, saves ``bench/results/video.json`` and ``video.md``
   (:func:`bench.common.save`). Timings are wall-clock and CPU seconds of this process
   (decoder threads included). Nothing is asserted.

The functions are importable (``make_clips``, ``decode_only``, ``naive_hash``,
``fingerprint``) so that other video benchmarks reuse the same clips and passes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import av  # noqa: E402 - after the path is set
from PIL import Image  # noqa: E402

from bench import common  # noqa: E402
from loaders.demo import rooms, vocab  # noqa: E402
from media import pdq  # noqa: E402
from media import video as lv  # noqa: E402

FPS = 30
#: name -> (codec, keyframe interval in frames or None for the encoder's default, suffix)
LAYOUTS: dict[str, tuple[str, int | None, str]] = {
    "h264, long GOP (x264 default, 250)": ("libx264", None, ".mp4"),
    "h264, keyframe every 1 s (phone-like)": ("libx264", FPS, ".mp4"),
    "mjpeg (every frame a keyframe)": ("mjpeg", None, ".avi"),
}


def pan_frames(seed: int, n: int, size: tuple[int, int]):
    """``n`` frames panning across one drawn room (generated lazily, one at a time)."""
    base = rooms.draw_room(rooms.RoomSpec.build(seed, vocab.COUNTRIES[seed % 10]))
    for i in range(n):
        x = 20 + (i * 300) // max(1, n)
        y = 20 + (i * 100) // max(1, n)
        view = base.crop((x, y, x + 1200, y + 900)).resize(size, Image.Resampling.BILINEAR)
        yield rooms.add_noise(view, seed * 100_000 + i)


def make_clips(
    folder: Path, layout: str, clips: int, seconds: float, size: tuple[int, int]
) -> list[Path]:
    """``clips`` clips of ``seconds`` s at 30 fps in one of :data:`LAYOUTS`."""
    codec, gop, suffix = LAYOUTS[layout]
    out = []
    for k in range(clips):
        path = folder / f"{codec}-{gop or 'default'}-{k}{suffix}"
        lv.write_clip(
            pan_frames(k + 1, int(seconds * FPS), size), path, fps=FPS, codec=codec, gop=gop
        )
        out.append(path)
    return out


def decode_only(paths: list[Path]) -> int:
    """Decode every frame of every clip (threads as :mod:`media.video` sets them);
    returns the number of frames."""
    n = 0
    for p in paths:
        with av.open(str(p)) as c:
            s = c.streams.video[0]
            s.codec_context.thread_type = "AUTO"
            for _ in c.decode(s):
                n += 1
    return n


def naive_hash(paths: list[Path], fps: float = 1.0) -> int:
    """Decode every frame, hash the first one at or after each 1/fps: the simple way."""
    n = 0
    for p in paths:
        with av.open(str(p)) as c:
            s = c.streams.video[0]
            s.codec_context.thread_type = "AUTO"
            start, k = s.start_time or 0, 0
            for frame in c.decode(s):
                t = float((frame.pts - start) * s.time_base)
                if t >= k / fps - 1e-6:
                    pdq.pdq_reference(frame.to_image())
                    n += 1
                    while k / fps <= t + 1e-6:
                        k += 1
    return n


def fingerprint(paths: list[Path], fps: float = 1.0) -> int:
    """:func:`media.video.video_info` on every clip; returns the frames hashed."""
    return sum(
        len(lv.video_info(p, fps=fps, max_frames=100_000, time_limit=3600).frames) for p in paths
    )


def timed(fn: Callable[[], int]) -> tuple[float, float, int]:
    """(wall s, CPU s, result) of one call."""
    w0, c0 = time.perf_counter(), time.process_time()
    n = fn()
    return time.perf_counter() - w0, time.process_time() - c0, n


def measure(paths: list[Path], repeat: int) -> dict:
    passes: dict[str, Callable[[], int]] = {
        "decode_only": lambda: decode_only(paths),
        "naive": lambda: naive_hash(paths),
        "video_info": lambda: fingerprint(paths),
    }
    samples: dict[str, list[tuple[float, float, int]]] = {k: [] for k in passes}
    for fn in passes.values():
        fn()  # warm the caches and the libraries once
    for _ in range(repeat):
        for name, fn in passes.items():
            samples[name].append(timed(fn))
    out = {}
    for name, runs in samples.items():
        out[name] = {
            "wall_s": statistics.median(r[0] for r in runs),
            "cpu_s": statistics.median(r[1] for r in runs),
            "frames": runs[0][2],
        }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0, help="length of each clip")
    ap.add_argument("--clips", type=int, default=2, help="clips per layout")
    ap.add_argument("--size", default="640x360", help="frame size WxH")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    w, h = (int(x) for x in args.size.lower().split("x"))
    machine = common.machine()
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="cluegraph-bench-video-") as tmp:
        for layout in LAYOUTS:
            t0 = time.perf_counter()
            paths = make_clips(Path(tmp), layout, args.clips, args.seconds, (w, h))
            print(f"{layout}: {len(paths)} clips made in {time.perf_counter() - t0:.1f} s")
            m = measure(paths, args.repeat)
            seconds = args.clips * args.seconds
            for r in m.values():
                r["clip_seconds_per_s"] = seconds / r["wall_s"]
            dec, vi = m["decode_only"], m["video_info"]
            m["hashed_per_s_wall"] = vi["frames"] / vi["wall_s"]
            m["hashed_per_s_cpu"] = vi["frames"] / vi["cpu_s"]
            # The ceiling: samples per second if hashing were free and every frame decoded.
            m["ceiling_per_s_wall"] = vi["frames"] / dec["wall_s"]
            m["ceiling_per_s_cpu"] = vi["frames"] / dec["cpu_s"]
            m["of_ceiling_wall"] = dec["wall_s"] / vi["wall_s"]
            m["of_ceiling_cpu"] = dec["cpu_s"] / vi["cpu_s"]
            m["naive_of_ceiling_cpu"] = dec["cpu_s"] / m["naive"]["cpu_s"]
            m["decoded_by_video_info"] = sum(
                lv.video_info(p, max_frames=100_000, time_limit=3600).decoded_frames for p in paths
            )
            results[layout] = m
    lines = [
        "# Video fingerprint: frames hashed per second against a decode-only pass",
        "",
        f"Machine: {common.describe(machine)}.",
        f"Clips: {args.clips} per layout, {args.seconds:g} s each at {FPS} fps, {w}x{h}, "
        "a pan across a drawn room; 1 frame hashed per second; medians of "
        f"{args.repeat} interleaved runs. `of ceiling` = decode-only time / pass time "
        "(above 1: faster than decoding every frame).",
        "",
        "| layout | frames decoded (decode-only) | decode-only CPU s | naive CPU s "
        "| video_info CPU s | video_info wall s | frames hashed | hashed/s (CPU) "
        "| ceiling hashed/s (CPU) | of ceiling (CPU) | of ceiling (wall) "
        "| naive of ceiling (CPU) | frames decoded by video_info |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for layout, m in results.items():
        lines.append(
            f"| {layout} | {m['decode_only']['frames']} | {m['decode_only']['cpu_s']:.2f} "
            f"| {m['naive']['cpu_s']:.2f} | {m['video_info']['cpu_s']:.2f} "
            f"| {m['video_info']['wall_s']:.2f} | {m['video_info']['frames']} "
            f"| {m['hashed_per_s_cpu']:.1f} | {m['ceiling_per_s_cpu']:.1f} "
            f"| {m['of_ceiling_cpu']:.2f} | {m['of_ceiling_wall']:.2f} "
            f"| {m['naive_of_ceiling_cpu']:.2f} | {m['decoded_by_video_info']} |"
        )
    md = "\n".join(lines)
    print(md)
    common.save(
        "video",
        {
            "machine": machine,
            "settings": {
                "clips_per_layout": args.clips,
                "seconds": args.seconds,
                "fps": FPS,
                "size": [w, h],
                "repeat": args.repeat,
                "sample_fps": 1.0,
                "pyav": av.__version__,
            },
            "results": results,
        },
        md,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
