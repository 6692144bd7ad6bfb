"""Benign generated signs in many languages, and text-free patterned pictures, with their truth.

A sign picture is a wall (plain, painted or faintly patterned) with one sign on it: a shop
sign, a street sign, a notice or a product label, two lines in one language, drawn with a
DejaVu font (Debian ``fonts-dejavu-core``: Latin with diacritics, Cyrillic, Greek, Hebrew
and Arabic; Arabic is shaped by Pillow's raqm layout), then seen at an angle (a perspective
warp), under other light (a gradient and a colour cast), with sensor noise and JPEG.

A negative picture holds no text at all: patterned wallpaper, stripes, tiles, fabric, a
plain room with furniture blocks. It is what must *not* produce text.

Every picture is deterministic for its seed. Nothing here draws people.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

# Short, natural texts per language (ISO 639-1): shop names, street names, notices, labels.
# A sign shows two of them, so that the language detector has a few words to go on.
PHRASES: dict[str, tuple[str, ...]] = {
    "pl": (
        "Apteka całodobowa",
        "Piekarnia świeże pieczywo",
        "Uwaga! Zły pies",
        "Zakaz palenia",
        "Ulica Mickiewicza",
        "Sklep spożywczy czynny codziennie",
        "Proszę zamykać drzwi",
        "Wyjście ewakuacyjne",
    ),
    "ru": (
        "Аптека круглосуточно",
        "Продукты и напитки",
        "Осторожно, злая собака",
        "Курить запрещено",
        "Улица Пушкина",
        "Свежий хлеб каждый день",
        "Вход только для персонала",
        "Закрыто на обед",
    ),
    "uk": (
        "Аптека цілодобово",
        "Свіжий хліб щодня",
        "Вулиця Шевченка",
        "Обережно, злий собака",
        "Палити заборонено",
        "Продукти та напої",
        "Вхід лише для працівників",
        "Зачиняйте двері",
    ),
    "el": (
        "Φαρμακείο",
        "Αρτοποιείο φρέσκο ψωμί",
        "Απαγορεύεται το κάπνισμα",
        "Οδός Αθηνάς",
        "Προσοχή σκύλος",
        "Κλειστό το μεσημέρι",
        "Είσοδος μόνο για το προσωπικό",
        "Παρακαλώ κλείνετε την πόρτα",
    ),
    "ar": (
        "صيدلية الشفاء",
        "مخبز الخبز الطازج",
        "ممنوع التدخين",
        "شارع الملك فيصل",
        "احذر الكلب",
        "مغلق يوم الجمعة",
        "الدخول للموظفين فقط",
        "يرجى إغلاق الباب",
    ),
    "he": (
        "בית מרקחת",
        "מאפייה לחם טרי",
        "העישון אסור",
        "רחוב הרצל",
        "זהירות כלב",
        "סגור בשבת",
        "הכניסה לעובדים בלבד",
        "נא לסגור את הדלת",
    ),
    "de": (
        "Apotheke Notdienst",
        "Bäckerei frische Brötchen",
        "Rauchen verboten",
        "Goethestraße",
        "Vorsicht bissiger Hund",
        "Heute geschlossen",
        "Zutritt nur für Personal",
        "Bitte Tür schließen",
    ),
    "fr": (
        "Pharmacie de garde",
        "Boulangerie pâtisserie",
        "Défense de fumer",
        "Rue de la Paix",
        "Attention chien méchant",
        "Fermé le dimanche",
        "Entrée réservée au personnel",
        "Merci de fermer la porte",
    ),
    "es": (
        "Farmacia de guardia",
        "Panadería y pastelería",
        "Prohibido fumar",
        "Calle Mayor",
        "Cuidado con el perro",
        "Cerrado por vacaciones",
        "Sólo personal autorizado",
        "Por favor cierre la puerta",
    ),
    "it": (
        "Farmacia comunale",
        "Panificio pane fresco",
        "Vietato fumare",
        "Via Garibaldi",
        "Attenti al cane",
        "Chiuso per ferie",
        "Ingresso riservato al personale",
        "Si prega di chiudere la porta",
    ),
    "pt": (
        "Farmácia de serviço",
        "Padaria pão quente",
        "Proibido fumar",
        "Rua das Flores",
        "Cuidado com o cão",
        "Fechado para almoço",
        "Entrada reservada a funcionários",
        "Por favor feche a porta",
    ),
    "nl": (
        "Apotheek de Linde",
        "Bakkerij vers brood",
        "Verboden te roken",
        "Kerkstraat",
        "Pas op voor de hond",
        "Vandaag gesloten",
        "Alleen voor personeel",
        "Deur graag sluiten",
    ),
    "cs": (
        "Lékárna u Anděla",
        "Pekárna čerstvý chléb",
        "Kouření zakázáno",
        "Karlova ulice",
        "Pozor zlý pes",
        "Dnes zavřeno",
        "Vstup pouze pro zaměstnance",
        "Zavírejte dveře",
    ),
    "sv": (
        "Apotek Hjärtat",
        "Bageri färskt bröd",
        "Rökning förbjuden",
        "Storgatan",
        "Varning för hunden",
        "Stängt idag",
        "Endast för personal",
        "Stäng dörren efter dig",
    ),
    "ro": (
        "Farmacie non-stop",
        "Brutărie pâine proaspătă",
        "Fumatul interzis",
        "Strada Mihai Eminescu",
        "Atenție câine rău",
        "Închis astăzi",
        "Accesul interzis persoanelor străine",
        "Vă rugăm închideți ușa",
    ),
    "hu": (
        "Gyógyszertár",
        "Pékség friss kenyér",
        "Tilos a dohányzás",
        "Petőfi utca",
        "Vigyázz, a kutya harap",
        "Ma zárva",
        "Csak személyzet részére",
        "Kérjük, csukja be az ajtót",
    ),
    "tr": (
        "Eczane Şifa",
        "Fırın taze ekmek",
        "Sigara içilmez",
        "Atatürk Caddesi",
        "Dikkat köpek var",
        "Bugün kapalı",
        "Personel dışında girilmez",
        "Lütfen kapıyı kapatınız",
    ),
    "en": (
        "Pharmacy open late",
        "Fresh bread every day",
        "No smoking",
        "High Street",
        "Beware of the dog",
        "Closed on Sundays",
        "Staff only beyond this point",
        "Please close the door",
    ),
}

SCRIPT_OF = {"ru": "Cyrillic", "uk": "Cyrillic", "el": "Greek", "ar": "Arabic", "he": "Hebrew"}
NEGATIVE_KINDS = ("wallpaper", "stripes", "tiles", "fabric", "room")
SIZES = ((1280, 960), (1600, 1200), (2000, 1500))  # 1.2, 1.9, 3.0 MP
_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
)
_FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSansCondensed.ttf")
RGB = tuple[int, int, int]


@dataclass
class SignTruth:
    """What a generated picture holds: the language and words of its sign, or nothing."""

    kind: str  # "sign" or one of NEGATIVE_KINDS
    lang: str | None = None  # ISO 639-1
    script: str | None = None
    lines: list[str] = field(default_factory=list)
    box: tuple[int, int, int, int] | None = None  # x, y, w, h of the sign in the picture

    @property
    def words(self) -> list[str]:
        """The words of the sign, punctuation stripped (what a reader should find)."""
        out = []
        for line in self.lines:
            for w in line.split():
                w = w.strip(".,!?:;\"'()")
                if w:
                    out.append(w)
        return out


@lru_cache(maxsize=32)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    for d in _FONT_DIRS:
        p = d / name
        if p.exists():
            return ImageFont.truetype(str(p), size, layout_engine=ImageFont.Layout.RAQM)
    raise FileNotFoundError(
        f"font {name} not found in {', '.join(map(str, _FONT_DIRS))}: "
        "install the Debian package fonts-dejavu-core"
    )


def _rgb(rng: random.Random, lo: int, hi: int) -> RGB:
    return (rng.randint(lo, hi), rng.randint(lo, hi), rng.randint(lo, hi))


def _lum(c: RGB) -> float:
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


def _wall(rng: random.Random, w: int, h: int, faint_pattern: bool) -> np.ndarray:
    base = np.array(_rgb(rng, 150, 235), dtype=np.float32)
    a = np.broadcast_to(base, (h, w, 3)).copy()
    if faint_pattern:  # a low-contrast wallpaper behind the sign
        p = rng.randint(30, 70)
        yy, xx = np.mgrid[0:h, 0:w]
        m = ((np.sin(xx * 2 * math.pi / p) * np.sin(yy * 2 * math.pi / p)) > 0.6).astype(np.float32)
        a -= m[..., None] * rng.uniform(8, 18)
    return a


def _sign_image(rng: random.Random, lang: str, lines: list[str], kind: str) -> Image.Image:
    """The flat sign: a board with a border and two lines of text."""
    fname = rng.choice(_FONTS)
    size = rng.randint(44, 72)
    f1 = _font(fname, size)
    f2 = _font(fname, max(30, int(size * rng.uniform(0.6, 0.85))))
    direction = "rtl" if lang in ("ar", "he") else None
    probe = ImageDraw.Draw(Image.new("RGB", (8, 8)))
    boxes = [
        probe.textbbox((0, 0), t, font=f, direction=direction)
        for t, f in zip(lines, (f1, f2), strict=False)
    ]
    pad = int(size * 0.6)
    gap = int(size * 0.35)
    tw = int(max(b[2] - b[0] for b in boxes))
    th = int(sum(b[3] - b[1] for b in boxes)) + gap * (len(lines) - 1)
    W, H = tw + 2 * pad, th + 2 * pad
    while True:
        bg = _rgb(rng, 20, 240)
        fg = _rgb(rng, 0, 255)
        if abs(_lum(bg) - _lum(fg)) > 110:
            break
    if kind == "street":  # street signs: white on blue or black on white
        bg, fg = rng.choice((((30, 60, 150), (245, 245, 245)), ((245, 245, 240), (20, 20, 20))))
    img = Image.new("RGB", (W, H), bg)
    d = ImageDraw.Draw(img)
    bw = max(3, size // 12)
    d.rectangle((bw, bw, W - 1 - bw, H - 1 - bw), outline=fg, width=bw)
    y = float(pad)
    for t, f, b in zip(lines, (f1, f2), boxes, strict=False):
        x = (W - (b[2] - b[0])) // 2 - b[0]
        d.text((x, y - b[1]), t, font=f, fill=fg, direction=direction)
        y += (b[3] - b[1]) + gap
    return img


def _warp_onto(
    rng: random.Random, wall: np.ndarray, sign: Image.Image
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Place the sign on the wall seen at an angle; return the picture and the sign's box."""
    h, w = wall.shape[:2]
    s = np.asarray(sign, dtype=np.float32)
    sh, sw = s.shape[:2]
    scale = min(rng.uniform(0.35, 0.7) * w / sw, 0.6 * h / sh)
    tw, th = sw * scale, sh * scale
    x0 = rng.uniform(0.05 * w, w - tw - 0.05 * w)
    y0 = rng.uniform(0.05 * h, h - th - 0.05 * h)
    # a yaw/pitch of up to ~25 degrees: one side shorter, a small rotation in the plane
    k = rng.uniform(-0.18, 0.18)
    v = rng.uniform(-0.08, 0.08)
    rot = math.radians(rng.uniform(-6, 6))
    pts = np.array(
        [
            [0, -th * max(0, k) / 2 - tw * v / 2],
            [tw, -th * max(0, -k) / 2 + tw * v / 2],
            [tw, th + th * max(0, -k) / 2 + tw * v / 2],
            [0, th + th * max(0, k) / 2 - tw * v / 2],
        ],
        dtype=np.float32,
    )
    c = pts.mean(axis=0)
    R = np.array([[math.cos(rot), -math.sin(rot)], [math.sin(rot), math.cos(rot)]], np.float32)
    pts = (pts - c) @ R.T + c + np.array([x0, y0], np.float32)
    src = np.array([[0, 0], [sw, 0], [sw, sh], [0, sh]], np.float32)
    M = cv2.getPerspectiveTransform(src, pts)
    warped = cv2.warpPerspective(s, M, (w, h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones((sh, sw), np.float32), M, (w, h), flags=cv2.INTER_LINEAR)
    out = wall * (1 - mask[..., None]) + warped * mask[..., None]
    bx0, by0 = np.floor(pts.min(axis=0)).astype(int)
    bx1, by1 = np.ceil(pts.max(axis=0)).astype(int)
    bx0, by0 = max(0, int(bx0)), max(0, int(by0))
    return out, (bx0, by0, int(min(w, bx1)) - bx0, int(min(h, by1)) - by0)


def _light_and_jpeg(rng: random.Random, a: np.ndarray) -> Image.Image:
    """Other light (a gradient, a colour cast, exposure), sensor noise, a JPEG round trip."""
    h, w = a.shape[:2]
    ang = rng.uniform(0, 2 * math.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    g = (xx / w - 0.5) * math.cos(ang) + (yy / h - 0.5) * math.sin(ang)
    a = a * (rng.uniform(0.8, 1.1) + g[..., None] * rng.uniform(0.0, 0.35))
    a = a * np.array([rng.uniform(0.88, 1.08) for _ in range(3)], np.float32)
    a = a + np.random.default_rng(rng.randrange(2**32)).normal(0, rng.uniform(1.5, 4.0), a.shape)
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=rng.randint(65, 92))
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def sign_picture(seed: int, lang: str | None = None) -> tuple[Image.Image, SignTruth]:
    """One wall with one sign in ``lang`` (or a language chosen from the seed)."""
    rng = random.Random(f"sign:{seed}:{lang}")
    lang = lang or rng.choice(sorted(PHRASES))
    if lang not in PHRASES:
        raise ValueError(f"no sign phrases for language {lang!r}; have {sorted(PHRASES)}")
    w, h = rng.choice(SIZES)
    a, b = rng.sample(range(len(PHRASES[lang])), 2)
    lines = [PHRASES[lang][a], PHRASES[lang][b]]
    kind = rng.choice(("shop", "street", "notice", "label"))
    sign = _sign_image(rng, lang, lines, kind)
    wall = _wall(rng, w, h, faint_pattern=rng.random() < 0.3)
    arr, box = _warp_onto(rng, wall, sign)
    img = _light_and_jpeg(rng, arr)
    return img, SignTruth(
        kind="sign", lang=lang, script=SCRIPT_OF.get(lang, "Latin"), lines=lines, box=box
    )


def _pattern(rng: random.Random, w: int, h: int, kind: str) -> np.ndarray:
    c1 = np.array(_rgb(rng, 120, 240), np.float32)
    c2 = np.array(_rgb(rng, 20, 200), np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == "stripes":
        p = rng.randint(12, 60)
        ang = math.radians(rng.choice((0, 90, rng.uniform(0, 180))))
        u = xx * math.cos(ang) + yy * math.sin(ang)
        m = ((u % p) < p * rng.uniform(0.2, 0.6)).astype(np.float32)
    elif kind == "tiles":
        p = rng.randint(40, 140)
        gw = max(2, p // rng.randint(10, 25))
        m = (((xx % p) < gw) | ((yy % p) < gw)).astype(np.float32)
        if rng.random() < 0.5:  # checkerboard tiles
            m = np.maximum(m, (((xx // p) + (yy // p)) % 2) * 0.5)
    elif kind == "fabric":  # a woven check with fine noise: plaid bed cover
        p = rng.randint(20, 60)
        m = 0.5 * ((xx % p) < p / 3) + 0.5 * ((yy % p) < p / 3)
        m = m + np.random.default_rng(rng.randrange(2**32)).normal(0, 0.15, m.shape)
        m = m.astype(np.float32)
    else:  # wallpaper: rows of small motifs (flowers, diamonds, crosses, dots, glyph-like)
        tile = Image.new("L", (p := rng.randint(28, 90), p), 0)
        d = ImageDraw.Draw(tile)
        motif = rng.choice(("flower", "diamond", "cross", "dots", "scroll", "lozenge"))
        r = p * rng.uniform(0.18, 0.32)
        cx = cy = p / 2
        if motif == "flower":
            for i in range(5):
                t = i * 2 * math.pi / 5
                d.ellipse(
                    (
                        cx + r * math.cos(t) - r / 2,
                        cy + r * math.sin(t) - r / 2,
                        cx + r * math.cos(t) + r / 2,
                        cy + r * math.sin(t) + r / 2,
                    ),
                    fill=255,
                )
        elif motif == "diamond":
            d.polygon(
                [(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)], outline=255, width=2
            )
        elif motif == "cross":
            d.line((cx - r, cy - r, cx + r, cy + r), fill=255, width=3)
            d.line((cx - r, cy + r, cx + r, cy - r), fill=255, width=3)
        elif motif == "dots":
            d.ellipse((cx - r / 3, cy - r / 3, cx + r / 3, cy + r / 3), fill=255)
            d.ellipse((2, 2, 2 + r / 2, 2 + r / 2), fill=255)
        elif motif == "scroll":  # letter-like curls: the hardest case
            d.arc((cx - r, cy - r, cx + r, cy + r), 30, 300, fill=255, width=3)
            d.line((cx + r, cy - r, cx + r, cy + r), fill=255, width=3)
        else:
            d.polygon([(cx, cy - r), (cx + r / 2, cy), (cx, cy + r), (cx - r / 2, cy)], fill=255)
        tl = np.asarray(tile, np.float32) / 255
        if rng.random() < 0.5:  # half-drop repeat
            tl = np.concatenate([tl, np.roll(tl, p // 2, axis=1)], axis=0)
        reps = (h // tl.shape[0] + 2, w // tl.shape[1] + 2)
        m = np.tile(tl, reps)[:h, :w]
    return c1 * (1 - m[..., None]) + c2 * m[..., None]


def negative_picture(seed: int, kind: str | None = None) -> tuple[Image.Image, SignTruth]:
    """A picture with no text: patterned wallpaper, stripes, tiles, fabric or a plain room."""
    rng = random.Random(f"negative:{seed}:{kind}")
    kind = kind or rng.choice(NEGATIVE_KINDS)
    if kind not in NEGATIVE_KINDS:
        raise ValueError(f"unknown negative kind {kind!r}; have {NEGATIVE_KINDS}")
    w, h = rng.choice(SIZES)
    if kind == "room":  # wall, floor, window, furniture blocks
        a = _wall(rng, w, h, faint_pattern=rng.random() < 0.5)
        fy = int(h * rng.uniform(0.6, 0.75))
        a[fy:] = _pattern(rng, w, h - fy, rng.choice(("tiles", "stripes")))
        img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
        d = ImageDraw.Draw(img)
        for _ in range(rng.randint(2, 5)):
            x = rng.randint(0, w - 200)
            y = rng.randint(h // 4, h - 150)
            d.rectangle(
                (x, y, x + rng.randint(120, 400), y + rng.randint(80, 300)),
                fill=_rgb(rng, 30, 200),
                outline=_rgb(rng, 0, 80),
                width=3,
            )
        wx = rng.randint(50, w - 400)
        d.rectangle(
            (wx, 60, wx + 300, 360), fill=(200, 225, 245), outline=(250, 250, 250), width=12
        )
        d.line((wx + 150, 60, wx + 150, 360), fill=(250, 250, 250), width=8)
        a = np.asarray(img, np.float32)
    else:
        a = _pattern(rng, w, h, kind)
        if rng.random() < 0.5:  # seen at an angle
            src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
            j = 0.08
            dst = src + np.array(
                [[rng.uniform(-j, j) * w, rng.uniform(-j, j) * h] for _ in range(4)], np.float32
            )
            M = cv2.getPerspectiveTransform(src, dst)
            a = cv2.warpPerspective(a, M, (w, h), borderMode=cv2.BORDER_REFLECT)
    return _light_and_jpeg(rng, a), SignTruth(kind=kind)


#: an English note of eight lines: a dense paragraph (a letter, a page, a notice) for the
#: reader's tilted-text measurements (bench/bench_ocr.py, tests/media/test_visual_text.py)
PARAGRAPH = (
    "The keys are under the blue flower pot by the door",
    "Please feed the cat twice a day and water the garden",
    "The bakery on the corner opens at seven every morning",
    "Call the landlord if the heating stops working again",
    "Bus number twelve stops in front of the old library",
    "Remember to lock the back gate before you go to bed",
    "The market is closed on Sundays and public holidays",
    "Leave the parcel with the neighbours at number nine",
)


def paragraph_picture(
    angle: float, size: int = 20, spacing: int = 26, margin: int = 0
) -> tuple[Image.Image, SignTruth]:
    """:data:`PARAGRAPH` printed dark on paper (DejaVu Serif, ``size`` px, rows ``spacing``
    px apart), the page turned by ``angle`` degrees (counter-clockwise), ``margin`` px of
    blank paper below the text."""
    paper = (246, 244, 238)
    font = _font("DejaVuSerif.ttf", size)
    img = Image.new("RGB", (size * 38, 40 + 8 * spacing + margin), paper)
    d = ImageDraw.Draw(img)
    for i, line in enumerate(PARAGRAPH):
        d.text((20, 20 + i * spacing), line, fill=(20, 20, 20), font=font)
    turned = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=paper)
    return turned, SignTruth(kind="paragraph", lang="en", script="Latin", lines=list(PARAGRAPH))


def bench_set(n_signs: int, n_negatives: int, seed: int = 0) -> list[tuple[Image.Image, SignTruth]]:
    """Signs spread evenly over every language, then negatives spread over every kind."""
    langs = sorted(PHRASES)
    out = [sign_picture(seed * 100_000 + i, langs[i % len(langs)]) for i in range(n_signs)]
    out += [
        negative_picture(seed * 100_000 + i, NEGATIVE_KINDS[i % len(NEGATIVE_KINDS)])
        for i in range(n_negatives)
    ]
    return out
