"""What each person in a journey sees: the page's text as a browser without JavaScript
gets it, the e-mails in the SMTP sink, the outbox's webhook bodies, a customer's list
through its own key, and the public list."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlparse

import orjson

from registry.scheduler.jobs import JOBS
from registry.scheduler.loop import Scheduler
from registry.store import change_payloads, events
from tests.conftest import Api
from tests.mail import MailServer

DAY_ONE = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
"""Where every journey's clock starts (a Monday)."""
LIST = """query($asOf: DateTime) {
  subprocessors(asOf: $asOf) { edges { node { legalName } } }
}"""


class _Text(HTMLParser):
    """The page's text as a reader sees it, and the text of one element by id."""

    def __init__(self, wanted: str) -> None:
        super().__init__()
        self.wanted, self.depth = wanted, 0
        self.found: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.wanted:
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        if self.depth:
            self.found.append(data)


def by_id(html: str, element_id: str) -> str:
    parser = _Text(element_id)
    parser.feed(html)
    return " ".join(" ".join(parser.found).split())


def page_text(html: str) -> str:
    parser = _Text("")
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@dataclass
class Person:
    name: str
    address: str
    customer_id: str
    key: str


async def drain(api: Api) -> None:
    await Scheduler(api.deps, JOBS, worker_id="journey").run_until_idle()


def subjects(mail: MailServer, address: str) -> list[str]:
    """Subjects as a mail client shows them (a long one is folded: runs of spaces, which
    unfolding an encoded word can leave, read as one)."""
    return [" ".join(str(m["subject"]).split()) for m in mail.messages if address in str(m["to"])]


def link_in(mail: MailServer, address: str) -> str:
    for message in reversed(mail.messages):
        if address in str(message["to"]):
            body = message.get_body(("plain",))
            assert body is not None
            found = re.search(r"https?://\S+/notices/\S+", body.get_content())
            if found:
                return urlparse(found.group(0)).path
    raise AssertionError(f"no notice link sent to {address}")


async def status_line(api: Api, mail: MailServer, person: Person) -> str:
    """The notice page's status line, as a browser without JavaScript shows it."""
    answer = await api.http.get(link_in(mail, person.address))
    assert answer.status_code == 200
    return by_id(answer.text, "notice-status")


async def own_list(api: Api, person: Person) -> set[str]:
    data = await api.gql(LIST, {}, person.key)
    return {e["node"]["legalName"] for e in data["subprocessors"]["edges"]}


async def public_row(api: Api, vendor: str) -> str | None:
    answer = await api.http.get("/subprocessors")
    assert answer.status_code == 200
    text = by_id(answer.text, "subprocessors")  # the list, not the change history
    if vendor not in text:
        return None
    found = re.search(
        rf"{vendor}(?: Being replaced still used for some customers[^.]*?\d{{4}})?", text
    )
    assert found is not None
    return found.group(0)


async def webhook_bodies(api: Api, change_id: str, type: str) -> dict[str, dict[str, Any]]:
    """The outbox's bodies of one event type for a change, by customer: what each
    customer's webhook receives (signed and sent by the delivery worker)."""
    found = api.deps.db[events.NAME].find({"type": type, "change_id": change_id})
    bodies: dict[str, dict[str, Any]] = {}
    async for event in found:
        ref = events.payload_ref(event)
        if ref is not None:  # the change part, stored once for every customer
            shared = await api.deps.db[change_payloads.NAME].find_one({"_id": ref})
            assert shared is not None, ref
            event = events.with_payload(event, orjson.loads(shared["text"]))
        bodies[event["customer_id"]] = event
    return bodies


def bodies_to(mail: MailServer, address: str) -> list[str]:
    """The plain text of every message sent to the address, oldest first."""
    found = []
    for message in mail.messages:
        if address in str(message["to"]):
            body = message.get_body(("plain",))
            assert body is not None
            found.append(body.get_content())
    return found
