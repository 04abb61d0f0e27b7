"""Hunts: the library's content, differential hit tests against libjq on the public datasets (both
backends), the comparison with panther-analysis' expected results, user hunt files, and the sample."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from jqref import RefProgram
from trailtui.engine import hunts
from trailtui.engine.backend import make_backend
from trailtui.engine.bookmarks import content_hash
from trailtui.engine.session import Session

from conftest import DATASETS, SHARED

REPO = Path(__file__).resolve().parents[1]
LIBRARY = hunts.load_library(include_user=False)
EVENT_HUNTS = [h for h in LIBRARY.hunts if not h.is_aggregate]
AGGREGATES = [h for h in LIBRARY.hunts if h.is_aggregate]


# -- the library ------------------------------------------------------------------------------------


def test_the_28_guide_hunts_are_verbatim() -> None:
    guide = SHARED / "guides" / "cloudtrail.md"
    if not guide.exists():
        pytest.skip("the CloudTrail guide is not available")
    block = guide.read_text(encoding="utf-8").split("### 5.1", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    expected = dict(line.split("\t", 1) for line in block.splitlines() if re.match(r"Q\d\d\t", line))
    assert len(expected) == 28
    assert {h.id: h.filter for h in EVENT_HUNTS} == expected


def test_every_hunt_is_described() -> None:
    for hunt in LIBRARY.hunts:
        assert hunt.title and hunt.why and hunt.attack, hunt.id
        assert hunt.severity in hunts.SEVERITIES
        assert all(re.fullmatch(r"T\d{4}(\.\d{3})?", t) for t in hunt.attack)
    # Sorted most urgent first.
    assert [h.rank for h in LIBRARY.hunts] == sorted(h.rank for h in LIBRARY.hunts)


def test_every_hunt_compiles_in_libjq() -> None:
    for hunt in LIBRARY.hunts:
        RefProgram(hunt.program())  # raises on a compile error


# -- differential hits on the public datasets ----------------------------------------------------------


@pytest.fixture(scope="module", params=["memory", "duckdb"])
def dataset_session(request: pytest.FixtureRequest):
    if not DATASETS.exists():
        pytest.skip("the shared datasets are not available")
    session = Session(make_backend(request.param, dedupe=False, **({"cache": False} if request.param == "duckdb" else {})))
    for _ in session.load([str(DATASETS)]):
        pass
    records = list(session.backend.records(range(len(session))))
    yield session, records
    session.close()


def libjq_rows(program: str, records: list) -> list[int]:
    """Rows whose record makes libjq's per-event filter yield something (an error: not selected)."""
    ref = RefProgram(program)
    return [row for row, result in enumerate(ref.run_many(records)) if result.outputs and not result.errored]


@pytest.mark.parametrize("hunt", EVENT_HUNTS, ids=lambda h: h.id)
def test_event_hunt_hits_equal_libjq(hunt: hunts.Hunt, dataset_session) -> None:
    session, records = dataset_session
    result = hunts.run_hunt(session, hunt)
    assert result is not None and not result.error
    assert sorted(result.rows) == libjq_rows(hunt.filter, records)


@pytest.mark.parametrize("hunt", AGGREGATES, ids=lambda h: h.id)
def test_aggregate_hunt_groups_equal_libjq(hunt: hunts.Hunt, dataset_session) -> None:
    session, records = dataset_session
    result = hunts.run_hunt(session, hunt)
    assert result is not None and not result.error
    (expected,) = RefProgram(hunt.program()).run({"Records": records}).outputs
    assert [json.dumps(g, sort_keys=True) for g in result.groups] == \
           [json.dumps(g, sort_keys=True) for g in json.loads(expected)]
    # The hits are the candidates of the groups that fired, as libjq's own per-event form says.
    keys = [g["key"] for g in result.groups]
    assert sorted(result.rows) == libjq_rows(hunt.event_filter(keys), records)


def test_the_datasets_make_most_hunts_fire(dataset_session) -> None:
    session, _records = dataset_session
    fired = {r.hunt.id for r in hunts.run_hunts(session, LIBRARY.hunts) if r.fired}
    # Stratus, OTRF and panther's test events cover these; the rest are listed in the README.
    assert len(fired) >= 24, sorted(fired)


