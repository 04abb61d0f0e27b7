"""The jq prelude and trailtui.engine.identity must compute the same thing, on every record we can find.

The reference is the real jq: the PyPI ``jq`` package (libjq 1.8) runs ``prelude.jq``. Records come from
/work/shared/datasets (read with small local readers, skipped when absent), from samples/, from a list
of synthetic identities covering every ``userIdentity`` type, from a list of source-address forms, and
from hypothesis-generated records full of wrong types.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any, Iterator

import jq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trailtui.engine import identity

REPO = Path(__file__).resolve().parents[1]
PRELUDE = (REPO / "trailtui" / "engine" / "prelude.jq").read_text(encoding="utf-8")

FUNCTIONS = ("actor_key", "actor_name", "access_keys", "session_keys", "ip_key", "resources",
             "event_display_name", "outcome")
# Each function's outputs are collected in an array, so a missing or extra output shows up as a mismatch.
ALL = "{" + ", ".join(f"{name}: [{name}]" for name in FUNCTIONS) + "}"
_ALL_PROGRAM = jq.compile(PRELUDE + " " + ALL)
_BATCH_PROGRAM = jq.compile(PRELUDE + " map(" + ALL + ")")


def python_all(rec: Any) -> dict:
    return {name: [getattr(identity, name)(rec)] for name in FUNCTIONS}


def assert_batch_agrees(records: list, label: str) -> None:
    assert records, f"no records for {label}"
    got = _BATCH_PROGRAM.input_value(records).first()
    assert len(got) == len(records)
    for i, (rec, from_jq) in enumerate(zip(records, got)):
        assert python_all(rec) == from_jq, f"{label}[{i}]: {json.dumps(rec)[:400]}"


# -- simple local readers for the shared datasets ------------------------------------------------------


def _records_of(value: Any) -> Iterator[dict]:
    if isinstance(value, list):
        for item in value:
            yield from _records_of(item)
    elif isinstance(value, dict):
        if isinstance(value.get("Records"), list):
            yield from (r for r in value["Records"] if isinstance(r, dict))
        elif isinstance(value.get("Events"), list):
            for event in value["Events"]:
                yield from _records_of(event)
        elif isinstance(value.get("CloudTrailEvent"), str):
            yield json.loads(value["CloudTrailEvent"])
        elif "detail-type" in value and isinstance(value.get("detail"), dict):
            yield value["detail"]
        elif "eventTime" in value or "eventVersion" in value:
            yield value


def read_dataset_file(path: Path) -> list[dict]:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    text = data.decode("utf-8-sig")
    try:
        values = [json.loads(text)]
    except json.JSONDecodeError:
        values = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [r for v in values for r in _records_of(v)]


def dataset_files(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and (p.suffix in (".json", ".jsonl") or p.name.endswith(".json.gz"))
    )


def test_datasets_agree(datasets: Path) -> None:
    total = 0
    for path in dataset_files(datasets):
        records = read_dataset_file(path)
        if not records:
            continue  # the digest example and the Panther index sidecar hold no events
        assert_batch_agrees(records, str(path.relative_to(datasets)))
        total += len(records)
    assert total > 800  # 313 Stratus + 464 Panther + the rest


@pytest.mark.slow
def test_samples_agree() -> None:
    path = REPO / "samples" / "cloudtrail_log.json"
    if not path.exists():
        pytest.skip("samples/cloudtrail_log.json has not been generated")
    records = json.loads(path.read_text(encoding="utf-8"))["Records"]
    assert_batch_agrees(records, "samples/cloudtrail_log.json")


@pytest.mark.slow
def test_generator_agrees() -> None:
    from trailtui.tools import samplegen

    assert_batch_agrees(list(samplegen.generate(1500, seed=11, incident=True)), "samplegen")


# -- synthetic identities: every userIdentity type of §3.2, plus odd shapes -----------------------------

ACCT = "111122223333"
SSO_ROLE = "AWSReservedSSO_AdministratorAccess_0123456789abcdef"

IDENTITIES: list[Any] = [
    {"type": "Root", "principalId": ACCT, "arn": f"arn:aws:iam::{ACCT}:root", "accountId": ACCT, "accessKeyId": ""},
    {"type": "Root", "principalId": ACCT, "arn": f"arn:aws:iam::{ACCT}:root", "accountId": ACCT,
     "userName": "account_name", "accessKeyId": "ASIAQWERTYUIOPASDFGH",
     "sessionContext": {"attributes": {"creationDate": "2024-01-01T00:00:00Z", "mfaAuthenticated": "false"}}},
    {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": f"arn:aws:iam::{ACCT}:user/ops/alice",
     "accountId": ACCT, "userName": "alice", "accessKeyId": "AKIAIOSFODNN7EXAMPLE"},
    {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": f"arn:aws:iam::{ACCT}:user/ops/bob", "accountId": ACCT},
    {"type": "IAMUser", "accountId": ACCT, "userName": "HIDDEN_DUE_TO_SECURITY_REASONS", "principalId": ""},
    {"type": "IAMUser", "principalId": "AIDAONLY"},
    {"type": "IAMUser"},
    {"type": "IAMUser", "accountId": ACCT, "userName": "carol", "accessKeyId": "ASIAZZZZZZZZZZZZZZZZ",
     "sessionContext": {"attributes": {"creationDate": "2024-02-02T10:00:00Z", "mfaAuthenticated": "true"}}},
    {"type": "AssumedRole", "principalId": "AROAEXAMPLE:session-1",
     "arn": f"arn:aws:sts::{ACCT}:assumed-role/OrganizationAccountAccessRole/session-1", "accountId": ACCT,
     "accessKeyId": "ASIAEXAMPLEEXAMPLE01",
     "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLE",
                                          "arn": f"arn:aws:iam::{ACCT}:role/OrganizationAccountAccessRole",
                                          "accountId": ACCT, "userName": "OrganizationAccountAccessRole"},
                        "attributes": {"creationDate": "2024-03-03T03:03:03Z", "mfaAuthenticated": "false"}}},
    {"type": "AssumedRole", "principalId": "AROAEXAMPLE:botocore-session-12",
     "arn": f"arn:aws:sts::{ACCT}:assumed-role/deploy/botocore-session-12", "accountId": ACCT},
    {"type": "AssumedRole", "principalId": f"AROAEXAMPLE:user@example.com",
     "arn": f"arn:aws:sts::{ACCT}:assumed-role/{SSO_ROLE}/user@example.com", "accountId": ACCT,
     "accessKeyId": "ASIASSOSSOSSOSSOSSO1",
     "sessionContext": {"sessionIssuer": {"type": "Role", "userName": SSO_ROLE,
                                          "arn": f"arn:aws:iam::{ACCT}:role/aws-reserved/sso.amazonaws.com/"
                                                 f"eu-central-1/{SSO_ROLE}"},
                        "signInSessionArn": f"arn:aws:signin:eu-central-1:{ACCT}:session/abc-123"}},
    {"type": "AssumedRole", "principalId": "AROAEXAMPLE:jane",
     "arn": f"arn:aws:iam::{ACCT}:role/aws-reserved/sso.amazonaws.com/eu-central-1/AWSReservedSSO_ReadOnly"},
    {"type": "AssumedRole", "principalId": f"{ACCT}:aws:ec2-instance:i-0123456789abcdef0",
     "arn": f"arn:aws:sts::{ACCT}:assumed-role/aws:ec2-instance/i-0123456789abcdef0", "accountId": ACCT},
    {"type": "AssumedRole", "principalId": "AROAEXAMPLE:i-0abc",
     "arn": f"arn:aws:sts::{ACCT}:assumed-role/web-role/i-0abc", "accountId": ACCT,
     "accessKeyId": "ASIAEC2EC2EC2EC2EC21",
     "sessionContext": {"sessionIssuer": {"userName": "web-role"}, "ec2RoleDelivery": "2.0",
                        "sourceIdentity": "alice"},
     "inScopeOf": {"issuerType": "AWS::EC2::Instance", "credentialsIssuedTo": "arn:aws:ec2:...:instance/i-0abc"}},
    {"type": "AssumedRole", "arn": f"arn:aws:sts::{ACCT}:assumed-role/NoSession/"},
    {"type": "AssumedRole", "principalId": "AROAONLY"},
    {"type": "AssumedRole", "principalId": "AROA:", "arn": f"arn:aws:sts::{ACCT}:assumed-role/"},
    {"type": "AssumedRole", "invokedBy": "autoscaling.amazonaws.com", "principalId": "AROAX:AutoScaling",
     "arn": f"arn:aws:sts::{ACCT}:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling", "accountId": ACCT,
     "sessionContext": {"sessionIssuer": {"userName": ""}, "assumedRoot": "true"}},
    {"type": "Role", "arn": f"arn:aws:iam::{ACCT}:role/path/to/MyRole"},
    {"type": "Role", "arn": f"arn:aws:iam::{ACCT}:role/{SSO_ROLE}", "principalId": "AROA:someone"},
    {"type": "FederatedUser", "principalId": f"{ACCT}:fed-bob",
     "arn": f"arn:aws:sts::{ACCT}:federated-user/fed-bob", "accountId": ACCT, "accessKeyId": "ASIAFEDFEDFEDFEDFED1",
     "sessionContext": {"sessionIssuer": {"type": "IAMUser", "userName": "bob"},
                        "attributes": {"creationDate": "2024-04-04T04:04:04Z"}}},
    {"type": "FederatedUser", "principalId": f"{ACCT}:only-principal"},
    {"type": "SAMLUser", "principalId": "Q4t...:SamlExample", "userName": "SamlExample",
     "identityProvider": "bdGOnTesti4+ri4YUhQ55Lk6hd8="},
    {"type": "WebIdentityUser", "principalId": "accounts.google.com:app:user", "userName": "user-123",
     "identityProvider": "accounts.google.com"},
    {"type": "WebIdentityUser", "principalId": "oidc:x"},
    {"type": "IdentityCenterUser", "accountId": ACCT, "credentialId": "cred-1",
     "onBehalfOf": {"userId": "544894e8-80c1-707f-60e3-3ba6510dfac1",
                    "identityStoreArn": "arn:aws:identitystore::111122223333:identitystore/d-1237642fc7"}},
    {"type": "IdentityCenterUser", "accountId": ACCT, "onBehalfOf": "not-an-object"},
    {"type": "AWSService", "invokedBy": "eks.amazonaws.com"},
    {"type": "AWSService", "invokedBy": "AWS Internal"},
    {"type": "AWSService"},
    {"type": "AWSAccount", "principalId": "AIDAEXAMPLE:suffix", "accountId": "444455556666",
     "invokedBy": "AWS Internal"},
    {"type": "AWSAccount"},
    {"type": "Directory", "accountId": ACCT, "userName": "dir-user"},
    {"type": "Directory", "principalId": "d-123:user"},
    {"type": "Unknown", "principalId": "Anonymous", "arn": "", "accessKeyId": "Unknown"},
    {"type": "Unknown", "userName": "someone@example.com", "onBehalfOf": {"userId": "u-1"}},
    {"type": "Unknown", "principalId": "domain//S-1-5-21-1-2-3-500", "accessKeyId": "AIDAEXAMPLEEXAMPLE12"},
    {"type": "Unknown"},
    {"type": "ÉtrangeType", "accountId": ACCT, "userName": "x"},
    {"accountId": ACCT, "invokedBy": "ec2.amazonaws.com"},
    {"accountId": ACCT, "invokedBy": "AWS Internal"},
    {"accountId": ACCT},
    {"invokedBy": ""},
    {},
    {"type": None, "invokedBy": "lambda.amazonaws.com"},
    {"type": 7, "arn": ["not", "a", "string"], "accountId": 123456789012},
    {"type": "IAMUser", "userName": {"nested": True}, "arn": 5, "principalId": None},
    {"type": "AssumedRole", "sessionContext": "flat", "arn": None},
    {"type": "AssumedRole", "sessionContext": {"sessionIssuer": ["x"], "attributes": 3}},
    {"type": "AssumedRole", "sessionContext": {"signInSessionArn": 12, "attributes": {"creationDate": 1}},
     "arn": "arn:aws:sts::1:assumed-role/R/s", "accessKeyId": 99},
    "a string",
    ["a", "list"],
    None,
    42,
]


def _records_for_identities() -> list[Any]:
    out: list[Any] = []
    for n, ui in enumerate(IDENTITIES):
        out.append({"eventName": "GetCallerIdentity", "eventSource": "sts.amazonaws.com",
                    "recipientAccountId": ACCT, "userIdentity": ui, "sourceIPAddress": "198.51.100.7"})
        out.append({"userIdentity": ui})  # no recipientAccountId: exercises the account fallbacks
        if n % 3 == 0:
            out.append({"userIdentity": ui, "recipientAccountId": "999988887777",
                        "additionalEventData": {"UserName": "anyuser"}})
    return out


def test_identities_agree() -> None:
    assert_batch_agrees(_records_for_identities(), "identities")


def test_special_records_agree() -> None:
    insight = {"eventVersion": "1.07", "eventTime": "2019-11-14T00:51:00Z", "awsRegion": "us-east-1",
               "eventType": "AwsCloudTrailInsight", "recipientAccountId": ACCT, "eventCategory": "Insight",
               "insightDetails": {"state": "Start", "eventSource": "ssm.amazonaws.com",
                                  "eventName": "UpdateInstanceInformation", "insightType": "ApiCallRateInsight"}}
    records: list[Any] = [
        insight,
        {**insight, "insightDetails": {}},
        {**insight, "insightDetails": None, "eventType": None},
        {"eventCategory": "Insight", "userIdentity": {"type": "Root", "accountId": ACCT}},
        {"eventName": "ConsoleLogin", "responseElements": {"ConsoleLogin": "Failure"}},
        {"eventName": "ConsoleLogin", "responseElements": {"ConsoleLogin": "Success"}, "errorMessage": ""},
        {"eventName": "ConsoleLogin", "errorMessage": "Failed authentication"},
        {"errorCode": "AccessDenied"},
        {"errorCode": 5, "errorMessage": None},
        {"responseElements": None, "requestParameters": "x", "resources": "nope"},
        {"eventName": 3, "eventSource": ["s"]},
        # access keys: minted, created, changed, junk
        {"userIdentity": {"type": "IAMUser", "userName": "u", "accessKeyId": "AKIAIOSFODNN7EXAMPLE"},
         "responseElements": {"credentials": {"accessKeyId": "ASIAMINTEDMINTED0001"},
                              "accessKey": {"accessKeyId": "AKIANEWNEWNEWNEW0001"}},
         "requestParameters": {"accessKeyId": "AKIAIOSFODNN7EXAMPLE"}},
        {"userIdentity": {"type": "AssumedRole", "accessKeyId": "ASIAMINTEDMINTED0001"},
         "responseElements": {"credentials": {"accessKeyId": "ASIAMINTEDMINTED0001"}}},
        {"responseElements": {"credentials": {"accessKeyId": "AKIA-MOCKACCESSKEYID-1"}},
         "requestParameters": {"accessKeyId": "ASIA123"}},
        {"userIdentity": {"accessKeyId": "asiaabcdefghijklmnop"}},
        # resources
        {"eventSource": "s3.amazonaws.com", "recipientAccountId": ACCT,
         "requestParameters": {"bucketName": "wareville-care4wares", "key": "bestFestivalCompany.png"},
         "resources": [{"ARN": "arn:aws:s3:::wareville-care4wares/bestFestivalCompany.png", "type": "AWS::S3::Object"},
                       {"ARN": "arn:aws:s3:::wareville-care4wares", "type": "AWS::S3::Bucket"},
                       {"accountId": ACCT}, "junk", {"ARN": "arn:aws:s3:::wareville-care4wares"}]},
        {"eventSource": "s3.amazonaws.com", "requestParameters": {"bucketName": "b", "key": ""}},
        {"eventSource": "ec2.amazonaws.com", "requestParameters": {
            "instanceId": "i-0aaa", "instancesSet": {"items": [{"instanceId": "i-0aaa"}, {"instanceId": "i-0bbb"},
                                                                {"imageId": "ami-1"}, 5]}},
         "responseElements": {"instancesSet": {"items": [{"instanceId": "i-0ccc"}, {"instanceId": "vol-1"}]}}},
        {"eventSource": "iam.amazonaws.com", "recipientAccountId": "123456789012",
         "requestParameters": {"userName": "glitch",
                               "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}},
        {"eventSource": "iam.amazonaws.com", "userIdentity": {"accountId": "1"},
         "requestParameters": {"roleName": "r", "roleArn": "arn:aws:iam::1:role/r"}},
        {"eventSource": "iam.amazonaws.com", "requestParameters": {"roleName": "r"}},
        {"eventSource": "cognito-idp.amazonaws.com", "requestParameters": {"userName": "not-iam"}},
        {"eventSource": "sts.amazonaws.com",
         "requestParameters": {"roleArn": "arn:aws:iam::1:role/x", "roleSessionName": "s"}},
    ]
    assert_batch_agrees(records, "special")


# -- every source-address form of §4 --------------------------------------------------------------------

IPS: list[Any] = [
    "53.94.201.69", "1.2.3.4", "0.0.0.0", "255.255.255.255", " 53.94.201.69 ", "\t10.1.2.3\n",
    "\u00a053.94.201.69\u3000", "\x1c1.2.3.4",
    # private and local, scoped by account
    "10.0.0.1", "172.16.0.1", "172.31.255.255", "172.32.0.1", "172.15.0.1", "192.168.1.1", "192.169.1.1",
    "100.64.0.1", "100.127.255.255", "100.128.0.1", "127.0.0.1", "169.254.169.254", "169.255.0.1",
    # documentation ranges are public
    "192.0.2.1", "198.51.100.7", "203.0.113.200",
    "2001:db8::1", "2001:DB8:0:0:0:0:0:1", "2001:0db8:0000:0000:0000:ff00:0042:8329",
    # IPv6 forms
    "::1", "::", "::2", "fe80::1", "FE80::abcd:1", "febf::1", "fec0::1", "fc00::1", "fd12:3456:789a:1::1",
    "fe00::1", "2600:1f18:abcd::", "1:0:0:1:0:0:0:1", "1:0:0:0:1:0:0:1", "1:2:3:4:5:6:7::",
    "::2:3:4:5:6:7:8", "0:0:0:0:0:0:0:0", "2001:db8:0:1:1:1:1:1", "1:0:1:0:1:0:1:0",
    # IPv4-mapped and embedded
    "::ffff:53.94.201.69", "::FFFF:10.0.0.1", "::ffff:0a00:0001", "0:0:0:0:0:ffff:c000:0201",
    "::ffff:169.254.1.1", "64:ff9b::192.0.2.33", "::1.2.3.4", "1::1.2.3.4", "1:2:3:4:5:6:1.2.3.4",
    # AWS forms
    "AWS Internal", " AWS Internal ", "aws internal", "ec2.amazonaws.com", "CloudFormation.AmazonAWS.com",
    "ssm.amazonaws.com", "amazonaws.com", ".amazonaws.com",
    # junk and anonymised values
    "08.1.250.216", "255.18.064.253", "256.1.1.1", "1.2.3", "1.2.3.4.5", "1..2.3", "::ffff:256.1.1.1",
    "1:::2", ":::", ":1::2", "1::2:", "1:2:3:4:5:6:7:8:9", "12345::1", "g::1", "fe80::1%eth0",
    "1:2:3:4:5:6:7:1.2.3.4", "redacted", "<Attacker source IP>", "signin.amazonaws.com.evil.example",
    "١.٢.٣.٤", "", "   ", None, 12, ["1.2.3.4"], {"ip": "1.2.3.4"},
]


def test_ip_forms_agree() -> None:
    records: list[dict] = []
    for ip in IPS:
        records.append({"sourceIPAddress": ip, "recipientAccountId": ACCT})
        records.append({"sourceIPAddress": ip, "userIdentity": {"accountId": "444455556666"}})
        records.append({"sourceIPAddress": ip})
    assert_batch_agrees(records, "ips")


def test_ipv6_matches_python_ipaddress() -> None:
    """The hand-written parser agrees with the standard library on every form above (zone ids aside)."""
    import ipaddress

    for text in IPS:
        if not isinstance(text, str) or "%" in text:
            continue
        try:
            parsed = ipaddress.ip_address(text)
        except ValueError:
            expected = None
        else:
            if parsed.version == 6 and parsed.ipv4_mapped:
                parsed = parsed.ipv4_mapped
            expected = parsed.compressed
        got = identity.canonical_ip(text)
        assert (got[0] if got else None) == expected, text


# -- the has_* predicates and the single-function form quoted in the brief -----------------------------


def test_has_predicates_agree(datasets: Path) -> None:
    path = datasets / "stratus-red-team" / "aws.credential-access.ec2-steal-instance-credentials.json"
    pairs = []
    for rec in read_dataset_file(path):
        keys = identity.access_keys(rec) + identity.session_keys(rec) + identity.resources(rec) + ["nope", ""]
        pairs.append([rec, keys])
    got = jq.compile(
        PRELUDE + " map(.[0] as $r | .[1] | map(. as $k | $r | [has_access_key($k), has_session($k), has_resource($k)]))"
    ).input_value(pairs).first()
    expected = [
        [[k in identity.access_keys(rec), k in identity.session_keys(rec), k in identity.resources(rec)] for k in keys]
        for rec, keys in pairs
    ]
    assert got == expected
    assert sum(any(flags) for per_record in expected for flags in per_record) > 40


def test_single_function_form() -> None:
    rec = {"userIdentity": {"type": "IAMUser", "accountId": "123456789012", "userName": "glitch"},
           "sourceIPAddress": "53.94.201.69"}
    assert jq.compile(PRELUDE + " actor_key").input_value(rec).first() == identity.actor_key(rec)
    assert jq.compile(PRELUDE + " ip_key").input_value(rec).first() == "ip:53.94.201.69"
    assert jq.compile(PRELUDE + ' select(actor_key == "user:123456789012:glitch") | .sourceIPAddress') \
        .input_value(rec).all() == ["53.94.201.69"]


def test_prelude_is_only_definitions() -> None:
    """The prelude must compose with any filter: only `def`s, so `PRELUDE + " ."` is the identity."""
    assert jq.compile(PRELUDE + " .").input_value({"a": 1}).all() == [{"a": 1}]
    for name in ("actor_key", "actor_name", "access_keys", "has_access_key($k)", "session_keys",
                 "has_session($s)", "ip_key", "resources", "has_resource($r)", "event_display_name", "outcome"):
        assert f"def {name}:" in PRELUDE, name


# -- hypothesis: records full of wrong types never raise and still agree -------------------------------

_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**12),
    st.sampled_from(["", "AWS Internal", "AssumedRole", "IAMUser", "Root", "AWSService", "Insight",
                     "AwsCloudTrailInsight", "ASIAABCDEFGHIJKLMNOP", "AKIAABCDEFGHIJKLMNOP",
                     "arn:aws:sts::1:assumed-role/R/s", "arn:aws:iam::1:role/x/AWSReservedSSO_A_0123456789abcdef",
                     "a:b", "10.0.0.1", "::ffff:1.2.3.4", "fe80::1", "x.amazonaws.com", "iam.amazonaws.com",
                     "i-1", "ConsoleLogin", "Success"]),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=8),
)
_value = st.recursive(_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.sampled_from(["type", "arn", "userName", "principalId", "accountId", "invokedBy",
                                     "accessKeyId", "sessionContext", "sessionIssuer", "attributes",
                                     "creationDate", "signInSessionArn", "onBehalfOf", "userId",
                                     "identityStoreArn", "identityProvider", "credentials", "accessKey",
                                     "items", "instancesSet", "instanceId", "ARN", "bucketName", "key",
                                     "ConsoleLogin", "UserName", "eventName", "state", "eventSource"]),
                    inner, max_size=5)), max_leaves=12)
_record = st.dictionaries(
    st.sampled_from(["userIdentity", "sourceIPAddress", "recipientAccountId", "eventType", "eventCategory",
                     "insightDetails", "eventName", "eventSource", "errorCode", "errorMessage",
                     "responseElements", "requestParameters", "resources", "additionalEventData"]),
    _value, max_size=8)


@pytest.mark.slow
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_record)
def test_fuzzed_records_agree(rec: dict) -> None:
    expected = python_all(rec)
    identity.extract_row(rec)
    assert _ALL_PROGRAM.input_value(rec).first() == expected


def test_system_jq_agrees(tmp_path: Path) -> None:
    """The prelude also runs in the jq on PATH (Debian's 1.6 here): "copy as jq command" users may have it."""
    import shutil
    import subprocess

    binary = shutil.which("jq")
    if binary is None:
        pytest.skip("no jq executable on PATH")
    records = _records_for_identities()
    records += [{"sourceIPAddress": ip, "recipientAccountId": ACCT} for ip in IPS]
    program = tmp_path / "check.jq"
    program.write_text(PRELUDE + "\nmap(" + ALL + ")\n", encoding="utf-8")
    result = subprocess.run([binary, "-c", "-f", str(program)], input=json.dumps(records), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert len(got) == len(records)
    for rec, from_jq in zip(records, got):
        assert python_all(rec) == from_jq, json.dumps(rec)[:300]
