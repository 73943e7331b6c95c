"""An API error's `detail` as one text to search: a 422's list of problems (FastAPI's shape, as the OpenAPI
document declares it) or another error's message."""

from __future__ import annotations

from httpx import Response


def detail_text(response: Response) -> str:
    detail = response.json()["detail"]
    if isinstance(detail, str):
        return detail
    return "; ".join(
        f"{' '.join(str(part) for part in problem['loc'])}: {problem['msg']}" for problem in detail
    )
