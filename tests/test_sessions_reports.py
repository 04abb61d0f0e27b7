"""Session files and evidence reports: round trips, changed inputs, hostile content, and a report's hashes
and provenance checked against the raw files."""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import re
from pathlib import Path

import pytest

from trailtui.engine import bookmarks as bm
from trailtui.engine import report, sessionfile
from trailtui.engine.columns import resolve
from trailtui.engine.session import Session

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"

HOSTILE = "\x1b[2J\u202eevil`|*_<script>alert(1)</script>[x](http://e)\x07"


def load(paths: list[str]) -> Session:
    session = Session()
    for _ in session.load(paths):
        pass
    return session


def first_row(session: Session, text: str) -> int:
    view = session.view(text, sort=None, reading="select")
    assert view is not None and len(view), text
    return view.rows[0]


def make_investigation(session: Session, paths: list[str]) -> sessionfile.InvestigationFile:
    marks = bm.Bookmarks()
    for text, note, tags in [
        ('select(.eventName == "AttachUserPolicy")', "admin granted", ("privesc",)),
        ('select(.eventName == "ConsoleLogin" and .userIdentity.userName == "glitch")', "glitch signs in", ("initial",)),
    ]:
        marks.put(bm.bookmark_event(session, first_row(session, text), note, tags, text))
    row = first_row(session, 'select(.eventName == "GetObject")')
    return sessionfile.InvestigationFile(
        paths=[str(Path(p).resolve()) for p in paths],
        inputs=sessionfile.describe_inputs(paths),
        view=sessionfile.SavedView('.userIdentity.userName == "glitch"', "event", True,
                                   (resolve("time"), resolve(".requestParameters.bucketName")), None,
                                   bm.EventRef.of(session.record(row)), "", ""),
        back=[sessionfile.SavedView("", "time", False, None, "select", None, "all", "")],
        marks=[bm.EventRef.of(session.record(row))],
        bookmarks=marks,
        notes="case 42",
    )


def test_session_file_round_trip(tmp_path: Path) -> None:
    paths = [str(SAMPLES / "AWSLogs")]
    session = load(paths)
    investigation = make_investigation(session, paths)
    target = tmp_path / "case.json"
    sessionfile.save(str(target), investigation)
    again = sessionfile.load(str(target))
    assert again.to_json() | {"saved": ""} == investigation.to_json() | {"saved": ""}
    assert again.view.columns == investigation.view.columns
    assert [b.note for b in again.bookmarks] == ["admin granted", "glitch signs in"]
    # Every file the directory names is recorded with its real size and hash.
    files = sorted(p for p in (SAMPLES / "AWSLogs").rglob("*") if p.is_file())
    assert {i.path for i in again.inputs} == {str(p.resolve()) for p in files}
    for item in again.inputs:
        assert item.sha256 == hashlib.sha256(Path(item.path).read_bytes()).hexdigest()
        assert item.size == Path(item.path).stat().st_size
    assert sessionfile.check_inputs(again.inputs) == []
    # An existing file is not replaced without force; with force it is, atomically.
    with pytest.raises(OSError):
        sessionfile.save(str(target), investigation)
    sessionfile.save(str(target), investigation, force=True)


