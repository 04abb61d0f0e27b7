"""Deterministic, realistic CloudTrail records for demos, tests and benchmarks, and writers for every input shape.

``generate(n, seed=7)`` yields ``n`` records of a small AWS organisation going about its day: IAM users on the
CLI and the console, role sessions (CI, EC2 instance profiles, Lambda functions, EKS pods, IAM Identity Center
permission sets), root, AWS services acting on their own, cross-account and anonymous callers. Role
credentials are minted by visible ``AssumeRole*`` events before their first use, so the access-key and
session pivots have something to find. ``incident=True`` embeds a Wareville-style S3 incident (see
``INCIDENT``). The same arguments always give the same records, byte for byte once serialised.

``write(path, n, shape, ...)`` writes them in one of ``SHAPES``; ``python -m trailtui.tools.samplegen``
is the command-line front end. This module only needs the standard library and orjson.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import calendar
import gzip
import hashlib
import io
import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, Union

import orjson

__all__ = ["INCIDENT", "SHAPES", "generate", "main", "write"]

SHAPES = (
    "records",
    "records-gz",
    "tree",
    "jsonl",
    "array",
    "lookup",
    "eventbridge",
    "cwl",
    "cwl-export",
    "subscription",
    "lake",
)
"""The output shapes ``write`` knows (the input shapes of the CloudTrail guide §1)."""

INCIDENT = {
    "account": "123456789012",
    "user": "glitch",
    "ip": "53.94.201.69",
    "bucket": "wareville-care4wares",
    "granted_by": "mcskidy",
    "policy": "arn:aws:iam::aws:policy/AdministratorAccess",
}
"""The facts of the embedded incident: IAM user ``glitch`` signs in to the console without MFA from one
address, user ``mcskidy`` (from the same address) attaches AdministratorAccess to ``glitch``, then ``glitch``
lists the bucket, downloads a few objects and overwrites two (a defacement)."""

# -- the organisation ----------------------------------------------------------------------------------

PROD = "123456789012"
DEV = "210987654321"
SECURITY = "345678901234"
PARTNER = "444455556666"
ACCOUNTS = (PROD, DEV, SECURITY)
ORG_ID = "o-a1b2c3d4e5"
REGIONS = ("us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2")
_REGION_WEIGHTS = (55, 25, 15, 5)

_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_UUID_CLEAR = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)
_UUID_SET = (0x4 << 76) | (0x2 << 62)
_TLS = (
    ("TLSv1.3", "TLS_AES_128_GCM_SHA256"),
    ("TLSv1.3", "TLS_AES_256_GCM_SHA384"),
    ("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"),
)

UA_CLI = "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1016-aws exe/x86_64.ubuntu.22 prompt/off command/{cmd}"
UA_CLI_MAC = "aws-cli/2.17.4 Python/3.11.9 Darwin/23.5.0 source/arm64 prompt/off command/{cmd}"
UA_BOTO = "Boto3/1.34.50 Python/3.12.2 Linux/5.10.209-198.858.amzn2.x86_64 exec-env/AWS_Lambda_python3.12 Botocore/1.34.50"
UA_BOTO_EC2 = "Boto3/1.33.13 Python/3.9.16 Linux/6.1.72-96.166.amzn2023.x86_64 Botocore/1.33.13"
UA_GO = "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.0 md/GOOS#linux md/GOARCH#amd64 api/{svc}#1.51.1"
UA_TERRAFORM = (
    "APN/1.0 HashiCorp/1.0 Terraform/1.7.4 (+https://www.terraform.io) terraform-provider-aws/5.40.0 "
    "(+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.0 "
    "md/GOOS#linux md/GOARCH#amd64 api/{svc}#1.30.1"
)
UA_NODE = "aws-sdk-nodejs/2.1574.0 linux/v18.19.0 exec-env/AWS_Lambda_nodejs18.x promise"
UA_JAVA = "aws-sdk-java/2.25.6 Linux/5.10.210-201.852.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10"
UA_SSM = "aws-sdk-go/1.44.260 (go1.20.4; linux; amd64) amazon-ssm-agent/3.3.40.0"
UA_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
    "Safari/537.36"
)
UA_FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
UA_SAFARI = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
    "Safari/605.1.15"
)
UA_S3_CONSOLE = "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.750 Linux/5.10.224-190.876.amzn2int.x86_64 " \
    "OpenJDK_64-Bit_Server_VM/25.412-b09 java/1.8.0_412 vendor/Oracle_Corporation cfg/retry-mode/standard]"
UA_CONSOLE_BACKEND = "AWS Internal"
UA_ODD = (
    "python-requests/2.31.0 \x1b[31mscan\x1b[0m",
    "curl/8.5.0\r\nX-Injected: 1",
    "Mozilla/5.0 \x1b]0;owned\x07(compatible; probe/0.1)",
    "Go-http-client/1.1\x00",
)


@dataclass
class _Session:
    key: str
    created: int
    name: str
    expires: int
    signin: Optional[str] = None
    ui: Optional[dict] = None


@dataclass
class _Actor:
    """One principal and what it does: a userIdentity builder, its addresses, agents and actions."""

    name: str
    kind: str
    account: str
    weight: float
    actions: list
    action_weights: list
    ips: tuple
    agents: tuple
    regions: tuple = ("us-east-1",)
    region_weights: tuple = (1,)
    role: str = ""
    role_id: str = ""
    role_path: str = "/"
    user_id: str = ""
    key: str = ""
    session_names: tuple = ()
    session_seconds: int = 3600
    minted_by: str = ""
    mfa: bool = False
    deny_rate: float = 0.02
    vpce: str = ""
    state: dict = field(default_factory=dict)
    region_cum: list = field(default_factory=list)

    def __post_init__(self) -> None:
        total = 0.0
        for weight in self.region_weights:
            total += weight
            self.region_cum.append(total)


class _Gen:
    """Generator state: the random stream, the clock, sessions and the actors."""

    def __init__(self, seed: int, start: str, days: float, n: int) -> None:
        self.rng = random.Random(seed)
        self.t0 = calendar.timegm(time.strptime(start, "%Y-%m-%dT%H:%M:%SZ"))
        self.span = max(1.0, days * 86400.0)
        self.mean_gap = self.span / max(1, n)
        self.clock = float(self.t0)
        self._day_cache: dict[int, str] = {}
        self._last_sec = -1
        self._last_ts = ""
        self._tls: dict[tuple, dict] = {}
        # S3's x-amz-id-2 values are long random tokens; a seeded pool keeps them realistic and cheap.
        self.amz_ids = [base64.b64encode(self.rng.getrandbits(384).to_bytes(48, "big")).decode("ascii")
                        for _ in range(2048)]
        self.actors = _build_actors(self)
        self.cum = []
        total = 0.0
        for actor in self.actors:
            total += actor.weight
            self.cum.append(total)
        self.total_weight = total
        self.by_name = {a.name: a for a in self.actors}

    # -- small random helpers --------------------------------------------------------------------------

    def uuid(self) -> str:
        """A version-4 UUID drawn from the seeded stream."""
        h = "%032x" % (self.rng.getrandbits(128) & _UUID_CLEAR | _UUID_SET)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def hexid(self, n: int) -> str:
        return "%0*x" % (n, self.rng.getrandbits(4 * n))

    def access_key(self, prefix: str) -> str:
        return prefix + "".join(self.rng.choices(_KEY_ALPHABET, k=16))

    def ts(self, epoch: float) -> str:
        sec = int(epoch)
        if sec == self._last_sec:
            return self._last_ts
        day, rest = divmod(sec, 86400)
        prefix = self._day_cache.get(day)
        if prefix is None:
            prefix = self._day_cache[day] = time.strftime("%Y-%m-%dT", time.gmtime(day * 86400))
        self._last_sec = sec
        self._last_ts = "%s%02d:%02d:%02dZ" % (prefix, rest // 3600, rest // 60 % 60, rest % 60)
        return self._last_ts

    def pick(self, seq: Any) -> Any:
        return seq[int(self.rng.random() * len(seq))]


# -- userIdentity builders -----------------------------------------------------------------------------


def _iam_user(a: _Actor, key: Optional[str] = None) -> dict:
    if key is None:
        cached = a.state.get("ui")
        if cached is None:
            cached = a.state["ui"] = _iam_user(a, a.key)
        return cached
    ui = {
        "type": "IAMUser",
        "principalId": a.user_id,
        "arn": f"arn:aws:iam::{a.account}:user/{a.name}",
        "accountId": a.account,
        "accessKeyId": a.key if key is None else key,
        "userName": a.name,
    }
    if key == "":
        del ui["accessKeyId"]
    return ui


def _role_arn(a: _Actor) -> str:
    return f"arn:aws:iam::{a.account}:role{a.role_path}{a.role}"


def _assumed(g: _Gen, a: _Actor, s: _Session) -> dict:
    if s.ui is not None:
        return s.ui
    context: dict = {
        "sessionIssuer": {
            "type": "Role",
            "principalId": a.role_id,
            "arn": _role_arn(a),
            "accountId": a.account,
            "userName": a.role,
        },
        "attributes": {"creationDate": g.ts(s.created), "mfaAuthenticated": "true" if a.mfa else "false"},
    }
    if a.kind == "ec2":
        context["ec2RoleDelivery"] = "2.0"
    if s.signin:
        context["signInSessionArn"] = s.signin
    s.ui = {
        "type": "AssumedRole",
        "principalId": f"{a.role_id}:{s.name}",
        "arn": f"arn:aws:sts::{a.account}:assumed-role/{a.role}/{s.name}",
        "accountId": a.account,
        "accessKeyId": s.key,
        "sessionContext": context,
    }
    if a.kind == "svcrole":
        s.ui["invokedBy"] = a.ips[0]
    return s.ui


# -- the actions (one CloudTrail record body each) -----------------------------------------------------
#
# An action returns (eventSource, eventName, readOnly, requestParameters, responseElements, extras);
# extras may hold resources, additionalEventData, eventCategory, managementEvent, apiVersion, errors.

_BUCKETS = {
    PROD: ("wareville-care4wares", "wareville-web-assets", "wareville-app-logs-123456789012", "wareville-backups"),
    DEV: ("wareville-dev-artifacts", "wareville-dev-scratch"),
    SECURITY: ("org-cloudtrail-345678901234", "security-findings-archive"),
}
_OBJECT_KEYS = (
    "reports/2024/11/daily-summary.csv", "reports/2024/12/daily-summary.csv", "exports/orders-20241130.json.gz",
    "images/banner-winter.png", "images/logo.svg", "index.html", "css/site.css", "js/app.bundle.js",
    "backups/db/wareville-prod-2024-11-30.sql.gz", "logs/app/2024/12/01/app-00017.log.gz",
    "artifacts/build-4711/app.zip", "artifacts/build-4712/app.zip", "tmp/scratch.txt", "data/inventory.parquet",
)
_FUNCTIONS = ("order-processor", "thumbnail-maker", "nightly-report", "slack-notifier", "inventory-sync")
_PARAMS = ("/prod/db/host", "/prod/db/password", "/prod/api/stripe-key", "/shared/feature-flags", "/dev/db/password")
_SECRETS = ("prod/wareville/db", "prod/wareville/api-keys", "dev/wareville/db")
_TABLES = ("orders", "inventory", "sessions", "gift-registry")
_LOG_GROUPS = ("/aws/lambda/order-processor", "/aws/lambda/thumbnail-maker", "/ecs/web", "/var/log/messages")
_STACKS = ("wareville-web", "wareville-network", "wareville-data", "wareville-monitoring")
_INSTANCE_TYPES = ("t3.medium", "t3.large", "m6i.large", "c6i.xlarge", "m7g.medium")


def _s3_host(bucket: str, region: str) -> str:
    return f"{bucket}.s3.{region}.amazonaws.com"


def _s3_data(g: _Gen, a: _Actor, ctx: dict, name: str, bucket: str, key: Optional[str]) -> tuple:
    region = ctx["region"]
    params: dict = {"bucketName": bucket, "Host": _s3_host(bucket, region)}
    owner = ctx.get("bucket_owner", a.account)
    resources: list = []
    response = None
    read_only = True
    if key is not None:
        params["key"] = key
        resources.append({"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"})
    if name == "ListObjects":
        params.update({"list-type": "2", "encoding-type": "url", "max-keys": "1000", "prefix": "", "delimiter": "/"})
        params.pop("key", None)
    elif name == "PutObject":
        read_only = False
        response = {"x-amz-server-side-encryption": "AES256", "x-amz-version-id": g.hexid(32)}
    resources.append({"accountId": owner, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"})
    size = int(g.rng.random() * 900000) + 200
    extras = {
        "resources": resources,
        "eventCategory": "Data",
        "managementEvent": False,
        "additionalEventData": {
            "SignatureVersion": "SigV4",
            "CipherSuite": "TLS_AES_128_GCM_SHA256",
            "bytesTransferredIn": size if name == "PutObject" else 0,
            "AuthenticationMethod": "AuthHeader",
            "x-amz-id-2": g.pick(g.amz_ids),
            "bytesTransferredOut": size if name == "GetObject" else 0,
        },
        "requestID": g.hexid(16).upper(),
        "host": _s3_host(bucket, region),
    }
    return "s3.amazonaws.com", name, read_only, params, response, extras


def act_s3_get(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    bucket = g.pick(_BUCKETS.get(a.account, _BUCKETS[PROD]))
    return _s3_data(g, a, ctx, "GetObject", bucket, g.pick(_OBJECT_KEYS))


def act_s3_put(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    bucket = g.pick(_BUCKETS.get(a.account, _BUCKETS[PROD]))
    return _s3_data(g, a, ctx, "PutObject", bucket, g.pick(_OBJECT_KEYS))


def act_s3_list(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    bucket = g.pick(_BUCKETS.get(a.account, _BUCKETS[PROD]))
    return _s3_data(g, a, ctx, "ListObjects", bucket, None)


def act_s3_mgmt(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    name = g.pick(("ListBuckets", "GetBucketAcl", "GetBucketLocation", "GetBucketPolicy", "GetBucketVersioning",
                   "GetBucketEncryption", "GetBucketPublicAccessBlock"))
    region = ctx["region"]
    if name == "ListBuckets":
        params = {"Host": f"s3.{region}.amazonaws.com"}
        resources = None
    else:
        bucket = g.pick(_BUCKETS.get(a.account, _BUCKETS[PROD]))
        params = {"bucketName": bucket, "Host": _s3_host(bucket, region), name[3:].lower(): ""}
        resources = [{"accountId": a.account, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}]
    extras: dict = {
        "requestID": g.hexid(16).upper(),
        "additionalEventData": {
            "SignatureVersion": "SigV4",
            "CipherSuite": "TLS_AES_128_GCM_SHA256",
            "bytesTransferredIn": 0,
            "AuthenticationMethod": "AuthHeader",
            "x-amz-id-2": g.pick(g.amz_ids),
            "bytesTransferredOut": 0,
        },
    }
    if resources:
        extras["resources"] = resources
    return "s3.amazonaws.com", name, True, params, None, extras


def _instance_id(g: _Gen) -> str:
    return "i-0" + g.hexid(16)


def act_ec2_describe(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    name = g.pick(("DescribeInstances", "DescribeSecurityGroups", "DescribeVolumes", "DescribeSubnets",
                   "DescribeVpcs", "DescribeInstanceStatus", "DescribeRegions", "DescribeImages"))
    if name == "DescribeInstances":
        params: dict = {"instancesSet": {}, "filterSet": {"items": [{"name": "instance-state-name",
                                                                  "valueSet": {"items": [{"value": "running"}]}}]}}
    elif name == "DescribeImages":
        params = {"imagesSet": {}, "ownersSet": {"items": [{"owner": "self"}]}, "filterSet": {}}
    elif name == "DescribeRegions":
        params = {"regionSet": {}, "allRegions": False}
    else:
        params = {"filterSet": {}, "maxResults": 1000}
    return "ec2.amazonaws.com", name, True, params, None, {}


def act_ec2_run(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    iid = _instance_id(g)
    itype = g.pick(_INSTANCE_TYPES)
    image = "ami-0" + g.hexid(16)
    subnet = "subnet-0" + g.hexid(16)
    params = {
        "instancesSet": {"items": [{"imageId": image, "minCount": 1, "maxCount": 1}]},
        "instanceType": itype,
        "blockDeviceMapping": {},
        "monitoring": {"enabled": False},
        "disableApiTermination": False,
        "disableApiStop": False,
        "clientToken": g.uuid(),
        "subnetId": subnet,
        "iamInstanceProfile": {"name": "web-server-profile"},
        "tagSpecificationSet": {"items": [{"resourceType": "instance",
                                           "tags": [{"key": "Name", "value": "web-" + g.hexid(4)}]}]},
    }
    response = {
        "requestId": g.uuid(),
        "reservationId": "r-0" + g.hexid(16),
        "ownerId": a.account,
        "groupSet": {},
        "instancesSet": {"items": [{
            "instanceId": iid,
            "imageId": image,
            "currentInstanceBootMode": "uefi",
            "instanceState": {"code": 0, "name": "pending"},
            "privateDnsName": f"ip-10-0-{int(g.rng.random() * 255)}-{int(g.rng.random() * 255)}.ec2.internal",
            "amiLaunchIndex": 0,
            "productCodes": {},
            "instanceType": itype,
            "launchTime": ctx["time_ms"],
            "placement": {"availabilityZone": ctx["region"] + "a", "tenancy": "default"},
            "subnetId": subnet,
        }]},
    }
    return "ec2.amazonaws.com", "RunInstances", False, params, response, {}


def act_ec2_change(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    name = g.pick(("StopInstances", "StartInstances", "CreateTags", "ModifyInstanceAttribute"))
    iid = _instance_id(g)
    if name == "CreateTags":
        params: dict = {"resourcesSet": {"items": [{"resourceId": iid}]},
                        "tagSet": {"items": [{"key": "owner", "value": a.name}]}}
        response: dict = {"requestId": g.uuid(), "_return": True}
    elif name == "ModifyInstanceAttribute":
        params = {"instanceId": iid, "instanceType": {"value": g.pick(_INSTANCE_TYPES)}}
        response = {"requestId": g.uuid(), "_return": True}
    else:
        params = {"instancesSet": {"items": [{"instanceId": iid}]}, "force": False}
        states = ("stopping", "running") if name == "StopInstances" else ("pending", "stopped")
        response = {"requestId": g.uuid(), "instancesSet": {"items": [{
            "instanceId": iid,
            "currentState": {"code": 64 if name == "StopInstances" else 0, "name": states[0]},
            "previousState": {"code": 16 if name == "StopInstances" else 80, "name": states[1]},
        }]}}
    return "ec2.amazonaws.com", name, False, params, response, {}


def act_ec2_sg(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    group = "sg-0" + g.hexid(16)
    cidr = g.pick(("10.0.0.0/16", "192.0.2.0/24", "0.0.0.0/0"))
    params = {"groupId": group, "ipPermissions": {"items": [{
        "ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "groups": {},
        "ipRanges": {"items": [{"cidrIp": cidr}]}, "ipv6Ranges": {}, "prefixListIds": {}}]}}
    response = {"requestId": g.uuid(), "_return": True, "securityGroupRuleSet": {"items": [{
        "groupOwnerId": a.account, "groupId": group, "securityGroupRuleId": "sgr-0" + g.hexid(16),
        "isEgress": False, "ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": cidr}]}}
    return "ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", False, params, response, {}


def act_iam_read(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    name = g.pick(("ListUsers", "GetUser", "ListRoles", "GetRole", "ListAttachedRolePolicies", "ListPolicies",
                   "GetAccountSummary", "ListAccessKeys", "GetPolicy", "ListMFADevices"))
    if name in ("GetRole", "ListAttachedRolePolicies"):
        params: Optional[dict] = {"roleName": g.pick(("Admin", "deploy", "web-server-role", "DataPipelineRole"))}
    elif name in ("GetUser", "ListAccessKeys", "ListMFADevices"):
        params = {"userName": g.pick(("alice.wong", "bob.martin", "ci-deployer", "mcskidy"))}
    elif name == "GetPolicy":
        params = {"policyArn": g.pick(("arn:aws:iam::aws:policy/ReadOnlyAccess",
                                       f"arn:aws:iam::{a.account}:policy/wareville-s3-writers"))}
    elif name == "ListPolicies":
        params = {"scope": "Local", "onlyAttached": False}
    else:
        params = None
    return "iam.amazonaws.com", name, True, params, None, {"region": "us-east-1"}


def act_iam_write(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    name = g.pick(("AttachRolePolicy", "PutRolePolicy", "TagRole", "UpdateAssumeRolePolicy", "CreatePolicyVersion"))
    role = g.pick(("web-server-role", "DataPipelineRole", "deploy"))
    if name == "AttachRolePolicy":
        params: dict = {"roleName": role, "policyArn": f"arn:aws:iam::{a.account}:policy/wareville-s3-writers"}
    elif name == "PutRolePolicy":
        params = {"roleName": role, "policyName": "inline-logs",
                  "policyDocument": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":'
                                    '["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}'}
    elif name == "TagRole":
        params = {"roleName": role, "tags": [{"key": "team", "value": "platform"}]}
    elif name == "UpdateAssumeRolePolicy":
        params = {"roleName": role,
                  "policyDocument": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
                                    '{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'}
    else:
        params = {"policyArn": f"arn:aws:iam::{a.account}:policy/wareville-s3-writers",
                  "policyDocument": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*",'
                                    '"Resource":"arn:aws:s3:::wareville-web-assets/*"}]}', "setAsDefault": True}
    return "iam.amazonaws.com", name, False, params, None, {"region": "us-east-1"}


def act_sts_whoami(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    return "sts.amazonaws.com", "GetCallerIdentity", True, None, None, {}


def act_kms(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    name = g.pick(("Decrypt", "Decrypt", "GenerateDataKey", "DescribeKey", "Encrypt"))
    key_arn = f"arn:aws:kms:{ctx['region']}:{a.account}:key/{g.pick(('1f0b4b1c', '7c2e9d44', 'b5a0e3f2'))}-" \
              f"2b3c-4d5e-8f90-0a1b2c3d4e5f"
    if name == "DescribeKey":
        params: dict = {"keyId": "alias/wareville-data"}
    elif name == "GenerateDataKey":
        params = {"keyId": key_arn, "keySpec": "AES_256",
                  "encryptionContext": {"aws:s3:arn": "arn:aws:s3:::wareville-backups"}}
    else:
        params = {"encryptionAlgorithm": "SYMMETRIC_DEFAULT",
                  "encryptionContext": {"aws:lambda:FunctionArn":
                                        f"arn:aws:lambda:{ctx['region']}:{a.account}:function:order-processor"}}
    extras = {"resources": [{"accountId": a.account, "type": "AWS::KMS::Key", "ARN": key_arn}]}
    return "kms.amazonaws.com", name, name in ("Decrypt", "DescribeKey"), params, None, extras


def act_ssm_param(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    name = g.pick(("GetParameter", "GetParameters", "GetParametersByPath", "DescribeParameters"))
    if name == "GetParameter":
        params: dict = {"name": g.pick(_PARAMS), "withDecryption": g.rng.random() < 0.6}
    elif name == "GetParameters":
        params = {"names": [g.pick(_PARAMS), g.pick(_PARAMS)], "withDecryption": True}
    elif name == "GetParametersByPath":
        params = {"path": "/prod/", "recursive": True, "withDecryption": True}
    else:
        params = {"maxResults": 50}
    return "ssm.amazonaws.com", name, True, params, None, {}


def act_ssm_agent(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    name = g.pick(("UpdateInstanceInformation", "UpdateInstanceInformation", "ListInstanceAssociations"))
    iid = ctx.get("instance") or _instance_id(g)
    if name == "UpdateInstanceInformation":
        params: dict = {"instanceId": iid, "agentVersion": "3.3.40.0", "agentStatus": "Active",
                        "platformType": "Linux", "platformName": "Amazon Linux", "platformVersion": "2023",
                        "iPAddress": f"10.0.{int(g.rng.random() * 255)}.{int(g.rng.random() * 255)}",
                        "computerName": f"ip-10-0-1-{int(g.rng.random() * 255)}.ec2.internal",
                        "agentName": "amazon-ssm-agent", "availabilityZone": ctx["region"] + "b"}
        return "ssm.amazonaws.com", name, False, params, None, {}
    return "ssm.amazonaws.com", name, True, {"instanceId": iid, "maxResults": 50}, None, {}


def act_secrets(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    secret = g.pick(_SECRETS)
    arn = f"arn:aws:secretsmanager:{ctx['region']}:{a.account}:secret:{secret}-{g.hexid(6)}"
    return "secretsmanager.amazonaws.com", "GetSecretValue", True, {"secretId": arn}, None, {
        "resources": [{"accountId": a.account, "type": "AWS::SecretsManager::Secret", "ARN": arn}]}


def act_lambda_read(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    name = g.pick(("ListFunctions20150331", "GetFunction20150331v2", "GetFunctionConfiguration20150331v2",
                   "ListTags20170331"))
    fn = g.pick(_FUNCTIONS)
    params = None if name.startswith("List") else {"functionName": fn}
    return "lambda.amazonaws.com", name, True, params, None, {}


def act_lambda_deploy(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    fn = g.pick(_FUNCTIONS)
    arn = f"arn:aws:lambda:{ctx['region']}:{a.account}:function:{fn}"
    params = {"functionName": fn, "publish": True, "dryRun": False,
              "s3Bucket": "wareville-dev-artifacts", "s3Key": f"artifacts/build-{4700 + int(g.rng.random() * 99)}/app.zip"}
    response = {"functionName": fn, "functionArn": arn, "runtime": "python3.12",
                "role": f"arn:aws:iam::{a.account}:role/DataPipelineRole", "handler": "app.handler",
                "codeSize": 48213 + int(g.rng.random() * 9000), "timeout": 30, "memorySize": 256,
                "lastModified": ctx["time"].replace("Z", ".000+0000"), "codeSha256": base64.b64encode(
                    g.rng.getrandbits(256).to_bytes(32, "big")).decode("ascii"),
                "version": str(int(g.rng.random() * 40) + 1), "state": "Active"}
    return "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", False, params, response, {
        "resources": [{"accountId": a.account, "type": "AWS::Lambda::Function", "ARN": arn}]}


def act_logs(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    name = g.pick(("CreateLogStream", "DescribeLogGroups", "DescribeLogStreams", "PutRetentionPolicy",
                   "FilterLogEvents"))
    group = g.pick(_LOG_GROUPS)
    if name == "CreateLogStream":
        return "logs.amazonaws.com", name, False, {
            "logGroupName": group, "logStreamName": f"2024/12/01/[$LATEST]{g.hexid(32)}"}, None, {}
    if name == "PutRetentionPolicy":
        return "logs.amazonaws.com", name, False, {"logGroupName": group, "retentionInDays": 30}, None, {}
    if name == "FilterLogEvents":
        return "logs.amazonaws.com", name, True, {"logGroupName": group, "filterPattern": "ERROR",
                                                  "interleaved": True}, None, {}
    return "logs.amazonaws.com", name, True, {"logGroupNamePrefix": "/aws/", "limit": 50}, None, {}


def act_monitoring(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    name = g.pick(("GetMetricData", "DescribeAlarms", "ListMetrics", "PutMetricAlarm"))
    if name == "PutMetricAlarm":
        return "monitoring.amazonaws.com", name, False, {
            "alarmName": "wareville-5xx-high", "metricName": "HTTPCode_Target_5XX_Count", "namespace":
            "AWS/ApplicationELB", "statistic": "Sum", "period": 60, "evaluationPeriods": 5, "threshold": 50.0,
            "comparisonOperator": "GreaterThanThreshold"}, None, {}
    if name == "GetMetricData":
        return "monitoring.amazonaws.com", name, True, {
            "metricDataQueries": [{"id": "m1", "metricStat": {"metric": {"namespace": "AWS/EC2", "metricName":
                                                                         "CPUUtilization"}, "period": 300,
                                                              "stat": "Average"}}],
            "startTime": ctx["time"], "endTime": ctx["time"]}, None, {}
    return "monitoring.amazonaws.com", name, True, {"maxRecords": 100}, None, {}


def act_dynamodb(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    name = g.pick(("DescribeTable", "ListTables", "DescribeContinuousBackups", "UpdateTable"))
    table = g.pick(_TABLES)
    arn = f"arn:aws:dynamodb:{ctx['region']}:{a.account}:table/{table}"
    if name == "ListTables":
        return "dynamodb.amazonaws.com", name, True, None, None, {}
    ro = name != "UpdateTable"
    params: dict = {"tableName": table}
    if not ro:
        params["billingMode"] = "PAY_PER_REQUEST"
    return "dynamodb.amazonaws.com", name, ro, params, None, {
        "resources": [{"accountId": a.account, "type": "AWS::DynamoDB::Table", "ARN": arn}]}


def act_cloudformation(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    name = g.pick(("DescribeStacks", "DescribeStackEvents", "ListStacks", "UpdateStack", "GetTemplate"))
    stack = g.pick(_STACKS)
    if name == "ListStacks":
        return "cloudformation.amazonaws.com", name, True, {"stackStatusFilter": ["UPDATE_COMPLETE"]}, None, {}
    if name == "UpdateStack":
        sid = f"arn:aws:cloudformation:{ctx['region']}:{a.account}:stack/{stack}/{g.uuid()}"
        return "cloudformation.amazonaws.com", name, False, {
            "stackName": stack, "templateURL": f"https://wareville-dev-artifacts.s3.amazonaws.com/cfn/{stack}.yaml",
            "capabilities": ["CAPABILITY_NAMED_IAM"]}, {"stackId": sid}, {}
    return "cloudformation.amazonaws.com", name, True, {"stackName": stack}, None, {}


def act_cloudtrail_read(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    name = g.pick(("DescribeTrails", "GetTrailStatus", "LookupEvents", "GetEventSelectors"))
    if name == "LookupEvents":
        params: Optional[dict] = {"maxResults": 50, "lookupAttributes": [{"attributeKey": "EventName",
                                                                          "attributeValue": "ConsoleLogin"}]}
    elif name == "DescribeTrails":
        params = {"includeShadowTrails": True}
    else:
        params = {"name": f"arn:aws:cloudtrail:us-east-1:{SECURITY}:trail/org-trail"}
    return "cloudtrail.amazonaws.com", name, True, params, None, {}


def act_misc_read(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    source, name = g.pick((
        ("elasticloadbalancing.amazonaws.com", "DescribeLoadBalancers"),
        ("elasticloadbalancing.amazonaws.com", "DescribeTargetHealth"),
        ("autoscaling.amazonaws.com", "DescribeAutoScalingGroups"),
        ("rds.amazonaws.com", "DescribeDBInstances"),
        ("route53.amazonaws.com", "ListHostedZones"),
        ("organizations.amazonaws.com", "DescribeOrganization"),
        ("ecr.amazonaws.com", "GetAuthorizationToken"),
        ("ecs.amazonaws.com", "ListClusters"),
        ("sqs.amazonaws.com", "ListQueues"),
        ("sns.amazonaws.com", "ListTopics"),
        ("config.amazonaws.com", "DescribeConfigRules"),
        ("guardduty.amazonaws.com", "ListDetectors"),
        ("health.amazonaws.com", "DescribeEventAggregates"),
    ))
    extras: dict = {}
    if source in ("route53.amazonaws.com", "organizations.amazonaws.com"):
        extras["region"] = "us-east-1"
    return source, name, True, None, None, extras


def act_signin_console(g: _Gen, a: _Actor, ctx: dict) -> tuple:
    """Console back-end calls made for a signed-in user (source "AWS Internal" on some of them)."""
    name = g.pick(("DescribeInstances", "GetBucketAcl", "ListBuckets", "DescribeAlarms", "ListFunctions20150331",
                   "GetAccountSummary"))
    source = {"DescribeInstances": "ec2.amazonaws.com", "GetBucketAcl": "s3.amazonaws.com",
              "ListBuckets": "s3.amazonaws.com", "DescribeAlarms": "monitoring.amazonaws.com",
              "ListFunctions20150331": "lambda.amazonaws.com", "GetAccountSummary": "iam.amazonaws.com"}[name]
    params: Optional[dict] = None
    if name == "GetBucketAcl":
        bucket = g.pick(_BUCKETS.get(a.account, _BUCKETS[PROD]))
        params = {"bucketName": bucket, "Host": "s3.amazonaws.com", "acl": ""}
    extras: dict = {"console": True}
    if source == "iam.amazonaws.com":
        extras["region"] = "us-east-1"
    return source, name, True, params, None, extras


# -- actors --------------------------------------------------------------------------------------------

_READ_MIX = [act_ec2_describe, act_s3_mgmt, act_iam_read, act_sts_whoami, act_logs, act_monitoring, act_misc_read,
             act_cloudformation, act_lambda_read, act_dynamodb, act_cloudtrail_read]


def _actor(name: str, kind: str, account: str, weight: float, actions: list, **kw: Any) -> _Actor:
    acts = [x[0] if isinstance(x, tuple) else x for x in actions]
    weights = [x[1] if isinstance(x, tuple) else 1.0 for x in actions]
    cum = []
    total = 0.0
    for w in weights:
        total += w
        cum.append(total)
    return _Actor(name=name, kind=kind, account=account, weight=weight, actions=acts, action_weights=cum, **kw)


def _build_actors(g: _Gen) -> list[_Actor]:
    rng = g.rng

    def uid(prefix: str) -> str:
        return prefix + "".join(rng.choices(_KEY_ALPHABET, k=17))

    actors: list[_Actor] = []
    humans = (
        ("alice.wong", ("81.2.69.142", "2a02:c7c:1234:5600:b0c1:9e7f:3a2b:11d4"), (UA_CLI_MAC, UA_CHROME)),
        ("bob.martin", ("198.51.100.23", "198.51.100.24"), (UA_CLI, UA_FIREFOX)),
        ("carol.ops", ("203.0.113.77",), (UA_CLI, UA_TERRAFORM)),
        ("dave.sec", ("192.0.2.15", "2001:db8:4006:812::200e"), (UA_CLI_MAC, UA_SAFARI)),
        ("mcskidy", ("145.40.81.9",), (UA_CLI_MAC, UA_CHROME)),
        ("elf.logistics", ("86.12.44.201",), (UA_CHROME,)),
    )
    for name, ips, agents in humans:
        actors.append(_actor(name, "user", PROD, 2.0,
                             [(act_ec2_describe, 3), (act_s3_mgmt, 3), (act_iam_read, 2), (act_sts_whoami, 1),
                              (act_s3_get, 2), (act_s3_list, 1), (act_logs, 1), (act_monitoring, 1),
                              (act_cloudformation, 1), (act_ssm_param, 1), (act_ec2_change, 0.4),
                              (act_iam_write, 0.15), (act_ec2_sg, 0.1), (act_cloudtrail_read, 0.3)],
                             ips=ips, agents=agents, regions=REGIONS, region_weights=_REGION_WEIGHTS,
                             user_id=uid("AIDA"), key=g.access_key("AKIA")))
    actors.append(_actor("ci-deployer", "user", DEV, 1.0, [(act_sts_whoami, 1)], ips=("34.201.19.88",),
                         agents=(UA_CLI,), user_id=uid("AIDA"), key=g.access_key("AKIA")))
    actors.append(_actor("backup-agent", "user", PROD, 3.0, [(act_s3_put, 5), (act_s3_list, 1), (act_kms, 2)],
                         ips=("52.94.133.131", "52.94.133.132"), agents=(UA_GO.replace("{svc}", "s3"),),
                         user_id=uid("AIDA"), key=g.access_key("AKIA")))
    actors.append(_actor("grafana-reader", "user", PROD, 4.0, [(act_monitoring, 6), (act_logs, 2), (act_misc_read, 1)],
                         ips=("54.72.100.3",), agents=(UA_GO.replace("{svc}", "cloudwatch"),),
                         regions=REGIONS, region_weights=_REGION_WEIGHTS, user_id=uid("AIDA"),
                         key=g.access_key("AKIA")))
    # role sessions minted by a visible AssumeRole* call
    actors.append(_actor("Admin", "role", PROD, 3.0, _READ_MIX + [(act_ec2_change, 0.5), (act_iam_write, 0.2)],
                         role="Admin", role_id=uid("AROA"), session_names=("alice.wong", "bob.martin", "dave.sec"),
                         ips=("81.2.69.142", "198.51.100.23", "192.0.2.15"), agents=(UA_CLI, UA_CLI_MAC),
                         regions=REGIONS, region_weights=_REGION_WEIGHTS, minted_by="human", mfa=True))
    actors.append(_actor("deploy", "role", DEV, 5.0,
                         [(act_cloudformation, 4), (act_lambda_deploy, 1), (act_s3_put, 2), (act_s3_get, 2),
                          (act_iam_read, 1), (act_ec2_describe, 1), (act_misc_read, 1)],
                         role="deploy", role_id=uid("AROA"), session_names=("botocore-session-{n}",),
                         ips=("34.201.19.88",), agents=(UA_TERRAFORM.replace("{svc}", "cloudformation"), UA_BOTO_EC2),
                         regions=("us-east-1", "eu-west-1"), region_weights=(3, 1), minted_by="ci-deployer",
                         session_seconds=900))
    actors.append(_actor("web-server-role", "ec2", PROD, 14.0,
                         [(act_s3_get, 4), (act_s3_put, 1.5), (act_kms, 3), (act_ssm_param, 2), (act_logs, 2),
                          (act_secrets, 1), (act_dynamodb, 1)],
                         role="web-server-role", role_id=uid("AROA"),
                         session_names=tuple(_instance_id(g) for _ in range(6)),
                         ips=("10.0.1.23", "10.0.2.51", "10.0.3.17", "3.208.77.14"), agents=(UA_BOTO_EC2, UA_JAVA),
                         regions=("us-east-1",), minted_by="ec2.amazonaws.com", session_seconds=6 * 3600,
                         vpce="vpce-0" + g.hexid(16)))
    actors.append(_actor("DataPipelineRole", "lambda", PROD, 10.0,
                         [(act_s3_get, 3), (act_s3_put, 2), (act_dynamodb, 3), (act_kms, 2), (act_logs, 1.5),
                          (act_secrets, 1)],
                         role="DataPipelineRole", role_id=uid("AROA"), session_names=_FUNCTIONS,
                         ips=("3.91.171.22", "54.164.9.201", "44.204.19.3", "2600:1f18:4a3:6902:9d4c:1e2:f0e1:87b"),
                         agents=(UA_BOTO, UA_NODE), regions=("us-east-1", "eu-west-1"), region_weights=(4, 1),
                         minted_by="lambda.amazonaws.com", session_seconds=2 * 3600))
    actors.append(_actor("eks-pod-s3-reader", "webid", DEV, 3.0, [(act_s3_get, 4), (act_s3_list, 2), (act_sts_whoami, 1)],
                         role="eks-pod-s3-reader", role_id=uid("AROA"), session_names=("botocore-session-{n}",),
                         ips=("10.20.4.18", "10.20.5.201"), agents=(UA_BOTO_EC2,), regions=("us-west-2",),
                         minted_by="web-identity", session_seconds=3600, vpce="vpce-0" + g.hexid(16)))
    sso_admin = "AWSReservedSSO_AdministratorAccess_" + g.hexid(16)
    sso_read = "AWSReservedSSO_ReadOnlyAccess_" + g.hexid(16)
    for role, names, weight, mix in (
        (sso_admin, ("jane.doe@wareville.example", "sam.lee@wareville.example"), 3.0,
         _READ_MIX + [(act_ec2_change, 0.6), (act_iam_write, 0.3), (act_ec2_run, 0.2), (act_signin_console, 3)]),
        (sso_read, ("priya.n@wareville.example", "tom.k@wareville.example", "jane.doe@wareville.example"), 3.0,
         _READ_MIX + [(act_signin_console, 3)]),
    ):
        for account in (PROD, DEV):
            actors.append(_actor(f"{role}@{account}", "sso", account, weight / 2, mix, role=role, role_id=uid("AROA"),
                                 role_path="/aws-reserved/sso.amazonaws.com/", session_names=names,
                                 ips=("81.2.69.160", "203.0.113.9", "2a02:c7c:1234:5600:4d3:b2ff:fe11:8a9c"),
                                 agents=(UA_CHROME, UA_FIREFOX, UA_S3_CONSOLE, UA_CONSOLE_BACKEND),
                                 regions=REGIONS, region_weights=_REGION_WEIGHTS, minted_by="saml",
                                 session_seconds=8 * 3600))
    actors.append(_actor("SecurityAudit", "scanner", PROD, 4.0, _READ_MIX + [(act_secrets, 0.5), (act_ssm_param, 0.5)],
                         role="SecurityAudit", role_id=uid("AROA"), session_names=("audit-{n}",),
                         ips=("35.180.12.7",), agents=(UA_GO.replace("{svc}", "iam"),) * 6 + UA_ODD[:2],
                         regions=REGIONS, region_weights=_REGION_WEIGHTS, minted_by="cross-account",
                         deny_rate=0.25, session_seconds=3600))
    actors.append(_actor("OrganizationAccountAccessRole", "role", DEV, 1.0, _READ_MIX,
                         role="OrganizationAccountAccessRole", role_id=uid("AROA"), session_names=("dave.sec",),
                         ips=("192.0.2.15",), agents=(UA_CLI_MAC,), minted_by="human", mfa=True,
                         regions=REGIONS, region_weights=_REGION_WEIGHTS))
    actors.append(_actor("ssm-instance", "ec2id", PROD, 3.0, [act_ssm_agent], role="aws:ec2-instance",
                         session_names=tuple(_instance_id(g) for _ in range(4)), ips=("10.0.1.23", "10.0.2.51"),
                         agents=(UA_SSM,), regions=("us-east-1",)))
    actors.append(_actor("AWSServiceRoleForAutoScaling", "svcrole", PROD, 1.5,
                         [(act_ec2_describe, 3), (act_ec2_run, 0.3), (act_ec2_change, 0.5)],
                         role="AWSServiceRoleForAutoScaling", role_id=uid("AROA"), session_names=("AutoScaling",),
                         role_path="/aws-service-role/autoscaling.amazonaws.com/",
                         ips=("autoscaling.amazonaws.com",), agents=("autoscaling.amazonaws.com",),
                         regions=("us-east-1", "eu-west-1"), region_weights=(2, 1), minted_by="autoscaling.amazonaws.com"))
    actors.append(_actor("AWSServiceRoleForConfig", "svcrole", PROD, 1.5, [act_ec2_describe, act_s3_mgmt, act_iam_read],
                         role="AWSServiceRoleForConfig", role_id=uid("AROA"), session_names=("AWSConfig-Describe",),
                         role_path="/aws-service-role/config.amazonaws.com/", ips=("config.amazonaws.com",),
                         agents=("config.amazonaws.com",), regions=REGIONS, region_weights=_REGION_WEIGHTS,
                         minted_by="config.amazonaws.com"))
    actors.append(_actor("root", "root", DEV, 0.15, [act_iam_read, act_misc_read, act_s3_mgmt],
                         ips=("198.51.100.99",), agents=(UA_CHROME,), user_id=DEV))
    actors.append(_actor("service", "service", PROD, 2.0, [], ips=(), agents=()))
    actors.append(_actor("fed-partner", "federated", PROD, 0.4, [act_s3_get, act_s3_list], ips=("185.199.110.153",),
                         agents=(UA_JAVA,), user_id=uid("AIDA")))
    actors.append(_actor("partner-account", "awsaccount", PROD, 0.5, [act_s3_get], ips=("18.184.3.77",),
                         agents=(UA_JAVA,), user_id=uid("AIDA")))
    actors.append(_actor("anonymous", "anonymous", PROD, 0.3, [act_s3_get], ips=("100.24.1.9", "45.79.113.12"),
                         agents=("Wget/1.21.4", "curl/8.5.0") + UA_ODD[2:]))
    actors.append(_actor("idc-user", "idc", PROD, 0.3, [], ips=("81.2.69.160", "203.0.113.9"), agents=(UA_CHROME,)))
    actors.append(_actor("password-spray", "spray", PROD, 0.2, [], ips=("45.155.205.233", "193.142.146.35"),
                         agents=(UA_FIREFOX, UA_ODD[1])))
    actors.append(_actor("kms-rotation", "servicevent", PROD, 0.2, [], ips=(), agents=()))
    return actors


# -- record assembly -----------------------------------------------------------------------------------

_DENY = {
    "ec2.amazonaws.com": ("Client.UnauthorizedOperation", "You are not authorized to perform this operation. "
                                                         "User: {arn} is not authorized to perform: ec2:{name} "
                                                         "because no identity-based policy allows the ec2:{name} action"),
}
_DENY_DEFAULT = ("AccessDenied", "User: {arn} is not authorized to perform: {svc}:{name} on resource: {res} "
                                 "because no identity-based policy allows the {svc}:{name} action")


def _record(g: _Gen, ui: Optional[dict], t: float, region: str, ip: str, agent: str, body: tuple, account: str,
            *, event_type: str = "AwsApiCall", deny: bool = False, vpce: str = "", console: bool = False,
            shared: Optional[str] = None) -> dict:
    source, name, read_only, params, response, extras = body
    region = extras.get("region", region)
    rec: dict = {"eventVersion": "1.10" if source == "s3.amazonaws.com" else g.pick(("1.08", "1.09", "1.10")),
                 "userIdentity": ui, "eventTime": g.ts(t), "eventSource": source, "eventName": name,
                 "awsRegion": region, "sourceIPAddress": ip, "userAgent": agent}
    if ui is None:
        del rec["userIdentity"]
    if deny:
        code, message = _DENY.get(source, _DENY_DEFAULT)
        arn = (ui or {}).get("arn", "unknown")
        rec["errorCode"] = code
        rec["errorMessage"] = message.format(arn=arn, name=name, svc=source.split(".")[0],
                                             res=f"arn:aws:{source.split('.')[0]}:{region}:{account}:*")
        response = None
    rec["requestParameters"] = params
    rec["responseElements"] = response
    if "additionalEventData" in extras:
        rec["additionalEventData"] = extras["additionalEventData"]
    rec["requestID"] = extras.get("requestID") or g.uuid()
    rec["eventID"] = g.uuid()
    rec["readOnly"] = read_only
    if "resources" in extras:
        rec["resources"] = extras["resources"]
    rec["eventType"] = event_type
    rec["managementEvent"] = extras.get("managementEvent", True)
    rec["recipientAccountId"] = account
    if shared:
        rec["sharedEventID"] = shared
    if vpce:
        rec["vpcEndpointId"] = vpce
        rec["vpcEndpointAccountId"] = account
    rec["eventCategory"] = extras.get("eventCategory", "Management")
    if ip != "AWS Internal" and not ip.endswith(".amazonaws.com"):
        version, cipher = _TLS[int(g.rng.random() * 3)] if source != "s3.amazonaws.com" else _TLS[0]
        host = extras.get("host") or (f"{source.split('.')[0]}.{region}.amazonaws.com"
                                      if source not in ("iam.amazonaws.com", "route53.amazonaws.com")
                                      else source)
        tls_key = (version, host)
        tls = g._tls.get(tls_key)
        if tls is None:
            tls = g._tls[tls_key] = {"tlsVersion": version, "cipherSuite": cipher, "clientProvidedHostHeader": host}
        rec["tlsDetails"] = tls
    if console:
        rec["sessionCredentialFromConsole"] = "true"
    return rec


def _session(g: _Gen, a: _Actor, t: float) -> tuple[_Session, bool]:
    """The actor's current session (a fresh one when expired); the flag says it was just minted."""
    sessions = a.state.setdefault("sessions", {})
    slot = int(g.rng.random() * len(a.session_names)) if a.session_names else 0
    s = sessions.get(slot)
    if s is not None and t < s.expires:
        return s, False
    name = a.session_names[slot] if a.session_names else a.name
    if "{n}" in name:
        name = name.replace("{n}", str(int(t * 1000) % 10**13 + slot))
    created = int(t) - 1
    s = _Session(key=g.access_key("ASIA"), created=created, name=name, expires=created + a.session_seconds)
    if a.kind == "sso" and g.rng.random() < 0.7:
        s.signin = f"arn:aws:signin:us-east-1:{a.account}:session/{g.uuid()}"
    sessions[slot] = s
    return s, True


