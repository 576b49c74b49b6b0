"""Link keys kept in AWS (LINK_SIGNING_SECRET): read from Secrets Manager or Parameter Store through the shared
session, rotated by putting a new key first, re-read after STORE_TTL_SECONDS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.core import links
from chalicelib.core.settings import reset_settings

OLD, NEW = "o" * 40, "n" * 40


@pytest.fixture()
def kept_in(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    def use(reference: str) -> None:
        monkeypatch.delenv("LINK_SIGNING_KEY", raising=False)
        monkeypatch.setenv("LINK_SIGNING_SECRET", reference)
        reset_settings()
        links._stored.clear()

    yield use
    monkeypatch.delenv("LINK_SIGNING_SECRET")
    monkeypatch.undo()
    reset_settings()
    links._stored.clear()


def test_keys_come_from_secrets_manager_and_rotate(kept_in: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    sm = boto3.client("secretsmanager", region_name="eu-west-2")
    sm.create_secret(Name="partnerships/test/link-keys", SecretString=OLD)
    kept_in("secretsmanager:partnerships/test/link-keys")
    before = links.make_token("test-purpose", {"x": 1})
    assert links.read_token(before, "test-purpose") == {"x": 1}

    sm.put_secret_value(SecretId="partnerships/test/link-keys", SecretString=f"{NEW},{OLD}")  # rotate: new first
    assert links._from_store("secretsmanager:partnerships/test/link-keys") == (OLD,)  # cached until the TTL
    monkeypatch.setattr(links, "STORE_TTL_SECONDS", 0.0)
    after = links.make_token("test-purpose", {"x": 2})
    assert links.read_token(before, "test-purpose") == {"x": 1}  # the old key still opens old links
    assert links.read_token(after, "test-purpose") == {"x": 2}

    sm.put_secret_value(SecretId="partnerships/test/link-keys", SecretString=NEW)  # the old key retired
    with pytest.raises(links.InvalidLink):
        links.read_token(before, "test-purpose")
    assert links.read_token(after, "test-purpose") == {"x": 2}


def test_keys_come_from_parameter_store(kept_in: Any) -> None:
    boto3.client("ssm", region_name="eu-west-2").put_parameter(Name="/partnerships/test/link-keys", Value=NEW,
                                                               Type="SecureString")
    kept_in("ssm:/partnerships/test/link-keys")
    assert links.read_token(links.make_token("p", {"y": 3}), "p") == {"y": 3}


def test_a_short_key_in_the_secret_is_refused(kept_in: Any) -> None:
    boto3.client("secretsmanager", region_name="eu-west-2").create_secret(Name="partnerships/test/short",
                                                                          SecretString="too-short")
    kept_in("secretsmanager:partnerships/test/short")
    with pytest.raises(RuntimeError, match="link signing keys"):
        links.make_token("p", {})
