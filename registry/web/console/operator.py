"""`/console/operator`: the company's identity, set by an ADMIN (others read it)."""

from __future__ import annotations

import base64

from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from registry.domain.errors import RegistryError, ValidationError
from registry.domain.fields import Kind
from registry.domain.operator import LOGO_MAX_BYTES, OPERATOR_FIELDS, Operator
from registry.services import operator as operators
from registry.web.console import declared, forms
from registry.web.console.session import Page, errors_of, staff_page

TEXT_FIELDS = tuple(f for f in OPERATOR_FIELDS if f.kind is not Kind.IMAGE)
"""Typed into the form; the logo is uploaded as a file instead."""
LOGO_TYPES = ("image/png", "image/jpeg", "image/webp")


async def _logo(page: Page) -> dict[str, object]:
    """The logo the form asks for: a new upload, removal, or nothing (kept)."""
    if forms.checked(page.field("removeLogo")):
        return {"logo": None}
    upload = page.form.get("logo") if page.form is not None else None
    if not isinstance(upload, UploadFile) or not upload.filename:
        return {}
    content = await upload.read(LOGO_MAX_BYTES + 1)
    kind = upload.content_type or ""
    if kind not in LOGO_TYPES:
        raise ValidationError("logo", "the logo must be a PNG, JPEG or WebP image")
    if len(content) > LOGO_MAX_BYTES:
        raise ValidationError("logo", f"the logo is larger than {LOGO_MAX_BYTES // 1024} KiB")
    return {"logo": f"data:{kind};base64,{base64.b64encode(content).decode()}"}


@staff_page
async def identity(page: Page) -> Response:
    """`GET/POST /console/operator`."""
    deps, caller = page.deps, page.caller
    current = await operators.identity(deps)

    async def call() -> Operator:
        given = {**declared.posted(page, TEXT_FIELDS), **await _logo(page)}
        return await operators.update(deps, caller, given, forms.optional(page.field("reason")))

    context = {
        "operator": current,
        "may_edit": operators.may_edit(caller),
        "history": await operators.history(deps, caller),
        "logo_kib": LOGO_MAX_BYTES // 1024,
        "saved": page.request.query_params.get("done") == "saved",
        **declared.form_context(TEXT_FIELDS),
    }
    if page.form is None:
        values = declared.values_of(TEXT_FIELDS, current)
        return page.render("operator.html", values=values, errors={}, **context)
    try:
        await page.act("updateOperator", call, target=operators.RECORD_ID)
    except RegistryError as exc:
        await page.form.close()  # the uploaded logo's spooled file
        values = page.submitted()
        return page.render("operator.html", 400, values=values, errors=errors_of(exc), **context)
    await page.form.close()
    return RedirectResponse("/console/operator?done=saved", status_code=303)