def _mint(g: _Gen, a: _Actor, s: _Session, t: float) -> dict:
    """The STS call that created session ``s`` (AssumeRole, AssumeRoleWithSAML, AssumeRoleWithWebIdentity)."""
    role_arn = _role_arn(a)
    expiration = time.strftime("%b %d, %Y, %I:%M:%S %p", time.gmtime(s.created + a.session_seconds))
    credentials = {"accessKeyId": s.key, "sessionToken": "IQoJb3JpZ2luX2VjE" + g.hexid(40), "expiration": expiration}
    assumed = {"assumedRoleId": f"{a.role_id}:{s.name}", "arn": f"arn:aws:sts::{a.account}:assumed-role/{a.role}/{s.name}"}
    params: dict = {"roleArn": role_arn, "roleSessionName": s.name, "durationSeconds": a.session_seconds}
    resources = [{"accountId": a.account, "type": "AWS::IAM::Role", "ARN": role_arn}]
    name = "AssumeRole"
    shared = None
    vpce = ""
    how = a.minted_by
    if how in ("ec2.amazonaws.com", "lambda.amazonaws.com", "autoscaling.amazonaws.com", "config.amazonaws.com"):
        ui: Optional[dict] = {"type": "AWSService", "invokedBy": how}
        ip = agent = how
        shared = g.uuid()
        if how == "ec2.amazonaws.com":
            params = {"roleArn": role_arn, "roleSessionName": s.name}
    elif how == "ci-deployer":
        ci = g.by_name["ci-deployer"]
        ui = _iam_user(ci)
        ip, agent = ci.ips[0], UA_TERRAFORM.replace("{svc}", "sts")
    elif how == "human":
        human = g.by_name.get(s.name) or g.by_name["dave.sec"]
        ui = _iam_user(human)
        ip, agent = human.ips[0], human.agents[0].replace("{cmd}", "sts.assume-role")
        params["serialNumber"] = f"arn:aws:iam::{human.account}:mfa/{human.name}"
        if human.account != a.account:
            ip = human.ips[-1]
    elif how == "saml":
        name = "AssumeRoleWithSAML"
        provider = f"arn:aws:iam::{a.account}:saml-provider/AWSSSO_{g.hexid(16)}_DO_NOT_DELETE"
        ui = {"type": "SAMLUser", "principalId": f"{a.account}:{s.name}", "userName": s.name,
              "identityProvider": "https://portal.sso.us-east-1.amazonaws.com/saml/assertion/"
                                  "MDEyMzQ1Njc4OTAxX2lucy1leGFtcGxlMDAwMQ=="}
        params = {"sAMLAssertionID": "_" + g.uuid(), "roleSessionName": s.name,
                  "principalTags": {"Department": "Engineering"}, "roleArn": role_arn,
                  "principalArn": provider, "durationSeconds": a.session_seconds}
        ip, agent = a.ips[0], UA_CHROME
    elif how == "web-identity":
        name = "AssumeRoleWithWebIdentity"
        issuer = f"oidc.eks.us-west-2.amazonaws.com/id/{g.hexid(32).upper()}"
        ui = {"type": "WebIdentityUser", "principalId": f"arn:aws:iam::{a.account}:oidc-provider/{issuer}:sts."
                                                        f"amazonaws.com:system:serviceaccount:data:s3-reader",
              "userName": "system:serviceaccount:data:s3-reader",
              "identityProvider": f"arn:aws:iam::{a.account}:oidc-provider/{issuer}"}
        params = {"roleArn": role_arn, "roleSessionName": s.name, "durationSeconds": a.session_seconds}
        ip, agent = a.ips[0], UA_BOTO_EC2
        vpce = a.vpce
    else:  # cross-account: a role in the security account assumes into this one
        ui = {"type": "AssumedRole", "principalId": f"AROA{SECURITY[:6]}AUDITHUB:audit-hub",
              "arn": f"arn:aws:sts::{SECURITY}:assumed-role/audit-hub/audit-hub", "accountId": SECURITY,
              "accessKeyId": "ASIA" + g.hexid(16).upper(),
              "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": f"AROA{SECURITY[:6]}AUDITHUB",
                                                   "arn": f"arn:aws:iam::{SECURITY}:role/audit-hub",
                                                   "accountId": SECURITY, "userName": "audit-hub"},
                                 "attributes": {"creationDate": g.ts(t - 600), "mfaAuthenticated": "false"}}}
        ip, agent = a.ips[0], a.agents[0]
    body = ("sts.amazonaws.com", name, True, params, {"credentials": credentials, "assumedRoleUser": assumed},
            {"resources": resources})
    region = "us-east-1" if how != "web-identity" else "us-west-2"
    rec = _record(g, ui, t - 1, region, ip, agent, body, a.account, shared=shared, vpce=vpce)
    if how == "saml":
        rec["additionalEventData"] = {"identityStoreId": "d-9067" + g.hexid(6)}
    return rec


