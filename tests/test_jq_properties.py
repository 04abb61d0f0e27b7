"""Property-based differential tests: random jq programs from the supported core, against the reference.

Hypothesis builds expressions from a small grammar (paths that occur in real CloudTrail records,
literals, comparisons, ``and``/``or``/``not``, ``//``, arithmetic, ``select``, arrays, objects,
builtins from a safe list, string functions, ``if``, ``try``, pipes and commas) and runs each one with
our engine and the reference jq on a fixed, varied sample of real events. Per event, the ``jq -rc``
lines must be identical and an error must stop both engines or neither. Programs are plain strings, so
a shrunk failure prints as the jq text to paste into a terminal. Bounded: 200 examples, no deadline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

import jqref
from jqref import RefResult, error_text

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)

#: Paths that occur in the shared datasets (checked by ``test_paths_occur_in_real_records``).
PATHS = [
    ".eventName", ".eventSource", ".awsRegion", ".eventType", ".eventTime", ".eventVersion", ".eventID",
    ".sourceIPAddress", ".userAgent", ".recipientAccountId", ".readOnly", ".managementEvent",
    ".errorCode", ".errorMessage", ".userIdentity", ".userIdentity.type", ".userIdentity.arn",
    ".userIdentity.accountId", ".userIdentity.userName", ".userIdentity.principalId",
    ".userIdentity.invokedBy", ".userIdentity.sessionContext.attributes.mfaAuthenticated",
    ".userIdentity.sessionContext.sessionIssuer.userName", ".requestParameters",
    ".requestParameters.bucketName", ".requestParameters.instanceType", ".requestParameters.maxResults",
    ".requestParameters.roleArn", ".requestParameters.filterSet.items", ".responseElements",
    ".responseElements.ConsoleLogin", ".additionalEventData.MFAUsed", ".resources", ".resources[0].ARN",
    ".resources[]?.type", ".tlsDetails.tlsVersion", ".requestParameters.instancesSet.items[0].instanceId",
]
STRINGS = [
    "ConsoleLogin", "AssumedRole", "IAMUser", "Root", "us-east-1", "ec2.amazonaws.com", "s3.amazonaws.com",
    "AWS Internal", "Success", "AccessDenied", "", "a", "Describe", ":", "/", ".", "true", "1.08", "é",
]
# No exponent forms: jq keeps a literal's spelling even through ``tostring`` ("1E+3"); that behaviour is
# tracked by test_jq_differential.test_number_literals_keep_their_spelling, not here.
NUMBERS = ["0", "1", "2", "-1", "3", "10", "0.5", "1.5", "100", "-0.25", "123456789"]
REGEXES = ["^Describe", r"amazonaws\.com$", "[0-9]+", "(?i)role", "^$", "a|e", "[A-Z][a-z]+", r"\s", r"(?<w>\w+)-"]
FLAGS = ["", "i", "g", "x", "gi"]
BUILTINS0 = [
    "length", "keys", "type", "tostring", "tojson", "ascii_downcase", "ascii_upcase", "not", "to_entries",
    "add", "sort", "unique", "reverse", "first", "last", "floor", "tonumber", "utf8bytelength",
    "values", "arrays", "objects", "strings", "numbers", "booleans", "nulls", "scalars", "iterables",
    "min", "max", "flatten", "any", "all", "isempty(.[]?)", "abs", "trim", "ltrimstr(\"a\")", "explode",
    "@text", "@json", "@csv", "@tsv", "@html", "@uri", "@sh", "@base64", "@base64d", "keys_unsorted",
    "from_entries", "fromjson", "splits(\",\")", "implode", "tostream",
]
STRING_FNS1 = ["startswith", "endswith", "ltrimstr", "rtrimstr", "split", "join", "has", "index", "rindex",
               "indices", "contains", "inside"]


def _lit(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


ATOMS = st.one_of(
    st.sampled_from(PATHS),
    st.sampled_from(["."] * 2 + ["null", "true", "false", "[]", "{}", "empty"]),
    st.sampled_from(STRINGS).map(_lit),
    st.sampled_from(NUMBERS),
)
BINOPS = ["|", ",", "and", "or", "//", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%"]
HIGHER = ["map", "select", "sort_by", "group_by", "unique_by", "min_by", "max_by", "any", "all",
          "with_entries", "map_values", "paths", "first", "last", "isempty", "del", "walk"]
DATES = ["fromdateiso8601", "todate", "fromdate", "gmtime", "mktime", 'strftime("%Y-%m-%dT%H:%M:%SZ")',
         'strptime("%Y-%m-%dT%H:%M:%SZ")', "todateiso8601", "tostring | .[0:10]"]

# Each form turns a ``draw`` and a ``sub()`` (draws a smaller expression) into program text. Simple
# forms come first: Hypothesis shrinks towards them.
FORMS: list[Callable[[Any, Callable[[], str]], str]] = [
    lambda d, sub: f"({sub()} {d(st.sampled_from(BINOPS))} {sub()})",
    lambda d, sub: f"select({sub()})",
    lambda d, sub: f"({sub()} | {d(st.sampled_from(BUILTINS0))})",
    lambda d, sub: f"({sub()} | {d(st.sampled_from(STRING_FNS1))}({_lit(d(st.sampled_from(STRINGS)))}))",
    lambda d, sub: f"({sub()} | not)",
    lambda d, sub: f"[{sub()}]",
    lambda d, sub: f"{{{_lit(d(st.sampled_from(['a', 'eventName', 'x y', 'n'])))}: {sub()}}}",
    # A constant non-string key is a jq compile error; the corpus covers that, so keep keys dynamic.
    lambda d, sub: f"{{(.eventName? // {sub()}): {sub()}}}",
    lambda d, sub: f"({sub()} | {d(st.sampled_from(HIGHER))}({sub()}))",
    lambda d, sub: _regex_call(sub(), d(st.sampled_from(["test", "match", "capture", "split", "sub", "gsub", "scan"])),
                               d(st.sampled_from(REGEXES)), d(st.sampled_from(FLAGS)),
                               _lit(d(st.sampled_from(STRINGS)))),
    lambda d, sub: f"(if {sub()} then {sub()} else {sub()} end)",
    lambda d, sub: f"(if {sub()} then {sub()} elif {sub()} then {sub()} end)",
    lambda d, sub: f"(try {sub()})",
    lambda d, sub: f"(try {sub()} catch {sub()})",
    lambda d, sub: f"({sub()})?",
    lambda d, sub: f"-({sub()})",
    lambda d, sub: f'"<\\({sub()})>"',
    lambda d, sub: f"({sub()} as $v | {sub()} | [$v, .])",
    lambda d, sub: f"(reduce ({sub()}) as $x (0; . + 1) + ({sub()} | length))",
    lambda d, sub: f"[limit(2; {sub()})]",
    lambda d, sub: f"({sub()})[1:3]",
    lambda d, sub: f"({sub()})[0]",
    lambda d, sub: f"({sub()})[]?",
    lambda d, sub: f"({sub()}).eventName?",
    lambda d, sub: f"({sub()} | {d(st.sampled_from(DATES))})",
]


@st.composite
def expressions(draw: Any, depth: int = 3) -> str:
    """Random jq programs over CloudTrail records, built from the supported core (nesting <= depth)."""
    if depth <= 0 or draw(st.integers(0, 2)) == 0:
        return draw(ATOMS)
    form = draw(st.sampled_from(FORMS))
    return form(draw, lambda: draw(expressions(depth - 1)))


def _regex_call(subject: str, fn: str, rx: str, flags: str, repl: str) -> str:
    args = [_lit(rx)]
    if fn in ("sub", "gsub"):
        args.append(repl)
    if flags and fn not in ("split",):
        args.append(_lit(flags))
    elif fn == "split":
        args.append(_lit(flags or "g"))
    return f"({subject} | {fn}({'; '.join(args)}))"


# --- sampled real events --------------------------------------------------------------------------

_events: list[Any] = []


def sample_events(datasets: Path) -> list[Any]:
    """Twelve varied real events: one from each differently shaped source, plus odd ones."""
    if not _events:
        records = jqref.load_all_records(datasets)
        picks = []
        for name, rs in sorted(records.items()):
            if "stratus" in name and len(rs) < 20:
                continue
            picks.append(rs[len(rs) // 2])
        panther = next(rs for name, rs in records.items() if name.startswith("panther"))
        picks += [panther[0], panther[123], panther[321]]
        _events.extend(picks[:14])
    return _events


def run_ours(src: str, events: list[Any]) -> list[RefResult] | Exception:
    """Our engine's results per event, or the compile exception."""
    from test_jq_differential import run_ours as run_one
    from trailtui.engine import jq as engine

    try:
        prog = engine.compile_program(src)
    except engine.JqCompileError as exc:
        return exc
    return [run_one(prog, ev) for ev in events]


