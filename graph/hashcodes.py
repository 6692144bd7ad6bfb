"""Binary image hashes as the indexes hold them: hex codes checked and packed into bits
(:func:`parse_hashes`), ids checked, and the sizes and radii of the two codes (PDQ 256
bits, pHash 64 bits; the spec's near-duplicate radii)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from graph.errors import InvalidInput

PDQ_BITS = 256
PHASH_BITS = 64
PDQ_RADIUS = 31  # SPEC "Links between series": near_duplicate when PDQ distance <= 31
PHASH_RADIUS = 8  # ... and a pHash distance <= 8 is a candidate


class InvalidHash(InvalidInput, ValueError):
    """A code, id list, radius or method was refused; the message names which and where."""


# --------------------------------------------------------------------------- parsing

_HEX_LUT = np.full(129, 255, dtype=np.uint8)
for _i, _c in enumerate("0123456789abcdef"):
    _HEX_LUT[ord(_c)] = _i
    _HEX_LUT[ord(_c.upper())] = _i


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def parse_hashes(
    codes: Sequence[str] | np.ndarray, bits: int, *, what: str = "hexes"
) -> np.ndarray:
    """Turn hex strings (or an ``(n, bits // 8)`` uint8 array) into a uint8 array.

    Parameters
    ----------
    codes: hex strings of ``bits // 4`` characters (either case), or a uint8 array.
    bits: code length in bits, a multiple of 8.
    what: the argument name used in error messages.

    Returns
    -------
    A C-contiguous ``(n, bits // 8)`` uint8 array, a copy of the input.

    Raises
    ------
    InvalidHash (a ValueError) naming the first bad position, e.g. ``hexes[3]``.

    >>> parse_hashes(["00ff", "A0B1"], 16).tolist()
    [[0, 255], [160, 177]]
    """
    nbytes = bits // 8
    if isinstance(codes, np.ndarray):
        if codes.dtype != np.uint8 or codes.ndim != 2 or codes.shape[1] != nbytes:
            raise InvalidHash(
                f"{what}: expected a uint8 array of shape (n, {nbytes}), "
                f"got {codes.dtype} {codes.shape}"
            )
        return np.ascontiguousarray(codes).copy()
    if isinstance(codes, str | bytes):
        raise InvalidHash(f"{what}: expected a list of hex strings, got a single string")
    n_chars = 2 * nbytes
    items = list(codes)
    if not items:
        return np.empty((0, nbytes), dtype=np.uint8)
    lengths = np.fromiter(
        (len(h) if isinstance(h, str) else -1 for h in items), dtype=np.int64, count=len(items)
    )
    bad = np.flatnonzero(lengths != n_chars)
    if bad.size:
        i = int(bad[0])
        raise InvalidHash(
            f"{what}[{i}]: {_short(items[i])} is not a {n_chars}-character hex string "
            f"({bits}-bit code)"
        )
    chars = np.array(items, dtype=f"<U{n_chars}").view(np.uint32).reshape(len(items), n_chars)
    nibbles = _HEX_LUT[np.minimum(chars, 128)]
    bad = np.flatnonzero((nibbles == 255).any(axis=1))
    if bad.size:
        i = int(bad[0])
        raise InvalidHash(
            f"{what}[{i}]: {_short(items[i])} contains a character that is not hexadecimal"
        )
    return np.ascontiguousarray((nibbles[:, 0::2] << 4) | nibbles[:, 1::2])


def check_ids(ids: Sequence[str], what: str = "ids") -> list[str]:
    if isinstance(ids, str | bytes):
        raise InvalidHash(f"{what}: expected a list of id strings, got a single string")
    out = list(ids)
    for i, value in enumerate(out):
        if not isinstance(value, str) or not value:
            raise InvalidHash(f"{what}[{i}]: {_short(value)} is not a non-empty string")
    return out
