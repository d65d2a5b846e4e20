"""The product and hosting-region catalogs, and the checks every scope passes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace

from registry.domain import validation as check
from registry.domain import versions
from registry.domain.errors import NotFound, PermissionDenied, ValidationError
from registry.domain.models import HostingRegion, Product, Scope
from registry.domain.versions import RecordKind, RecordVersion, VersionAction
from registry.services import edits, policy
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.policy import STAFF, require_role
from registry.store import changes, customers, hosting_regions, products, subprocessors
from registry.store.database import Conflict, Database
from registry.store.products import DuplicateCode

USERS_NAMED = 10
# Where vendors, customers and changes store a hosting region's code.
_REGION_FIELDS = ("scope_regions", "hosting_region", "scope.hosting_regions")


async def create_product(deps: Deps, caller: Caller, *, code: str, name: str) -> Product:
    require_role(caller, *STAFF)
    product = Product(
        code=check.code(code, "code"),
        name=check.text(name, "name", max_length=200),
        created_at=deps.clock.now(),
    )
    try:
        await products.insert(deps.db, product)
    except DuplicateCode:
        raise ValidationError("code", f"a product with code {code!r} exists") from None
    return product


async def create_hosting_region(
    deps: Deps, caller: Caller, *, code: str, name: str, countries: Sequence[str] | None = None
) -> HostingRegion:
    require_role(caller, *STAFF)
    region = HostingRegion(
        code=check.code(code, "code"),
        name=check.text(name, "name", max_length=200),
        countries=tuple(dict.fromkeys(check.country(c, "countries") for c in countries or ())),
        created_at=deps.clock.now(),
    )
    try:
        await hosting_regions.insert(deps.db, region)
    except DuplicateCode:
        raise ValidationError("code", f"a hosting region with code {code!r} exists") from None
    return region


def _readable(deps: Deps, caller: Caller) -> bool:
    """The catalogs are public exactly when the subprocessor list is."""
    return policy.may_read_public_list(caller, deps.settings.public_read)


async def list_products(deps: Deps, caller: Caller) -> list[Product]:
    if not _readable(deps, caller):
        raise PermissionDenied("the catalogs need a key on this server")
    return await products.all_products(deps.db)


async def list_hosting_regions(deps: Deps, caller: Caller) -> list[HostingRegion]:
    if not _readable(deps, caller):
        raise PermissionDenied("the catalogs need a key on this server")
    return await hosting_regions.all_regions(deps.db)


async def products_by_code(
    deps: Deps, caller: Caller, codes: Sequence[str]
) -> list[Product | None]:
    """Products in key order (for loaders); none for a caller the catalogs are closed to."""
    if not _readable(deps, caller):
        return [None] * len(codes)
    return await products.get_many(deps.db, codes)


async def hosting_regions_by_code(
    deps: Deps, caller: Caller, codes: Sequence[str]
) -> list[HostingRegion | None]:
    """Hosting regions in key order (for loaders); none when the catalogs are closed."""
    if not _readable(deps, caller):
        return [None] * len(codes)
    return await hosting_regions.get_many(deps.db, codes)


_Lookup = Callable[[Database, Sequence[str]], Awaitable[Sequence[object | None]]]


async def _checked_codes(
    deps: Deps, get_many: _Lookup, noun: str, codes: Sequence[str], field: str
) -> tuple[str, ...]:
    """Codes of existing catalog entries, sorted and without repeats; unknown ones are refused."""
    wanted = sorted({check.code(c, field) for c in codes})
    found = await get_many(deps.db, wanted)
    unknown = [c for c, entry in zip(wanted, found, strict=True) if entry is None]
    if unknown:
        raise ValidationError(field, f"no {noun} with code {', '.join(map(repr, unknown))}")
    return tuple(wanted)


async def checked_products(deps: Deps, codes: Sequence[str], field: str) -> tuple[str, ...]:
    return await _checked_codes(deps, products.get_many, "product", codes, field)


async def checked_regions(deps: Deps, codes: Sequence[str], field: str) -> tuple[str, ...]:
    return await _checked_codes(deps, hosting_regions.get_many, "hosting region", codes, field)


async def checked_region(deps: Deps, code: str | None, field: str) -> str | None:
    if code is None:
        return None
    return (await checked_regions(deps, [code], field))[0]


async def checked_scope(deps: Deps, codes: Scope, field: str = "scope") -> Scope:
    """The scope asked for, each code checked against its catalog."""
    return Scope(
        products=await checked_products(deps, codes.products, f"{field}.products"),
        hosting_regions=await checked_regions(
            deps, codes.hosting_regions, f"{field}.hostingRegions"
        ),
    )


async def remove_product(deps: Deps, caller: Caller, code: str) -> Product:
    """Only an unused product can go: scopes naming it would silently mean something else."""
    require_role(caller, *STAFF)
    found = (await products.get_many(deps.db, [code]))[0]
    if found is None:
        raise ValidationError("code", f"no product with code {code!r}")
    await _refuse_if_used(deps, "product", code, ("scope_products", "products", "scope.products"))
    await products.delete(deps.db, code)
    return found


async def remove_hosting_region(deps: Deps, caller: Caller, code: str) -> HostingRegion:
    require_role(caller, *STAFF)
    found = (await hosting_regions.get_many(deps.db, [code]))[0]
    if found is None:
        raise ValidationError("code", f"no hosting region with code {code!r}")
    await _refuse_if_used(deps, "hosting region", code, _REGION_FIELDS)
    await hosting_regions.delete(deps.db, code)
    return found


async def _refuse_if_used(deps: Deps, what: str, code: str, fields: tuple[str, str, str]) -> None:
    """Name (up to USERS_NAMED of each) the vendors, customers and changes using `code`.

    `fields` are where each of those three stores the code.
    """
    vendor_field, customer_field, change_field = fields
    vendors = await subprocessors.using_scope_code(deps.db, vendor_field, code, USERS_NAMED)
    tenants = await customers.using_scope_code(deps.db, customer_field, code, USERS_NAMED)
    announced = await changes.using_scope_code(deps.db, change_field, code, USERS_NAMED)
    users = [
        *(f"subprocessor {n}" for n in vendors),
        *(f"customer {n}" for n in tenants),
        *(f"change {i}" for i in announced),
    ]
    if users:
        raise ValidationError("code", f"{what} {code!r} is still used by {', '.join(users)}")


# Corrections (domain/versions.py): a name fixed, a region's countries narrowed.


def _version(
    deps: Deps,
    caller: Caller,
    code: str,
    kind: RecordKind,
    reason: str | None,
    before: Mapping[str, object],
    after: Mapping[str, object],
) -> RecordVersion:
    changes = versions.field_changes(before, after)
    if not changes:
        raise ValidationError("input", f"the correction changes nothing on {code}")
    return RecordVersion(
        record_id=code,
        kind=kind,
        action=VersionAction.CORRECTED,
        at=deps.clock.now(),
        reason=versions.reason(reason),
        changes=changes,
        key_id=caller.key_id,
        role=caller.role.value if caller.role else None,
        person=caller.person,
    )


async def correct_product(
    deps: Deps, caller: Caller, code: str, name: str, reason: str | None
) -> tuple[Product, RecordVersion]:
    """A product's name fixed; its code, which scopes name, stays."""
    require_role(caller, *STAFF)
    found = (await products.get_many(deps.db, [code]))[0]
    if found is None:
        raise NotFound(f"no product with code {code!r}")
    after = replace(found, name=check.text(name, "name", max_length=200))
    version = _version(
        deps, caller, code, RecordKind.PRODUCT, reason, {"name": found.name}, {"name": after.name}
    )
    written = await products.correct(deps.db, found, after, version)
    if isinstance(written, Conflict):
        raise edits.conflict(code, written)
    return written, version


