"""Analysis of one video file: container metadata and a vPDQ-style frame fingerprint.

Pure functions, no database, and only Python packages: PyAV (FFmpeg inside its wheel)
demuxes and decodes, :func:`media.pdq.pdq_reference` hashes the frames. Pixels
are decoded only to be hashed and are never returned or kept: what leaves this module is
hashes, timestamps and metadata.

Metadata
    Read from the container's and the video stream's tags (keys compared without case):
    ``duration`` (the container's, else the stream's, else the last packet's end), the
    video ``codec`` (FFmpeg's decoder name, as ffprobe's ``codec_name``), ``width`` and
    ``height`` (as decoded, as ffprobe reports them), ``frame_rate`` (the stream's average
    rate, ffprobe's ``avg_frame_rate``, else its base rate), ``rotation`` (the display
    matrix phones write for portrait clips, degrees counter-clockwise as ffprobe reports
    it; ExifTool's clockwise ``Rotation`` is 360 minus it; pixels are hashed as stored,
    not rotated, exactly as images ignore EXIF Orientation), and where phones write them:
    ``captured_at`` from ``com.apple.quicktime.creationdate`` (local time with its offset),
    else ``creation_time`` (the container's UTC clock; the QuickTime and Unix epochs
    mean "unset"); ``make``/``model`` from ``com.apple.quicktime.make|model``,
    ``make``/``model`` or ``com.android.manufacturer|model``; GPS from
    ``com.apple.quicktime.location.ISO6709`` or ``location`` (the ``©xyz`` atom Android
    and FFmpeg write), an ISO 6709 string parsed by :func:`parse_iso6709` into signed
    decimal degrees, then resolved to a place like an image's EXIF GPS.

The fingerprint (vPDQ style)
    Frames are sampled at ``fps`` per second (default 1, ``CLUEGRAPH_VIDEO_FPS``): the
    sample for target time ``k / fps`` is the first decoded frame shown at or after it,
    and its own time is kept (seconds from the stream's start). Each sample is hashed
    with the same reference-exact PDQ code as images (``pdq_reference``: RGB, shrunk to
    512x512 nearest-neighbour when larger, then Meta's C++ hasher), with its quality.
    A clip longer than ``max_frames / fps`` seconds is sampled evenly over its whole
    length at ``max_frames`` samples instead. The video's own ``pdq``/``pdq_quality`` are
    those of its highest-quality sample (the earliest among equals), so that exact-hash
    tooling written for images works on videos unchanged.

    Meta's vPDQ hashes every sampled frame at full size; ours shrinks frames over 512 px
    first, as our image hashes do, so that a still taken from a clip hashes like the clip's
    frame (the two differ by a few bits only: PDQ low-passes to 64x64 either way).

Decoding only what the samples need
    Packets are demuxed in order (cheap), but a group of pictures (keyframe to keyframe)
    is decoded only when a sample falls inside it: after a sample is taken, the following
    packets are held back (compressed); a keyframe before the next target drops what is
    held and starts a new held group; a packet at or after the next target has the held
    group decoded first (from its keyframe, the decoder flushed), and a keyframe exactly
    at the target is decoded alone. Clips with a keyframe every second (phones) or every
    frame (MJPEG) decode about one frame per sample; long-GOP clips cost about a full
    decode, the ceiling (bench/bench_video.py). Frames that are not samples are never
    converted to RGB.

Bad input
    Every problem is a :class:`media.facts.MediaError` naming the file, never
    quoting its bytes: ``corrupt`` (no readable container, or no frame decodes),
    ``truncated`` (the data ends well before the duration the header declares),
    ``unsupported_type`` (no video stream, or a codec FFmpeg cannot decode), ``too_large``
    (frames over ``max_pixels``, a declared duration over ``max_duration``), ``timeout``
    (analysis longer than ``time_limit`` seconds, checked between packets; a decoder
    stuck inside one call is stopped by the media loader's per-file time limit, which
    kills the worker). Memory is bounded: one decoded frame at a time, held-back packets
    capped, at most ``max_frames`` hashes.
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from PIL import Image

from media.facts import DEFAULT_MAX_PIXELS, ExifInfo, MediaError, text_value
from media.pdq import pdq_reference

__all__ = [
    "DEFAULT_FPS",
    "DEFAULT_MAX_DURATION",
    "DEFAULT_MAX_FRAMES",
    "DEFAULT_TIME_LIMIT",
    "VideoInfo",
    "parse_iso6709",
    "read_metadata",
    "sample_frames",
    "video_info",
    "write_clip",
]

DEFAULT_FPS = 1.0
DEFAULT_MAX_FRAMES = 3600
DEFAULT_TIME_LIMIT = 120.0
DEFAULT_MAX_DURATION = 86_400.0

#: Compressed packets held back while skipping a group of pictures, before giving up
#: skipping and decoding them anyway (memory bound for clips with no keyframes).
MAX_HELD_PACKETS = 2000
MAX_HELD_BYTES = 64 << 20

#: Share of the declared duration the decodable data must reach (else ``truncated``).
TRUNCATED_SHARE = 0.9
#: Seconds of slack on the truncation check (frames and packets round to their own grid).
TRUNCATED_SLACK = 1.0

_EPS = 1e-6


# ----------------------------------------------------------------------------- types


@dataclass
class VideoInfo:
    """What :func:`video_info` finds in one clip. ``frames`` are ``(t, pdq_hex, quality)``
    with ``t`` in seconds from the start of the video stream, in increasing order."""

    container: str | None = None
    codec: str | None = None
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    frame_rate: float | None = None
    rotation: int | None = None
    captured_at: str | None = None
    make: str | None = None
    model: str | None = None
    lat: float | None = None
    lon: float | None = None
    frames: list[tuple[float, str, int]] = field(default_factory=list)
    #: PDQ and quality of the highest-quality sample (None without samples).
    pdq: str | None = None
    pdq_quality: int | None = None
    #: Frames the decoder produced (not stored: it shows how much decoding was skipped).
    decoded_frames: int = 0

    def exif(self) -> ExifInfo:
        """The camera, time and place as :class:`~loaders.ExifInfo`, so that the
        media loader stores and geocodes them exactly as an image's EXIF."""
        return ExifInfo(
            make=self.make,
            model=self.model,
            captured_at=self.captured_at,
            lat=self.lat,
            lon=self.lon,
        )