def _service_event(g: _Gen, t: float) -> dict:
    """An AWS service acting on its own account: CloudTrail's bucket check, Config delivery, ELB/ECS calls."""
    account = g.pick(ACCOUNTS)
    service, source, name, params = g.pick((
        ("cloudtrail.amazonaws.com", "s3.amazonaws.com", "GetBucketAcl",
         {"bucketName": f"org-cloudtrail-{SECURITY}", "Host": f"org-cloudtrail-{SECURITY}.s3.amazonaws.com", "acl": ""}),
        ("config.amazonaws.com", "s3.amazonaws.com", "GetBucketAcl",
         {"bucketName": "security-findings-archive", "Host": "security-findings-archive.s3.amazonaws.com", "acl": ""}),
        ("elasticloadbalancing.amazonaws.com", "kms.amazonaws.com", "Decrypt",
         {"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}),
        ("ecs.amazonaws.com", "ecr.amazonaws.com", "BatchGetImage",
         {"repositoryName": "wareville/web", "imageIds": [{"imageTag": "latest"}]}),
        ("logs.amazonaws.com", "kms.amazonaws.com", "GenerateDataKey",
         {"keySpec": "AES_256", "encryptionContext": {"aws:logs:arn": f"arn:aws:logs:us-east-1:{account}:log-group:/ecs/web"}}),
    ))
    ui = {"type": "AWSService", "invokedBy": service}
    body = (source, name, True, params, None, {})
    ip = service if g.rng.random() < 0.7 else "AWS Internal"
    return _record(g, ui, t, g.pick(REGIONS[:2]), ip, service, body, account, shared=g.uuid())


def _kms_rotation(g: _Gen, t: float) -> dict:
    account = g.pick(ACCOUNTS)
    region = g.pick(REGIONS[:3])
    key_arn = f"arn:aws:kms:{region}:{account}:key/{g.uuid()}"
    rec = _record(g, {"accountId": account, "invokedBy": "kms.amazonaws.com"}, t, region, "kms.amazonaws.com",
                  "kms.amazonaws.com", ("kms.amazonaws.com", "RotateKey", False, None, None,
                                        {"resources": [{"accountId": account, "type": "AWS::KMS::Key",
                                                        "ARN": key_arn}]}),
                  account, event_type="AwsServiceEvent")
    del rec["userAgent"]
    rec["additionalEventData"] = {"keyId": key_arn.rsplit("/", 1)[1]}
    rec["serviceEventDetails"] = {"keyRotationStatus": "COMPLETED"}
    rec.pop("tlsDetails", None)
    return rec


def _console_login(g: _Gen, ui: dict, t: float, ip: str, agent: str, account: str, ok: bool, mfa: str,
                   message: str = "") -> dict:
    body = ("signin.amazonaws.com", "ConsoleLogin", False, None, {"ConsoleLogin": "Success" if ok else "Failure"}, {})
    rec = _record(g, ui, t, "us-east-1", ip, agent, body, account, event_type="AwsConsoleSignIn")
    if not ok:
        rec["errorMessage"] = message or "Failed authentication"
        rec["responseElements"] = {"ConsoleLogin": "Failure"}
    order = ("eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress",
             "userAgent", "errorMessage", "requestParameters", "responseElements", "additionalEventData",
             "eventID", "readOnly", "eventType", "managementEvent", "recipientAccountId", "eventCategory",
             "tlsDetails")
    rec["additionalEventData"] = {"LoginTo": "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauth"
                                             "code=true", "MobileVersion": "No", "MFAUsed": mfa}
    rec["tlsDetails"] = {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                         "clientProvidedHostHeader": "signin.aws.amazon.com"}
    return {k: rec[k] for k in order if k in rec}


def _one(g: _Gen, t: float) -> list[dict]:
    """One background event (plus the STS call that minted its credentials, when it needs fresh ones)."""
    rng = g.rng
    a = g.actors[bisect.bisect_left(g.cum, rng.random() * g.total_weight)]
    kind = a.kind
    if kind == "service":
        return [_service_event(g, t)]
    if kind == "servicevent":
        return [_kms_rotation(g, t)]
    if kind == "spray":
        ui = {"type": "IAMUser", "accountId": a.account, "accessKeyId": "", "userName": "HIDDEN_DUE_TO_SECURITY_REASONS"}
        return [_console_login(g, ui, t, g.pick(a.ips), g.pick(a.agents), a.account, False, "No",
                               "No username found in supplied account")]
    if kind == "idc":
        user_id = g.pick(("906774e8-10a1-70c8-f5a3-5b4e1f0c2d11", "c4f8a2d6-3071-7012-9c1e-0a9b8e7d6c5f"))
        ui = {"type": "IdentityCenterUser", "accountId": a.account,
              "onBehalfOf": {"userId": user_id, "identityStoreArn": f"arn:aws:identitystore::{a.account}:"
                                                                     "identitystore/d-9067a1b2c3"},
              "credentialId": g.hexid(32)}
        name = g.pick(("CredentialChallenge", "UserAuthentication", "ListAccounts"))
        source = "signin.amazonaws.com" if name != "ListAccounts" else "sso.amazonaws.com"
        if name == "ListAccounts":  # portal calls carry a bearer token, logged as an "Unknown" identity
            ui = {"type": "Unknown", "principalId": user_id, "accountId": a.account,
                  "userName": g.pick(("jane.doe", "sam.lee"))}
        rec = _record(g, ui, t, "us-east-1", g.pick(a.ips), UA_CHROME,
                      (source, name, name == "ListAccounts", None, None, {}), a.account,
                      event_type="AwsServiceEvent" if source == "signin.amazonaws.com" else "AwsApiCall")
        rec["additionalEventData"] = {"UserName": g.pick(("jane.doe", "sam.lee")), "CredentialType": "PASSWORD"}
        return [rec]

    region = a.regions[0] if len(a.regions) == 1 else a.regions[
        bisect.bisect_left(a.region_cum, rng.random() * a.region_cum[-1])]
    ctx: dict = {"region": region, "time": g.ts(t), "time_ms": int(t * 1000)}
    action = a.actions[bisect.bisect_left(a.action_weights, rng.random() * a.action_weights[-1])]
    ip = g.pick(a.ips)
    agent = g.pick(a.agents)
    out: list[dict] = []
    vpce = ""
    console = False
    account = a.account
    if kind == "user":
        ui = _iam_user(a)
    elif kind == "root":
        ui = {"type": "Root", "principalId": a.account, "arn": f"arn:aws:iam::{a.account}:root",
              "accountId": a.account, "accessKeyId": "ASIA" + g.hexid(16).upper(), "userName": "wareville-dev",
              "sessionContext": {"attributes": {"creationDate": g.ts(t - 300), "mfaAuthenticated": "true"}}}
        console = True
        if rng.random() < 0.3:
            out.append(_console_login(g, {"type": "Root", "principalId": a.account,
                                          "arn": f"arn:aws:iam::{a.account}:root", "accountId": a.account,
                                          "accessKeyId": ""}, t - 30, ip, agent, a.account, True, "Yes"))
    elif kind == "federated":
        ui = {"type": "FederatedUser", "principalId": f"{a.account}:{a.name}",
              "arn": f"arn:aws:sts::{a.account}:federated-user/{a.name}", "accountId": a.account,
              "accessKeyId": "ASIA" + g.hexid(16).upper(),
              "sessionContext": {"sessionIssuer": {"type": "IAMUser", "principalId": a.user_id,
                                                   "arn": f"arn:aws:iam::{a.account}:user/partner-broker",
                                                   "accountId": a.account, "userName": "partner-broker"},
                                 "attributes": {"creationDate": g.ts(t - 1200), "mfaAuthenticated": "false"}}}
    elif kind == "awsaccount":
        ui = {"type": "AWSAccount", "principalId": a.user_id, "accountId": PARTNER}
        ctx["bucket_owner"] = PROD
    elif kind == "anonymous":
        ui = {"type": "AWSAccount", "principalId": "", "accountId": "anonymous"}
        action = act_s3_get
    elif kind == "ec2id":
        iid = g.pick(a.session_names)
        ctx["instance"] = iid
        ui = {"type": "AssumedRole", "principalId": f"{a.account}:aws:ec2-instance:{iid}",
              "arn": f"arn:aws:sts::{a.account}:assumed-role/aws:ec2-instance/{iid}", "accountId": a.account,
              "accessKeyId": "ASIA" + g.hexid(16).upper(),
              "sessionContext": {"sessionIssuer": {}, "webIdFederationData": {},
                                 "attributes": {"creationDate": g.ts(t - 1800), "mfaAuthenticated": "false"},
                                 "ec2RoleDelivery": "2.0"}}
    else:
        s, fresh = _session(g, a, t)
        if fresh and a.minted_by:
            out.append(_mint(g, a, s, t))
        ui = _assumed(g, a, s)
        if kind == "ec2":
            ip = a.ips[a.session_names.index(s.name) % len(a.ips)] if s.name in a.session_names else ip
            if ip.startswith("10."):
                vpce = a.vpce
        elif kind == "webid":
            vpce = a.vpce
        elif kind == "sso":
            if agent in (UA_S3_CONSOLE, UA_CONSOLE_BACKEND):
                console = True
                if agent == UA_CONSOLE_BACKEND:
                    ip = "AWS Internal"
    body = action(g, a, ctx)
    if body[5].get("console"):
        console = True
        if kind != "sso":
            agent = UA_S3_CONSOLE if body[0] == "s3.amazonaws.com" else agent
    if "{" in agent:
        agent = agent.replace("{cmd}", body[0].split(".")[0] + "." + _kebab(body[1])).replace("{svc}", body[0].split(".")[0])
    deny = rng.random() < a.deny_rate
    out.append(_record(g, ui, t, region, ip, agent, body, account, deny=deny, vpce=vpce, console=console))
    return out


_KEBAB: dict[str, str] = {}


def _kebab(name: str) -> str:
    cached = _KEBAB.get(name)
    if cached is not None:
        return cached
    out = []
    for ch in name:
        if ch.isupper() and out:
            out.append("-")
        out.append(ch.lower())
    cached = _KEBAB[name] = "".join(out)
    return cached


# -- the incident --------------------------------------------------------------------------------------


def _incident(g: _Gen, t0: float) -> list[dict]:
    """The Wareville-style incident, as records with eventTimes from ``t0`` on."""
    acct = INCIDENT["account"]
    ip = INCIDENT["ip"]
    bucket = INCIDENT["bucket"]
    glitch = _Actor(name=INCIDENT["user"], kind="user", account=acct, weight=0, actions=[], action_weights=[],
                    ips=(ip,), agents=(UA_CHROME,), user_id="AIDA" + "GLITCH" + g.hexid(11).upper(), key="")
    mcskidy = g.by_name[INCIDENT["granted_by"]]
    out: list[dict] = []
    # 1. console sign-in without MFA: one mistyped password, then success
    login_ui = _iam_user(glitch, key="")
    out.append(_console_login(g, login_ui, t0, ip, UA_CHROME, acct, False, "No"))
    out.append(_console_login(g, login_ui, t0 + 41, ip, UA_CHROME, acct, True, "No"))
    console_key = g.access_key("ASIA")
    created = int(t0 + 42)

    def console_ui() -> dict:
        ui = _iam_user(glitch, key=console_key)
        ui["sessionContext"] = {"attributes": {"creationDate": g.ts(created), "mfaAuthenticated": "false"}}
        return ui

    # 2. mcskidy, from the same address, makes glitch an administrator
    attach = ("iam.amazonaws.com", "AttachUserPolicy", False,
              {"userName": INCIDENT["user"], "policyArn": INCIDENT["policy"]}, None, {"region": "us-east-1"})
    mc_ui = _iam_user(mcskidy)
    out.append(_record(g, mc_ui, t0 + 188, "us-east-1", ip, UA_CLI_MAC.replace("{cmd}", "iam.attach-user-policy"),
                       attach, acct))
    # 3. glitch browses and takes what is in the bucket, then defaces the site
    ctx = {"region": "us-east-1", "time": "", "time_ms": 0}
    steps: list[tuple[float, tuple, str]] = [
        (305, act_s3_mgmt_fixed("ListBuckets", None), UA_S3_CONSOLE),
        (318, act_s3_mgmt_fixed("GetBucketAcl", bucket), UA_S3_CONSOLE),
        (331, _s3_data(g, glitch, ctx, "ListObjects", bucket, None), UA_S3_CONSOLE),
        (402, _s3_data(g, glitch, ctx, "GetObject", bucket, "donors/care4wares-donors-2024.csv"), UA_S3_CONSOLE),
        (415, _s3_data(g, glitch, ctx, "GetObject", bucket, "finance/wareville-grants.xlsx"), UA_S3_CONSOLE),
        (460, _s3_data(g, glitch, ctx, "GetObject", bucket, "images/bestFestivalCompany.png"), UA_S3_CONSOLE),
        (1210, _s3_data(g, glitch, ctx, "PutObject", bucket, "images/bestFestivalCompany.png"), UA_S3_CONSOLE),
        (1236, _s3_data(g, glitch, ctx, "PutObject", bucket, "index.html"), UA_S3_CONSOLE),
        (1302, _s3_data(g, glitch, ctx, "ListObjects", bucket, None), UA_S3_CONSOLE),
    ]
    for offset, body, agent in steps:
        out.append(_record(g, console_ui(), t0 + offset, "us-east-1", ip, agent, body, acct, console=True))
    return out


def act_s3_mgmt_fixed(name: str, bucket: Optional[str]) -> tuple:
    if bucket is None:
        return "s3.amazonaws.com", name, True, {"Host": "s3.amazonaws.com"}, None, {}
    return ("s3.amazonaws.com", name, True, {"bucketName": bucket, "Host": "s3.amazonaws.com", "acl": ""}, None,
            {"resources": [{"accountId": INCIDENT["account"], "type": "AWS::S3::Bucket",
                            "ARN": f"arn:aws:s3:::{bucket}"}]})


# -- the public generator ------------------------------------------------------------------------------


def generate(n: int, seed: int = 7, start: str = "2024-12-01T00:00:00Z", incident: bool = False,
             days: float = 1.0) -> Iterator[dict]:
    """Yield ``n`` CloudTrail records (plain dicts) spread over ``days`` from ``start``.

    Each record is a new dict, but records share some nested objects that are identical anyway (one
    session's ``userIdentity``, ``tlsDetails``); treat them as read-only or copy them before mutating.

    eventTime increases with random gaps; about 1% of records are late (eventTime up to 5 minutes in the
    past), as CloudTrail delivery order does not follow eventTime. ``incident=True`` embeds the ``INCIDENT``
    story at 55% of the time span (it needs ``n`` ≥ 14; the incident's records count towards ``n``).
    The same arguments always yield the same records.
    """
    if n <= 0:
        return
    g = _Gen(seed, start, days, n)
    rng = g.rng
    pending: list[dict] = []
    if incident:
        pending = _incident(g, g.t0 + 0.55 * g.span)
    emitted = 0
    rate = 1.0 / g.mean_gap
    expovariate = rng.expovariate
    queue: list[dict] = []
    g.clock += expovariate(rate)
    while emitted < n:
        if pending and pending[0]["eventTime"] <= g.ts(g.clock):
            record = pending.pop(0)
        else:
            if not queue:
                t = g.clock
                if rng.random() < 0.01:
                    t -= 1 + rng.random() * 299
                queue = _one(g, t)
            record = queue.pop(0)
        yield record
        emitted += 1
        # the clock moves once per record, so n records span about `days` whatever the mix
        g.clock += expovariate(rate)


# -- writers -------------------------------------------------------------------------------------------


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value)


def _gzip_bytes(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=6, mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


class _Sink:
    """A binary output file, gzip-compressed (deterministically: no name, mtime 0) when ``compress``."""

    def __init__(self, path: Path, compress: bool) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._raw = open(path, "wb")
        self._out: Any = (gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, compresslevel=6, mtime=0)
                          if compress else self._raw)
        self._buf: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> None:
        self._buf.append(data)
        self._size += len(data)
        if self._size > 1 << 20:
            self._out.write(b"".join(self._buf))
            self._buf.clear()
            self._size = 0

    def close(self) -> None:
        self._out.write(b"".join(self._buf))
        self._buf.clear()
        if self._out is not self._raw:
            self._out.close()
        self._raw.close()


_DAY_EPOCH: dict[str, int] = {}


def _ms(event_time: str) -> int:
    """Epoch milliseconds of an ``eventTime`` (``YYYY-MM-DDTHH:MM:SSZ``); 0 when it does not parse."""
    try:
        day = event_time[:10]
        base = _DAY_EPOCH.get(day)
        if base is None:
            base = _DAY_EPOCH[day] = calendar.timegm(time.strptime(day, "%Y-%m-%d"))
        return (base + int(event_time[11:13]) * 3600 + int(event_time[14:16]) * 60 + int(event_time[17:19])) * 1000
    except (TypeError, ValueError):
        return 0


_DETAIL_TYPES = {
    "AwsApiCall": "AWS API Call via CloudTrail",
    "AwsConsoleSignIn": "AWS Console Signin via CloudTrail",
    "AwsConsoleAction": "AWS Console Action via CloudTrail",
    "AwsServiceEvent": "AWS Service Event via CloudTrail",
    "AwsCloudTrailInsight": "AWS Insight via CloudTrail",
}


def _lookup_event(rec: dict) -> dict:
    ui = rec.get("userIdentity") or {}
    username = ui.get("userName")
    if ui.get("type") == "AssumedRole":
        username = str(ui.get("arn", "")).rsplit("/", 1)[-1]
    elif ui.get("type") == "Root":
        username = "root"
    elif not username:
        username = ui.get("invokedBy") or ui.get("principalId")
    event: dict = {
        "EventId": rec["eventID"],
        "EventName": rec["eventName"],
        "ReadOnly": "true" if rec.get("readOnly") else "false",
    }
    if ui.get("accessKeyId"):
        event["AccessKeyId"] = ui["accessKeyId"]
    # CLI v2 prints timestamps with the local offset; a UTC+01:00 workstation is assumed.
    t = _ms(rec["eventTime"]) // 1000 + 3600
    event["EventTime"] = time.strftime("%Y-%m-%dT%H:%M:%S+01:00", time.gmtime(t))
    event["EventSource"] = rec["eventSource"]
    if username:
        event["Username"] = username
    event["Resources"] = [{"ResourceType": r.get("type"), "ResourceName": r.get("ARN")}
                          for r in rec.get("resources") or []]
    event["CloudTrailEvent"] = _dumps(rec).decode("utf-8")
    return event


def _eventbridge(rec: dict, g: random.Random) -> dict:
    source = "aws." + rec.get("eventSource", "unknown").split(".")[0]
    h = "%032x" % g.getrandbits(128)
    return {
        "version": "0",
        "id": f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}",
        "detail-type": _DETAIL_TYPES.get(rec.get("eventType", ""), "AWS API Call via CloudTrail"),
        "source": source,
        "account": rec.get("recipientAccountId"),
        "time": rec.get("eventTime"),
        "region": rec.get("awsRegion"),
        "resources": [],
        "detail": rec,
    }


