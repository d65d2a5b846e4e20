import base64
import time

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from registry.delivery.signing import generate_secret, sign, signature_header, webhook_headers

# The published vector of the Standard Webhooks reference libraries (repository
# standard-webhooks/standard-webhooks, libraries/python/tests/test_webhooks.py,
# test_sign_function).
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

BODY = b'{"type":"change.announced","timestamp":"2026-01-05T09:00:00Z","data":{"id":"chg_1"}}'


@pytest.mark.parametrize(
    "secret",
    [SPEC_SECRET, SPEC_SECRET.removeprefix("whsec_")],
    ids=["with whsec_ prefix", "bare base64"],
)
def test_spec_test_vector(secret: str) -> None:
    assert sign(secret, SPEC_MSG_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE


def test_generated_secret_is_whsec_and_32_random_bytes() -> None:
    first, second = generate_secret(), generate_secret()
    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"), validate=True)) == 32
    assert first != second


def test_headers_verify_with_the_standardwebhooks_library() -> None:
    secret = generate_secret()
    headers = webhook_headers([secret], "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", int(time.time()), BODY)

    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature", "content-type"}
    assert headers["content-type"] == "application/json"
    assert Webhook(secret).verify(BODY, headers)["type"] == "change.announced"


def test_during_rotation_each_secret_alone_verifies() -> None:
    old, new = generate_secret(), generate_secret()
    headers = webhook_headers([new, old], "msg_rotation", int(time.time()), BODY)

    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old).verify(BODY, headers) is not None
    assert Webhook(new).verify(BODY, headers) is not None
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(BODY, headers)


def test_a_changed_body_does_not_verify() -> None:
    secret = generate_secret()
    headers = webhook_headers([secret], "msg_1", int(time.time()), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"chg_1", b"chg_2"), headers)


def test_signature_header_keeps_secret_order() -> None:
    a, b = generate_secret(), generate_secret()
    header = signature_header([a, b], "msg_1", 1, b"{}")
    assert header == f"{sign(a, 'msg_1', 1, b'{}')} {sign(b, 'msg_1', 1, b'{}')}"


@pytest.mark.parametrize("msg_id", ["", "msg.1"], ids=["empty id", "id with a dot"])
def test_ambiguous_message_ids_are_refused(msg_id: str) -> None:
    with pytest.raises(ValueError, match="msg_id"):
        sign(SPEC_SECRET, msg_id, SPEC_TIMESTAMP, SPEC_BODY)


@pytest.mark.parametrize("secret", ["whsec_not base64!", "whsec_"], ids=["garbage", "empty"])
def test_bad_secrets_are_refused_without_echoing_them(secret: str) -> None:
    with pytest.raises(ValueError, match="secret") as caught:
        sign(secret, SPEC_MSG_ID, SPEC_TIMESTAMP, SPEC_BODY)
    assert "not base64!" not in str(caught.value)


def test_signing_needs_at_least_one_secret() -> None:
    with pytest.raises(ValueError, match="at least one secret"):
        signature_header([], SPEC_MSG_ID, SPEC_TIMESTAMP, SPEC_BODY)
