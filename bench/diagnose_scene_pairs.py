"""Why does the scene matcher link two series of the demo world? (diagnosis, not a bench)

Generates the demo world the way ``tests/loaders/test_demo_world.py`` does (tiny, seed 7),
extracts scene features of every still picture of the given series, compares every picture
of one series with every picture of the other, and prints the evidence and the decision
of ``media.visual.match``: verified points, coverage, regions, planes, context.

    .venv/bin/python bench/diagnose_scene_pairs.py S-0009:S-0012 S-0011:S-0012 ...

With ``--rooms FIRST:COUNT`` it diagnoses the bench's generated rooms instead (tune on 500+,
never on the bench's rooms 0+): per same-room pair, why it is missed, with the surface
channel's evidence (each of its tests and its value, ``fails=`` naming those that fail), and
every pair of different rooms that is linked (a false link) with the same evidence. Whether
a pair is linked is decided both ways, as ``match.compare`` does; the evidence shown is the
first picture's side.

    .venv/bin/python bench/diagnose_scene_pairs.py --rooms 500:8
"""

from __future__ import annotations

import csv
import sys
import tempfile
from itertools import combinations, product
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loaders.demo import generate_world  # noqa: E402
from media.visual import match, surfaces  # noqa: E402
from media.visual.features import SceneFeatures, VisualError, extract_file  # noqa: E402

IMAGE = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif", ".heic"}
DEFAULT_PAIRS = ["S-0009:S-0012", "S-0011:S-0012", "S-0017:S-0012"]