def _cwl_event_id(g: random.Random) -> str:
    return "".join(str(g.randrange(10)) for _ in range(56))


def _stream(rec: dict) -> str:
    return f"{rec.get('recipientAccountId')}_CloudTrail_{rec.get('awsRegion')}"


def write(path: Union[str, Path], n: int, shape: str, seed: int = 7, start: str = "2024-12-01T00:00:00Z",
          incident: bool = False, days: float = 1.0, org: Optional[str] = None,
          records: Optional[Iterable[dict]] = None, file_minutes: float = 60.0) -> list[Path]:
    """Write ``n`` generated records to ``path`` in ``shape``; returns the files written.

    ``tree`` treats ``path`` as a directory and writes an S3 delivery tree under ``path/AWSLogs/`` (with the
    ``org`` segment when given) plus hourly digest files: one file per account and region holds 500–2000
    events, or fewer when its events would span more than ``file_minutes``; every other shape writes one file, gzip-compressed
    when its name ends in ``.gz`` (``records-gz`` always is). ``records`` replaces the generator (used to
    write the same events in several shapes).
    """
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r} (expected one of {', '.join(SHAPES)})")
    source = records if records is not None else generate(n, seed=seed, start=start, incident=incident, days=days)
    path = Path(path)
    if shape == "tree":
        return _write_tree(path, source, seed, org, file_minutes * 60.0)
    aux = random.Random(seed ^ 0x5EED)
    sink = _Sink(path, shape == "records-gz" or path.name.endswith(".gz"))
    try:
        if shape in ("records", "records-gz", "array", "lookup", "cwl", "lake"):
            head, tail, wrap = {
                "records": (b'{"Records":[', b"]}", None),
                "records-gz": (b'{"Records":[', b"]}", None),
                "array": (b"[", b"]", None),
                "lookup": (b'{"Events":[', b"]}", _lookup_event),
                "cwl": (b'{"events":[', b'],"searchedLogStreams":[]}', None),
                "lake": (b'{"QueryStatus":"FINISHED","QueryResultRows":[', b"]}", None),
            }[shape]
            sink.write(head)
            count = 0
            for rec in source:
                if shape == "cwl":
                    ms = _ms(rec.get("eventTime", ""))
                    item: Any = {"logStreamName": _stream(rec), "timestamp": ms, "message": _dumps(rec).decode(),
                                 "ingestionTime": ms + 2000 + aux.randrange(300000), "eventId": _cwl_event_id(aux)}
                elif shape == "lake":
                    item = _lake_row(rec)
                elif wrap is not None:
                    item = wrap(rec)
                else:
                    item = rec
                sink.write((b"," if count else b"") + _dumps(item))
                count += 1
            if shape == "lake":
                tail = (b'],"QueryStatistics":{"ResultsCount":%d,"TotalResultsCount":%d,"BytesScanned":%d}}'
                        % (count, count, count * 1180))
            sink.write(tail)
        elif shape in ("jsonl", "eventbridge"):
            for rec in source:
                sink.write(_dumps(_eventbridge(rec, aux) if shape == "eventbridge" else rec) + b"\n")
        elif shape == "cwl-export":
            for rec in source:
                ms = _ms(rec.get("eventTime", "")) + 1000 + aux.randrange(240000)
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ " % (ms % 1000)
                sink.write(stamp.encode("ascii") + _dumps(rec) + b"\n")
        elif shape == "subscription":
            _write_subscription(sink, source, aux)
    finally:
        sink.close()
    return [path]


