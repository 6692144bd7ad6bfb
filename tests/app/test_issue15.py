"""Issue 15: the defects an analyst and a trainer hit, each one driven through AppTest
against the real Neo4j and the seed graph (tests/app/seed.py)."""

from __future__ import annotations

import pytest

from tests.app.test_pages import button, open_series, run

pytestmark = pytest.mark.neo4j


def _lead(name: str, **values) -> object:
    at = run("views/leads.py")
    at.selectbox(key="lead_name").select(name).run()
    for k, v in values.items():
        w = [x for x in at.text_input if x.key == f"lead-{name}-{k}"]
        if w:
            w[0].input(v)
        else:
            [x for x in at.number_input if x.key == f"lead-{name}-{k}"][0].set_value(v)
    button(at, "Run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# ------------------------------------------------------------------ 1. clusters lead
def test_clusters_lead_offers_one_series_per_option_and_opens_it(seeded):
    at = _lead("clusters")
    pick = at.selectbox(key="lead_open_pick")
    assert set(pick.options) == {"S-DE-1", "S-FR-1", "S-FR-2", "S-GB-1"}, pick.options
    pick.select("S-GB-1").run()
    button(at, "Open").click().run()
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    assert open_series(at) == "S-GB-1"


# ------------------------------------------------------------------ 2. trainer checker
@pytest.mark.parametrize(
    "guess",
    [
        "socket type G, so UK or Ireland",
        "United Kingdom",
        "Royaume-Uni",
        "Vereinigtes Königreich",
        "reino unido",
        "GBR",
        "great britain",
        "england",
        "gb",
    ],
)
def test_trainer_accepts_a_country_in_many_forms(guess):
    from app.views.trainer import check

    assert check(2, guess, {"country": "GB"}) is True


@pytest.mark.parametrize("guess", ["France", "it is in germany", "Gabon", "bug"])
def test_trainer_rejects_another_country(guess):
    from app.views.trainer import check

    assert check(2, guess, {"country": "GB"}) is False


def test_trainer_accepts_accents_and_case_of_a_place():
    from app.views.trainer import check

    assert check(5, "it was in NIMES", {"place": {"name": "Nîmes"}}) is True
    assert check(5, "Sao Paulo", {"place": {"name": "São Paulo"}}) is True


def test_trainer_says_what_was_expected_after_a_wrong_try(seeded, tmp_path):
    import json

    truth = {
        "counts": {"pairs": 2},
        "scenario": {
            "title": "Where",
            "steps": [
                {"n": 2, "page": "clue board", "task": "Country?", "hint": "H", "answer": "GB"},
            ],
            "answers": {"country": "GB"},
        },
    }
    (tmp_path / "truth.json").write_text(json.dumps(truth))
    at = run("views/trainer.py")
    at.text_input(key="demo_folder_input").input(str(tmp_path)).run()
    at.text_input(key="scenario-answer-2").input("socket type G, so UK or Ireland").run()
    assert "Right." in [s.value for s in at.success]
    at.text_input(key="scenario-answer-2").input("France").run()
    warn = " ".join(w.value for w in at.warning)
    assert "United Kingdom" in warn and "France" in warn, warn
