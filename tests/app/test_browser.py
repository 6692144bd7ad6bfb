"""The real thing: `cluegraph serve` on a free port, opened in headless Chromium.

Checks that the overview and the link graph render in a browser, and saves screenshots
under ``test-output/``. Needs Debian's ``/usr/bin/chromium`` (``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.app.conftest import PASSWORD
from tests.app.seed import seed

pytestmark = [pytest.mark.browser, pytest.mark.neo4j, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-output"
CHROMIUM = os.environ.get("CLUEGRAPH_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _needs_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    import playwright.sync_api  # noqa: F401  (fails loudly when Playwright is missing)


@pytest.fixture
def server(driver, tmp_path, cli_env):
    """The seed graph (with one drawn picture) served by `cluegraph serve`."""
    from PIL import Image

    _needs_chromium()
    img = tmp_path / "room.png"
    Image.new("RGB", (200, 150), (90, 140, 200)).save(img)
    seed(driver, img)
    yield from _serve(tmp_path, cli_env)


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1500, "height": 1500})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.errors = errors  # type: ignore[attr-defined]
        try:
            yield page
        finally:
            browser.close()


def _wait_idle(page) -> None:
    """Until Streamlit has finished running the script (no 'Running…' status)."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )


def _log_in(page, name: str = "admin1") -> None:
    """Fill the real login form (the app shows nothing else before a login)."""
    page.get_by_label("User name").fill(name, timeout=60_000)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_nothing_but_the_login_form_before_a_login(server, browser_page):
    page = browser_page
    page.goto(server, wait_until="domcontentloaded")
    page.get_by_label("User name").wait_for(timeout=60_000)
    _wait_idle(page)
    assert page.locator('[data-testid="stMetricValue"]').count() == 0


def test_a_reload_keeps_the_session_and_log_out_ends_it(server, browser_page, driver):
    """Issue 15: a reload keeps the user signed in (an opaque token in a cookie); after
    "Log out" the same cookie signs no one in, and a forged one neither: both refused and
    audited."""
    import json
    import secrets

    from app.sessions import COOKIE, UNKNOWN
    from graph import db

    page = browser_page

    def cookies() -> list[dict]:
        return [c for c in page.context.cookies() if c["name"] == COOKIE]

    def signed_in() -> None:
        page.get_by_text("Cross-country links", exact=True).first.wait_for(timeout=60_000)
        _wait_idle(page)
        assert not page.get_by_label("User name").count()

    def login_form() -> None:
        page.get_by_label("User name").wait_for(timeout=60_000)
        _wait_idle(page)

    page.goto(server, wait_until="domcontentloaded")
    _log_in(page)
    signed_in()
    page.wait_for_timeout(1000)
    (cookie,) = cookies()
    assert cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert len(cookie["value"]) >= 43 and PASSWORD not in cookie["value"]
    page.reload(wait_until="domcontentloaded")
    signed_in()
    page.goto(f"{server}/audit", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Audit").wait_for(timeout=60_000)
    assert not page.get_by_label("User name").count()

    page.get_by_role("button", name="Log out").click()
    login_form()
    page.wait_for_timeout(1000)
    assert not cookies(), "the cookie outlived the log-out"
    page.context.add_cookies([cookie])  # the old token, put back
    page.reload(wait_until="domcontentloaded")
    login_form()
    forged = {**cookie, "value": secrets.token_urlsafe(32)}
    page.context.add_cookies([forged])
    page.reload(wait_until="domcontentloaded")
    login_form()
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / "app-session-refused.png"), full_page=True)
    refused = db.records(
        driver,
        "MATCH (e:AuditEvent {action: 'login', outcome: 'refused'}) RETURN e.parameters AS p",
        name="test.refused",
    )
    assert [json.loads(r["p"]) for r in refused] == [
        {"via": "session cookie", "reason": UNKNOWN}
    ] * 2
    assert not page.errors, page.errors  # type: ignore[attr-defined]


def test_overview_renders_in_a_browser(server, browser_page):
    page = browser_page
    page.goto(server, wait_until="domcontentloaded")
    _log_in(page)
    page.get_by_text("Cross-country links", exact=True).first.wait_for(timeout=60_000)
    page.get_by_text("Latest loads").wait_for(timeout=60_000)
    _wait_idle(page)
    page.locator('[data-testid="stDeckGlJsonChart"] canvas').first.wait_for(timeout=60_000)
    page.wait_for_timeout(2500)  # the map draws its layers
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / "app-overview.png"), full_page=True)
    metrics = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert metrics[:6] == ["5", "5", "9", "1", "4", "2"]


