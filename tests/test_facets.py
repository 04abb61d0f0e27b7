"""Facets and the timeline, checked against libjq on the public datasets and the sample, on both backends.

The reference for a facet is libjq's ``group_by`` over the values an expression yields on the events the
backend holds; for the timeline, libjq's ``fromdateiso8601`` bucketed by the step. Each narrowing and
excluding filter a facet value offers must select exactly the counted events (and a time range exactly the
events of its buckets), through the same Session the screen uses.
"""

from __future__ import annotations

from pathlib import Path

import jq as refjq
import pytest

from trailtui.engine import facets, timeline
from trailtui.engine.backend import make_backend
from trailtui.engine.errors import UsageError
from trailtui.engine.prelude import PRELUDE
from trailtui.engine.session import Session

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "cloudtrail_log.json"

PATHS = [".userIdentity.type", ".eventName", ".requestParameters.bucketName", ".readOnly",
         ".resources[]?.type", ".userIdentity.sessionContext.attributes", ".tlsDetails.tlsVersion"]
"""jq expressions to facet on: stored path columns (DuckDB groups them in SQL), a multi-valued one, objects."""


def _backends() -> list[str]:
    try:
        from trailtui.engine.columnar import ColumnarBackend  # noqa: F401
    except ImportError:
        return ["memory"]
    return ["memory", "duckdb"]


def _session(name: str, paths: list[str]) -> Session:
    s = Session(make_backend(name, **({"cache": False} if name == "duckdb" else {})))
    for _ in s.load(paths):
        pass
    return s


@pytest.fixture(params=_backends())
def dataset_session(request: pytest.FixtureRequest, datasets: Path) -> Session:
    s = _session(request.param, [str(datasets)])
    assert len(s) > 100
    yield s
    s.close()


@pytest.fixture(params=_backends())
def sample_session(request: pytest.FixtureRequest) -> Session:
    s = _session(request.param, [str(SAMPLE)])
    yield s
    s.close()


def _ref_counts(records: list, expression: str) -> tuple[dict, int, int]:
    """libjq: ``{value as JSON text: events yielding it}`` (each distinct value once per event), the events
    yielding nothing, and the events on which the expression raises."""
    def run(body: str) -> object:
        return refjq.compile(f"{PRELUDE}\n{body}").input_value({"Records": records}).first()

    groups = run(f"[.Records[] | try ([{expression}] | unique[]) catch empty] | group_by(.)"
                 " | map([(.[0] | tojson), length])")
    empty = run(f"[.Records[] | select(try ([{expression}] == []) catch false)] | length")
    errors = run(f"[.Records[] | select(try ([{expression}] | false) catch true)] | length")
    return {text: n for text, n in groups}, empty, errors


def _ours(facet: facets.Facet) -> tuple[dict, int, int]:
    counts = {}
    empty = 0
    for item in facet.values:
        if item.value is facets.NO_VALUE:
            empty = item.count
        else:
            counts[refjq.compile("tojson").input_value(item.value).first()] = item.count
    return counts, empty, facet.errors


def _all_records(session: Session) -> list:
    return list(session.backend.records(range(len(session))))


def test_named_facets_count_what_jq_group_by_counts(dataset_session: Session) -> None:
    rows = dataset_session.view("", sort=None).rows
    records = _all_records(dataset_session)
    fields = [facets.FACET_FIELDS[name] for name in facets.DEFAULT_FACETS]
    found = facets.facet_counts(dataset_session.backend, rows, fields)
    for facet in found:
        assert sum(v.count for v in facet.values) == len(rows), facet.field.name  # one value per event
        assert _ours(facet) == _ref_counts(records, facet.field.expression), facet.field.name
    assert len(found[0].values) > 5


def test_path_facets_count_what_jq_group_by_counts(dataset_session: Session) -> None:
    rows = dataset_session.view("", sort=None).rows
    records = _all_records(dataset_session)
    for path in PATHS:
        (facet,) = facets.facet_counts(dataset_session.backend, rows, [facets.resolve_facet(path)])
        assert _ours(facet) == _ref_counts(records, path), path


def test_facets_of_a_filtered_view_count_only_its_events(dataset_session: Session) -> None:
    view = dataset_session.view('.eventSource == "iam.amazonaws.com"')
    records = list(dataset_session.backend.records(view.rows))
    assert 0 < len(records) < len(dataset_session)
    for field in (facets.FACET_FIELDS["event"], facets.resolve_facet(".userIdentity.type")):
        (facet,) = facets.facet_counts(dataset_session.backend, view.rows, [field])
        assert _ours(facet) == _ref_counts(records, field.expression)


