"""Robust model fitting (OpenCV's USAC with MAGSAC), guarded against OpenCV's own asserts.

OpenCV's USAC framework sometimes fails an internal assertion instead of answering "no
model" (``cv2.error: (-215) !model.empty() in function 'setModelParameters'``; the same
family as opencv/opencv#19639). On OpenCV 5.1 it does so on the matches between two real
photographs that differ by a plain translation (OpenCV's own sample pictures
``ela_original.jpg`` and ``ela_modified.jpg``): before this guard, that one pair stopped the
whole visual pass. A translation, or a turn of the camera about its centre, is exactly
where a fundamental matrix is not defined by the matches (every point is explained by a
homography), so when MAGSAC fails there :func:`fundamental` answers with the homography's
inliers; :func:`homography` answers "no model".

Pure: numpy and OpenCV only.
"""

from __future__ import annotations

import cv2
import numpy as np


def homography(
    pa: np.ndarray, pb: np.ndarray, thr: float, *, iters: int = 2000, confidence: float = 0.995
) -> tuple[np.ndarray | None, np.ndarray]:
    """The homography MAGSAC fits from ``pa`` to ``pb`` (float32 (N, 2)) and its inliers as
    a boolean mask; ``(None, all False)`` when there is none (too few points, degenerate,
    or OpenCV failed its own assertion)."""
    none = np.zeros(len(pa), bool)
    if len(pa) < 4:
        return None, none
    try:
        H, mask = cv2.findHomography(
            pa, pb, cv2.USAC_MAGSAC, thr, maxIters=iters, confidence=confidence
        )
    except cv2.error:
        return None, none
    if H is None or mask is None:
        return None, none
    return H, mask.ravel().astype(bool)


def fundamental(
    pa: np.ndarray,
    pb: np.ndarray,
    thr: float,
    *,
    iters: int,
    confidence: float = 0.999,
    fallback_thr: float,
) -> np.ndarray | None:
    """Inliers (boolean mask) of the fundamental matrix MAGSAC fits to the matches, or None.

    When OpenCV fails its assertion on the matches, the inliers of one homography at
    ``fallback_thr`` (the views differ by a translation or a turn: see the module's
    docstring); None when that fails too.
    """
    if len(pa) < 8:
        return None
    try:
        Fm, mask = cv2.findFundamentalMat(pa, pb, cv2.USAC_MAGSAC, thr, confidence, iters)
    except cv2.error:
        H, inl = homography(pa, pb, fallback_thr)
        return inl if H is not None else None
    if Fm is None or mask is None:
        return None
    return mask.ravel().astype(bool)
