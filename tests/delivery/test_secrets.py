import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.delivery.secrets import SecretBox, SecretDecryptionError

KEY = "dev-only registry key, long enough to be a real one 7c1f"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_round_trip_without_the_secret_in_the_ciphertext() -> None:
    box = SecretBox(KEY)
    stored = box.encrypt(SECRET)

    assert SECRET not in stored
    assert SECRET.removeprefix("whsec_") not in stored
    assert box.decrypt(stored) == SECRET


def test_each_encryption_is_fresh() -> None:
    box = SecretBox(KEY)
    assert box.encrypt(SECRET) != box.encrypt(SECRET)


def test_another_key_cannot_decrypt() -> None:
    stored = SecretBox(KEY).encrypt(SECRET)
    with pytest.raises(SecretDecryptionError) as caught:
        SecretBox("some other key").decrypt(stored)
    assert SECRET not in str(caught.value)


def test_damaged_ciphertext_is_a_decryption_error() -> None:
    with pytest.raises(SecretDecryptionError):
        SecretBox(KEY).decrypt("not-a-fernet-token")


def test_previous_keys_still_decrypt_after_rotation() -> None:
    stored = SecretBox("old key").encrypt(SECRET)
    rotated = SecretBox("new key", previous_keys=["old key"])

    assert rotated.decrypt(stored) == SECRET
    with pytest.raises(SecretDecryptionError):
        SecretBox("old key").decrypt(rotated.encrypt(SECRET))  # new rows use the new key


def test_an_empty_key_is_refused() -> None:
    with pytest.raises(ValueError, match="REGISTRY_SECRET_KEY"):
        SecretBox("")


@given(st.text())
def test_any_text_round_trips(plaintext: str) -> None:
    box = SecretBox(KEY)
    assert box.decrypt(box.encrypt(plaintext)) == plaintext
