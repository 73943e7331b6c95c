"""An area's profile page as far as it is the same for every visitor: rendered once per area and language,
by a profile maker, and kept by the worker.

The page around it (the site's header and footer, the language switch) and the wijkwijzer section in the
middle, which reads the operational store and so can change between two requests, are rendered per request.
Rendering the whole page on every request cost a worker some 14 ms of CPU for a page asked before. The kept
content is held deflated (a wijk's is some 170 kB of HTML, 18 kB deflated), and sent as it is inside the
page's gzip (`compressed.spliced_gzip`).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from wijkzicht import codes
from wijkzicht.catalogue import load_catalogue
from wijkzicht.errors import NotFoundError
from wijkzicht.monitor import perception
from wijkzicht.monitor.areas import get_area
from wijkzicht.monitor.profile import Profile
from wijkzicht.web.compressed import GZIPPED, Deflated, spliced_gzip
from wijkzicht.web.deps import WarehouseCache, makers_cache
from wijkzicht.web.monitor.factsheet import profile_sources
from wijkzicht.web.monitor.profile_charts import profile_charts
from wijkzicht.web.render import fragment, template_environment

# Where the page's frame (gebied.html) has the kept content. Rendered content cannot hold them: a "<" in
# it is escaped.
TOP = "<!--profile-top-->"
REST = "<!--profile-rest-->"
TEMPLATES = ("_profile_top.html", "_profile_rest.html")  # the content above and below the section


@dataclass(frozen=True)
class ProfileContent:
    """The profile and its page's content above and below the wijkwijzer section, as UTF-8."""

    profile: Profile
    top: Deflated
    rest: Deflated

    @classmethod
    def render(cls, profile: Profile, language: str, wijk_name: str | None) -> ProfileContent:
        context = _profile_context(profile, language, wijk_name)
        top, rest = (Deflated.of(fragment(name, language, **context).encode()) for name in TEMPLATES)
        return cls(profile, top, rest)

    @staticmethod
    def places() -> dict[str, Markup]:
        """The frame's `profile_top` and `profile_rest`: where `answer` puts the content."""
        return {"profile_top": Markup(TOP), "profile_rest": Markup(REST)}

    def answer(self, frame: Response, gzipped: bool) -> Response:
        """The page: `frame` (rendered with `places`) with the content in its places, gzipped when the
        client takes it."""
        head, rest = bytes(frame.body).split(TOP.encode(), 1)
        middle, tail = rest.split(REST.encode(), 1)
        if gzipped:
            body = spliced_gzip([head, self.top, middle, self.rest, tail])
            return HTMLResponse(body, frame.status_code, headers=GZIPPED)
        # the plain answer passes the compression middleware, which says that it varies by Accept-Encoding
        body = b"".join([head, self.top.inflated(), middle, self.rest.inflated(), tail])
        return HTMLResponse(body, frame.status_code)


def prepare_maker() -> None:
    """For a new profile maker: this module imported (by finding this function) and the page's templates
    compiled, before its first page is asked for: some 0.2 s that the first pages after a start waited for."""
    environment = template_environment()
    for template in TEMPLATES:
        environment.get_template(template)


def made_profile_content(code: str, language: str) -> ProfileContent:
    """In a profile maker: a new profile and its content (the worker keeps both)."""
    cache = makers_cache()
    profile = cache.new_profile(code, language)
    return ProfileContent.render(profile, language, _wijk_name(cache, codes.wijk_of(profile.area.code)))


def _profile_context(profile: Profile, language: str, wijk_name: str | None) -> dict[str, object]:
    catalogue = load_catalogue()
    return {
        "profile": profile,
        "figure_domains": [d for d in catalogue.domains if any(f.domain == d for f in profile.figures)],
        "sources": profile_sources(profile),
        "perception": perception.side_by_side(profile),
        "local_tables": {table.id for table in catalogue.tables.values() if table.coverage == "local"},
        "wijk_code": codes.wijk_of(profile.area.code),  # a buurt's breadcrumb names its wijk
        "wijk_name": wijk_name,
        "charts": profile_charts(profile, language),
        "explained": {d.domain: d for d in profile.scores.domains} if profile.scores else {},
        "gemeente_explained": (
            {d.domain: d for d in profile.gemeente_scores.domains if d.score is not None}
            if profile.gemeente_scores
            else {}
        ),
    }


def _wijk_name(cache: WarehouseCache, wijk: str | None) -> str | None:
    """The name of a buurt's wijk for its breadcrumb (None when the warehouse does not know the wijk)."""
    if wijk is None:
        return None
    try:
        return cache(get_area, wijk).name
    except NotFoundError:
        return None