# -- panther-analysis ----------------------------------------------------------------------------------

PANTHER_RULES = {
    "Q01": ["AWS.CloudTrail.Stopped"],
    "Q02": ["AWS.CloudTrail.EventSelectorsDisabled"],
    "Q03": ["AWS.Console.RootLoginFailed"],
    "Q04": ["AWS.Console.LoginWithoutMFA"],
    "Q05": ["AWS.Root.Activity"],
    "Q06": ["AWS.Console.RootLogin"],
    "Q07": ["AWS.IAM.CreateUser", "AWS.IAM.CreateRole", "AWS.IAM.BackdoorRole", "AWS.CloudTrail.LoginProfileCreatedOrModified"],
    "Q08": ["AWS.IAM.Backdoor.User.Keys"],
    "Q09": ["AWS.IAM.AttachAdminUserPolicy", "AWS.IAM.AttachAdminRolePolicy"],
    "Q10": ["Role.Assumed.by.User"],
    "Q11": ["AWS.SecretsManager.RetrieveSecrets", "AWS.SecretsManager.BatchRetrieveSecrets", "AWS.SSM.DecryptSSMParams"],
    "Q12": ["AWS.S3.BucketPolicyModified"],
    "Q15": ["AWS.S3.DeletePublicAccessBlock"],
    "Q16": ["AWS.KMS.CustomerManagedKeyLoss"],
    "Q18": ["AWS.CloudTrail.AttemptToLeaveOrg", "AWS.CloudTrail.DNSLogsDeleted", "AWS.VPCFlow.LogsDeleted",
            "AWS.SecurityHub.Finding.Evasion", "AWS.ConfigService.DisabledDeleted"],
    "Q20": ["AWS.CloudTrail.EnableRegion", "AWS.EC2.LaunchUnusualEC2Instances"],
    "Q21": ["AWS.CloudTrail.UnauthorizedAPICall"],
    "Q22": ["AWS.STS.GetCallerIdentity.TruffleHog"],
    "Q23": ["AWS.CloudTrail.IMDSCredentialExfiltration"],
    "Q24": ["AWS.CloudTrail.SnapshotMadePublic", "AWS.RDS.SnapshotShared", "AWS.CloudTrail.AMIModifiedForPublicAccess"],
    "Q27": ["AWS.EC2.Startup.Script.Change", "AWS.SSM.DistributedCommand"],
    "Q28": ["AWS.CloudTrail.Account.Discovery"],
}
"""Panther rules covering the same behaviour as a hunt (the README's comparison table)."""