def test_link_graph_renders_in_a_browser(server, browser_page):
    page = browser_page
    page.goto(f"{server}/link_graph", wait_until="domcontentloaded")
    _log_in(page)
    page.get_by_text("3 series and 2 link(s)", exact=False).wait_for(timeout=60_000)
    frame = page.frame_locator("iframe[title='streamlit_agraph.agraph']")
    frame.locator("canvas").first.wait_for(timeout=60_000)
    _wait_idle(page)
    page.wait_for_timeout(4000)  # the physics layout settles
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / "app-link-graph.png"), full_page=True)
    box = frame.locator("canvas").first.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 300


def _node_centre(png: bytes, colour: str) -> tuple[float, float] | None:
    """Where a node of ``colour`` (``#RRGGBB``) is drawn in a screenshot of the network's
    canvas: the centre of the pixels of exactly that colour (anti-aliased edges aside)."""
    import io

    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    want = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    ys, xs = np.nonzero(np.abs(rgb - want).max(axis=2) <= 8)
    if len(xs) < 20:  # not a node: a few stray pixels
        return None
    return float(np.median(xs)), float(np.median(ys))


def _blobs(png: bytes, colour: str) -> int:
    """How many separate nodes of ``colour`` (filled discs; thin outlines, labels and
    edges aside) a screenshot of a network canvas shows whole, inside the frame."""
    import io

    import numpy as np
    from PIL import Image
    from scipy import ndimage

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    want = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    mask = ndimage.binary_opening(np.abs(rgb - want).max(axis=2) <= 8, iterations=2)
    labels, _ = ndimage.label(mask)
    h, w = mask.shape
    whole = 0
    for ys, xs in ndimage.find_objects(labels):
        big = (ys.stop - ys.start) >= 8 and (xs.stop - xs.start) >= 8
        inside = ys.start > 0 and xs.start > 0 and ys.stop < h and xs.stop < w
        whole += big and inside
    return whole


def test_clicking_a_series_in_the_link_graph_opens_it(server, browser_page):
    """The network is drawn on a canvas (vis-network inside streamlit-agraph's iframe), so
    the test finds the node by its country colour in a screenshot of the canvas and clicks
    there, as a user would; the component then reports the node and the page opens it."""
    from app.components import country_colours

    page = browser_page
    page.goto(f"{server}/link_graph", wait_until="domcontentloaded")
    _log_in(page)
    page.get_by_text("3 series and 2 link(s)", exact=False).wait_for(timeout=60_000)
    frame = page.frame_locator("iframe[title='streamlit_agraph.agraph']")
    canvas = frame.locator("canvas").first
    canvas.wait_for(timeout=60_000)
    _wait_idle(page)
    # Only S-GB-1 is British on the seed graph: its node is the only one in GB's colour.
    colour = country_colours(["DE", "FR", "GB"])["GB"]
    centre = None
    for _ in range(20):  # until the physics layout has settled and the node is drawn
        page.wait_for_timeout(1000)
        first = _node_centre(canvas.screenshot(), colour)
        page.wait_for_timeout(500)
        centre = _node_centre(canvas.screenshot(), colour)
        if first and centre and abs(first[0] - centre[0]) + abs(first[1] - centre[1]) < 2:
            break
    assert centre, "no node in GB's colour on the canvas"
    box = canvas.bounding_box()
    assert box
    page.mouse.click(box["x"] + centre[0], box["y"] + centre[1])
    page.wait_for_url("**/series?series=S-GB-1", timeout=60_000)
    page.get_by_text("Garden shed", exact=False).first.wait_for(timeout=60_000)
    _wait_idle(page)
    page.wait_for_timeout(1500)  # the tabs draw their content
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / "app-link-graph-click.png"), full_page=True)
    assert page.get_by_role("heading", name="Series explorer").count() == 1


@pytest.fixture
def visual_rooms(server, driver, tmp_path):
    """The visual pages' pictures (tests/app/test_visual_pages.py) loaded into the served
    graph and analysed into the test home's visual index (removed afterwards)."""
    from graph import links
    from loaders import visual as visual_pass
    from loaders.media import MediaLoadOptions, load_media
    from tests.app.test_visual_pages import make_pictures

    visual_pass.remove_index()
    pictures = make_pictures()
    where = {"a": ("C-FR-1", "S-FR-1"), "b": ("C-DE-1", "S-DE-1"), "c": ("C-FR-2", "S-FR-2")}
    for name, (case, series) in where.items():
        folder = tmp_path / f"load-{name}"
        folder.mkdir()
        (folder / f"room_{name}.jpg").write_bytes(pictures[name])
        rep = load_media(driver, folder, MediaLoadOptions(case_id=case, series_id=series))
        assert not rep.errors, rep.errors
        links.after_load(driver, rep)
    rep = visual_pass.run_pass(driver, workers=1)
    assert rep.scene_pairs >= 1, rep.summary()
    try:
        yield pictures
    finally:
        visual_pass.remove_index()


