"""Text and language in pictures: generated signs are read and their language found,
text-free pictures (patterned wallpaper, stripes, tiles, a plain wall) give nothing,
bad input fails clearly. Real Tesseract, real lingua, real CLDR; images made here."""

from __future__ import annotations

import io
import unicodedata

import numpy as np
import pytest
from babel.core import get_global
from PIL import Image

from loaders.demo.signs import PHRASES, negative_picture, paragraph_picture, sign_picture
from media.visual.features import open_image
from media.visual.language import countries_for, detect_language, language_name
from media.visual.text import TextRead, read_text, word_script
from tests.media.photos import photo


def _norm(w: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFC", w).casefold() if c.isalnum())


def _found(reads: list[TextRead], words: list[str]) -> float:
    got = {_norm(w) for r in reads for w in r.text.split()}
    want = [_norm(w) for w in words]
    return sum(w in got for w in want) / len(want)


def _check_sign(lang: str, seed: int, script: str, min_found: float = 0.8) -> None:
    img, truth = sign_picture(seed, lang)
    reads = read_text(img)
    assert reads, f"nothing read on a {lang} sign: {truth.lines}"
    assert _found(reads, truth.words) >= min_found, (truth.lines, [r.text for r in reads])
    for r in reads:
        assert r.script == script
        assert 0.0 < r.confidence <= 1.0
        x, y, w, h = r.box
        assert 0 <= x and 0 <= y and x + w <= img.width and y + h <= img.height
        # the line lies on the sign (box in original picture pixels)
        sx, sy, sw, sh = truth.box
        cx, cy = x + w / 2, y + h / 2
        assert sx <= cx <= sx + sw and sy <= cy <= sy + sh, (r.box, truth.box)
    guess = detect_language([r.text for r in reads])
    assert guess is not None and guess.code == lang, (guess, [r.text for r in reads])
    assert guess.name == language_name(lang)
    assert guess.countries == countries_for(lang)


def test_polish_sign_is_read_and_points_to_poland():
    _check_sign("pl", 1, "Latin")
    countries = countries_for("pl")
    assert countries[0][0] == "PL"
    # the shares are CLDR's, not a table of ours
    cldr = get_global("territory_languages")
    assert countries[0][1] == pytest.approx(cldr["PL"]["pl"]["population_percent"] / 100)
    assert {c for c, _ in countries} == {
        t for t, langs in cldr.items() if langs.get("pl", {}).get("population_percent")
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    "lang,seed,script",
    [
        ("ru", 1, "Cyrillic"),
        ("uk", 2, "Cyrillic"),
        ("el", 1, "Greek"),
        ("he", 2, "Hebrew"),
        ("de", 1, "Latin"),
    ],
)
def test_signs_in_other_scripts_are_read_with_their_language(lang, seed, script):
    _check_sign(lang, seed, script)


@pytest.mark.slow
def test_arabic_sign_is_read_right_to_left_in_logical_order():
    _check_sign("ar", 2, "Arabic", min_found=0.6)


def test_language_countries_come_from_cldr_likeliest_first():
    assert countries_for("el")[0][0] == "GR"
    assert countries_for("he")[0][0] == "IL"
    assert countries_for("uk")[0][0] == "UA"
    assert countries_for("de")[0][0] == "DE"  # most speakers, not the highest share (LI)
    assert countries_for("pt")[0][0] == "BR"
    assert countries_for("xx") == []


def test_language_needs_enough_text():
    assert detect_language("ab") is None
    assert detect_language([]) is None
    g = detect_language(["Proszę zamykać drzwi", "Zakaz palenia"])
    assert g is not None and g.code == "pl" and 0.3 <= g.confidence <= 1.0
    assert detect_language("CI CI CI GI CI") is None  # a motif read as letters


@pytest.mark.parametrize("brand", ["Samsung", "Huawei", "Motorola", "OpenCV", "Haribo", "Diesel"])
def test_one_brand_name_gets_no_language(brand):
    # brand names and logos belong to no language; lingua names one at 0.48-0.68
    assert detect_language(brand) is None
    assert detect_language([brand, "5"]) is None  # a lone number is no second word


@pytest.mark.parametrize(
    "word,code", [("Wyjście", "pl"), ("Entrée", "fr"), ("Zahnarzt", "de"), ("Φαρμακείο", "el")]
)
def test_one_clear_word_keeps_its_language(word, code):
    g = detect_language(word)
    assert g is not None and g.code == code


def test_the_opencv_logo_is_read_as_text_without_a_language():
    # a real picture (OpenCV's sample logo, tests/media/photos.py): the word is a text
    # suggestion, not a language one
    im, _, _ = open_image(photo("opencv-logo-white.png"))
    reads = read_text(im)
    assert [r.text for r in reads] == ["OpenCV"]
    assert detect_language([r.text for r in reads]) is None


@pytest.mark.parametrize("angle", [12, -12, 15])
def test_a_dense_paragraph_photographed_at_an_angle_is_read(angle):
    # rows 1.3 font sizes apart, turned: upright their chains touch and only the edge rows
    # are found (word recall 0.3 at 12 degrees, 0 at 15 before the turned search)
    page, truth = paragraph_picture(angle)
    words = {w.casefold().strip(".,") for r in read_text(page) for w in r.text.split()}
    want = {w.casefold() for w in truth.words}
    assert len(words & want) / len(want) >= 0.9


def test_a_page_photographed_turned_is_read_whole():
    # OpenCV's imageTextR.png: a printed page turned about 9 degrees (1 line read before)
    im, _, _ = open_image(photo("imageTextR.png"))
    reads = read_text(im)
    assert len(reads) >= 10
    text = " ".join(r.text for r in reads)
    assert "individual topic for each of their small-group" in text


def test_language_candidates_are_the_languages_of_the_texts_script():
    """Only the languages written in the text's script are asked (CLDR likely subtags): a
    Greek or Hebrew line needs no detector, a Cyrillic one loads no Latin model; a picture
    whose lines hold no text is never guessed (the detector is not even built)."""
    from loaders.visual_state import language_of
    from media.visual import language as lang

    by_script = lang.script_languages()
    assert by_script["GREEK"] == ("el",) and by_script["HEBREW"] == ("he",)
    assert {"ru", "uk", "sr"} <= set(by_script["CYRILLIC"]) and "ru" not in by_script["LATIN"]
    lang._quick.clear()
    lang._exact.clear()
    assert language_of([]) is None
    g = detect_language("Απαγορεύεται το κάπνισμα")
    assert g is not None and g.code == "el" and g.confidence == 1.0
    assert detect_language("בית מרקחת רחוב הרצל").code == "he"  # type: ignore[union-attr]
    assert not lang._quick and not lang._exact  # no detector built for any of these
    g = detect_language(["Свіжий хліб щодня", "Вулиця Шевченка"])
    assert g is not None and g.code == "uk"
    assert list(lang._quick) == [by_script["CYRILLIC"]]
    loaded = {x.iso_code_639_1.name.lower() for key in lang._exact for x in key}
    assert loaded and loaded <= set(by_script["CYRILLIC"])


@pytest.mark.parametrize(
    "kind,seed", [("wallpaper", 0), ("wallpaper", 11), ("stripes", 1), ("tiles", 7)]
)
def test_patterns_give_no_text(kind, seed):
    img, truth = negative_picture(seed, kind)
    assert truth.lines == []
    assert read_text(img) == []


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(2, 6))
def test_more_wallpapers_and_fabrics_give_no_text(seed):
    for kind in ("wallpaper", "fabric", "room"):
        img, _ = negative_picture(seed, kind)
        assert read_text(img) == [], (kind, seed)


