"""The web routes beside GraphQL: the public page, the change feeds and `/metrics`.

`create_app` adds `*web_routes()` to its routes and `MetricsMiddleware` (from
`registry.http.request_metrics`) to its middleware.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from registry.http.conditional import conditional
from registry.web import (
    diff_page,
    dora_export,
    exports,
    feeds,
    metrics,
    notice_page,
    public,
    subscriptions,
)


def web_routes() -> list[BaseRoute]:
    return [
        Route("/subprocessors", public.subprocessor_page, methods=["GET"]),
        Route("/subprocessors/diff.json", conditional(exports.list_diff), methods=["GET"]),
        Route("/subprocessors/diff", diff_page.diff_page, methods=["GET"]),
        Route("/changes.atom", conditional(feeds.atom_feed), methods=["GET"]),
        Route("/changes.ics", conditional(feeds.calendar), methods=["GET"]),
        Route("/metrics", metrics.metrics, methods=["GET"]),
        Route(
            "/customers/{customer_id:str}/dora-register.zip",
            dora_export.dora_register_zip,
            methods=["GET"],
        ),
        Route("/notices/{token:str}", notice_page.notice, methods=["GET"]),
        Route("/notices/{token:str}", notice_page.act, methods=["POST"]),
        Route("/notices/{token:str}/fresh-link", notice_page.fresh_link, methods=["POST"]),
        Route("/subscriptions", subscriptions.subscribe, methods=["POST"]),
        Route("/subscriptions/confirm", subscriptions.confirm_page, methods=["GET"]),
        Route("/subscriptions/confirm", subscriptions.confirm, methods=["POST"]),
        Route("/subscriptions/unsubscribe", subscriptions.unsubscribe_page, methods=["GET"]),
        Route("/subscriptions/unsubscribe", subscriptions.unsubscribe, methods=["POST"]),
    ]