def test_changed_inputs_are_named(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    for p in (a, b, c):
        p.write_text('{"Records": [{"eventID": "1", "eventTime": "2024-01-01T00:00:00Z"}]}')
    inputs = sessionfile.describe_inputs([str(tmp_path)])
    a.write_text('{"Records": [{"eventID": "2", "eventTime": "2024-01-01T00:00:00Z"}]}')  # same size
    b.write_text('{"Records": []}')
    c.unlink()
    changes = {Path(c_.path).name: c_.what for c_ in sessionfile.check_inputs(inputs)}
    assert changes == {"a.json": "content", "b.json": "size", "c.json": "missing"}


def test_a_newer_or_foreign_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "x.json"
    target.write_text(json.dumps({"format": "trailtui-session", "version": 99}))
    with pytest.raises(sessionfile.SessionFileError, match="newer"):
        sessionfile.load(str(target))
    target.write_text("[]")
    with pytest.raises(sessionfile.SessionFileError, match=str(target)):
        sessionfile.load(str(target))


def test_bookmarks_are_found_again_whatever_the_load_order(tmp_path: Path) -> None:
    records = json.loads((SAMPLES / "cloudtrail_log.json").read_text())["Records"]
    forward = tmp_path / "f.jsonl"
    forward.write_text("\n".join(json.dumps(r) for r in records))
    backward = tmp_path / "b.json"
    backward.write_text(json.dumps({"Records": records[::-1]}))
    one, two = load([str(forward)]), load([str(backward)])
    row = first_row(one, 'select(.eventName == "AttachUserPolicy")')
    mark = bm.bookmark_event(one, row, "x")
    found = bm.locate(two, mark.ref)
    assert found is not None and found != row
    assert two.record(found) == one.record(row)
    # Same eventID, other content: not the bookmarked event.
    changed = dict(one.record(row), eventName="Other")
    assert bm.locate(two, bm.EventRef(mark.ref.event_id, bm.content_hash(changed))) is None


def test_autosave_round_trip(tmp_path: Path) -> None:
    paths = [str(SAMPLES / "cloudtrail_log.json")]
    path = bm.autosave_path(paths, {"XDG_STATE_HOME": str(tmp_path)})
    assert path is not None and path.parent == tmp_path / "trailtui" / "bookmarks"
    session = load(paths)
    marks = bm.Bookmarks([bm.bookmark_event(session, 0, "n", ("t",), ".")])
    bm.save_autosave(path, paths, marks)
    assert path.stat().st_mode & 0o777 == 0o600
    assert bm.load_autosave(path).to_json() == marks.to_json()


# -- the report --------------------------------------------------------------------------------------


def position_record(file: str, position: str) -> dict:
    """Read the event at a report's position straight from the raw file (no trailtui code)."""
    raw = gzip.open(file).read() if file.endswith(".gz") else Path(file).read_bytes()
    if position.startswith("line "):
        return json.loads(raw.decode().splitlines()[int(position[5:]) - 1])
    match = re.fullmatch(r"(Records)?\[(\d+)\]", position)
    assert match, position
    doc = json.loads(raw)
    return (doc["Records"] if match.group(1) else doc)[int(match.group(2))]


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_report_hashes_and_provenance_verify_against_the_files(fmt: str, tmp_path: Path) -> None:
    records = json.loads((SAMPLES / "cloudtrail_log.json").read_text())["Records"]
    jsonl = tmp_path / "events.jsonl"
    # Other events than the tree's (the sample file holds the same events, which would be dropped as duplicates).
    jsonl.write_text("\n".join(json.dumps(dict(r, eventID=r["eventID"] + "-j")) for r in records[:50]))
    paths = [str(SAMPLES / "AWSLogs"), str(jsonl)]
    session = load(paths)
    investigation = make_investigation(session, paths)
    from_jsonl = next(r for r in range(len(session)) if session.backend.source_of(r).path.endswith(".jsonl"))
    investigation.bookmarks.put(bm.bookmark_event(session, from_jsonl, "from the jsonl"))
    built = report.build(session, investigation, [], "case.json")
    text = report.render(built, fmt)
    if fmt == "html":
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    else:
        text = re.sub(r"\\(.)", r"\1", text).replace("`", "")  # undo the Markdown escapes and code spans
    # Every input file's real SHA-256 and size are in the report.
    for item in investigation.inputs:
        data = Path(item.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() in text and str(len(data)) in text
    # Every bookmark's provenance leads to the very event, read from the raw file.
    assert len(built.entries) == 3 and not built.missing
    times = [e.bookmark.event_time for e in built.entries]
    assert times == sorted(times)
    for entry in built.entries:
        assert f"File: {entry.file}" in text and f"Position: {entry.position}" in text
        raw_event = position_record(entry.file, entry.position)
        assert bm.content_hash(raw_event) == entry.bookmark.ref.digest
        assert json.loads(entry.event_json) == raw_event
        assert entry.bookmark.note in text and entry.bookmark.ref.digest in text


def hostile_session(tmp_path: Path) -> tuple[Session, sessionfile.InvestigationFile]:
    event = {"eventID": "e1`|", "eventTime": "2024-01-01T00:00:00Z", "eventName": HOSTILE,
             "userAgent": HOSTILE, "userIdentity": {"type": "IAMUser", "userName": HOSTILE}}
    path = tmp_path / ("evil" + "`|<b>.json")
    path.write_text(json.dumps({"Records": [event]}))
    session = load([str(path)])
    investigation = sessionfile.InvestigationFile(paths=[str(path)], inputs=sessionfile.describe_inputs([str(path)]))
    investigation.bookmarks.put(bm.bookmark_event(session, 0, HOSTILE, (HOSTILE,), f'select(.x == "{HOSTILE}")'))
    return session, investigation


def test_markdown_report_neutralises_hostile_content(tmp_path: Path) -> None:
    session, investigation = hostile_session(tmp_path)
    text = report.render(report.build(session, investigation), "md")
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]", text)
    # Outside fenced code (shown literally), no tag, link, backtick or pipe from the logs is live.
    prose = re.sub(r"(?ms)^(`{3,})[^\n]*\n.*?^\1$", "", text)
    spans = re.findall(r"(?<![`\\])(`+)(?!`)(.+?)(?<!`)\1(?!`)", prose)
    assert any("e1`|" in body for _, body in spans)  # the hostile eventID is one intact code span
    prose = re.sub(r"(?<![`\\])(`+)(?!`)(.+?)(?<!`)\1(?!`)", "", prose)
    assert "evil" in prose
    for live in (r"(?<!\\)<", r"(?<!\\)\]\(", r"(?<!\\)\*", r"(?<!\\)_", r"(?<!\\)&"):
        assert not re.search(live, prose), live
    assert not re.search(r"(?<!\\)`", prose)
    table = [line for line in prose.splitlines() if line.startswith("| 1 |")]
    assert len(table) == 1 and table[0].count("|") - table[0].count("\\|") == 6
    # Fences are longer than any backtick run inside them, so the JSON block stays one block.
    fences = re.findall(r"(?m)^(`{3,})json$", text)
    assert fences and all(len(f) >= 3 for f in fences)


def test_html_report_escapes_hostile_content(tmp_path: Path) -> None:
    session, investigation = hostile_session(tmp_path)
    text = report.render(report.build(session, investigation), "html")
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]", text)
    assert "<script" not in text and "<b>" not in text
    assert "&lt;script&gt;" in text
    # The only tags are the report's own.
    assert set(re.findall(r"</?([a-zA-Z0-9]+)", text)) <= {"html", "head", "meta", "title", "style", "body", "h1",
                                                           "h2", "h3", "p", "ul", "li", "code", "pre", "section",
                                                           "table", "tr", "th", "td"}


