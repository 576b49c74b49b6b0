"""The Cognito rules the emulator is patched to follow (tools/moto_patches.py), against moto in process:
an app client writes only its WriteAttributes, a user never sets a verification flag, a changed email waits for
verification when the pool says so (and is unverified otherwise), and ID tokens carry email_verified."""

from __future__ import annotations

import contextlib
from typing import Any

import boto3
import jwt
import pytest

from tools import provision

ALICE = "alice.patch@example.org"


@pytest.fixture()
def idp(aws: provision.Identity) -> Any:
    client = boto3.client("cognito-idp", region_name="eu-west-2")
    with contextlib.suppress(client.exceptions.UsernameExistsException):
        provision.add_user(client, aws.user_pool_id, ALICE, "E09000033", ["la-social-worker"])
    return client


def claims(idp: Any, aws: provision.Identity, email: str = ALICE) -> dict[str, Any]:
    token = provision.sign_in(idp, aws.client_id, email)
    return dict(jwt.decode(token, options={"verify_signature": False}))


def access_token(idp: Any, aws: provision.Identity, email: str = ALICE) -> str:
    return provision.sign_in(idp, aws.client_id, email, "AccessToken")


def attributes(idp: Any, aws: provision.Identity, email: str = ALICE) -> dict[str, str]:
    user = idp.admin_get_user(UserPoolId=aws.user_pool_id, Username=email)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def test_id_tokens_carry_email_verified_as_a_boolean(idp: Any, aws: provision.Identity) -> None:
    assert claims(idp, aws)["email_verified"] is True


def test_an_app_client_cannot_write_the_organisation(idp: Any, aws: provision.Identity) -> None:
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        idp.update_user_attributes(AccessToken=access_token(idp, aws),
                                   UserAttributes=[{"Name": "custom:org", "Value": "E09000001"}])
    assert attributes(idp, aws)["custom:org"] == "E09000033"
    assert claims(idp, aws)["custom:org"] == "E09000033"


def test_a_user_cannot_mark_their_own_address_verified(idp: Any, aws: provision.Identity) -> None:
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        idp.update_user_attributes(AccessToken=access_token(idp, aws),
                                   UserAttributes=[{"Name": "email_verified", "Value": "true"}])


def test_a_new_email_waits_for_verification_and_tokens_keep_the_old_one(idp: Any, aws: provision.Identity) -> None:
    idp.update_user_attributes(AccessToken=access_token(idp, aws),
                               UserAttributes=[{"Name": "email", "Value": "victim@example.org"}])
    assert attributes(idp, aws)["email"] == ALICE
    after = claims(idp, aws)
    assert after["email"] == ALICE and after["email_verified"] is True


def test_without_the_pool_setting_a_changed_email_is_unverified(aws: provision.Identity) -> None:
    idp = boto3.client("cognito-idp", region_name="eu-west-2")
    pool = idp.create_user_pool(PoolName="no-verification-rule", UsernameAttributes=["email"],
                                Schema=[{"Name": "org", "AttributeDataType": "String", "Mutable": True}])
    pool_id = pool["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="c", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
        ReadAttributes=["email", "email_verified"], WriteAttributes=["email"])["UserPoolClient"]["ClientId"]
    provision.add_user(idp, pool_id, "bob.patch@example.org", None, [])
    token = provision.sign_in(idp, client_id, "bob.patch@example.org", "AccessToken")
    idp.update_user_attributes(AccessToken=token, UserAttributes=[{"Name": "email", "Value": "bob2@example.org"}])
    # The address is the sign-in name, so the user is found by the new one.
    user = {a["Name"]: a["Value"] for a in idp.admin_get_user(UserPoolId=pool_id,
                                                              Username="bob2@example.org")["UserAttributes"]}
    assert user["email"] == "bob2@example.org" and user["email_verified"] == "false"


def test_administrators_still_set_the_organisation(idp: Any, aws: provision.Identity) -> None:
    idp.admin_update_user_attributes(UserPoolId=aws.user_pool_id, Username=ALICE,
                                     UserAttributes=[{"Name": "custom:org", "Value": "E09000001"}])
    try:
        assert claims(idp, aws)["custom:org"] == "E09000001"
    finally:
        idp.admin_update_user_attributes(UserPoolId=aws.user_pool_id, Username=ALICE,
                                         UserAttributes=[{"Name": "custom:org", "Value": "E09000033"}])