def test_picture_without_text_returns_empty():
    rng = np.random.default_rng(3)
    flat = np.full((900, 1200, 3), (180, 170, 150), np.uint8)
    flat = np.clip(flat + rng.normal(0, 3, flat.shape), 0, 255).astype(np.uint8)
    assert read_text(flat) == []
    assert read_text(Image.fromarray(flat)) == []


def test_truncated_picture_raises_a_clear_error(tmp_path):
    img, _ = sign_picture(1, "pl")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    path = tmp_path / "cut.jpg"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 3])
    from PIL import ImageFile

    assert not ImageFile.LOAD_TRUNCATED_IMAGES
    with pytest.raises(ValueError, match="could not be decoded"):
        read_text(Image.open(path))


def test_bad_arrays_are_refused():
    with pytest.raises(ValueError, match="uint8"):
        read_text(np.zeros((100, 100, 3), np.float32))
    with pytest.raises(ValueError, match="shape"):
        read_text(np.zeros((100, 100, 5), np.uint8))
    with pytest.raises(ValueError, match="too small"):
        read_text(np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(TypeError):
        read_text("picture.jpg")  # type: ignore[arg-type]


def test_word_script_rejects_texture_readings():
    assert word_script("Piekarnia") == "Latin"
    assert word_script("Аптека") == "Cyrillic"
    assert word_script("Φαρμακείο") == "Greek"
    assert word_script("lllll") is None  # stripes
    assert word_script("Ароќћеке") is None  # Latin read by the Cyrillic model
    assert word_script("--|") is None


def test_sign_generator_covers_twelve_languages_and_four_scripts():
    assert len(PHRASES) >= 12
    scripts = {sign_picture(0, lang)[1].script for lang in PHRASES}
    assert {"Latin", "Cyrillic", "Greek"} <= scripts and scripts & {"Arabic", "Hebrew"}
    a, ta = sign_picture(5, "pl")
    b, tb = sign_picture(5, "pl")
    assert ta == tb and np.array_equal(np.asarray(a), np.asarray(b))  # deterministic