def media_of(root: Path) -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {}
    for mc in sorted((root / "media").glob("*/media.csv")):
        with mc.open(encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                out.setdefault(r["series_id"], []).append(mc.parent / r["file"])
    return out


def surface_detail(a: SceneFeatures, b: SceneFeatures, ev: dict | None) -> str:
    """The surface channel's evidence for one pair: each test of ``match.surface_agreement``
    with its value (both ways for the surfaces, the verified points and where they land)."""
    if a.surfaces is None or b.surfaces is None:
        return "surfaces: none"
    g1, g2 = surfaces.compare(a.surfaces, b.surfaces), surfaces.compare(b.surfaces, a.surfaces)
    pa, pb = (ev["pa"], ev["pb"]) if ev is not None else match.f_inliers(a, b)
    groups, apart = match.placed_support(a, b, g1, pa, pb)
    fails = []
    if min(g1.distinct, g2.distinct) < match.SURF_MIN_DISTINCT:
        fails.append("distinct")
    if min(g1.weight, g2.weight) < match.SURF_MIN_WEIGHT:
        fails.append("weight")
    if min(g1.cover_a, g1.cover_b, g2.cover_a, g2.cover_b) < match.SURF_MIN_COVER:
        fails.append("cover")
    if min(g1.layout, g2.layout) < match.SURF_MIN_LAYOUT:
        fails.append("layout")
    if len(pa) < match.SURF_MIN_POINTS:
        fails.append("points")
    if groups < match.SURF_PLACED_GROUPS:
        fails.append("placed")
    elif apart < match.SURF_PLACED_SPAN:
        fails.append("span")
    return (
        f"surfaces: distinct={g1.distinct}/{g2.distinct} weight={g1.weight:.2f}/{g2.weight:.2f} "
        f"cover={min(g1.cover_a, g1.cover_b):.2f}/{min(g2.cover_a, g2.cover_b):.2f} "
        f"layout={g1.layout:.2f}/{g2.layout:.2f} points={len(pa)} placed={groups} "
        f"span={apart:.2f} fails={','.join(fails) or '-'}"
    )


def rooms(spec: str) -> None:
    import io

    from bench.scene_data import dataset
    from media.visual.features import extract, open_image

    first, count = (int(x) for x in spec.split(":"))
    feats, truth = {}, {}
    for key, data, t in dataset(count, 4, first):
        im, w, h = open_image(io.BytesIO(data))
        feats[key], truth[key] = extract(im, original_size=(w, h)), t
    why: dict[str, int] = {}
    for ka, kb in combinations(sorted(feats), 2):
        a, b = feats[ka], feats[kb]
        same = truth[ka]["room"] == truth[kb]["room"]
        ev = match.evidence(a, b)
        # the outcome as the product decides it (both ways); the detail below is a's side
        m = match.both_ways(
            match.decide(ev, a, b, ka, kb),
            lambda a=a, b=b, ka=ka, kb=kb: match.decide(match.evidence(b, a), b, a, kb, ka),
        )
        linked = m is not None and m.kind == "same_scene"
        if not same:
            # a false link: what made the keypoints or the surfaces agree
            if m is not None and m.kind == "same_scene":
                shared = set(truth[ka]["products"]) & set(truth[kb]["products"])
                print(
                    f"  FALSE LINK {ka} x {kb} ({'shares ' + str(shared) if shared else 'generic'})"
                    f": {m.method}: {m.explanation}\n      {surface_detail(a, b, ev)}"
                )
            continue
        put = len(match.putative(a, b))
        if linked:
            assert m is not None
            reason = "linked by surfaces" if m.method.endswith("+surfaces") else "linked"
        elif put < match.MIN_PUTATIVE:
            reason = "too few putative matches"
        elif ev is None:
            reason = "nothing verified"
        else:
            reason = "missed"
        why[reason] = why.get(reason, 0) + 1
        detail = (
            f"inliers={ev['inliers']} planes={[len(p) for p in ev['planes']]} "
            f"cover={ev['coverage']:.3f} context z={ev['context_z']:.1f} "
            f"({ev['context_agree']}/{ev['context_tested']} cells, chance "
            f"{ev['context_chance']:.2f}) cast={ev['shift'].round(2).tolist()} "
            f"context={ev['context']:.2f}/{ev['context_cells']}"
            if ev
            else ""
        )
        print(f"  {ka} x {kb}: putative={put} {reason}: {detail}")
        if not linked:
            print(f"      {surface_detail(a, b, ev)}")
    print("same-room pairs by outcome:", why)


def main(argv: list[str]) -> None:
    if argv[:1] == ["--rooms"]:
        rooms(argv[1])
        return
    pairs = [tuple(p.split(":")) for p in (argv or DEFAULT_PAIRS)]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "world"
        generate_world(root, seed=7, size="tiny")
        by_series = media_of(root)
        feats: dict[Path, SceneFeatures | None] = {}
        for sa, sb in pairs:
            print(f"== {sa} x {sb}")
            files_a = sorted(set(by_series.get(sa, [])))
            files_b = sorted(set(by_series.get(sb, [])))
            for fa, fb in product(files_a, files_b):
                if fa.suffix.lower() not in IMAGE or fb.suffix.lower() not in IMAGE:
                    continue
                for f in (fa, fb):
                    if f not in feats:
                        try:
                            feats[f] = extract_file(f)
                        except VisualError as e:
                            feats[f] = None
                            print(f"  {f.parent.name}/{f.name}: {e}")
                a, b = feats[fa], feats[fb]
                if a is None or b is None:
                    continue
                ev = match.evidence(a, b)
                m = match.decide(ev, a, b, fa.name, fb.name)
                if ev is None:
                    continue
                kind = m.kind if m else "-"
                mc = match.decide(ev, a, b, fa.name, fb.name, match.Params(context_chance=True))
                print(
                    f"  {fa.parent.name}/{fa.name} x {fb.parent.name}/{fb.name}: {kind:13s} "
                    f"inliers={ev['inliers']} main={ev['main']} cover={ev['coverage']:.3f} "
                    f"regions={len(ev['regions'])} sizes={[len(r) for r in ev['regions']]} "
                    f"planes={[len(p) for p in ev['planes']]} other_planes={ev['other_planes']} "
                    f"context={ev['context']:.2f}/{ev['context_cells']} "
                    f"obj_cover={ev['object_cover']:.3f} context_z={ev['context_z']:.1f} "
                    f"({ev['context_agree']}/{ev['context_tested']}, chance "
                    f"{ev['context_chance']:.2f}) cast={ev['shift'].round(2).tolist()} "
                    f"beyond-chance rule: {mc.kind if mc else '-'}"
                )
                print(f"      {surface_detail(a, b, ev)}")
                if m is not None and m.kind == "same_scene":
                    print(f"      A regions {m.regions_a}\n      B regions {m.regions_b}")


if __name__ == "__main__":
    main(sys.argv[1:])