ERRORED = "the hunt fails"
FAILED_CALL = "the call failed (errorCode set): panther ignores failed calls, the hunt shows attempts too"
DISAGREEMENTS = {
    ("Q01", "Error Stopping CloudTrail"): FAILED_CALL,
    ("Q04", "No MFA Login - New User"): "panther skips a user's first login (state kept in its KV store); a hunt has no state",
    ("Q04", "No MFA - IAM Role and External IDP"): "panther excludes console logins of federated roles; the hunt excludes only SSO and SAML",
    ("Q05", "Root Activity - CreateServiceLinkedRole"): "panther excludes CreateServiceLinkedRole; the guide's stricter variant is not the default",
    ("Q05", "Root User Failed Activity"): FAILED_CALL,
    ("Q05", "Root Read-Only Enumeration"): "panther excludes read-only root calls; any root use is worth seeing",
    ("Q07", "ChangeOwnPassword"): "the hunt lists UpdateLoginProfile whoever calls it; panther ignores users changing their own",
    ("Q07", "IAM Role Policy Updated Without Internet Access"): "panther looks for trust policies opening the role to outside principals; the hunt lists every trust-policy change",
    ("Q07", "IAM Role Policy Updated With No Policy Document"): "as above: every UpdateAssumeRolePolicy is listed",
    ("Q07", "IAM Role Not Created"): FAILED_CALL,
    ("Q07", "IAM User Not Created"): FAILED_CALL,
    ("Q12", "S3 Bucket Policy Modified Error Response"): FAILED_CALL,
    ("Q15", "Public Access Block Deletion Failed"): FAILED_CALL,
    ("Q15", "Non-S3 Event"): "panther's test event has an S3 API name under eventSource ec2; the hunt matches on the name alone",
    ("Q16", "KMS Disable Key Error"): FAILED_CALL,
    ("Q18", "Error Deleting Config Recorder"): FAILED_CALL,
    ("Q20", "Successful Unusual EC2 (Dictionary)"): "instanceType is an object in this event: test() raises, and an event that raises does not match",
    ("Q21", "Unauthorized API Call from Within AWS (FQDN)"): "panther counts only IP-literal sources; the hunt keeps denials from AWS service hostnames",
    ("Q22", "Normal GetCallerIdentity"): "the hunt also lists GetCallerIdentity by long-term keys (not only TruffleHog)",
    ("Q23", "Normal EC2 Workload From Private IP"): "panther treats private (VPC) addresses as on-instance; the hunt flags every non-AWS address",
    ("Q23", "Legitimate SSM Activity"): "panther excludes SSM agents' calls; the hunt excludes only RegisterManagedInstance",
    ("Q23", "AWS Service InvokedBy on behalf of instance"): "panther excludes invokedBy; the hunt does not look at it",
    ("Q23", "SSM Messages Service Source"): "panther excludes the ssmmessages source host; the hunt only .amazonaws.com hosts",
    ("Q24", "AMI Not Made Public"): "the hunt lists any launchPermission add (sharing with one account too); panther only public",
    ("Q24", "AMI Added to User"): "as above: sharing with one account is listed",
    ("Q24", "Error Making AMI Public"): FAILED_CALL,
    ("Q24", "Snapshot Not Made Publicly Accessible"): "the hunt lists any createVolumePermission add; panther only group all",
    ("Q24", "Error Making Snapshot Publicly Accessible"): FAILED_CALL,
    ("Q27", "Single Command Send, No Cached IDs"): "panther alerts on commands to many instances (a threshold); the hunt lists every SendCommand",
    ("Q28", "DescribeAccount"): "the hunt's discovery set has no Organizations/Account APIs",
    ("Q28", "GetAlternateContact"): "as above",
    ("Q28", "GetContactInformation"): "as above",
}
"""Every panther test event on which a hunt disagrees with panther's expected result, with the reason."""


def test_hunts_against_panther_expected_results(datasets: Path) -> None:
    base = datasets / "panther-analysis"
    records = json.loads(gzip.open(base / "panther_cloudtrail_rule_tests.json.gz").read())["Records"]
    index = [json.loads(line) for line in (base / "panther_cloudtrail_rule_tests.index.jsonl").read_text().splitlines()]
    session = Session(make_backend("memory", dedupe=False))
    for _ in session.load([str(base / "panther_cloudtrail_rule_tests.json.gz")]):
        pass
    assert len(session) == len(records) == len(index)
    disagreements = {}
    compared = 0
    for hunt_id, rules in PANTHER_RULES.items():
        fired = set(hunts.run_hunt(session, LIBRARY.get(hunt_id)).rows)
        for row, meta in enumerate(index):
            if meta["id"] in rules:
                compared += 1
                if (row in fired) != meta["expected"]:
                    disagreements[(hunt_id, meta["test"])] = meta["expected"]
    assert set(disagreements) == set(DISAGREEMENTS)
    assert compared - len(disagreements) >= 85


# -- user and team hunt files ------------------------------------------------------------------------

GOOD = '''
[[hunt]]
id = "T01"
title = "Glitch did anything"
why = "the suspect"
attack = ["T1078"]
severity = "high"
filter = \'\'\'select(.userIdentity.userName == "glitch")\'\'\'
'''


def test_user_hunts_are_added_and_can_replace_a_builtin(tmp_path: Path) -> None:
    directory = tmp_path / "trailtui" / "hunts"
    directory.mkdir(parents=True)
    (directory / "mine.toml").write_text(GOOD + GOOD.replace("T01", "Q28").replace("Glitch did anything", "Mine"))
    library = hunts.load_library(user_dir=directory)
    assert not library.problems
    assert library.get("T01").filter == 'select(.userIdentity.userName == "glitch")'
    assert library.get("Q28").title == "Mine" and library.get("Q28").origin.endswith("mine.toml:10")
    assert len(library.hunts) == len(LIBRARY.hunts) + 1