def test_narrow_and_exclude_select_exactly_the_counted_events(dataset_session: Session) -> None:
    rows = dataset_session.view("", sort=None).rows
    fields = [facets.FACET_FIELDS[name] for name in facets.DEFAULT_FACETS] + [
        facets.resolve_facet(".userIdentity.type"), facets.resolve_facet(".resources[]?.type")]
    for facet in facets.facet_counts(dataset_session.backend, rows, fields):
        ordered = facet.values
        picks = ordered[:3] + ordered[-2:] + [v for v in ordered if v.value in ("", None) or v.value is facets.NO_VALUE]
        for item in picks:
            narrow = facets.value_clause(facet.field, item.value)
            exclude = facets.value_clause(facet.field, item.value, exclude=True)
            selected = dataset_session.view(narrow, sort=None)
            assert len(selected) == item.count, (facet.field.name, narrow)
            others = dataset_session.view(exclude, sort=None)
            assert set(others.rows).isdisjoint(selected.rows), exclude
            assert len(others) + len(selected) + facet.errors == len(rows), exclude


def test_sample_incident_ip_facets_show_glitch_and_mcskidy(sample_session: Session) -> None:
    view = sample_session.view('select(ip_key == "ip:53.94.201.69")')
    (actor,) = facets.facet_counts(sample_session.backend, view.rows, [facets.FACET_FIELDS["actor"]])
    names = {item.value: item.count for item in actor.values}
    assert set(names) == {"user:123456789012:glitch", "user:123456789012:mcskidy"}
    assert names["user:123456789012:glitch"] > names["user:123456789012:mcskidy"] >= 1
    ascending = actor.sorted(ascending=True)
    assert [v.count for v in ascending] == sorted(v.count for v in actor.values)


def test_combine_keeps_the_current_filter_and_reads_back(sample_session: Session) -> None:
    clause = facets.value_clause(facets.FACET_FIELDS["ip"], "53.94.201.69")
    assert clause == '.sourceIPAddress == "53.94.201.69"'
    for current in ('.eventSource == "s3.amazonaws.com"', '.eventName == "GetObject" or .eventName == "PutObject"',
                    'select(.awsRegion == "us-east-1")', ""):
        query = sample_session.compile(current) if current else None
        text = facets.combine(current, query.kind if query else None, clause)
        both = sample_session.view(text, sort=None)
        base = sample_session.view(current, sort=None)
        only = sample_session.view(clause, sort=None)
        assert list(both.rows) == sorted(set(base.rows) & set(only.rows)), text
    assert facets.combine('.a == 1 or .b == 2', "boolean", ".c == 3") == "(.a == 1 or .b == 2) and .c == 3"
    assert facets.combine('.a == 1', "boolean", ".c == 3") == ".a == 1 and .c == 3"


def test_value_literals_escape_hostile_text_and_round_trip() -> None:
    field = facets.FACET_FIELDS["agent"]
    hostile = "evil\x1b[2J\u202e[b]"
    clause = facets.value_clause(field, hostile)
    assert "\x1b" not in clause and "\u202e" not in clause
    assert refjq.compile(f"{PRELUDE}\n{clause}").input_value({"userAgent": hostile}).first() is True


def test_unknown_facet_names_are_usage_errors() -> None:
    with pytest.raises(UsageError):
        facets.resolve_facet("nosuch")
    with pytest.raises(UsageError):
        facets.resolve_facet(".a[")


# -- timeline --------------------------------------------------------------------------------------------


def test_nice_steps_fit_the_width() -> None:
    day = 1733011200  # 2024-12-01T00:00:00Z
    assert timeline.choose_step(day, day + 59, 60) == 1
    assert timeline.choose_step(day, day + 3599, 60) == 60
    assert timeline.choose_step(day, day + 86399, 100) == 900
    assert timeline.choose_step(day, day + 30 * 86400, 20) == 2 * 86400
    for span in (1, 61, 7200, 90000, 10 ** 7):
        for width in (10, 73, 150):
            step = timeline.choose_step(day, day + span, width)
            assert (day + span) // step - day // step + 1 <= width
    assert timeline.parse_interval("5m") == 300 and timeline.parse_interval("1w") == 604800
    assert timeline.format_step(300) == "5m" and timeline.format_step(86400) == "1d"
    with pytest.raises(UsageError):
        timeline.parse_interval("5x")


def _ref_buckets(records: list, step: int) -> dict:
    program = (
        '[.Records[] | .eventTime | select(type == "string" and test("'
        + timeline.TIME_PATTERN.replace("\\", "\\\\")
        + f'")) | .[0:19] + "Z" | fromdateiso8601 | . / {step} | floor] | group_by(.) | map([.[0], length])'
    )
    return {b * step: n for b, n in refjq.compile(program).input_value({"Records": records}).first()}


