"""Putative matches: mutual nearest neighbours under the ratio test, checked on the ratio
test's survivors only, decide exactly as the whole-matrix check (ties included: the same
code twice, as a repeated wallpaper motif quantises); decoded descriptors are kept."""

from __future__ import annotations

import numpy as np
import pytest

from media.visual import match
from media.visual.features import SceneFeatures, decode


def _features(codes: np.ndarray, rng: np.random.Generator) -> SceneFeatures:
    n = len(codes)
    return SceneFeatures(
        width=800,
        height=600,
        xy=(rng.random((n, 2)) * [800, 600]).astype(np.float32),
        size=np.full(n, 4.0, np.float32),
        angle=np.zeros(n, np.float32),
        desc=codes.astype(np.uint8),
        colour=np.zeros((n, 2), np.int8),
        layout=np.zeros((24, 32, 3), np.uint8),
    )


def _whole_matrix(a: SceneFeatures, b: SceneFeatures, p: match.Params) -> np.ndarray:
    """The check as it was: argmax down every column of the whole matrix."""
    sim = a.descriptors() @ b.descriptors().T
    ia = np.arange(len(a))
    nn, dn = match._nearest(sim, match.TWIN_K + 1)
    best, d_best = nn[:, 0], dn[:, 0]
    r = match.TWIN_RADIUS * float(max(b.width, b.height))
    far = ((b.xy[nn] - b.xy[best][:, None, :]) ** 2).sum(axis=2) > r * r
    far[:, 0] = False
    first_far = np.where(far.any(axis=1), far.argmax(axis=1), match.TWIN_K)
    ok = d_best < p.ratio * dn[ia, first_far]
    ok &= np.argmax(sim, axis=0)[best] == ia
    return np.stack([ia[ok], best[ok]], axis=1)


@pytest.mark.parametrize("seed", range(6))
def test_mutual_check_on_survivors_equals_the_whole_matrix(seed: int) -> None:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 4, (120, 128))
    # b: noisy copies of some of a's keypoints; both with repeated codes (exact ties)
    a_codes = base[rng.integers(0, 120, 300)]
    b_codes = a_codes[rng.integers(0, 300, 260)].copy()
    flip = rng.random(b_codes.shape) < 0.08
    b_codes[flip] = rng.integers(0, 4, int(flip.sum()))
    b_codes[7::7] = b_codes[6:-1:7][: len(b_codes[7::7])]
    a, b = _features(a_codes, rng), _features(b_codes, rng)
    p = match.Params(colour=False)
    got = match.putative(a, b, p)
    want = _whole_matrix(a, b, p)
    assert len(want) > 10
    assert np.array_equal(got, want)


def test_descriptors_are_decoded_once_and_read_only() -> None:
    rng = np.random.default_rng(1)
    f = _features(rng.integers(0, 4, (50, 128)), rng)
    d = f.descriptors()
    assert f.descriptors() is d
    assert np.array_equal(d, decode(f.desc))
    with pytest.raises(ValueError):
        d[0, 0] = 1.0
    part = f.subset(np.arange(50) < 20)
    assert len(part.descriptors()) == 20
    assert np.array_equal(part.descriptors(), d[:20])
