"""A goal's progress in context: the band of similar areas outside every programme and the verdict, on the
API and in the governance report of Rotterdam-Zuid (real health-monitor figures 2012 -> 2020)."""

from __future__ import annotations

import html
import re

from fastapi import FastAPI
from programmes_helpers import ROTTERDAM_ZUID, login

API = "/api/programmes"
# the Rotterdam-Zuid wijk the other programme tests follow
WIJK = "WK059910"


def test_the_governance_report_shows_each_goals_band_and_verdict(app: FastAPI) -> None:
    admin = login(app, "administrator")
    # a programme that started in 2015: its goals' baseline is 2012 and 2020 is a measurement since the start
    programme = admin.post(
        f"{API}/programmes",
        json={
            "focus_area_id": ROTTERDAM_ZUID,
            "title": "Zuid sinds 2015",
            "start_year": 2015,
            "end_year": 2030,
            "status": "running",
            "published": True,
        },
    )
    assert programme.status_code == 201, programme.text
    goals = {}
    for indicator, target in (("moeite_met_rondkomen", 25), ("overgewicht", 50)):
        answer = admin.post(
            f"{API}/goals",
            json={
                "programme_id": programme.json()["id"],
                "title": f"Doel {indicator}",
                "indicator": indicator,
                "subgroup": "18plus",
                "area_code": WIJK,
                "target_value": target,
                "target_year": 2030,
                "published": True,
            },
        )
        assert answer.status_code == 201, answer.text
        goals[indicator] = answer.json()["id"]
    contexts = {
        indicator: admin.get(f"{API}/goals/{goal}/progress").json()["context"]
        for indicator, goal in goals.items()
    }
    for context in contexts.values():
        assert len(context["areas"]) >= 5 and WIJK not in context["areas"]
        assert context["low"] <= context["high"]
    # the wijk's own change 2012 -> 2020, against the band of its similar areas
    assert contexts["moeite_met_rondkomen"]["verdict"] == "better"  # 45.1 -> 28.6
    assert contexts["overgewicht"]["verdict"] == "equal"  # 52.8 -> 55.5: +2.7 inside the band
    report = admin.get(f"/programma/{ROTTERDAM_ZUID}/rapport.html").text
    text = html.unescape(" ".join(re.sub(r"<[^>]+>", " ", report).split()))
    assert (
        text.count("beter dan vergelijkbare wijken") == 1
        and text.count("gelijk aan vergelijkbare wijken") == 1
    )
    bands = re.findall(
        r"verandering hier ([+-]\d+,\d); in 10 vergelijkbare wijken buiten programma's: ", text
    )
    assert sorted(bands) == ["+2,7", "-16,5"]