@dataclass
class _Limits:
    fps: float
    max_frames: int
    time_limit: float
    max_duration: float
    max_pixels: int


def _limits(
    fps: float | None,
    max_frames: int | None,
    time_limit: float | None,
    max_duration: float | None,
    max_pixels: int | None,
) -> _Limits:
    """Explicit arguments, else the ``CLUEGRAPH_VIDEO_*`` settings."""
    if None in (fps, max_frames, time_limit, max_duration):
        from graph.config import get_settings  # only when a default is needed

        s = get_settings()
        fps = s.video_fps if fps is None else fps
        max_frames = s.video_max_frames if max_frames is None else max_frames
        time_limit = s.video_time_limit if time_limit is None else time_limit
        max_duration = s.video_max_duration if max_duration is None else max_duration
    if not (fps > 0 and math.isfinite(fps)):
        raise ValueError(f"fps must be a positive number, not {fps!r}")
    if max_frames < 1:
        raise ValueError(f"max_frames must be at least 1, not {max_frames!r}")
    return _Limits(
        float(fps),
        int(max_frames),
        float(time_limit),
        float(max_duration),
        int(max_pixels or DEFAULT_MAX_PIXELS),
    )


# ----------------------------------------------------------------------------- metadata

_ISO6709 = re.compile(
    r"^\s*([+-])(\d+)(\.\d+)?([+-])(\d+)(\.\d+)?(?:[+-]\d+(?:\.\d+)?)?\s*(?:CRS[^/]*)?/?\s*$"
)