_LAKE_COLUMNS = (
    ("eventTime", ("eventTime",)),
    ("eventSource", ("eventSource",)),
    ("eventName", ("eventName",)),
    ("awsRegion", ("awsRegion",)),
    ("sourceIPAddress", ("sourceIPAddress",)),
    ("userAgent", ("userAgent",)),
    ("errorCode", ("errorCode",)),
    ("userIdentity.type", ("userIdentity", "type")),
    ("userIdentity.arn", ("userIdentity", "arn")),
    ("userIdentity.principalId", ("userIdentity", "principalId")),
    ("recipientAccountId", ("recipientAccountId",)),
    ("eventID", ("eventID",)),
)


def _lake_row(rec: dict) -> list:
    row = []
    for column, path in _LAKE_COLUMNS:
        value: Any = rec
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None:
            row.append({column: value if isinstance(value, str) else orjson.dumps(value).decode()})
    return row


def _write_subscription(sink: _Sink, source: Iterable[dict], aux: random.Random) -> None:
    """CloudWatch Logs subscription payloads as Firehose stores them in S3: back to back, no separators."""
    control = {"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": "",
               "subscriptionFilters": [], "logEvents": [{"id": "", "timestamp": 1733011200000,
                                                          "message": "CWL CONTROL MESSAGE: Checking health of "
                                                                     "destination Firehose."}]}
    sink.write(_dumps(control))
    batch: list[dict] = []
    stream = ""

    def flush() -> None:
        if not batch:
            return
        owner = stream.split("_", 1)[0]
        sink.write(_dumps({"messageType": "DATA_MESSAGE", "owner": owner,
                           "logGroup": f"aws-cloudtrail-logs-{owner}-1a2b3c4d", "logStream": stream,
                           "subscriptionFilters": ["trailtui-to-firehose"], "logEvents": list(batch)}))
        batch.clear()

    for rec in source:
        rec_stream = _stream(rec)
        if batch and (rec_stream != stream or len(batch) >= 40):
            flush()
        stream = rec_stream
        batch.append({"id": _cwl_event_id(aux), "timestamp": _ms(rec.get("eventTime", "")),
                      "message": _dumps(rec).decode()})
    flush()