def test_same_scene_section_and_object_search_in_a_browser(server, visual_rooms, browser_page):
    """The series page's same-scene pair (blurred, regions outlined) and the object search
    page with a box drawn on a loaded picture, as a person sees them."""
    page = browser_page
    page.goto(f"{server}/series?series=S-FR-1", wait_until="domcontentloaded")
    _log_in(page)
    page.get_by_text("Same scene", exact=True).first.wait_for(timeout=90_000)
    page.get_by_text("verified points", exact=False).first.wait_for(timeout=90_000)
    _wait_idle(page)
    # The page scrolls inside Streamlit's main area: bring the section to the top of the
    # window, then take the window (a full-page shot would stop at the tabs).
    page.get_by_text("Same scene", exact=True).first.evaluate(
        "e => e.scrollIntoView({block: 'start'})"
    )
    page.wait_for_timeout(2000)
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / "app-same-scene.png"))
    cards = page.get_by_text("S-DE-1 (DE)", exact=False)
    assert cards.count() >= 1
    assert page.locator('[data-testid="stImage"] img').count() >= 2

    page.goto(f"{server}/objects?series=S-FR-2", wait_until="domcontentloaded")
    # No second login: the session cookie carries the sign-in over a new page load.
    page.get_by_text("Search for", exact=True).wait_for(timeout=90_000)
    page.get_by_text("a box on a loaded picture", exact=True).click()
    _wait_idle(page)
    page.get_by_text("Search only a box on the picture", exact=True).click()
    _wait_idle(page)
    frame = page.frame_locator(
        "iframe[title='streamlit_image_coordinates.streamlit_image_coordinates']"
    )
    img = frame.locator("img#image")
    img.wait_for(timeout=60_000)
    box = img.bounding_box()
    assert box and box["width"] > 300
    # Drag a box around the poster (its place in the picture: truth of scene3d's view).
    from loaders.demo import scene3d
    from tests.app.test_visual_pages import POSTER

    _, truth = scene3d.view_jpeg(
        scene3d.make_room(9202, False, {"poster": POSTER}), 2, occlusion=(0.0, 0.0)
    )
    x, y, w, h = truth["boxes"][f"poster:{POSTER}"]
    f = box["width"] / 1280
    page.mouse.move(box["x"] + (x - 10) * f, box["y"] + (y - 10) * f)
    page.mouse.down()
    page.mouse.move(box["x"] + (x + w + 10) * f, box["y"] + (y + h + 10) * f, steps=8)
    page.mouse.up()
    page.get_by_text("· box ", exact=False).first.wait_for(timeout=60_000)
    _wait_idle(page)
    page.get_by_role("button", name="Search everywhere").click()
    page.get_by_text("Pictures that show it", exact=True).wait_for(timeout=120_000)
    _wait_idle(page)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(OUT / "app-object-search-box.png"))
    page.get_by_text("Pictures that show it", exact=True).evaluate(
        "e => e.scrollIntoView({block: 'start'})"
    )
    page.wait_for_timeout(2000)
    page.screenshot(path=str(OUT / "app-object-search.png"))
    assert not page.errors, page.errors


