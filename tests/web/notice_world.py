"""A registry with three customers told of one change by e-mail, through a real SMTP
server: the notice page, proof-of-notice and browser tests start from here."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from registry.clock import FrozenClock
from registry.domain.models import Role
from registry.store import ids
from tests.conftest import START, Api, make_settings, running_api
from tests.mail import MailServer

CUSTOMER = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { ... on CustomerCreated { customer { id } } }
}"""
SUB = """
mutation($input: CreateSubprocessorInput!) {
  createSubprocessor(input: $input) { ... on SubprocessorCreated { subprocessor { id } } }
}"""
LOCATION = """
mutation($id: ID!, $input: ProcessingLocationInput!) {
  addProcessingLocation(subprocessorId: $id, input: $input) { __typename }
}"""
BASIS = """
mutation($id: ID!, $input: TransferBasisInput!) {
  recordTransferBasis(subprocessorId: $id, input: $input) { __typename }
}"""
ANNOUNCE = """
mutation($input: AnnounceChangeInput!) {
  announceChange(input: $input) { __typename ... on ChangeAnnounced { change { id } } }
}"""
NOTICE_EVIDENCE = """
query($id: ID!) { change(id: $id) { notices(first: 10) { edges { node {
  customer { id } deliveredAt channels viewedAt acknowledgedAt objectionFiledBy } } } } }"""
OBJECTIONS = """
query($id: ID!) { change(id: $id) { objections { reason status customer { id } } } }"""
LINK = re.compile(r"https?://\S+/notices/\S+")


ADDRESSES = ("privacy@acme.test", "privacy@bolt.test", "privacy@cora.test")


@dataclass
class Told:
    """One change and the messages that told each customer of it."""

    change_id: str
    messages: list[EmailMessage]

    def message_to(self, address: str) -> EmailMessage:
        return next(m for m in self.messages if m["To"] == address)

    def link_for(self, address: str) -> str:
        plain = self.message_to(address).get_body(preferencelist=("plain",))
        assert plain is not None
        found = LINK.search(plain.get_content())
        assert found is not None
        return found.group(0)


@dataclass
class World:
    """The customers, and the first change they were told of (`change_id`, `link_for`)."""

    api: Api
    mail: MailServer
    admin: str
    change_id: str
    customers: dict[str, str] = field(default_factory=dict)  # name -> id
    first: Told | None = None

    def link_for(self, address: str) -> str:
        assert self.first is not None
        return self.first.link_for(address)

    async def evidence(self, change_id: str | None = None) -> dict[str, dict[str, Any]]:
        variables = {"id": change_id or self.change_id}
        data = await self.api.gql(NOTICE_EVIDENCE, variables, self.admin)
        edges = data["change"]["notices"]["edges"]
        return {e["node"]["customer"]["id"]: e["node"] for e in edges}

    async def announce(self, *addresses: str) -> Told:
        """A new vendor (Postmark again) announced now, and its message to each of
        `addresses` (the three customers' unless told)."""
        admin, api = self.admin, self.api
        data = await api.gql(SUB, {"input": POSTMARK}, admin)
        sub = data["createSubprocessor"]["subprocessor"]["id"]
        for country, role in [("US", "PROCESSING"), ("IE", "STORAGE")]:
            where = {"country": country, "role": role}
            await api.gql(LOCATION, {"id": sub, "input": where}, admin)
        basis = {"mechanism": "SCC_2021", "destination": "US", "sccModule": 3}
        await api.gql(BASIS, {"id": sub, "input": basis}, admin)
        change = {"kind": "ADD", "subprocessorId": sub, "description": "Moves receipts to Postmark"}
        sent_before = len(self.mail.messages)
        data = await api.gql(ANNOUNCE, {"input": change}, admin)
        change_id = data["announceChange"]["change"]["id"]
        await api.scheduler.run_until_idle()

        def sent() -> list[EmailMessage]:
            """Notices of this change (other mail, e.g. an earlier objection's, aside)."""
            return [m for m in self.mail.messages[sent_before:] if notice_of(m) == change_id]

        wanted = set(addresses or ADDRESSES)
        await self.mail.wait_until(lambda: wanted <= {m["To"] for m in sent()})
        return Told(change_id, [m for m in sent() if m["To"] in wanted])


def notice_of(message: EmailMessage) -> str | None:
    """The change whose notice page the message links to, if it links to one."""
    plain = message.get_body(preferencelist=("plain",))
    found = LINK.search(plain.get_content()) if plain is not None else None
    if found is None:
        return None
    notice_id = urlsplit(found.group(0)).path.rsplit("/", 1)[1].split(".")[0]
    return ids.change_of_notice(notice_id)


POSTMARK = {
    "legalName": "Postmark",
    "purpose": "Transactional e-mail delivery",
    "dataCategories": ["e-mail address", "message content"],
    "website": "https://postmarkapp.com",
}


@contextlib.asynccontextmanager
async def notice_world(
    mongo_uri: str,
    db_name: str,
    *,
    public_url: str = "http://registry.test",
    clock: FrozenClock | None = None,
) -> AsyncIterator[World]:
    mail = MailServer()
    await mail.start()
    settings = make_settings(
        mongo_uri,
        db_name,
        smtp_url=mail.url,
        public_url=public_url,
        smtp_from="notices@registry.test",
    )
    try:
        async with running_api(settings, clock or FrozenClock(START)) as api:
            admin = await api.key(Role.ADMIN)
            world = World(api, mail, admin, "")
            for name, zone, period in [
                ("Acme GmbH", "Europe/Berlin", "P30D"),
                ("Bolt Ltd", "Europe/London", "P30D"),
                ("Cora Inc", "America/New_York", "P30D"),
            ]:
                slug = name.split()[0].lower()
                data = await api.gql(
                    CUSTOMER,
                    {
                        "input": {
                            "name": name,
                            "timeZone": zone,
                            "noticePeriod": period,
                            "noticeEmails": [f"privacy@{slug}.test"],
                        }
                    },
                    admin,
                )
                world.customers[name] = data["createCustomer"]["customer"]["id"]
            world.first = await world.announce()
            world.change_id = world.first.change_id
            yield world
    finally:
        await mail.stop()


def path_of(link: str) -> str:
    """A notice link's path, for the test client."""
    return urlsplit(link).path


def guard_of(page: str) -> str:
    """The form guard a notice page's forms carry."""
    found = re.search(r'name="guard" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)