@pytest.mark.parametrize("width", [30, 150])
def test_histogram_counts_what_jq_counts(dataset_session: Session, width: int) -> None:
    rows = dataset_session.view("", sort=None).rows
    records = _all_records(dataset_session)
    hist = timeline.histogram(dataset_session.backend, rows, width)
    assert len(hist.counts) <= width
    ours = {hist.start + i * hist.step: n for i, n in enumerate(hist.counts) if n}
    assert ours == _ref_buckets(records, hist.step)
    assert hist.total + hist.untimed == len(rows)


def test_both_backends_draw_the_same_histogram(datasets: Path) -> None:
    names = _backends()
    if len(names) < 2:
        pytest.skip("no DuckDB backend")
    found = []
    for name in names:
        s = _session(name, [str(datasets)])
        view = s.view('.eventSource == "s3.amazonaws.com" or .errorCode != null', sort=None)
        found.append(timeline.histogram(s.backend, view.rows, 90))
        s.close()
    assert found[0] == found[1]
    assert sum(found[0].failures) > 0


def test_a_bucket_range_filter_selects_exactly_those_buckets(sample_session: Session) -> None:
    rows = sample_session.view("", sort=None).rows
    hist = timeline.histogram(sample_session.backend, rows, 96)
    assert hist.step == 900
    lo, hi = hist.bounds(53, 54)  # 13:15 to 13:45
    view = sample_session.view(timeline.range_clause(lo, hi), sort=None)
    assert len(view) == hist.counts[53] + hist.counts[54]
    times = sample_session.backend.display("time", view.rows)
    assert min(times) >= "2024-12-01T13:15:00Z" and max(times) < "2024-12-01T13:45:00Z"


def test_incident_burst_shows_in_the_incident_timeline(sample_session: Session) -> None:
    view = sample_session.view('select(ip_key == "ip:53.94.201.69")', sort=None)
    hist = timeline.histogram(sample_session.backend, view.rows, 150)
    first = timeline.format_time(hist.start)
    last = timeline.format_time(hist.start + len(hist.counts) * hist.step)
    assert "2024-12-01T13:10:00Z" <= first <= "2024-12-01T13:12:00Z"
    assert "2024-12-01T13:33:00Z" <= last <= "2024-12-01T13:35:00Z"
    assert hist.total == len(view)


# -- find ------------------------------------------------------------------------------------------------


def test_find_row_goes_forward_and_back_and_wraps(sample_session: Session) -> None:
    from trailtui.engine.columns import screen_columns
    from trailtui.engine.find import find_row

    view = sample_session.view("", defaults=screen_columns())
    texts = [" ".join(view.cells(p)).casefold() for p in range(len(view))]
    hits = [p for p, text in enumerate(texts) if "mcskidy" in text]
    assert len(hits) > 3
    middle = hits[len(hits) // 2]
    assert find_row(view, "McSkidy", middle + 1) == (hits[len(hits) // 2 + 1], False)
    assert find_row(view, "mcskidy", middle - 1, -1) == (hits[len(hits) // 2 - 1], False)
    assert find_row(view, "mcskidy", hits[-1] + 1) == (hits[0], True)
    assert find_row(view, "no such text anywhere", 0) == (None, True)
    assert find_row(view, "mcskidy", 0, cancelled=lambda: True)[0] is None


@pytest.mark.parametrize("key, label", [
    ("user:123456789012:glitch", "glitch  (IAM user · 123456789012)"),
    ("role:210987654321:Admin", "Admin  (role · 210987654321)"),
    ("root:123456789012", "123456789012  (root)"),
    ("service:ec2.amazonaws.com", "ec2.amazonaws.com  (AWS service)"),
    ("samluser:arn:aws:iam::1:saml-provider/x:jane", "samluser:arn:aws:iam::1:saml-provider/x:jane"),  # as it is
    ("user:not-an-account:x", "user:not-an-account:x"),
])
def test_actor_label_puts_the_name_first(key: str, label: str) -> None:
    assert facets.actor_label(key) == label


def test_actor_labels_of_the_sample_name_who_the_key_names(sample_session: Session) -> None:
    """Every actor key of the sample gets a label that still names its principal (nothing lost)."""
    found = facets.facet_counts(sample_session.backend, sample_session.view("").rows, [facets.FACET_FIELDS["actor"]])[0]
    assert len(found.values) > 5
    for item in found.values:
        if not item.value:
            continue
        label = facets.shown_text(facets.FACET_FIELDS["actor"], item)
        kind, _, rest = item.value.partition(":")
        assert rest.rsplit(":", 1)[-1] in label
