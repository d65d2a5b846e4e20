"""The README's API examples as data: each `gql '…'` call, `curl` body and `registry` command.

The README drives the API from the shell with a small `gql` helper (see "The API"). This
reads those shell blocks in order and turns each step into something a test can replay:

    CUS=$(gql 'mutation { … }' --arg sp "$SP" | jq -r .data.createCustomer.customer.id)
    KEY=$CKEY gql '{ notices { … } }'
    CKEY=$(.venv/bin/registry keys create --role CUSTOMER --customer "$CUS" --name acme | tail -n 1)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

README = Path(__file__).parents[2] / "README.md"

_SHELL_BLOCK = re.compile(r"^```(?:sh|bash)\n(.*?)^```", re.S | re.M)
_GQL = re.compile(r"(?:(?P<assign>\w+)=\$\()?(?:KEY=\$(?P<key>\w+) +)?\bgql '(?P<query>[^']*)'")
_ARG = re.compile(r'--arg (\w+) (?:"([^"]*)"|(\S+))')
_JQ = re.compile(r"jq -r '?(\.[\w.]+)'?")
_KEYS = re.compile(
    r"(?P<assign>\w+)=\$\(\.venv/bin/registry keys create --role (?P<role>\w+)"
    r'(?: --customer "\$(?P<customer>\w+)")? --name (?P<name>\S+)'
)
_CURL_BODY = re.compile(r"-d '(?P<body>\{.*?\})'\n(?:# (?P<expected>\{.*\}))?")


@dataclass(frozen=True)
class KeyStep:
    """`NAME=$(.venv/bin/registry keys create --role ROLE [--customer "$VAR"] --name N …)`."""

    assign: str
    role: str
    customer_var: str | None
    name: str


@dataclass(frozen=True)
class QueryStep:
    """One GraphQL request: the query, its string variables, whose key, what to capture."""

    query: str
    variables: dict[str, str] = field(default_factory=dict)
    key_var: str = "KEY"
    assign: str | None = None
    capture: tuple[str, ...] = ()
    expected: dict[str, object] | None = None
    line: int = 0

    def resolved_variables(self, env: dict[str, str]) -> dict[str, str]:
        """`"$SP"` becomes the value captured earlier; literals stay as they are."""
        out = {}
        for name, value in self.variables.items():
            if value.startswith("$"):
                out[name] = env[value[1:].strip("{}")]
            else:
                out[name] = value
        return out


Step = KeyStep | QueryStep


def _command_end(text: str, start: int) -> int:
    """Where the shell command running from `start` ends: a newline not after `|` or `\\`."""
    pos = start
    while True:
        nl = text.find("\n", pos)
        if nl == -1:
            return len(text)
        if not text[:nl].rstrip().endswith(("|", "\\")):
            return nl
        pos = nl + 1


def steps(readme: str) -> list[Step]:
    """Every GraphQL example and key creation in the README's shell blocks, in order."""
    found: list[tuple[int, Step]] = []
    for block in _SHELL_BLOCK.finditer(readme):
        text, offset = block.group(1), block.start(1)
        for m in _KEYS.finditer(text):
            found.append(
                (offset + m.start(), KeyStep(m["assign"], m["role"], m["customer"], m["name"]))
            )
        for m in _GQL.finditer(text):
            rest = text[m.end() : _command_end(text, m.end())]
            jq = _JQ.search(rest)
            variables = {a[0]: a[1] or a[2] for a in _ARG.findall(rest)}
            line = readme.count("\n", 0, offset + m.start()) + 1
            found.append(
                (
                    offset + m.start(),
                    QueryStep(
                        query=m["query"],
                        variables=variables,
                        key_var=m["key"] or "KEY",
                        assign=m["assign"],
                        capture=tuple(jq.group(1).strip(".").split(".")) if jq else (),
                        line=line,
                    ),
                )
            )
        for m in _CURL_BODY.finditer(text):
            if "/graphql" not in text[: m.start()].rsplit("curl", 1)[-1]:
                continue
            body = json.loads(m["body"])
            expected = json.loads(m["expected"]) if m["expected"] else None
            line = readme.count("\n", 0, offset + m.start()) + 1
            found.append(
                (offset + m.start(), QueryStep(body["query"], expected=expected, line=line))
            )
    return [step for _, step in sorted(found, key=lambda pair: pair[0])]
