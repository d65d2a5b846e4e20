"""The staff console at `/console`: server-rendered pages over the same services as the API.

`create_app` adds `*console_routes()` to its routes.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from registry.web.console import (
    announce,
    assets,
    auth,
    corrections,
    customers,
    diff,
    dora,
    legal,
    objections,
    operator,
    overview,
    vendors,
)


def console_routes() -> list[BaseRoute]:
    return [
        Route("/console", overview.overview, methods=["GET"]),
        Route("/console/assets/{name:str}", assets.asset, methods=["GET"]),
        Route("/console/sign-in", auth.sign_in, methods=["GET", "POST"]),
        Route("/console/sign-in/provider", auth.start_provider_sign_in, methods=["GET"]),
        Route("/console/sign-in/callback", auth.provider_callback, methods=["GET"]),
        Route("/console/sign-out", auth.sign_out, methods=["POST"]),
        Route("/console/sign-out/provider", auth.sign_out_at_provider, methods=["GET"]),
        Route("/console/subprocessors", vendors.index, methods=["GET"]),
        Route("/console/subprocessors/new", vendors.create, methods=["GET", "POST"]),
        Route("/console/subprocessors/{id:str}", vendors.detail, methods=["GET"]),
        Route("/console/subprocessors/{id:str}/edit", vendors.edit, methods=["GET", "POST"]),
        Route(
            "/console/subprocessors/{id:str}/locations/new",
            vendors.add_location,
            methods=["GET", "POST"],
        ),
        Route(
            "/console/subprocessors/{id:str}/dpas/new", vendors.record_dpa, methods=["GET", "POST"]
        ),
        Route(
            "/console/subprocessors/{id:str}/transfer-bases/new",
            vendors.record_basis,
            methods=["GET", "POST"],
        ),
        Route(
            "/console/subprocessors/{id:str}/locations/{record:str}",
            corrections.location,
            methods=["GET", "POST"],
        ),
        Route(
            "/console/subprocessors/{id:str}/dpas/{record:str}",
            corrections.dpa,
            methods=["GET", "POST"],
        ),
        Route(
            "/console/subprocessors/{id:str}/transfer-bases/{record:str}",
            corrections.basis,
            methods=["GET", "POST"],
        ),
        Route(
            "/console/subprocessors/{id:str}/tias/new", legal.record_tia, methods=["GET", "POST"]
        ),
        Route("/console/diff", diff.diff, methods=["GET"]),
        Route("/console/legal", legal.watch, methods=["GET", "POST"]),
        Route("/console/legal/{id:str}", legal.report, methods=["GET"]),
        Route("/console/announce", announce.announce, methods=["GET", "POST"]),
        Route("/console/changes/{id:str}", announce.change_page, methods=["GET"]),
        Route(
            "/console/changes/{id:str}/notices.{fmt:str}", announce.proof_of_notice, methods=["GET"]
        ),
        Route("/console/changes/{id:str}/cancel", announce.cancel_confirm, methods=["GET"]),
        Route("/console/changes/{id:str}/cancel", announce.cancel, methods=["POST"]),
        Route("/console/objections", objections.inbox, methods=["GET"]),
        Route("/console/objections/{id:str}/resolve", objections.resolve, methods=["POST"]),
        Route("/console/customers", customers.index, methods=["GET"]),
        Route("/console/customers/{id:str}", customers.detail, methods=["GET"]),
        Route("/console/customers/{id:str}/note", customers.edit_note, methods=["POST"]),
        Route("/console/customers/{id:str}/language", customers.edit_language, methods=["POST"]),
        Route("/console/customers/{id:str}/dora-register.zip", dora.register_zip, methods=["GET"]),
        Route("/console/operator", operator.identity, methods=["GET", "POST"]),
    ]
