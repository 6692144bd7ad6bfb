"""What every benchmark records about the machine it ran on."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def _proc_field(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def machine() -> dict:
    """CPU model and count, RAM, load at the start, Python and OS: one dict for every bench."""
    mem_kb = _proc_field("/proc/meminfo", "MemTotal")
    return {
        "cpu_model": _proc_field("/proc/cpuinfo", "model name")
        or platform.processor()
        or "unknown",
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "ram_gib": round(int(mem_kb.split()[0]) / 1024**2, 1) if mem_kb else None,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def describe(m: dict | None = None) -> str:
    """One line for a Markdown report."""
    m = m or machine()
    return (
        f"{m['cpus']} CPUs ({m['cpu_model']}), {m['ram_gib']} GiB RAM, {m['platform']}, "
        f"Python {m['python']}, load at start {m['load_average_at_start']}"
    )


def code_version() -> dict:
    """The commit and any uncommitted change under graph/ and loaders/ (a shared tree)."""

    import subprocess

    root = Path(__file__).resolve().parent.parent

    def git(*a: str) -> str:
        try:
            return subprocess.run(
                ["git", *a], cwd=root, capture_output=True, text=True, timeout=30
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    exported = root / "EXPORTED_FROM"  # a clean `git archive` export of one commit
    if exported.is_file():
        return {
            "head": exported.read_text().strip(),
            "graph_last_commit": "(clean export of that commit)",
            "uncommitted": [],
        }
    return {
        "head": git("rev-parse", "--short", "HEAD"),
        "graph_last_commit": git("log", "-1", "--format=%h %s", "--", "graph/"),
        "uncommitted": git("status", "--porcelain", "--", "graph/", "loaders/").splitlines(),
    }


def describe_code(cv: dict) -> str:
    """One line: the commit measured and what was uncommitted in the shared tree."""
    return f"code {cv['head']} (graph/ last committed: {cv['graph_last_commit']})" + (
        "; uncommitted in the shared tree then: " + ", ".join(cv["uncommitted"])
        if cv["uncommitted"]
        else ""
    )


#: Where results go; ``CLUEGRAPH_BENCH_RESULTS`` overrides it (a benchmark run from a
#: clean export of a commit still saves into the working tree's results).
RESULTS = Path(
    os.environ.get("CLUEGRAPH_BENCH_RESULTS") or Path(__file__).resolve().parent / "results"
)


def save(name: str, data: dict, md: str) -> None:
    """Write ``bench/results/NAME.json`` and ``NAME.md`` (the figures and their table)."""
    import json

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2, default=str) + "\n")
    (RESULTS / f"{name}.md").write_text(md.rstrip("\n") + "\n")


def save_run(name: str, key: str, data: dict, md: str) -> None:
    """Like :func:`save`, for a benchmark run against several targets (worlds, sizes):
    ``NAME.json`` keeps the latest run of each ``key`` under ``runs``, ``NAME.md`` shows
    them all, one section per key. A file in an older layout is replaced."""
    import json

    path = RESULTS / f"{name}.json"
    runs: dict = {}
    if path.exists():
        try:
            old = json.loads(path.read_text())
            runs = old.get("runs", {}) if isinstance(old, dict) else {}
        except ValueError:
            runs = {}
    runs[key] = {"markdown": md.rstrip("\n"), **data}
    save(
        name,
        {"runs": runs},
        "\n\n".join(f"## {k}\n\n{r['markdown']}" for k, r in sorted(runs.items())),
    )