async def correct_hosting_region(
    deps: Deps,
    caller: Caller,
    code: str,
    name: str | None,
    countries: Sequence[str] | None,
    reason: str | None,
) -> tuple[HostingRegion, RecordVersion]:
    """A region's name fixed or its countries narrowed; a country added to a region in
    use would widen where customers' data may be hosted: refused."""
    require_role(caller, *STAFF)
    found = (await hosting_regions.get_many(deps.db, [code]))[0]
    if found is None:
        raise NotFound(f"no hosting region with code {code!r}")
    after = replace(
        found,
        name=found.name if name is None else check.text(name, "name", max_length=200),
        countries=(
            found.countries
            if countries is None
            else tuple(dict.fromkeys(check.country(c, "countries") for c in countries))
        ),
    )
    added = sorted(set(after.countries) - set(found.countries))
    if added:
        try:
            await _refuse_if_used(deps, "hosting region", code, _REGION_FIELDS)
        except ValidationError as used:
            raise ValidationError(
                "countries",
                f"adding {', '.join(added)} widens a region in use ({used.message}): create "
                "a new region and announce its vendors' scope as a change",
            ) from None
    fields = ("name", "countries")
    version = _version(
        deps,
        caller,
        code,
        RecordKind.HOSTING_REGION,
        reason,
        {f: getattr(found, f) for f in fields},
        {f: getattr(after, f) for f in fields},
    )
    written = await hosting_regions.correct(deps.db, found, after, version)
    if isinstance(written, Conflict):
        raise edits.conflict(code, written)
    return written, version


async def history(deps: Deps, caller: Caller, kind: RecordKind, code: str) -> list[RecordVersion]:
    """A catalog entry's corrections, newest first, for whoever may read the catalogs."""
    if not _readable(deps, caller):
        return []
    store = products if kind is RecordKind.PRODUCT else hosting_regions
    found = list(reversed(await store.versions_of(deps.db, code)))
    return policy.readable_versions(caller, found)