def _delivery_stamp(epoch: int) -> str:
    return time.strftime("%Y%m%dT%H%MZ", time.gmtime(epoch))


def _write_tree(root: Path, source: Iterable[dict], seed: int, org: Optional[str], window: float) -> list[Path]:
    """An S3 delivery tree: per account and region, files of 500–2000 events, plus hourly digests."""
    aux = random.Random(seed ^ 0x7EE)
    buffers: dict[tuple[str, str], list[dict]] = {}
    targets: dict[tuple[str, str], int] = {}
    written: list[Path] = []
    deliveries: dict[tuple[str, str, int], list[dict]] = {}
    bucket = f"org-cloudtrail-{SECURITY}"
    base = root / "AWSLogs"
    if org:
        base = base / org

    def flush(key: tuple[str, str]) -> None:
        records = buffers.pop(key, [])
        if not records:
            return
        account, region = key
        times = sorted(r.get("eventTime", "") for r in records)
        newest = _ms(times[-1]) // 1000
        delivered = newest + 180 + aux.randrange(300)
        day = time.strftime("%Y/%m/%d", time.gmtime(delivered))
        unique = "".join(aux.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", k=16))
        name = f"{account}_CloudTrail_{region}_{_delivery_stamp(delivered)}_{unique}.json.gz"
        rel = Path(account) / "CloudTrail" / region / day / name
        data = _gzip_bytes(b'{"Records":[' + b",".join(_dumps(r) for r in records) + b"]}")
        target = base / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(target)
        s3_object = "AWSLogs/" + (f"{org}/" if org else "") + rel.as_posix()
        deliveries.setdefault((account, region, delivered // 3600), []).append({
            "s3Bucket": bucket, "s3Object": s3_object, "hashValue": hashlib.sha256(data).hexdigest(),
            "hashAlgorithm": "SHA-256", "newestEventTime": times[-1], "oldestEventTime": times[0]})

    opened: dict[tuple[str, str], int] = {}
    for rec in source:
        key = (str(rec.get("recipientAccountId")), str(rec.get("awsRegion")))
        now = _ms(rec.get("eventTime", "")) // 1000
        buf = buffers.get(key)
        if buf and now - opened[key] > window:
            flush(key)
            buf = None
        if not buf:
            buf = buffers[key] = []
            opened[key] = now
        buf.append(rec)
        if key not in targets:
            targets[key] = 500 + aux.randrange(1501)
        if len(buf) >= targets[key]:
            flush(key)
            targets[key] = 500 + aux.randrange(1501)
    for key in sorted(buffers):
        flush(key)
    written.extend(_write_digests(base, org, deliveries, aux, bucket))
    return written


def _write_digests(base: Path, org: Optional[str], deliveries: dict, aux: random.Random, bucket: str) -> list[Path]:
    out = []
    previous: dict[tuple[str, str], Optional[tuple[str, str]]] = {}
    for (account, region, hour) in sorted(deliveries):
        files = deliveries[(account, region, hour)]
        end = (hour + 1) * 3600
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(end))
        day = time.strftime("%Y/%m/%d", time.gmtime(end))
        name = f"{account}_CloudTrail-Digest_{region}_org-trail_us-east-1_{stamp}.json.gz"
        rel = Path(account) / "CloudTrail-Digest" / region / day / name
        s3_object = "AWSLogs/" + (f"{org}/" if org else "") + rel.as_posix()
        prev = previous.get((account, region))
        digest = {
            "awsAccountId": account,
            "digestStartTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(hour * 3600)),
            "digestEndTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(end)),
            "digestS3Bucket": bucket,
            "digestS3Object": s3_object,
            "digestPublicKeyFingerprint": "%032x" % aux.getrandbits(128),
            "digestSignatureAlgorithm": "SHA256withRSA",
            "newestEventTime": max(f["newestEventTime"] for f in files),
            "oldestEventTime": min(f["oldestEventTime"] for f in files),
            "previousDigestS3Bucket": bucket if prev else None,
            "previousDigestS3Object": prev[0] if prev else None,
            "previousDigestHashValue": prev[1] if prev else None,
            "previousDigestHashAlgorithm": "SHA-256" if prev else None,
            "previousDigestSignature": ("%0512x" % aux.getrandbits(2048)) if prev else None,
            "logFiles": files,
        }
        data = _gzip_bytes(_dumps(digest))
        target = base / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        out.append(target)
        previous[(account, region)] = (s3_object, hashlib.sha256(data).hexdigest())
    return out


