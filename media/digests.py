"""Digests of a file's bytes (SHA-256, SHA-1, MD5 in one read) and the Hamming distance of
two hex codes. Pure: no decoding, no database."""

from __future__ import annotations

import hashlib
import os

_CHUNK = 1 << 20


# ----------------------------------------------------------------------------- digests


def file_digests(path: str | os.PathLike[str]) -> tuple[str, str, str, int]:
    """MD5, SHA-1 and SHA-256 (hex) and the size in bytes, in one streamed pass."""
    md5, sha1, sha256 = hashlib.md5(), hashlib.sha1(), hashlib.sha256()
    size = 0
    buf = bytearray(_CHUNK)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buf):
            chunk = view[:n]
            md5.update(chunk)
            sha1.update(chunk)
            sha256.update(chunk)
            size += n
    return md5.hexdigest(), sha1.hexdigest(), sha256.hexdigest(), size


def hamming_hex(a: str, b: str) -> int:
    """Number of differing bits between two hex strings of equal length.

    >>> hamming_hex("ff00", "0f01")
    5
    """
    if len(a) != len(b):
        raise ValueError(f"hashes differ in length: {len(a)} and {len(b)} hex digits")
    return (int(a, 16) ^ int(b, 16)).bit_count()
