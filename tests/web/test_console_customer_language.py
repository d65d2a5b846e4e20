"""Staff set a customer's language in the console: a select of the supported languages,
saved as updateCustomer (audited), refused beside the field when the tag is unknown."""

from __future__ import annotations

from registry.domain.models import Role
from registry.store import customers
from tests.conftest import Api
from tests.web.console_support import browser_like, sign_in, submit
from tests.web.support import Seeded


async def test_staff_choose_the_language_of_a_customers_notices(web: Api, seeded: Seeded) -> None:
    customer_id = seeded.customers["Globex"]
    path = f"/console/customers/{customer_id}"
    key = await web.key(Role.ADMIN, name="language admin")
    async with browser_like(web) as client:
        await sign_in(client, key)
        first = await client.get(path)
        assert 'id="customer-language">English (en)' in first.text
        assert '<option value="da">Dansk (da)</option>' in first.text

        saved = await submit(client, f"{path}/language", {"language": "da"}, form_path=path)
        assert saved.status_code == 303
        page = await client.get(saved.headers["location"])
        assert "Language saved" in page.text
        assert 'id="customer-language">Dansk (da)' in page.text
        stored = await web.deps.db[customers.NAME].find_one({"_id": customer_id})
        assert stored is not None
        assert stored["terms"]["language"] == "da"

        refused = await submit(client, f"{path}/language", {"language": "tlh"}, form_path=path)
        assert refused.status_code == 400
        beside = refused.text.split('id="f-language"')[1].split("</div>")[0]
        assert "en, de, fr, da" in beside
        assert await web.deps.db[customers.NAME].find_one({"_id": customer_id}) == stored