def _sexagesimal(digits: str, frac: str | None, deg_digits: int) -> float | None:
    """Degrees from ISO 6709 ``D[D]D[MM[SS]][.fff]`` (the fraction belongs to the last unit)."""
    extra = len(digits) - deg_digits
    if extra not in (0, 2, 4):
        return None
    f = float(frac) if frac else 0.0
    if extra <= 0:
        return int(digits) + f
    deg = int(digits[:-extra])
    minutes = int(digits[-extra:][:2])
    if extra == 2:
        minutes_f = minutes + f
        return None if minutes_f >= 60 else deg + minutes_f / 60
    seconds = int(digits[-2:]) + f
    if minutes >= 60 or seconds >= 60:
        return None
    return deg + minutes / 60 + seconds / 3600


def parse_iso6709(text: Any) -> tuple[float, float] | None:
    """``(lat, lon)`` in signed decimal degrees from an ISO 6709 point, or None.

    Accepts degrees (``+48.8577+002.2950/``), degrees and minutes (``+4851.462+00217.70/``)
    and degrees, minutes and seconds (``+485127.7+0021742.0/``), with an optional altitude
    and CRS, as QuickTime's ``location.ISO6709`` and the ``©xyz`` atom carry them.
    Out-of-range values and garbage give None. Rounded to 7 decimals like EXIF GPS.

    >>> parse_iso6709("-33.8688+151.2093+010.000/")
    (-33.8688, 151.2093)
    >>> parse_iso6709("+4851.462+00217.700/")
    (48.8577, 2.295)
    >>> parse_iso6709("north") is None
    True
    """
    if isinstance(text, bytes):
        text = text.decode("ascii", errors="replace")
    if not isinstance(text, str) or len(text) > 80:
        return None
    m = _ISO6709.match(text)
    if not m:
        return None
    lat_sign, lat_d, lat_f, lon_sign, lon_d, lon_f = m.groups()
    # Integer digits give the form: 1-2 (lat) / 1-3 (lon) degrees, +2 minutes, +4 seconds.
    if len(lat_d) not in (1, 2, 4, 6) or len(lon_d) not in (1, 2, 3, 5, 7):
        return None
    lat = _sexagesimal(lat_d, lat_f, min(len(lat_d), 2))
    lon = _sexagesimal(lon_d, lon_f, min(len(lon_d), 3))
    if lat is None or lon is None or not (lat <= 90 and lon <= 180):
        return None
    lat, lon = round(lat, 7), round(lon, 7)
    return (-lat if lat_sign == "-" else lat), (-lon if lon_sign == "-" else lon)


