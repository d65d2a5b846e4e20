"""The console's few static files (its country picker's script), served by name.

Only the files listed here are served; no path is taken from the URL.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response

STATIC = Path(__file__).parent / "static"
FILES = {"country-picker.js": "text/javascript"}


async def asset(request: Request) -> Response:
    """`GET /console/assets/{name}`: one listed file, cached for a day; else 404."""
    name = request.path_params["name"]
    media_type = FILES.get(name)
    if media_type is None:
        return Response("not found", 404, media_type="text/plain")
    return FileResponse(
        STATIC / name, media_type=media_type, headers={"cache-control": "public, max-age=86400"}
    )
