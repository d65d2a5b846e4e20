"""GraphiQL at GET /graphql, with its scripts and styles served by us, not by a CDN.

The page works offline, behind a strict firewall and under a `script-src 'self'` policy.
The assets (GraphiQL, React, MIT-licensed) come from the `graphene-django-graphiql-static`
wheel, which is only a carrier for them: nothing of it is imported, so Django is not needed.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response

ASSET_PATH = "/graphql/assets"
ASSETS = {
    "graphiql.min.css": "text/css",
    "react.production.min.js": "text/javascript",
    "react-dom.production.min.js": "text/javascript",
    "graphiql.min.js": "text/javascript",
}


def asset_dir() -> Path:
    spec = importlib.util.find_spec("graphene_django_graphiql_static")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("graphene-django-graphiql-static is not installed")
    package = Path(next(iter(spec.submodule_search_locations)))
    return package / "static" / "graphene_django_graphiql_static"


PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Subprocessor registry · GraphiQL</title>
  <link rel="icon" href="data:,">
  <style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
  <link rel="stylesheet" href="{ASSET_PATH}/graphiql.min.css">
  <script src="{ASSET_PATH}/react.production.min.js"></script>
  <script src="{ASSET_PATH}/react-dom.production.min.js"></script>
  <script src="{ASSET_PATH}/graphiql.min.js"></script>
</head>
<body>
  <div id="graphiql">Loading…</div>
  <script>
    // Requests go to this server; add `{{"Authorization": "Bearer rk_…"}}` under Headers.
    const fetcher = GraphiQL.createFetcher({{ url: "/graphql" }});
    ReactDOM.render(
      React.createElement(GraphiQL, {{
        fetcher,
        defaultEditorToolsVisibility: "headers",
        defaultQuery: "{{ viewer {{ role }} }}\\n",
      }}),
      document.getElementById("graphiql"),
    );
  </script>
</body>
</html>
"""


async def asset(request: Request) -> Response:
    """One of the four GraphiQL files; anything else is 404 (no path is taken from the URL)."""
    name = request.path_params["name"]
    media_type = ASSETS.get(name)
    if media_type is None:
        return Response("not found", 404, media_type="text/plain")
    return FileResponse(
        asset_dir() / name,
        media_type=media_type,
        headers={"cache-control": "public, max-age=86400"},
    )