_ISO_DATE = re.compile(
    r"^\s*(\d{4})[-:](\d{2})[-:](\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,]\d+)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)


def _iso_time(text: Any) -> str | None:
    """ISO 8601 (seconds precision, with the offset when given; ``Z`` as ``+00:00``), or
    None for garbage and for the QuickTime (1904) and Unix (1970) epochs, which muxers
    write when they know no time."""
    text = text_value(text)
    m = _ISO_DATE.match(text or "")
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    try:
        stamp = datetime(y, mo, d, h, mi, s)
    except ValueError:
        return None
    if stamp <= datetime(1970, 1, 1):
        return None
    out = stamp.isoformat()
    offset = m.group(7)
    if offset == "Z":
        out += "+00:00"
    elif offset:
        digits = offset.replace(":", "")
        hours, minutes = int(digits[1:3]), int(digits[3:5])
        if hours > 14 or minutes >= 60:
            return None
        out += f"{digits[0]}{hours:02d}:{minutes:02d}"
    return out


def _tags(*dicts: Mapping[str, Any]) -> dict[str, Any]:
    """Tags of the container and the stream, keys lowercased; the first one given wins."""
    out: dict[str, Any] = {}
    for d in dicts:
        for k, v in (d or {}).items():
            out.setdefault(str(k).lower(), v)
    return out


def _first(tags: Mapping[str, Any], *keys: str) -> Any:
    for k in keys:
        v = tags.get(k)
        if v not in (None, ""):
            return v
    return None


def _seconds(value: Any, unit: Fraction | float) -> float | None:
    try:
        out = float(value * unit)
    except (TypeError, ValueError, OverflowError):
        return None
    return out if math.isfinite(out) and out > 0 else None


def _rate(stream: Any) -> float | None:
    for attr in ("average_rate", "base_rate", "guessed_rate"):
        try:
            r = getattr(stream, attr)
            value = float(r) if r is not None else 0.0
        except (ZeroDivisionError, TypeError, ValueError, OverflowError):
            continue
        if 0 < value <= 10_000 and math.isfinite(value):
            return round(value, 3)
    return None


def read_metadata(container: Any, stream: Any) -> VideoInfo:
    """Metadata of an opened PyAV container and its video stream (no frame decoded)."""
    tags = _tags(container.metadata, stream.metadata)
    cc = stream.codec_context
    info = VideoInfo(
        container=text_value(getattr(container.format, "name", None)),
        codec=text_value(getattr(cc, "name", None)),
        width=int(cc.width) if cc.width and cc.width > 0 else None,
        height=int(cc.height) if cc.height and cc.height > 0 else None,
        frame_rate=_rate(stream),
    )
    info.duration_seconds = None
    if container.duration is not None:
        info.duration_seconds = _seconds(container.duration, Fraction(1, av.time_base))
    if info.duration_seconds is None and stream.duration is not None:
        info.duration_seconds = _seconds(stream.duration, stream.time_base)
    info.captured_at = _iso_time(_first(tags, "com.apple.quicktime.creationdate")) or _iso_time(
        _first(tags, "creation_time", "date")
    )
    info.make = text_value(
        _first(tags, "com.apple.quicktime.make", "make", "com.android.manufacturer")
    )
    info.model = text_value(_first(tags, "com.apple.quicktime.model", "model", "com.android.model"))
    point = parse_iso6709(
        _first(tags, "com.apple.quicktime.location.iso6709", "location", "location-eng")
    )
    if point is not None:
        info.lat, info.lon = point
    return info


# ----------------------------------------------------------------------------- frames


def _sample_times(duration: float | None, lim: _Limits) -> Iterator[float]:
    """Target times: every ``1/fps`` s, or ``max_frames`` spread over a long clip."""
    step = 1.0 / lim.fps
    if duration is not None and duration * lim.fps > lim.max_frames:
        step = duration / lim.max_frames
    k = 0
    while True:
        yield k * step
        k += 1


def _hash_frame(frame: Any) -> tuple[str, int]:
    rgb = frame.to_ndarray(format="rgb24")
    return pdq_reference(Image.fromarray(np.ascontiguousarray(rgb), "RGB"))


class _Sampler:
    """Feeds packets to the decoder only for groups of pictures that hold a sample."""

    def __init__(self, path: Path, stream: Any, lim: _Limits, duration: float | None):
        self.path, self.stream, self.lim = path, stream, lim
        self.cc = stream.codec_context
        self.tb = stream.time_base
        self.start = stream.start_time if stream.start_time is not None else 0
        self.targets = _sample_times(duration, lim)
        self.next_t = next(self.targets)
        self.frames: list[tuple[float, str, int]] = []
        self.decoding = True
        self.held: list[Any] = []
        self.held_bytes = 0
        self.fresh = False  # the held packets start at a keyframe after skipped ones
        self.decoded = 0
        self.decode_errors = 0
        self.packets = 0
        self.last_t: float | None = None  # time of the last decoded frame
        self.end_t = 0.0  # end of the last packet, for a duration nothing else gives
        self.rotation: int | None = None

    def rel(self, pts: int | None) -> float | None:
        return None if pts is None else float((pts - self.start) * self.tb)

    @property
    def full(self) -> bool:
        return len(self.frames) >= self.lim.max_frames

    def packet(self, packet: Any) -> None:
        self.packets += 1
        t = self.rel(packet.pts if packet.pts is not None else packet.dts)
        if t is not None and packet.duration:
            self.end_t = max(self.end_t, t + float(packet.duration * self.tb))
        elif t is not None:
            self.end_t = max(self.end_t, t)
        if not self.decoding:
            if t is None:
                self._resume()
            elif packet.is_keyframe and abs(t - self.next_t) <= _EPS:
                self._drop_held()  # the target itself is a keyframe: start afresh here
                self.cc.flush_buffers()
                self.decoding = True
            elif t >= self.next_t - _EPS:
                self._resume()  # the target is in the held group: decode it first
            else:
                if packet.is_keyframe:
                    # A later group begins before the target: what is held is not needed.
                    self._drop_held()
                    self.fresh = True
                self.held.append(packet)
                self.held_bytes += packet.size
                if len(self.held) > MAX_HELD_PACKETS or self.held_bytes > MAX_HELD_BYTES:
                    self._resume()
                return
        self._decode(packet)

    def _drop_held(self) -> None:
        self.held, self.held_bytes, self.fresh = [], 0, False

    def _resume(self) -> None:
        self.decoding = True
        if self.fresh:
            self.cc.flush_buffers()  # packets were skipped before the held keyframe
        held = self.held
        self._drop_held()
        for p in held:
            self._decode(p)

    def flush(self) -> None:
        # Held packets hold no target (none reached the next target's time): dropped.
        # The decoder is drained either way: frames of packets fed before the holding
        # began (B-frame reordering, frame threads) may still hold the next target.
        self._drop_held()
        self._decode(None)

    def _decode(self, packet: Any) -> None:
        try:
            frames = self.cc.decode(packet)
        except av.error.EOFError:
            return
        except (av.FFmpegError, ValueError) as e:
            if isinstance(e, av.error.MemoryError):
                raise MemoryError from e
            self.decode_errors += 1
            return
        for frame in frames:
            self._frame(frame)

    def _frame(self, frame: Any) -> None:
        self.decoded += 1
        t = self.rel(frame.pts)
        if t is None:
            t = self.last_t + 1.0 / (self.lim.fps * 1000) if self.last_t is not None else 0.0
        self.last_t = t if self.last_t is None else max(self.last_t, t)
        if self.full or t < self.next_t - _EPS:
            return
        w, h = frame.width, frame.height
        if w <= 0 or h <= 0:
            return
        if w * h > self.lim.max_pixels:
            raise MediaError(
                "too_large",
                f"{self.path.name}: refused, a {w}x{h} frame is over {self.lim.max_pixels} pixels",
                self.path,
            )
        if self.rotation is None:
            try:
                self.rotation = int(round(frame.rotation)) % 360 or None
            except (AttributeError, TypeError, ValueError, OverflowError):
                self.rotation = None
        pdq, quality = _hash_frame(frame)
        self.frames.append((round(t, 6), pdq, quality))
        while self.next_t <= t + _EPS:
            self.next_t = next(self.targets)
        self.decoding = False


def sample_frames(
    container: Any, stream: Any, path: Path, lim: _Limits, duration: float | None
) -> _Sampler:
    """Demux the video stream and hash the sampled frames (see the module docstring)."""
    deadline = time.monotonic() + lim.time_limit
    cc = stream.codec_context
    cc.thread_type = "AUTO"  # slice and frame threads; the count stays FFmpeg's choice
    sampler = _Sampler(path, stream, lim, duration)
    demux = container.demux(stream)
    while True:
        if time.monotonic() > deadline:
            raise MediaError(
                "timeout",
                f"{path.name}: video analysis took longer than {lim.time_limit:g} s",
                path,
            )
        try:
            packet = next(demux)
        except StopIteration:
            break
        except av.error.EOFError:
            break
        except (av.FFmpegError, ValueError):
            sampler.decode_errors += 1  # a broken tail: what was read so far counts
            break
        if packet.size == 0 and packet.pts is None and packet.dts is None:
            continue  # the demuxer's end-of-stream marker
        sampler.packet(packet)
        if sampler.full:
            break
    if not sampler.full:
        sampler.flush()
    return sampler


# ----------------------------------------------------------------------------- the API


_BMFF_BOXES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot", b"uuid"}


def _container_truncated(path: Path, size: int) -> bool:
    """Whether the file ends inside a box (MP4/MOV/3GP) or its RIFF chunk (AVI) claims
    more bytes than there are: the usual signs of a copy cut short."""
    with open(path, "rb") as f:
        head = f.read(16)
        if head[:4] == b"RIFF":
            return len(head) >= 8 and int.from_bytes(head[4:8], "little") + 8 > size
        if head[4:8] not in _BMFF_BOXES:
            return False
        at = 0
        for _ in range(10_000):  # top-level boxes only; a real file has a handful
            if at == size:
                return False
            f.seek(at)
            box = f.read(16)
            if len(box) < 8:
                return True
            length = int.from_bytes(box[:4], "big")
            if length == 1:
                if len(box) < 16:
                    return True
                length = int.from_bytes(box[8:16], "big")
            elif length == 0:
                return False  # the last box runs to the end of the file
            if length < 8:
                return False  # not a box structure we can judge; the decoder will tell
            at += length
            if at > size:
                return True
    return False


def _open(path: Path, time_limit: float) -> Any:
    started = time.monotonic()
    try:
        # The timeout arms FFmpeg's interrupt callback: a demuxer stuck in one read stops.
        return av.open(str(path), "r", timeout=(time_limit, time_limit))
    except (av.FFmpegError, ValueError, UnicodeDecodeError) as e:
        if time.monotonic() - started >= time_limit:
            raise MediaError(
                "timeout", f"{path.name}: video took longer than {time_limit:g} s to open", path
            ) from e
        if isinstance(e, av.error.EOFError):
            raise MediaError("truncated", f"{path.name}: video data is truncated", path) from e
        if isinstance(e, av.error.InvalidDataError):
            raise MediaError("corrupt", f"{path.name}: not a readable video container", path) from e
        raise MediaError(
            "corrupt", f"{path.name}: video cannot be read ({type(e).__name__})", path
        ) from e


def video_info(
    path: str | os.PathLike[str],
    fps: float | None = None,
    max_frames: int | None = None,
    time_limit: float | None = None,
    *,
    max_duration: float | None = None,
    max_pixels: int | None = None,
) -> VideoInfo:
    """Metadata and sampled frame hashes of one video file.

    Parameters
    ----------
    path: the file (any container FFmpeg reads; its type is not checked here).
    fps: samples per second (default ``CLUEGRAPH_VIDEO_FPS``, 1).
    max_frames: at most this many samples, spread over a longer clip (default
        ``CLUEGRAPH_VIDEO_MAX_FRAMES``, 3600).
    time_limit: seconds before the analysis gives up (``CLUEGRAPH_VIDEO_TIME_LIMIT``, 120).
    max_duration: a declared duration above this is refused (``CLUEGRAPH_VIDEO_MAX_DURATION``).
    max_pixels: frames larger than this are refused (default 100 MP, as images).

    Returns
    -------
    VideoInfo with ``frames`` as ``(t, pdq_hex, quality)``.

    Raises
    ------
    MediaError: see the module docstring for the reasons.
    """
    p = Path(path)
    lim = _limits(fps, max_frames, time_limit, max_duration, max_pixels)
    try:
        size = p.stat().st_size
        if size == 0:
            raise MediaError("zero_bytes", f"{p.name}: file is empty (0 bytes)", p)
        if _container_truncated(p, size):
            raise MediaError("truncated", f"{p.name}: video data is truncated", p)
    except OSError as e:
        raise MediaError("unreadable", f"{p.name}: cannot be read ({type(e).__name__})", p) from e
    container = _open(p, lim.time_limit)
    with container:
        streams = [s for s in container.streams.video if s.codec_context is not None]
        if not streams:
            raise MediaError(
                "unsupported_type", f"{p.name}: the file has no video stream FFmpeg can decode", p
            )
        # FFmpeg's own choice (av_find_best_stream: cover art and thumbnails are passed
        # over, the default and most-sampled stream preferred), else the first.
        best = container.streams.best("video")
        stream = best if best is not None and best in streams else streams[0]
        for other in container.streams:
            if other is not stream:
                other.discard = av.stream.Discard.all  # demux the chosen stream only
        if getattr(stream.codec_context, "name", None) in (None, "", "none"):
            raise MediaError("unsupported_type", f"{p.name}: the video codec is not supported", p)
        info = read_metadata(container, stream)
        w, h = info.width or 0, info.height or 0
        if w * h > lim.max_pixels:
            raise MediaError(
                "too_large", f"{p.name}: refused, {w}x{h} is over {lim.max_pixels} pixels", p
            )
        if info.duration_seconds is not None and info.duration_seconds > lim.max_duration:
            raise MediaError(
                "too_large",
                f"{p.name}: refused, it declares {info.duration_seconds / 3600:.1f} h, "
                f"over the {lim.max_duration / 3600:g} h limit",
                p,
            )
        try:
            sampler = sample_frames(container, stream, p, lim, info.duration_seconds)
        except MemoryError as e:
            raise MediaError("too_large", f"{p.name}: not enough memory to decode", p) from e

    if not sampler.frames:
        if sampler.packets == 0 and sampler.decode_errors == 0:
            raise MediaError("corrupt", f"{p.name}: the video stream holds no frame", p)
        raise MediaError("corrupt", f"{p.name}: no video frame can be decoded", p)
    declared = info.duration_seconds
    reached = max(sampler.end_t, sampler.last_t or 0.0)
    if (
        declared is not None
        and not sampler.full
        and reached + TRUNCATED_SLACK < declared * TRUNCATED_SHARE
    ):
        raise MediaError(
            "truncated",
            f"{p.name}: video data is truncated (ends at {reached:.1f} s of the "
            f"{declared:.1f} s declared)",
            p,
        )
    if info.duration_seconds is None and reached > 0:
        info.duration_seconds = round(reached, 6)
    info.rotation = sampler.rotation
    info.decoded_frames = sampler.decoded
    info.frames = sampler.frames
    best = max(sampler.frames, key=lambda f: (f[2], -f[0]))
    info.pdq, info.pdq_quality = best[1], best[2]
    return info


# ----------------------------------------------------------------------------- clips


def write_clip(
    images: Iterable[Image.Image],
    path: str | os.PathLike[str],
    fps: float = 10,
    codec: str = "libx264",
    *,
    container_format: str | None = None,
    size: tuple[int, int] | None = None,
    bit_rate: int | None = None,
    gop: int | None = None,
    metadata: Mapping[str, str] | None = None,
    options: Mapping[str, str] | None = None,
) -> Path:
    """Encode Pillow images as a video clip with PyAV (tests, benchmarks, demo worlds).

    ``fps`` frames per second, one image per frame; ``size`` rescales every image (else
    the first image's size, rounded down to even sides for 4:2:0 codecs); ``gop`` the
    keyframe interval in frames; ``metadata`` container tags (for QuickTime keys such as
    ``com.apple.quicktime.make`` pass ``options={"movflags": "use_metadata_tags"}``).
    The container is named by ``container_format`` or guessed by FFmpeg from the suffix.
    """
    p = Path(path)
    rate = Fraction(fps).limit_denominator(1001)
    pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
    with av.open(str(p), "w", format=container_format, options=dict(options or {})) as out:
        for k, v in (metadata or {}).items():
            out.metadata[k] = v
        stream = None
        for img in images:
            if stream is None:
                w, h = size or img.size
                w, h = max(2, w - w % 2), max(2, h - h % 2)
                stream = out.add_stream(codec, rate=rate)
                stream.width, stream.height, stream.pix_fmt = w, h, pix_fmt
                if bit_rate:
                    stream.bit_rate = bit_rate
                if gop:
                    stream.codec_context.gop_size = gop
            frame_img = img.convert("RGB")
            if frame_img.size != (stream.width, stream.height):
                frame_img = frame_img.resize(
                    (stream.width, stream.height), Image.Resampling.BILINEAR
                )
            frame = av.VideoFrame.from_image(frame_img)
            for packet in stream.encode(frame):
                out.mux(packet)
        if stream is None:
            raise ValueError("write_clip needs at least one image")
        for packet in stream.encode():
            out.mux(packet)
    return p