def run_cli(args: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    from trailtui.cli import main

    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_report_command_writes_atomically_and_flags_changed_inputs(tmp_path: Path, capsys) -> None:
    source = tmp_path / "log.json"
    source.write_bytes((SAMPLES / "cloudtrail_log.json").read_bytes())
    session = load([str(source)])
    investigation = make_investigation(session, [str(source)])
    case = tmp_path / "case.json"
    sessionfile.save(str(case), investigation)
    out = tmp_path / "r.html"
    code, _, err = run_cli(["report", str(case), "-o", str(out)], capsys)
    assert code == 0, err
    assert out.read_text().startswith("<!DOCTYPE html>")
    code, _, err = run_cli(["report", str(case), "-o", str(out)], capsys)
    assert code == 2 and "already exists" in err
    code, text, _ = run_cli(["report", str(case), "--format", "md"], capsys)
    assert code == 0 and "## Timeline" in text and "admin granted" in text
    # Change the input: the report still comes, says so, and the exit code tells a script.
    source.write_bytes(source.read_bytes().replace(b"glitch", b"glitcH"))
    code, text, err = run_cli(["report", str(case)], capsys)
    assert code == 1
    assert "has other content" in err and "inputs changed" in text
    assert "NOT FOUND" in text  # glitch's login is not the bookmarked content any more
