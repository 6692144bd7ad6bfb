"""Camera serials: ClueGraph's reading against ``exiftool -j`` on real camera files.

    python bench/bench_serials.py DIR [DIR ...]

Real camera samples shipped inside public packages (none is kept in this repository);
the figures in ``bench/results/serials.md`` came from:

    pip download --no-deps --no-binary :all: -d /tmp/s piexif==1.1.3 pillow==13.0.0
    (cd /tmp/s && unzip -q piexif-1.1.3.zip && tar xzf pillow-13.0.0.tar.gz)
    (cd /tmp/s && apt-get download golang-github-rwcarlsen-goexif-dev \\
        && dpkg -x golang-*.deb goexif)
    python bench/bench_serials.py /tmp/s/piexif-1.1.3/tests \\
        /tmp/s/pillow-13.0.0/Tests/images /tmp/s/goexif

1. ``exiftool -j -a -G1`` over every file below the folders (one run, the reference);
   a file's ExifTool serial is :func:`media.exiftool_serials.pick` of that output
   (body serial, else a maker note's, else CameraSerialNumber, XMP, InternalSerialNumber).
2. For each file where ExifTool reads a serial: :func:`media.mediafile.analyse` (what
   a load's worker runs), once as shipped and once with ``CLUEGRAPH_EXIFTOOL=off``
   (Python's readers alone, the reading before ExifTool was used).
3. Prints the table (file, ExifTool's serial, ours, ours without ExifTool) and the
   agreement ratios, over the files ClueGraph analyses as pictures and over all files;
   writes ``bench/results/serials.json`` and ``serials.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from media import exiftool_serials, mediafile  # noqa: E402


def reference(dirs: list[str]) -> list[dict]:
    cmd = ["exiftool", "-q", "-q", "-m", "-j", "-a", "-G1", "-r"]
    cmd += [f"-{t}" for t in exiftool_serials.TAGS] + dirs
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    return json.loads(out or "[]")


def ours(path: str, exiftool: bool) -> tuple[str | None, str]:
    """(serial, note) as the loader's analysis reads it."""
    os.environ["CLUEGRAPH_EXIFTOOL"] = "auto" if exiftool else "off"
    try:
        return mediafile.analyse(path).exif.serial, ""
    except mediafile.MediaError as e:
        return None, e.reason


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="+")
    args = ap.parse_args()
    load_before = os.getloadavg()
    rows = []
    for rec in reference(args.dirs):
        ref = exiftool_serials.pick(rec).serial
        if ref is None:
            continue
        path = rec["SourceFile"]
        with_et, note = ours(path, True)
        without_et, _ = ours(path, False)
        rows.append(
            {
                "file": os.path.relpath(path, os.path.commonpath(args.dirs)),
                "exiftool": ref,
                "ours": with_et,
                "ours_without_exiftool": without_et,
                "analysed": note == "",
                "note": note,
            }
        )
    exiftool_serials.close()
    analysed = [r for r in rows if r["analysed"]]

    def ratio(rs: list[dict], key: str) -> float | None:
        return sum(r[key] == r["exiftool"] for r in rs) / len(rs) if rs else None

    res = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": common.machine(),
        "command": "python bench/bench_serials.py " + " ".join(args.dirs),
        "exiftool_version": subprocess.run(
            ["exiftool", "-ver"], capture_output=True, text=True
        ).stdout.strip(),
        "files_with_an_exiftool_serial": len(rows),
        "analysed_as_pictures": len(analysed),
        "agreement_pictures": ratio(analysed, "ours"),
        "agreement_all": ratio(rows, "ours"),
        "agreement_pictures_without_exiftool": ratio(analysed, "ours_without_exiftool"),
        "load_average": [load_before, os.getloadavg()],
        "rows": rows,
    }
    md = markdown(res)
    print(md)
    common.save("serials", res, md)


def markdown(res: dict) -> str:
    def pct(x: float | None) -> str:
        return "-" if x is None else f"{x:.2f}"

    lines = [
        f"# Camera serials against ExifTool ({res['when']})",
        "",
        f"Command: `{res['command']}` (ExifTool {res['exiftool_version']}).",
        "",
        f"- files where ExifTool reads a serial: {res['files_with_an_exiftool_serial']}, "
        f"of which ClueGraph analyses {res['analysed_as_pictures']} as pictures",
        f"- agreement on those pictures: **{pct(res['agreement_pictures'])}** "
        f"(Python's readers alone: {pct(res['agreement_pictures_without_exiftool'])})",
        f"- agreement on all files: {pct(res['agreement_all'])}",
        "",
        "| file | ExifTool | ours | ours without ExifTool | note |",
        "|---|---|---|---|---|",
    ]
    for r in res["rows"]:
        mark = "" if r["ours"] == r["exiftool"] else " ✗"
        lines.append(
            f"| {r['file']} | `{r['exiftool']!r}` | `{r['ours']!r}`{mark} | "
            f"`{r['ours_without_exiftool']!r}` | {r['note'] or ''} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
