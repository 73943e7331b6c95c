"""The wijkwijzer section of an area's profile page: for its worst domains, the library's published
interventions and the published measures that the focus areas of similar areas run (the page is public)."""

from __future__ import annotations

import duckdb

from wijkzicht.monitor.profile import Profile
from wijkzicht.programmes.accounts import PUBLIC
from wijkzicht.programmes.database import OperationalDatabase
from wijkzicht.wijkwijzer import elsewhere, library
from wijkzicht.wijkwijzer.models import Intervention

PER_DOMAIN_ON_PROFILE = 3


def profile_section(
    store: OperationalDatabase,
    con: duckdb.DuckDBPyConnection,
    profile: Profile,
    carry: elsewhere.Carrier | None = None,
) -> dict[str, object]:
    """The template context of the section (`per_domain`, `elsewhere`); empty without worst domains. A server
    passes `carry` with a cache (see `elsewhere.measures_of_similar_areas`)."""
    worst = profile.scores.worst_domains if profile.scores else []
    if not worst:
        return {"per_domain": {}, "elsewhere": None}
    with store.reading() as session:
        return {
            "per_domain": _interventions_per_domain(library.find(session, PUBLIC, domains=worst), worst),
            "elsewhere": elsewhere.measures_of_similar_areas(session, con, PUBLIC, profile, worst, carry),
        }


def _interventions_per_domain(
    interventions: list[Intervention], domains: list[str]
) -> dict[str, list[Intervention]]:
    return {
        domain: [i for i in interventions if domain in i.domains][:PER_DOMAIN_ON_PROFILE]
        for domain in domains
    }