def test_the_user_directory_follows_xdg_config_home(tmp_path: Path) -> None:
    assert hunts.user_hunt_dir({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "trailtui" / "hunts"


@pytest.mark.parametrize(
    "text, line, words",
    [
        (GOOD.replace("filter = '''", "filter = '''select(.a ==", 1), 8, "filter"),
        (GOOD.replace('severity = "high"', 'severity = "urgent"'), 7, "severity"),
        (GOOD.replace('id = "T01"\n', ""), 2, "id"),
        (GOOD + "[[hunt\n", 9, "TOML"),
        (GOOD.replace('attack = ["T1078"]', 'attack = ["lateral"]'), 6, "ATT&CK"),
        (GOOD + GOOD, 11, "twice"),
    ],
)
def test_a_malformed_hunt_file_names_file_and_line_and_keeps_the_builtins(tmp_path: Path, text: str, line: int,
                                                                          words: str) -> None:
    team = tmp_path / "team.toml"
    team.write_text(text)
    library = hunts.load_library([str(team)], include_user=False)
    assert [h.id for h in library.hunts] == [h.id for h in LIBRARY.hunts]
    (problem,) = library.problems
    assert problem.path == str(team) and problem.line == line, problem.message
    assert words in problem.message and problem.message.startswith(f"{team}:{line}: ")


# -- the bundled sample and the command ------------------------------------------------------------------


def run_cli(args: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    from trailtui.cli import main

    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_hunt_command_on_the_sample_reports_the_incident(capsys: pytest.CaptureFixture, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "/nonexistent")
    code, out, err = run_cli(["hunt", str(REPO / "samples"), "--format", "json"], capsys)
    assert code == 1, err  # something fired
    data = json.loads(out)
    by_id = {h["id"]: h for h in data["hunts"]}
    session = Session()
    for _ in session.load([str(REPO / "samples")]):
        pass

    def events(hunt_id: str) -> list[dict]:
        return [session.record(r) for r in hunts.run_hunt(session, LIBRARY.get(hunt_id)).rows]

    (attach,) = events("Q09")
    assert attach["eventName"] == "AttachUserPolicy"
    assert attach["requestParameters"]["policyArn"] == "arn:aws:iam::aws:policy/AdministratorAccess"
    assert by_id["Q09"]["hits"] == 1 and by_id["Q09"]["first"] == attach["eventTime"]
    failed = [e for e in events("Q03") if e["userIdentity"].get("userName") == "glitch"]
    assert [e["responseElements"]["ConsoleLogin"] for e in failed] == ["Failure"]
    no_mfa = [e for e in events("Q04") if e["userIdentity"].get("userName") == "glitch"]
    assert len(no_mfa) == 1 and no_mfa[0]["additionalEventData"]["MFAUsed"] == "No"
    assert by_id["Q03"]["hits"] >= 1 and by_id["Q04"]["hits"] >= 1


@pytest.mark.parametrize("fmt", ["table", "md"])
def test_hunt_command_table_and_markdown(fmt: str, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run_cli(["hunt", str(REPO / "samples" / "cloudtrail_log.json"), "--format", fmt,
                            "--only", "Q09,Q01", "--all", "--no-user-hunts"], capsys)
    assert code == 1
    lines = [line for line in out.splitlines() if "Q09" in line or "Q01" in line]
    assert len(lines) == 2
    assert "Admin policy attached" in out and "T1098.003" in out


def test_hunt_exit_code_is_zero_when_nothing_fired(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run_cli(["hunt", str(REPO / "samples" / "cloudtrail_log.json"), "--only", "Q01,Q02",
                            "--no-user-hunts"], capsys)
    assert code == 0 and "no hunt fired" in out


def test_hunt_command_with_a_bad_team_file_still_runs_the_rest(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    team = tmp_path / "team.toml"
    team.write_text("[[hunt]]\nid = 'X'\n")
    code, out, err = run_cli(["hunt", str(REPO / "samples" / "cloudtrail_log.json"), "--hunts", str(team),
                              "--only", "Q09", "--no-user-hunts"], capsys)
    assert code == 2
    assert f"{team}:1:" in err and "Q09" in out


def test_hunt_count_matches_for_the_same_content_in_any_order() -> None:
    """Hits are a property of the events, not of how they were read (jsonl vs records vs reversed)."""
    records = json.loads((REPO / "samples" / "cloudtrail_log.json").read_text())["Records"]
    forward, backward = Session(), Session()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "a.jsonl", Path(tmp) / "b.json"
        a.write_text("\n".join(json.dumps(r) for r in records))
        b.write_text(json.dumps({"Records": records[::-1]}))
        for _ in forward.load([str(a)]):
            pass
        for _ in backward.load([str(b)]):
            pass
        for hunt in LIBRARY.hunts:
            one = Counter(content_hash(forward.record(r)) for r in hunts.run_hunt(forward, hunt).rows)
            two = Counter(content_hash(backward.record(r)) for r in hunts.run_hunt(backward, hunt).rows)
            assert one == two, hunt.id


def crafted_events() -> list[dict]:
    """Events for the hunts no public dataset makes fire (Q14, Q17, Q26, A01, A03), shaped like AWS's."""
    base = {"eventVersion": "1.09", "awsRegion": "us-east-1", "recipientAccountId": "111122223333",
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/eve", "userName": "eve"}}
    events = [
        dict(base, eventID="acl", eventSource="s3.amazonaws.com", eventName="PutBucketAcl", eventTime="2024-05-01T10:00:00Z",
             requestParameters={"bucketName": "b", "AccessControlPolicy": {"AccessControlList": {"Grant": [
                 {"Grantee": {"URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}]}}}),
        dict(base, eventID="gd", eventSource="guardduty.amazonaws.com", eventName="UpdateDetector", eventTime="2024-05-01T10:01:00Z",
             requestParameters={"detectorId": "d", "enable": False}),
        dict(base, eventID="gd2", eventSource="guardduty.amazonaws.com", eventName="UpdateDetector", eventTime="2024-05-01T10:01:30Z",
             requestParameters={"detectorId": "d", "enable": "true"}),
        dict(base, eventID="big", eventSource="iam.amazonaws.com", eventName="PutRolePolicy", eventTime="2024-05-01T10:02:00Z",
             requestParameters={"omitted": True, "reason": "requestParameters too large"}),
    ]
    for i in range(6):
        events.append(dict(base, eventID=f"ar{i}", eventSource="sts.amazonaws.com", eventName="AssumeRole",
                           eventTime=f"2024-05-01T10:1{i}:00Z", readOnly=True,
                           requestParameters={"roleArn": f"arn:aws:iam::111122223333:role/r{i % 4}"}))
    for i, name in enumerate(["ListUsers", "ListRoles", "ListGroups", "ListPolicies", "ListBuckets", "GetBucketAcl",
                              "DescribeInstances", "DescribeVpcs", "DescribeSubnets", "GetAccountSummary", "ListKeys"]):
        events.append(dict(base, eventID=f"d{i}", eventSource="x.amazonaws.com", eventName=name, readOnly=True,
                           eventTime=f"2024-05-01T11:{i:02d}:00Z"))
    return events


@pytest.mark.parametrize("hunt_id", ["Q14", "Q17", "Q26", "A01", "A03"])
def test_hunts_the_datasets_never_fire_fire_on_crafted_events(hunt_id: str, tmp_path: Path) -> None:
    path = tmp_path / "crafted.json"
    path.write_text(json.dumps({"Records": crafted_events()}))
    session = Session()
    for _ in session.load([str(path)]):
        pass
    hunt = LIBRARY.get(hunt_id)
    result = hunts.run_hunt(session, hunt)
    records = [session.record(r) for r in range(len(session))]
    if hunt.is_aggregate:
        (expected,) = RefProgram(hunt.program()).run({"Records": records}).outputs
        assert result.groups == json.loads(expected) and result.groups
        assert sorted(result.rows) == libjq_rows(hunt.event_filter([g["key"] for g in result.groups]), records)
    else:
        assert sorted(result.rows) == libjq_rows(hunt.filter, records)
    assert result.fired
