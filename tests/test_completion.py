"""Field-path completion: context detection, ranking, and edits that real jq accepts."""

from __future__ import annotations

import jq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trailtui.ui.completion import (
    ITERATE,
    Candidate,
    PathIndex,
    apply_candidate,
    candidates,
    completion_context,
    format_key,
    join_path,
    split_path,
)

PATHS = {
    ".eventName": 1000,
    ".eventSource": 1000,
    ".errorCode": 40,
    ".requestParameters.bucketName": 1234,
    ".requestParameters.key": 99,
    ".requestParameters.BucketPolicy": 3,
    '.requestParameters."x-amz-acl"': 7,
    ".resources[].ARN": 50,
    ".resources[].type": 50,
    ".userIdentity.sessionContext.sessionIssuer.userName": 300,
}


def context_at_end(text):
    return completion_context(text, len(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("select(.requestParameters.", (".requestParameters", "", 26, 26)),
        ("select(.requestParameters.buc", (".requestParameters", "buc", 26, 29)),
        (".", ("", "", 1, 1)),
        (".event", ("", "event", 1, 6)),
        (".a | .b", ("", "b", 6, 7)),
        (".resources[0].", (".resources[]", "", 14, 14)),
        (".resources[].AR", (".resources[]", "AR", 13, 15)),
        ('.a["b c"].', ('.a."b c"', "", 10, 10)),
        ('.requestParameters."x-a', (".requestParameters", "x-a", 19, 23)),
        (".a?.b", (".a", "b", 4, 5)),
        (".Records[] | select(.userIdentity.", (".userIdentity", "", 34, 34)),
    ],
)
def test_context_found(text, expected):
    assert tuple(context_at_end(text)) == expected


@pytest.mark.parametrize(
    "text",
    ["", "select(", '"inside .a string', "$var.", "1.5", "..a", "(.a).b", "x # comment .a", "foo.bar", ".a[1,2][0]."],
)
def test_no_context(text):
    assert context_at_end(text) is None


def test_context_in_the_middle_replaces_the_whole_word():
    text = "select(.requestParameters.bucketName == 1)"
    cursor = text.index("bucketName") + 3
    context = completion_context(text, cursor)
    assert context == (".requestParameters", "buc", 26, 36)
    new_text, new_cursor = apply_candidate(text, context, "key")
    assert new_text == "select(.requestParameters.key == 1)"
    assert new_cursor == text.index("bucketName") + 3


def test_children_counts_and_ranking():
    index = PathIndex(PATHS)
    assert candidates(index, ".requestParameters") == [
        Candidate("bucketName", 1234),
        Candidate("key", 99),
        Candidate("x-amz-acl", 7),
        Candidate("BucketPolicy", 3),
    ]
    # Exact-case prefix first, then case-insensitive prefix, then substring matches.
    assert [c.key for c in candidates(index, ".requestParameters", "b")] == ["bucketName", "BucketPolicy"]
    assert [c.key for c in candidates(index, ".requestParameters", "acl")] == ["x-amz-acl"]
    # A key with no own count takes the largest count below it; array steps are not offered.
    top = dict(candidates(PATHS, ""))
    assert top["userIdentity"] == 300 and top["resources"] == 50
    assert ITERATE not in dict(candidates(PATHS, ".resources"))
    assert [c.key for c in candidates(PATHS, ".resources[]")] == ["ARN", "type"]
    assert candidates(PATHS, ".nope") == []


@pytest.mark.parametrize(
    ("key", "written"),
    [("bucketName", "bucketName"), ("x-amz-acl", '"x-amz-acl"'), ("1st", '"1st"'), ("if", '"if"'), ('q"uote', '"q\\"uote"')],
)
def test_format_key(key, written):
    assert format_key(key) == written


@pytest.mark.parametrize("key", ["bucketName", "x-amz-acl", "with space", "if", "ünïcode", 'q"uote', "back\\slash"])
def test_applied_candidate_is_valid_jq_reaching_the_key(key):
    """The edited expression, run by the reference jq, reads exactly that key."""
    text = "select(.requestParameters."
    context = context_at_end(text)
    new_text, cursor = apply_candidate(text, context, key)
    assert cursor == len(new_text)
    program = new_text + ")"
    event = {"requestParameters": {key: "yes", "other": "no"}}
    assert jq.compile(program).input_value(event).all() == [event]
    assert jq.compile(program).input_value({"requestParameters": {"other": 1}}).all() == []


# A key spelled "[]" would read as the array step; real CloudTrail keys never are.
keys = st.text(min_size=1, max_size=8).filter(lambda k: "\x00" not in k and k != ITERATE)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(keys, st.just(ITERATE)), min_size=1, max_size=4).filter(lambda s: s[0] != ITERATE))
def test_join_and_split_round_trip_and_agree_with_jq(segments):
    path = join_path(segments)
    assert split_path(path) == tuple(segments)
    # Build a value with the leaf at that path and let jq walk it.
    value = "leaf"
    for segment in reversed(segments):
        value = [value] if segment == ITERATE else {segment: value}
    assert jq.compile(path).input_value(value).all() == ["leaf"]


def test_split_path_rejects_non_paths():
    with pytest.raises(ValueError):
        split_path(".a | .b")
    assert PathIndex({"not a path": 3, ".ok": 1}).children("") == [Candidate("ok", 1)]