# ------------------------------------------------------------------ issue 15: the walk
def _scene(path: Path) -> Path:
    """A benign drawn room (walls, a window, a poster, a lamp): enough texture for PDQ."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (640, 480), (225, 215, 190))
    d = ImageDraw.Draw(im)
    d.rectangle([0, 330, 640, 480], fill=(120, 80, 50))
    d.rectangle([60, 60, 250, 230], fill=(150, 200, 240), outline=(60, 60, 60), width=8)
    d.line([155, 60, 155, 230], fill=(60, 60, 60), width=6)
    d.rectangle([380, 50, 560, 260], fill=(200, 40, 60))
    d.ellipse([420, 90, 520, 190], fill=(250, 210, 40))
    d.polygon([(300, 330), (340, 200), (380, 330)], fill=(40, 120, 70))
    for x in range(0, 640, 40):
        d.line([x, 330, x + 30, 480], fill=(90, 60, 40), width=3)
    im.save(path)
    return path


def _shot(page, name: str) -> None:
    _wait_idle(page)
    page.wait_for_timeout(1500)
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / f"walk-{name}.png"), full_page=True)


def _go(page, url: str, text: str) -> None:
    """Open ``url`` as a new page load (a new Streamlit session): the sign-in cookie keeps
    the user signed in, so the page itself shows, never the login form."""
    page.goto(url, wait_until="domcontentloaded")
    want = page.get_by_text(text, exact=False).first
    login = page.get_by_label("User name")
    for _ in range(180):
        assert not (login.count() and login.is_visible()), f"{url}: a reload asked for a login"
        if want.count() and want.is_visible():
            break
        page.wait_for_timeout(500)
    want.wait_for(timeout=90_000)
    _wait_idle(page)


@pytest.fixture
def walk_server(driver, tmp_path, cli_env):
    """The seed graph plus a drawn room loaded through the media loader into S-FR-1."""
    from graph import links
    from loaders.media import MediaLoadOptions, load_media

    _needs_chromium()
    folder = tmp_path / "held"
    folder.mkdir()
    _scene(folder / "room.png")
    seed(driver, None)
    rep = load_media(driver, folder, MediaLoadOptions(case_id="C-FR-1", series_id="S-FR-1"))
    assert not rep.errors, rep.errors
    links.after_load(driver, rep)
    yield from _serve(tmp_path, cli_env)


def _serve(tmp_path, cli_env):
    """`cluegraph serve` on a free port until the test ends (SIGTERM to its process group)."""
    port = _free_port()
    cg = shutil.which("cluegraph", path=str(Path(sys.executable).parent)) or "cluegraph"
    log = open(tmp_path / "serve.log", "w+b")  # noqa: SIM115  (closed below)
    env = {**cli_env, "CLUEGRAPH_SESSION_MINUTES": "60"}
    proc = subprocess.Popen(
        [cg, "serve", "--port", str(port)], env=env, cwd=ROOT, stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"cluegraph serve did not start:\n{log.read().decode()[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def _lead_form(page, lead: str) -> None:
    """Until the page shows ``lead``'s own form (its bold name above it): a Run clicked
    before that would submit the form of the lead shown before."""
    page.locator("strong").filter(has_text=re.compile(f"^{re.escape(lead)}$")).first.wait_for(
        timeout=60_000
    )
    page.wait_for_timeout(1000)  # Streamlit shows its "running" status only after a moment
    _wait_idle(page)


def _run_lead(page) -> None:
    """Click the form's Run until the result (or "found nothing") shows: under a heavy
    load a click that lands while the page is still being redrawn may be dropped."""
    done = page.get_by_text("Open a series from the result").or_(
        page.get_by_text("found nothing", exact=False)
    )
    for attempt in range(2):
        page.get_by_role("button", name="Run").click()
        try:
            done.first.wait_for(timeout=60_000 if attempt == 0 else 90_000)
            return
        except Exception:
            if attempt:
                raise
            _wait_idle(page)


def test_the_analyst_walk_of_issue_15(walk_server, browser_page, tmp_path, driver):
    """Triage a cropped and a bordered copy, follow the link, judge it with a note and see
    the note, add a clue, run cross-country / clusters / path and open a series from each,
    a console refusal, the map filtered to one series, the audit trail: a screenshot per
    step under test-output/walk-*.png (each looked at by a person)."""
    from PIL import Image, ImageOps

    page, url = browser_page, walk_server
    room = _scene(tmp_path / "original.png")
    with Image.open(room) as im:
        im.crop((40, 30, 600, 450)).save(tmp_path / "cropped.png")
        ImageOps.expand(im, border=40, fill=(255, 255, 255)).save(tmp_path / "bordered.png")

    page.goto(f"{url}/triage", wait_until="domcontentloaded")
    _log_in(page)
    page.get_by_text("Compare new files", exact=False).wait_for(timeout=90_000)
    page.locator("input[type=file]").set_input_files(
        [str(tmp_path / "cropped.png"), str(tmp_path / "bordered.png")]
    )
    page.get_by_role("button", name="Triage").click()
    page.get_by_text("Side by side", exact=False).wait_for(timeout=120_000)
    page.get_by_text("Already held by", exact=False).wait_for(timeout=60_000)
    _shot(page, "01-triage")
    assert "Office central mineurs (FR)" in page.inner_text("body")

    _go(page, f"{url}/series?series=S-DE-1", "Poster wall")
    _shot(page, "02-series-links")
    page.get_by_text("unsure", exact=True).first.click()
    page.get_by_label("Note (optional)").first.fill("same poster, check the frame")
    page.get_by_role("button", name="Save").first.click()
    try:
        page.get_by_text("same poster, check the frame", exact=False).first.wait_for(timeout=90_000)
    finally:
        _shot(page, "03-judged-with-note")

    _go(page, f"{url}/clues", "Add a clue")
    radio = page.locator('[data-testid="stRadio"]').filter(has_text="media").first
    if not radio.is_visible():  # the form sits in a folded expander
        page.get_by_text("Add a clue", exact=True).first.click()
    page.locator('[data-testid="stRadio"]').filter(has_text="media").locator("label").filter(
        has_text="series"
    ).first.click()
    page.get_by_label("Media hash (SHA-256, SHA-1 or MD5) or series id").fill("S-GB-1")
    page.get_by_label("Clue, as you would describe it").fill("Tram ticket")
    page.get_by_label("Where it points (optional)").fill("Lyon, FR")
    page.get_by_role("button", name="Add clue").click()
    page.get_by_text("may be the lead, or a mistake", exact=False).wait_for(timeout=120_000)
    _shot(page, "04-clue-added-warning")

    for lead, n in (("cross-country", "05"), ("clusters", "06")):
        _go(page, f"{url}/leads", "Lead")
        page.get_by_role("combobox").first.click()
        # Anchored: another lead's explanation may mention this one ("... clusters of series").
        page.get_by_role("option", name=re.compile(f"^{re.escape(lead)} —")).click()
        _lead_form(page, lead)
        try:
            _run_lead(page)
            page.get_by_text("Open a series from the result").wait_for(timeout=10_000)
        finally:  # what the page showed, also when the step fails
            _shot(page, f"{n}-lead-{lead}")
        page.locator(".st-key-lead_open_btn button").click()
        page.wait_for_url("**/series?series=*", timeout=60_000)
        _shot(page, f"{n}b-opened-from-{lead}")

    _go(page, f"{url}/leads", "Lead")
    page.get_by_role("combobox").first.click()
    page.get_by_role("option", name=re.compile("^path —")).click()
    _lead_form(page, "path")
    page.get_by_role("textbox", name="First series *").fill("S-DE-1")
    page.get_by_role("textbox", name="Second series *").fill("S-GB-1")
    try:
        _run_lead(page)
        page.get_by_text("Open a series from the result").wait_for(timeout=10_000)
    finally:
        _shot(page, "07-lead-path")
    page.locator(".st-key-lead_open_btn button").click()
    page.wait_for_url("**/series?series=*", timeout=60_000)

    _go(page, f"{url}/console", "Cypher console")
    page.get_by_role("button", name="Run", exact=False).first.click()  # the example query
    page.get_by_text("Graph (", exact=False).first.click()
    frame = page.frame_locator("iframe[title='streamlit_agraph.agraph']")
    canvas = frame.locator("canvas").first
    canvas.wait_for(timeout=60_000)
    _wait_idle(page)
    page.wait_for_timeout(2000)
    _shot(page, "08a-console-graph")
    from app.components import country_colour
    from app.views.console import EXAMPLE
    from graph import db

    rows = db.records(driver, EXAMPLE, name="test.console")
    want = len({r[k].element_id for r in rows for k in ("s", "o")})
    drawn = _blobs(canvas.screenshot(), country_colour("Series"))
    assert want >= 3 and drawn == want, f"the console graph shows {drawn} of {want} series"

    page.locator("textarea").first.fill("MATCH (s:Series) DETACH DELETE s")
    page.get_by_role("button", name="Run", exact=False).first.click()
    page.locator('[data-testid="stAlert"]').filter(has_text="DELETE").or_(
        page.locator('[data-testid="stAlert"]').filter(has_text="write")
    ).first.wait_for(timeout=60_000)
    _shot(page, "08b-console-refusal")

    _go(page, f"{url}/map", "Country")
    page.get_by_role("textbox", name="Series").fill("S-GB-1")
    page.keyboard.press("Enter")
    # the places table (a canvas grid: its cells are in the DOM but not "visible")
    page.locator('[role="gridcell"]').filter(has_text="Bristol").first.wait_for(
        state="attached", timeout=60_000
    )
    page.locator('[data-testid="stDeckGlJsonChart"] canvas').first.wait_for(timeout=60_000)
    page.wait_for_timeout(3000)
    _shot(page, "09-map-one-series")

    _go(page, f"{url}/audit", "Audit")
    _shot(page, "10-audit")
    for action in ("link.judge", "clue.add"):  # the walk's writes, found through the filter
        page.get_by_placeholder("e.g. lead.run").fill(action)
        page.get_by_role("button", name="Filter").click()
        page.locator('[role="gridcell"]').filter(has_text=action).first.wait_for(
            state="attached", timeout=60_000
        )
    assert not page.errors, page.errors  # type: ignore[attr-defined]
