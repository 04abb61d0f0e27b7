"""Hand-checked outputs of the identity rules: the §3.5 reference keys, R2 display names, R3–R5 and the row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trailtui.engine import identity
from trailtui.engine.identity import (
    access_keys,
    account,
    actor_key,
    actor_name,
    event_display_name,
    event_source_display,
    extract_row,
    ip_class,
    ip_key,
    outcome,
    resources,
    session_keys,
    signing_key,
)

ACCT = "112233445566"


def rec(ui, **extra):
    return {"eventVersion": "1.08", "recipientAccountId": ACCT, "userIdentity": ui, **extra}


# -- §3.5 reference outputs ----------------------------------------------------------------------------

IAM_USER = {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": f"arn:aws:iam::{ACCT}:user/testuser",
            "accountId": ACCT, "accessKeyId": "AKIAEXAMPLEEXAMPLE12", "userName": "testuser"}


def org_role(session):
    return {"type": "AssumedRole", "principalId": f"AROAEXAMPLE:{session}",
            "arn": f"arn:aws:sts::{ACCT}:assumed-role/OrganizationAccountAccessRole/{session}", "accountId": ACCT,
            "accessKeyId": "ASIAEXAMPLEEXAMPLE12",
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLE",
                                                 "arn": f"arn:aws:iam::{ACCT}:role/OrganizationAccountAccessRole",
                                                 "accountId": ACCT, "userName": "OrganizationAccountAccessRole"},
                               "attributes": {"creationDate": "2023-04-20T11:49:51Z", "mfaAuthenticated": "false"}}}


SSO = {"type": "AssumedRole", "principalId": "AROAEXAMPLE:user@example.com",
       "arn": f"arn:aws:sts::{ACCT}:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/user@example.com",
       "accountId": ACCT, "accessKeyId": "ASIASSOEXAMPLE123456",
       "sessionContext": {"sessionIssuer": {
           "type": "Role", "userName": "AWSReservedSSO_AdministratorAccess_0123456789abcdef",
           "arn": f"arn:aws:iam::{ACCT}:role/aws-reserved/sso.amazonaws.com/eu-central-1/"
                  "AWSReservedSSO_AdministratorAccess_0123456789abcdef"}}}
EC2_IDENTITY = {"type": "AssumedRole", "principalId": f"{ACCT}:aws:ec2-instance:i-0123456789abcdef0",
                "arn": f"arn:aws:sts::{ACCT}:assumed-role/aws:ec2-instance/i-0123456789abcdef0", "accountId": ACCT}
ROOT = {"type": "Root", "principalId": ACCT, "arn": f"arn:aws:iam::{ACCT}:root", "accountId": ACCT,
        "accessKeyId": "", "userName": "account_name"}
EKS = {"type": "AWSService", "invokedBy": "eks.amazonaws.com"}
IDC = {"type": "IdentityCenterUser", "accountId": ACCT, "credentialId": "EXAMPLEcredential",
       "onBehalfOf": {"userId": "544894e8-80c1-707f-60e3-3ba6510dfac1",
                      "identityStoreArn": f"arn:aws:identitystore::{ACCT}:identitystore/d-1237642fc7"}}
NO_TYPE = {"accountId": ACCT, "invokedBy": "AWS Internal"}
INSIGHT = {"eventVersion": "1.07", "eventTime": "2019-11-14T00:51:00Z", "awsRegion": "us-east-1",
           "eventID": "a9edc959-9488-4790-be0f-05d60e56b547", "eventType": "AwsCloudTrailInsight",
           "recipientAccountId": "123456789012", "eventCategory": "Insight",
           "insightDetails": {"state": "Start", "eventSource": "ssm.amazonaws.com",
                              "eventName": "UpdateInstanceInformation", "insightType": "ApiCallRateInsight"}}


@pytest.mark.parametrize(
    ("record", "key", "name"),
    [
        (rec(IAM_USER), f"user:{ACCT}:testuser", "testuser"),
        (rec(org_role("session-1")), f"role:{ACCT}:OrganizationAccountAccessRole",
         "OrganizationAccountAccessRole/session-1"),
        (rec(org_role("other")), f"role:{ACCT}:OrganizationAccountAccessRole", "OrganizationAccountAccessRole/other"),
        (rec(SSO), "sso-user:user@example.com", "user@example.com [AdministratorAccess]"),
        (rec(EC2_IDENTITY), f"role:{ACCT}:aws:ec2-instance", "aws:ec2-instance/i-0123456789abcdef0"),
        (rec(ROOT), f"root:{ACCT}", "root (account_name)"),
        (rec(EKS), "service:eks.amazonaws.com", "eks.amazonaws.com"),
        (rec(IDC, additionalEventData={"UserName": "anyuser"}),
         "idc:d-1237642fc7:544894e8-80c1-707f-60e3-3ba6510dfac1", "anyuser"),
        (rec(NO_TYPE), "service:AWS Internal", "AWS Internal"),
        (INSIGHT, None, "—"),
    ],
)
def test_reference_actor_keys_and_names(record, key, name):
    assert actor_key(record) == key
    assert actor_name(record) == name


@pytest.mark.parametrize(
    ("ui", "name"),
    [
        ({"type": "Root", "accountId": ACCT}, "root"),
        ({"type": "FederatedUser", "arn": f"arn:aws:sts::{ACCT}:federated-user/bob", "principalId": f"{ACCT}:bob"},
         "bob (fed)"),
        ({"type": "SAMLUser", "userName": "saml-sub", "identityProvider": "idp"}, "saml-sub"),
        ({"type": "WebIdentityUser", "userName": "web-user", "identityProvider": "accounts.google.com"}, "web-user"),
        ({"type": "IdentityCenterUser", "onBehalfOf": {"userId": "u-1"}}, "idc:u-1"),
        ({"type": "AWSAccount", "accountId": "444455556666", "principalId": "AIDAX:y"}, "acct:444455556666"),
        ({"accountId": "444455556666"}, "acct:444455556666"),
        ({}, f"acct:{ACCT}"),
        ({"type": "Unknown", "principalId": "Anonymous", "arn": ""}, "Anonymous"),
        ({"type": "Directory", "userName": "dir-user"}, "dir-user"),
        ({"type": "Role", "arn": f"arn:aws:iam::{ACCT}:role/path/MyRole"}, "MyRole"),
        ({"type": "AssumedRole", "principalId": "AROAX:jane",
          "arn": f"arn:aws:iam::{ACCT}:role/aws-reserved/sso.amazonaws.com/eu-central-1/AWSReservedSSO_ReadOnly"},
         "jane [ReadOnly]"),
        ({"type": "IAMUser", "userName": "HIDDEN_DUE_TO_SECURITY_REASONS"}, "HIDDEN_DUE_TO_SECURITY_REASONS"),
    ],
)
def test_display_names(ui, name):
    assert actor_name(rec(ui)) == name


def test_other_actor_keys():
    assert actor_key(rec({"type": "FederatedUser", "arn": f"arn:aws:sts::{ACCT}:federated-user/bob"})) == \
        f"federated:{ACCT}:bob"
    assert actor_key(rec({"type": "SAMLUser", "userName": "s", "identityProvider": "idp"})) == "samluser:idp:s"
    assert actor_key(rec({"type": "WebIdentityUser", "userName": "w", "identityProvider": "accounts.google.com"})) \
        == "webidentityuser:accounts.google.com:w"
    assert actor_key(rec({"type": "AWSAccount", "accountId": "444455556666", "principalId": "AIDAX:y"})) == \
        "account:444455556666:AIDAX:y"
    assert actor_key(rec({"accountId": "444455556666"})) == "account:444455556666"
    assert actor_key(rec({"type": "Unknown", "principalId": "Anonymous"})) == f"unknown:{ACCT}:Anonymous"
    # the principal's account wins over the receiving account (cross-account role use)
    cross = rec({"type": "IAMUser", "userName": "x", "accountId": "999999999999"})
    assert actor_key(cross) == "user:999999999999:x"
    assert account(cross) == ACCT
    assert actor_key({"eventName": "X"}) is None
    assert actor_key({"userIdentity": "junk"}) is None
    for odd in (None, 3, "x", [], {"userIdentity": {"type": 5}}):
        actor_key(odd), actor_name(odd), access_keys(odd), session_keys(odd), ip_key(odd), resources(odd)
        extract_row(odd)


# -- R3 / R4 -------------------------------------------------------------------------------------------


def test_access_keys_and_signing_key():
    assume = rec(IAM_USER, eventName="AssumeRole",
                 responseElements={"credentials": {"accessKeyId": "ASIAMINTEDEXAMPLE123",
                                                   "expiration": "Jul 30, 2024, 9:46:15 PM"}})
    assert access_keys(assume) == ["AKIAEXAMPLEEXAMPLE12", "ASIAMINTEDEXAMPLE123"]
    assert signing_key(assume) == "AKIAEXAMPLEEXAMPLE12"
    assert session_keys(assume) == ["key:ASIAMINTEDEXAMPLE123"]  # long-term key: no own session
    created = rec(IAM_USER, responseElements={"accessKey": {"accessKeyId": "AKIANEWKEYEXAMPLE123"}})
    assert access_keys(created) == ["AKIAEXAMPLEEXAMPLE12", "AKIANEWKEYEXAMPLE123"]
    deleted = rec({"type": "Root", "accessKeyId": "Unknown"}, requestParameters={"accessKeyId": "AKIANEWKEYEXAMPLE123"})
    assert access_keys(deleted) == ["AKIANEWKEYEXAMPLE123"]
    assert signing_key(deleted) is None
    assert access_keys(rec({"type": "IAMUser", "accessKeyId": ""})) == []
    assert access_keys(rec({"type": "Unknown", "accessKeyId": "AIDAEXAMPLEEXAMPLE12"})) == []


def test_session_keys_priority():
    used = rec(org_role("s"))
    assert session_keys(used) == ["key:ASIAEXAMPLEEXAMPLE12"]
    signin = rec({**SSO, "sessionContext": {**SSO["sessionContext"],
                                            "signInSessionArn": "arn:aws:signin:eu-central-1:1:session/abc"}})
    assert session_keys(signin) == ["signin:arn:aws:signin:eu-central-1:1:session/abc"]
    no_key = rec({**org_role("s"), "accessKeyId": ""})
    assert session_keys(no_key) == [
        f"arn:arn:aws:sts::{ACCT}:assumed-role/OrganizationAccountAccessRole/s@2023-04-20T11:49:51Z"]
    assert session_keys(rec(IAM_USER)) == []


# -- R5 ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "key", "cls"),
    [
        ("53.94.201.69", "ip:53.94.201.69", "ip"),
        (" 53.94.201.69\n", "ip:53.94.201.69", "ip"),
        ("::ffff:53.94.201.69", "ip:53.94.201.69", "ip"),
        ("2001:0DB8:0000:0000:0000:0000:0000:0001", "ip:2001:db8::1", "ip"),
        ("2001:db8:0:0:1:0:0:1", "ip:2001:db8::1:0:0:1", "ip"),
        ("1:0:0:1:0:0:0:1", "ip:1:0:0:1::1", "ip"),
        ("1:0:0:0:1:0:0:1", "ip:1::1:0:0:1", "ip"),
        ("203.0.113.5", "ip:203.0.113.5", "ip"),
        ("10.1.2.3", f"ip:10.1.2.3@{ACCT}", "private"),
        ("172.20.0.9", f"ip:172.20.0.9@{ACCT}", "private"),
        ("100.64.1.1", f"ip:100.64.1.1@{ACCT}", "private"),
        ("::ffff:192.168.0.1", f"ip:192.168.0.1@{ACCT}", "private"),
        ("fd00::1", f"ip:fd00::1@{ACCT}", "private"),
        ("FE80::1", f"ip:fe80::1@{ACCT}", "private"),
        ("::1", f"ip:::1@{ACCT}", "private"),
        ("AWS Internal", "aws-internal", "aws-internal"),
        ("EC2.amazonaws.com", "service:ec2.amazonaws.com", "service"),
        ("08.1.250.216", "other:08.1.250.216", "other"),
        ("<Attacker source IP>", "other:<Attacker source IP>", "other"),
        ("", None, None),
        ("  ", None, None),
    ],
)
def test_ip_keys(raw, key, cls):
    record = {"sourceIPAddress": raw, "recipientAccountId": ACCT}
    assert ip_key(record) == key
    assert ip_class(key) == cls


def test_ip_key_missing_and_private_without_account():
    assert ip_key({}) is None
    assert ip_key({"sourceIPAddress": 5}) is None
    assert ip_key({"sourceIPAddress": "10.0.0.1"}) == "ip:10.0.0.1@"
    assert ip_key({"sourceIPAddress": "10.0.0.1", "userIdentity": {"accountId": "1"}}) == "ip:10.0.0.1@1"


# -- resources, display fields, the row ----------------------------------------------------------------


def test_resources():
    record = {"eventSource": "s3.amazonaws.com", "eventName": "GetObject", "recipientAccountId": "123456789012",
              "requestParameters": {"bucketName": "wareville-care4wares", "key": "bestFestivalCompany.png"},
              "resources": [{"type": "AWS::S3::Object",
                             "ARN": "arn:aws:s3:::wareville-care4wares/bestFestivalCompany.png"},
                            {"accountId": "123456789012", "type": "AWS::S3::Bucket",
                             "ARN": "arn:aws:s3:::wareville-care4wares"}]}
    assert resources(record) == [
        "arn:aws:s3:::wareville-care4wares/bestFestivalCompany.png",
        "arn:aws:s3:::wareville-care4wares",
        "s3://wareville-care4wares",
        "s3://wareville-care4wares/bestFestivalCompany.png",
    ]
    attach = {"eventSource": "iam.amazonaws.com", "eventName": "AttachUserPolicy",
              "recipientAccountId": "123456789012",
              "requestParameters": {"userName": "glitch", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}}
    assert resources(attach) == ["arn:aws:iam::aws:policy/AdministratorAccess", "iam-user:123456789012:glitch"]
    run = {"eventSource": "ec2.amazonaws.com",
           "requestParameters": {"instancesSet": {"items": [{"imageId": "ami-1"}]}},
           "responseElements": {"instancesSet": {"items": [{"instanceId": "i-0a"}, {"instanceId": "i-0b"}]}}}
    assert resources(run) == ["i-0a", "i-0b"]


def test_display_fields_and_outcome():
    assert event_display_name(INSIGHT) == "UpdateInstanceInformation (Insight Start)"
    assert event_source_display(INSIGHT) == "ssm.amazonaws.com"
    assert outcome(INSIGHT) == ""
    assert outcome({"eventName": "ConsoleLogin", "responseElements": {"ConsoleLogin": "Failure"}}) == "Failure"
    assert outcome({"eventName": "ConsoleLogin", "responseElements": {"ConsoleLogin": "Success"}}) == "Success"
    assert outcome({"eventName": "X", "errorCode": "AccessDenied"}) == "Failure"
    assert outcome({"eventName": "X", "errorMessage": "Failed authentication"}) == "Failure"
    assert outcome({"eventName": "X", "errorCode": ""}) == "Success"


def test_extract_row_matches_the_functions(datasets: Path):
    records = []
    for path in sorted((datasets / "stratus-red-team").glob("*.json")):
        records += json.loads(path.read_text(encoding="utf-8"))
    records += [INSIGHT, rec(SSO, readOnly=False), {"readOnly": "true"}, {}]
    assert len(records) > 300
    for record in records:
        row = extract_row(record)
        assert len(row) == len(identity.ROW_FIELDS)
        assert all(isinstance(v, str) for v in row)
        fields = dict(zip(identity.ROW_FIELDS, row))
        assert fields["event"] == event_display_name(record)
        assert fields["source"] == event_source_display(record)
        assert fields["actor"] == actor_name(record)
        assert fields["account"] == (account(record) or "")
        assert fields["actor_key"] == (actor_key(record) or "")
        assert fields["ip_key"] == (ip_key(record) or "")
        assert fields["time"] == record.get("eventTime", "")
        assert fields["event_id"] == record.get("eventID", "")
        assert fields["read_only"] in ("true", "false", "")
        if isinstance(record.get("readOnly"), bool):
            assert fields["read_only"] == str(record["readOnly"]).lower()
    assert extract_row(INSIGHT)[3] == "—"
    assert extract_row({"readOnly": "true"})[9] == "true"
