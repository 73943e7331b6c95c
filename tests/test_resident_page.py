"""The public resident page /wijk/{code}: plain Dutch at level B1, on real areas of the snapshot."""

from __future__ import annotations

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
    less_good = html[html.index('id="less-good"') : html.index('id="programme"')]
    # Loneliness in Rotterdam Centrum is above the national figure in the health monitor 2020.
    assert "eenzaam" in less_good.lower()
    assert "op de 100" in less_good and "In heel Nederland zijn dat er" in less_good
    assert "Zo gaat het in Rotterdam Centrum" in html


def test_the_page_has_english_and_a_clear_404(web: TestClient) -> None:
    assert "How things are in Rotterdam Centrum" in web.get("/wijk/WK059901?lang=en").text
    assert web.get("/wijk/WK999999").status_code == 404