def check_program(src: str, events: list[Any]) -> None:
    """Assert our engine agrees with the reference on ``src`` for every event."""
    from trailtui.engine import jq as engine

    note(f"program: {src}")
    try:
        ref_prog = jqref.ref_compile(src)
    except jqref.RefCompileError as exc:
        ours = run_ours(src, events)
        assert isinstance(ours, engine.JqCompileError), f"reference rejects ({exc.message.splitlines()[0]}), ours compiles"
        return
    ref = ref_prog.run_many(events)
    ours = run_ours(src, events)
    assert not isinstance(ours, Exception), f"our engine rejects a core program: {type(ours).__name__}: {ours}"
    for i, (o, r) in enumerate(zip(ours, ref)):
        shown = r if getattr(o, "crash", None) else jqref.literal_free_alternative(src, events[i], o, r)
        if shown is not None:
            note(f"event #{i}: {json.dumps(events[i])[:300]}")
            assert o.summary() == shown.summary(), f"event #{i}: ours {o.summary()[:400]} vs jq {shown.summary()[:400]}"


@SETTINGS
@given(src=expressions())
def test_random_programs_match_reference(src: str, datasets: Path) -> None:
    """Random core programs print the same lines (or fail the same way) as the reference jq."""
    check_program(src, sample_events(datasets))


