"""GraphiQL at GET /graphql, with its scripts and styles served by us, not by a CDN.

The page works offline, behind a strict firewall and under a `script-src 'self'` policy.
The assets (GraphiQL, React, MIT-licensed) come from the `graphene-django-graphiql-static`
wheel, which is only a carrier for them: nothing of it is imported, so Django is not needed.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from registry.api.graphiql_examples import EXAMPLES

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


def _tabs() -> str:
    """The example tabs as JSON for a <script> (no `</` to end the script early)."""
    tabs = [{"query": e.query, "variables": e.variables, "headers": ""} for e in EXAMPLES]
    return json.dumps(tabs).replace("</", "<\\/")


PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Subprocessor registry · GraphQL API</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="{ASSET_PATH}/graphiql.min.css">
  <style>
    html, body {{ height: 100%; margin: 0; }}
    body {{ display: flex; flex-direction: column; font: 15px/1.45 system-ui, sans-serif; }}
    .intro {{ padding: .5rem 1rem; background: #f3f5f8; color: #1b1f24;
      border-bottom: 1px solid #c9d1d9; }}
    .intro h1 {{ font-size: 1.05rem; margin: 0 0 .2rem; }}
    .intro p {{ margin: 0; max-width: 72rem; }}
    .intro code {{ background: #fff; border: 1px solid #c9d1d9; border-radius: 3px;
      padding: 0 .25rem; overflow-wrap: anywhere; }}
    #graphiql {{ flex: 1; min-height: 0; }}
    /* GraphiQL's light colours, darkened to a 4.5:1 contrast on its backgrounds. */
    body .graphiql-container, body .CodeMirror-info, body .CodeMirror-lint-tooltip,
    body reach-portal {{
      --color-primary: 320, 95%, 36%; --color-secondary: 242, 51%, 48%;
      --color-tertiary: 188, 100%, 24%; --color-info: 208, 100%, 34%;
      --color-success: 158, 60%, 26%; --color-warning: 36, 100%, 28%;
      --color-error: 13, 93%, 40%; --color-neutral: 219, 28%, 26%;
      --color-base: 219, 28%, 100%; --alpha-secondary: .92; --alpha-tertiary: .8;
    }}
  </style>
  <script src="{ASSET_PATH}/react.production.min.js"></script>
  <script src="{ASSET_PATH}/react-dom.production.min.js"></script>
  <script src="{ASSET_PATH}/graphiql.min.js"></script>
</head>
<body class="graphiql-light">
  <header class="intro">
    <h1>Subprocessor registry · GraphQL API</h1>
    <p id="auth-hint">Send your API key with each request: under <strong>Headers</strong>
    below the editor, write <code>{{"Authorization": "Bearer rk_…"}}</code>. Without a key
    only the public subprocessor list and transfer assessment answer. The tabs hold
    examples: {", ".join(e.title.lower() for e in EXAMPLES)}.</p>
  </header>
  <main id="graphiql">Loading…</main>
  <script>
    const fetcher = GraphiQL.createFetcher({{ url: "/graphql" }});
    ReactDOM.render(
      React.createElement(GraphiQL, {{
        fetcher,
        defaultEditorToolsVisibility: "headers",
        defaultTabs: {_tabs()},
      }}),
      document.getElementById("graphiql"),
    );
    // What GraphiQL 2 leaves out for assistive technology, put in after each render:
    // names for CodeMirror's text fields; the tab bar as a toolbar of buttons (its tabs
    // hold a close button, which a role="tab" may not); scrolling editors reachable by
    // keyboard.
    const root = document.getElementById("graphiql");
    const set = (element, name, value) => {{
      if (value === null) {{
        if (element.hasAttribute(name)) element.removeAttribute(name);
      }} else if (element.getAttribute(name) !== value) {{
        element.setAttribute(name, value);
      }}
    }};
    const tidy = () => {{
      for (const field of root.querySelectorAll("textarea")) {{
        const tool = field.closest(".graphiql-editor-tool");
        const tools = tool ? [...tool.querySelectorAll("textarea")] : [];
        const name = field.closest(".graphiql-query-editor") ? "Operation (GraphQL)"
          : field.closest(".graphiql-response") ? "Response"
          : tool ? ["Variables (JSON)", "Headers (JSON)"][tools.indexOf(field)] || "Editor"
          : "Editor";
        set(field, "aria-label", name);
      }}
      for (const bar of root.querySelectorAll(".graphiql-tabs")) {{
        set(bar, "role", "toolbar");
        set(bar, "aria-label", "Example operations");
      }}
      for (const tab of root.querySelectorAll(".graphiql-tab")) {{
        set(tab, "role", null);
        set(tab, "aria-selected", null);
        const button = tab.querySelector(".graphiql-tab-button");
        const active = tab.classList.contains("graphiql-tab-active");
        if (button) set(button, "aria-current", active ? "true" : null);
      }}
      for (const scroll of root.querySelectorAll(".CodeMirror-scroll")) {{
        set(scroll, "tabindex", "0");
      }}
    }};
    new MutationObserver(tidy).observe(root, {{
      childList: true, subtree: true, attributes: true,
      attributeFilter: ["role", "aria-selected", "class"],
    }});
    tidy();
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
