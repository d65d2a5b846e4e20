"""Log lines are JSON with the request id of the request that wrote them."""

from __future__ import annotations

import json
import logging

from registry import logs


def test_json_line_with_request_id() -> None:
    formatter = logs.JsonLineFormatter()
    record = logging.LogRecord(
        "registry.api", logging.ERROR, __file__, 1, "failed %s", ("x",), None
    )
    token = logs.request_id.set("req-42")
    try:
        line = json.loads(formatter.format(record))
    finally:
        logs.request_id.reset(token)
    assert line["message"] == "failed x"
    assert line["level"] == "ERROR"
    assert line["request_id"] == "req-42"
    assert "request_id" not in json.loads(formatter.format(record))
