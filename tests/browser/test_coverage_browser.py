"""Issue #15 in a real browser: the Overvecht profile lists all six problem domains of the catalogue, each
with a score and its coverage against the catalogue, or an explicit "not measured here" line with its reason."""

from __future__ import annotations

import re

import duckdb
from playwright.sync_api import Page, expect

from wijkzicht.catalogue import load_catalogue

OVERVECHT = "WK034403"  # Wijk 03 Overvecht, Utrecht


def test_the_overvecht_profile_says_what_is_measured_and_what_is_not(
    browser_page: Page, con: duckdb.DuckDBPyConnection
) -> None:
    browser_page.goto(f"/gebied/{OVERVECHT}")
    catalogue = load_catalogue()
    rows = browser_page.locator("#domain-scores tbody tr")
    expect(rows).to_have_count(len(catalogue.problem_domains))
    scored = dict(
        con.execute(
            """SELECT domain, indicators_used FROM domain_scores WHERE area_code = ? AND level = 'wijk'
               AND boundary_year = 2024 AND subgroup = 'actueel'""",  # the latest picture by default
            [OVERVECHT],
        ).fetchall()
    )
    for domain in catalogue.problem_domains:
        row = browser_page.locator(f"#domain-scores tr[data-domain='{domain}']")
        expect(row.locator("th")).to_contain_text(catalogue.domains[domain]["nl"])
        total = sum(1 for i in catalogue.indicators.values() if i.domain == domain and i.scored)
        if domain in scored:
            expect(row.locator("td.coverage")).to_have_text(f"{scored[domain]} van {total} indicatoren")
        elif domain == "education":  # SES-WOA covers Amsterdam only: no national position
            expect(row).to_contain_text(re.compile(r"Niet gemeten in deze installatie: \S"))
        else:  # measured per gemeente only (police crime totals): the gemeente's score, said to be its
            expect(row).to_contain_text("niet per wijk gemeten; score van de gemeente Utrecht")
    # the footer names the sources in the warehouse: the police's crime per gemeente among them
    expect(browser_page.locator("footer #sources")).to_contain_text("Politie")