@SETTINGS
@given(cond=expressions(depth=2))
def test_random_selects_keep_the_same_records(cond: str, datasets: Path) -> None:
    """``select(COND)`` keeps exactly the records the reference keeps, in the same order."""
    check_program(f"select({cond})", sample_events(datasets))


# --- printing of values -----------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
json_values = st.recursive(
    json_scalars,
    lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(st.text(max_size=6), c, max_size=4)),
    max_leaves=12,
)


@SETTINGS
@given(value=json_values)
def test_dumps_prints_like_jq(value: Any) -> None:
    """``dumps(v)`` is ``jq -c`` of ``v`` (numbers as doubles, see jqref); ``dumps_raw`` is ``jq -rc``."""
    from trailtui.engine.jq import dumps, dumps_raw

    assume(not any(0xD800 <= ord(ch) <= 0xDFFF for ch in json.dumps(value, ensure_ascii=False)))
    res = jqref.ref_compile(jqref.without_literals(".")).run(value)
    assert dumps(value) == res.dumped[0]
    assert dumps_raw(value) == res.outputs[0]


def test_paths_occur_in_real_records(datasets: Path) -> None:
    """Every generator path selects a non-null value in at least one real record (reference jq)."""
    records = [r for rs in jqref.load_all_records(datasets).values() for r in rs]
    text = "\n".join(jqref.to_input_text(r) for r in records)
    results = jqref.run_matrix([f"[{p}] | map(select(. != null)) | length" for p in PATHS], text, len(records))
    missing = [p for p, per in zip(PATHS, results) if not any(r.outputs and r.outputs[0] != "0" for r in per)]
    assert missing == []


def test_grammar_programs_are_valid_jq() -> None:
    """The grammar's output compiles in the reference (so failures are about semantics, not syntax)."""
    seen = []

    @settings(max_examples=150, deadline=None, database=None)
    @given(expressions())
    def collect(src: str) -> None:
        seen.append(src)

    collect()
    bad = list(jqref.compile_errors(seen))
    assert bad == [], bad[:3]
    assert len(set(seen)) > 100
