"""The public resident page /wijk/{code}: plain Dutch at level B1, on real areas of the snapshot."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from readability import B1_MAX_WORDS_PER_SENTENCE, B1_MIN_SCORE, measure, text_of_html

# A wijk, a buurt and a gemeente, in a big city and a smaller place.
AREAS = ["WK059901", "BU05991087", "GM0599", "WK036305", "GM0014"]


def page_text(web: TestClient, code: str, lang: str = "nl") -> str:
    answer = web.get(f"/wijk/{code}", params={"lang": lang})
    assert answer.status_code == 200, answer.text
    html = answer.text
    return text_of_html(html[html.index('<div id="resident-page">') : html.index("</main>")])


@pytest.mark.parametrize("code", AREAS)
def test_the_resident_page_reads_at_b1(web: TestClient, code: str) -> None:
    text = page_text(web, code)
    found = measure(text)
    assert found.words > 100  # a real page, not an empty one
    assert found.flesch_douma >= B1_MIN_SCORE, (found, text)
    assert found.words_per_sentence <= B1_MAX_WORDS_PER_SENTENCE, (found, text)


def test_the_readability_check_rejects_official_prose() -> None:
    official = (
        "De implementatie van de integrale gebiedsgerichte aanpak vereist een multidisciplinaire samenwerking "
        "tussen maatschappelijke organisaties, overheidsinstanties en ketenpartners in het sociaal domein."
    )
    assert not measure(official).b1
    assert measure("Ziet u een probleem? Laat het ons weten. Uw naam is niet nodig.").b1


def test_what_goes_well_and_less_well_is_told_in_words_with_real_figures(web: TestClient) -> None:
    html = web.get("/wijk/WK059901").text
    less_good = html[html.index('id="less-good"') : html.index('id="topics"')]
    # Noise from neighbours in Rotterdam Centrum is above the national figure in the health monitor 2020.
    assert "Ernstige geluidhinder door buren: 10,6% tegen 7,0% in Nederland. In Rotterdam: 9,7%." in less_good
    assert "Zo gaat het in Rotterdam Centrum" in html


def test_the_page_has_english_and_a_clear_404(web: TestClient) -> None:
    assert "How things are in Rotterdam Centrum" in web.get("/wijk/WK059901?lang=en").text
    assert web.get("/wijk/WK999999").status_code == 404


def test_charlois_shows_its_largest_gap_first_with_year_and_group(web: TestClient) -> None:
    html = web.get("/wijk/WK059915").text
    less_good = html[html.index('id="less-good"') : html.index('id="topics"')]
    items = re.findall(r"<li data-indicator=\"([a-z_]+)\">(.*?)</li>", less_good, re.S)
    # Health monitor 2020, adults: 28.4% of Charlois finds it hard to make ends meet, 13.9% nationally;
    # relative to the national figure no other unfavourable gap in Charlois is as large.
    indicator, text = items[0]
    assert indicator == "moeite_met_rondkomen"
    assert "Moeite met rondkomen: 28,4% tegen 13,9% in Nederland." in text
    assert "(Cijfer uit 2020, over mensen van 18 jaar of ouder.)" in text
    good = html[html.index('id="good"') : html.index('id="less-good"')]
    assert re.findall(r"\(Cijfer uit 20\d\d, over ", good)  # every favourable figure says when and whom


def test_safety_nuisance_and_housing_are_shown_or_said_to_be_unmeasured(web: TestClient) -> None:
    html = web.get("/wijk/WK059915").text
    topics = html[html.index('id="topics"') :].split("</section>", 1)[0]
    # Crime is counted per gemeente only: the wijk says so and shows Rotterdam's figure.
    safety = topics[topics.index('id="topic-safety"') : topics.index('id="topic-liveability"')]
    assert "Voor Charlois zelf hebben we hierover geen cijfers. Voor heel Rotterdam wel:" in safety
    assert 'data-indicator="misdrijven_totaal"' in safety
    assert "Ernstige geluidhinder door buren: 10,2% tegen 7,0% in Nederland." in topics
    housing = topics[topics.index('id="topic-housing"') :]
    assert "Koopwoningen: 28,0%. In Rotterdam: 34,0%." in housing
    english = web.get("/wijk/WK059915?lang=en").text
    assert "Difficulty making ends meet: 28.4% against 13.9% in the Netherlands." in english
    assert "(Figure from 2020, about people aged 18 and over.)" in english