# -- command line --------------------------------------------------------------------------------------


def main(argv: Optional[list[str]] = None) -> int:
    """``python -m trailtui.tools.samplegen --events N --shape SHAPE --out PATH [--seed S] [--incident]``."""
    parser = argparse.ArgumentParser(prog="python -m trailtui.tools.samplegen",
                                     description="Write deterministic, realistic CloudTrail sample data.")
    parser.add_argument("--events", type=int, required=True, help="how many records to generate")
    parser.add_argument("--shape", choices=SHAPES, default="records", help="output shape (default: records)")
    parser.add_argument("--out", required=True, help="output file (a directory for --shape tree)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default: 7)")
    parser.add_argument("--start", default="2024-12-01T00:00:00Z", help="first eventTime (UTC, ISO 8601 with Z)")
    parser.add_argument("--days", type=float, default=1.0, help="time span of the records in days (default: 1)")
    parser.add_argument("--incident", action="store_true", help="embed the Wareville S3 incident")
    parser.add_argument("--org", default=None, help="organization id segment for --shape tree (e.g. o-a1b2c3d4e5)")
    parser.add_argument("--file-minutes", type=float, default=60.0,
                        help="--shape tree: most minutes of events one log file spans (default: 60)")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    files = write(args.out, args.events, args.shape, seed=args.seed, start=args.start, incident=args.incident,
                  days=args.days, org=args.org, file_minutes=args.file_minutes)
    elapsed = time.perf_counter() - began
    size = sum(os.path.getsize(f) for f in files)
    print(f"wrote {args.events:,} events as {args.shape} to {args.out} ({len(files)} file(s), {size:,} bytes) "
          f"in {elapsed:.2f} s: {args.events / max(elapsed, 1e-9):,.0f} events/s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
