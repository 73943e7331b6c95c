"""Trend charts on the profile and the area factsheet (PDF and Excel), on the real snapshot (issue #19)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from wijkzicht.monitor.profile import area_profile
from wijkzicht.monitor.score_trends import INDEX, score_trends
from wijkzicht.spreadsheet import NEUTRALISER
from wijkzicht.web.charts import line_chart, nice_scale
from wijkzicht.web.monitor.factsheet import factsheet_workbook

OVERVECHT = "WK034403"


def _warehouse_series(con: duckdb.DuckDBPyConnection, indicator: str) -> list[tuple[int, float]]:
    rows = con.execute(
        """SELECT period, value FROM published_harmonised WHERE area_code = ? AND indicator = ?
           AND subgroup = '18plus' AND boundary_year = 2024 ORDER BY period""",
        [OVERVECHT, indicator],
    ).fetchall()
    return [(period, value) for period, value in rows]


def test_the_profile_charts_an_indicator_with_its_real_values_and_a_table(
    web: TestClient, con: duckdb.DuckDBPyConnection
) -> None:
    series = _warehouse_series(con, "eenzaam")
    assert [period for period, _ in series] == [2012, 2016, 2020]
    page = web.get(f"/gebied/{OVERVECHT}").text
    figure = page.split('id="trend-eenzaam-18plus-figure"')[1].split("</figure>")[0]
    svg = figure.split("<svg")[1].split("</svg>")[0]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    for period, value in series:
        shown = f"{value:.1f}".replace(".", ",")
        assert f">{shown}%</text>" in svg and f">{period}</text>" in svg
        # the table alternative holds the same figures
        assert re.search(rf"<th scope=\"row\">{period}</th><td>{shown}%</td>", figure)
    assert figure.count("<circle") == 3


def test_domain_scores_over_time_are_the_stored_ones_and_the_index_says_why_it_has_no_line(
    web: TestClient, con: duckdb.DuckDBPyConnection
) -> None:
    stored = con.execute(
        """SELECT period, score FROM domain_scores WHERE area_code = ? AND boundary_year = 2024
           AND subgroup = '18plus' AND domain = 'health' ORDER BY period""",
        [OVERVECHT],
    ).fetchall()
    series = {s.key: s for s in score_trends(con, OVERVECHT, "wijk")}
    assert [(p.period, p.score) for p in series["health"].points] == stored
    # the index stacks liveability only in 2020: not comparable, so a table and the reason, no line
    assert not series[INDEX].comparable
    page = web.get(f"/gebied/{OVERVECHT}").text
    index_figure = page.split(f'id="trend-{INDEX}-figure"')[1].split("</figure>")[0]
    assert "<svg" not in index_figure and "Geen lijn" in index_figure and "Leefbaarheid" in index_figure
    assert '<svg class="chart" id="trend-health"' in page


def test_a_chart_axis_reaches_zero_and_a_missing_value_breaks_the_line() -> None:
    assert nice_scale([48.5, 51.0]).low == 0
    svg = line_chart(
        [(2012, 10.0), (2016, None), (2020, 12.0), (2022, 13.0)],
        chart_id="c",
        title="t",
        description="d",
        language="nl",
    )
    assert svg.count("<polyline") == 1  # only 2020-2022 join; 2012 stands alone
    assert svg.count("<circle") == 3


def test_the_factsheet_pdf_holds_the_area_its_years_and_the_caveats(web: TestClient, tmp_path: Path) -> None:
    if not shutil.which("pdftotext"):
        pytest.fail("poppler-utils (pdftotext) is missing: .ci/run installs it")
    answer = web.get(f"/gebied/{OVERVECHT}/factsheet.pdf")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    pdf = tmp_path / "factsheet.pdf"
    pdf.write_bytes(answer.content)
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout.split()
    )
    first_page = " ".join(
        subprocess.run(
            ["pdftotext", "-l", "1", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout.split()
    )
    assert "Factsheet Wijk 03 Overvecht" in first_page and "Gemeente Utrecht" in first_page
    assert (
        "modelschattingen" in first_page
        and "minimumbevolking" in first_page
        and "nooit de mensen" in first_page
    )
    for year in ("2012", "2016", "2020", "2022"):
        assert year in text
    assert "Eenzaam" in text and "50090NED" in text


def test_the_factsheet_excel_has_figures_with_years_and_sources(web: TestClient) -> None:
    answer = web.get(f"/gebied/{OVERVECHT}/factsheet.xlsx")
    assert answer.status_code == 200
    workbook = load_workbook(io.BytesIO(answer.content))
    assert workbook.sheetnames == ["Cijfers", "Scores", "Ontwikkeling", "Toelichting"]
    rows = list(workbook["Cijfers"].iter_rows(values_only=True))
    heading = rows[0]
    lonely = next(row for row in rows if row[heading.index("Indicator")] == "Eenzaam")
    assert lonely[heading.index("Periode")] == 2020 and lonely[heading.index("Waarde")] == 58.2
    assert lonely[heading.index("Bron")] == "50090NED"
    about = [row[0] for row in workbook["Toelichting"].iter_rows(values_only=True)]
    assert any("modelschattingen" in str(cell) for cell in about)


def test_formula_like_text_in_the_factsheet_excel_stays_text(con: duckdb.DuckDBPyConnection) -> None:
    profile = area_profile(con, OVERVECHT)
    figure = profile.figures[0]
    hostile = type(figure)(**{**vars(figure), "name": '=HYPERLINK("http://example.org","x")'})
    document = factsheet_workbook(type(profile)(**{**vars(profile), "figures": [hostile]}), "nl")
    cells = [
        c for row in load_workbook(io.BytesIO(document))["Cijfers"].iter_rows(values_only=True) for c in row
    ]
    assert NEUTRALISER + '=HYPERLINK("http://example.org","x")' in cells
    assert not any(isinstance(c, str) and c.startswith("=") for c in cells)


def test_empty_library_sections_are_one_line_and_stay_off_the_printout(web: TestClient) -> None:
    page = web.get(f"/gebied/{OVERVECHT}").text
    section = page.split('<section aria-labelledby="wijkwijzer"')[1].split("</section>")[0]
    # four worst domains, none with a published intervention or measure in this session's empty library
    assert section.count("Nog geen gepubliceerde interventies") == 1
    assert "voor Gezondheid, Wonen, Leefbaarheid, Werk, armoede en meedoen." in section
    assert section.startswith(' id="wijkwijzer-section" class="no-print"')
