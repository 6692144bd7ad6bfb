"""One BLAS thread for the visual work.

Scene verification multiplies a few hundred descriptors by a few hundred (about 3 ms of
single-threaded BLAS). numpy's OpenBLAS splits such a product over every core and its
threads then spin while they wait for the next one: in a pass whose workers already keep
both cores busy, those spinning threads took more CPU than the work itself (verification
33 ms of CPU a pair with the default threads against 12.7 ms with one, measured on the
bench rooms, 2026-12-06). ``threadpoolctl`` is the maintained way to set this at run time,
after numpy is loaded (the environment variables only work before).
"""

from __future__ import annotations

from threadpoolctl import threadpool_limits


def one_thread() -> threadpool_limits:
    """BLAS limited to one thread: until the ``with`` block ends, or for the rest of the
    process when called as a plain function."""
    return threadpool_limits(limits=1, user_api="blas")
