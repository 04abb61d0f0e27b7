"""The evidence report: bookmarked events as a timeline another responder can verify from the raw logs.

For each bookmark (in event-time order): the time, event name and actor, the note and tags, the filter
that found it, its provenance (input file and position in it, as :meth:`Session.provenance` gives it),
the event's content hash and the event's JSON. Then every input file with its size and SHA-256, and
whether it still matches the session file. Markdown or HTML.

Everything that comes from a log, a file name, a note or a filter is hostile text:

* control and bidi characters never appear raw: JSON uses ``\\uXXXX`` escapes (same meaning), other text
  the visible escapes of ``textsafe``;
* Markdown: in prose every character that could start markup is backslash-escaped (so no emphasis, link,
  HTML tag or entity, or table cell break can form), code is fenced with more backticks than it contains;
* HTML: everything is escaped with ``html.escape`` (quotes included); the page has no script.

Nothing here imports Textual.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional, Sequence

from .bookmarks import Bookmark, locate, now_utc
from .sessionfile import InputChange, InputFile, InvestigationFile
from .textsafe import safe_block, safe_text, terminal_safe_json

if TYPE_CHECKING:
    from .session import Session

FORMATS = ("md", "html")


@dataclass
class Entry:
    """One bookmarked event, located (or not) in the loaded inputs."""

    bookmark: Bookmark
    row: Optional[int] = None
    file: str = ""
    position: str = ""
    provenance: str = ""
    event_name: str = ""
    actor: str = ""
    event_json: str = ""


@dataclass
class Report:
    """What the report says, before it is rendered."""

    title: str
    entries: list[Entry]
    inputs: list[InputFile]
    changes: list[InputChange] = field(default_factory=list)
    notes: str = ""
    session_path: str = ""
    generated: str = field(default_factory=now_utc)

    @property
    def missing(self) -> list[Entry]:
        return [e for e in self.entries if e.row is None]


def build(session: "Session", investigation: InvestigationFile, changes: Sequence[InputChange] = (),
          session_path: str = "", title: str = "trailtui evidence report") -> Report:
    """Locate every bookmark in ``session`` (loaded on the investigation's inputs) and gather the facts."""
    entries = []
    for bookmark in investigation.bookmarks.timeline():
        entry = Entry(bookmark)
        row = locate(session, bookmark.ref)
        if row is not None:
            record = session.record(row)
            entry.row = row
            entry.file = session.backend.source_of(row).path
            entry.provenance = session.provenance(row)
            rest = entry.provenance[len(entry.file):].strip() if entry.provenance.startswith(entry.file) else ""
            entry.position = rest[1:rest.index(")")] if rest.startswith("(") and ")" in rest else rest
            entry.event_name = session.backend.display("event", [row])[0]
            entry.actor = session.backend.display("actor", [row])[0]
            entry.event_json = terminal_safe_json(json.dumps(record, indent=2, ensure_ascii=False))
        entries.append(entry)
    return Report(title, entries, list(investigation.inputs), list(changes), investigation.notes, session_path)


# -- Markdown --------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~!#&])")
"""What Markdown could read as markup inside a line: code, emphasis, links and images, HTML tags and
entities, table cells, strikethrough, headings. (Line-start markers cannot occur: prose never starts a
line of the report.)"""


def md_text(text: str) -> str:
    """Prose for Markdown: one line, visible escapes for controls, every markup character backslashed."""
    return _MD_SPECIAL.sub(r"\\\1", safe_text(text))


def md_code(text: str) -> str:
    """An inline code span (copyable as is) that ``text`` cannot close: delimited by more backticks than
    any run inside, padded with a space when it starts or ends with a backtick."""
    text = safe_text(text)
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def md_fence(text: str, info: str = "") -> str:
    """A fenced code block that ``text`` cannot close (the fence is longer than any backtick run in it)."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{safe_block(text)}\n{fence}"


def to_markdown(report: Report) -> str:
    lines = [f"# {md_text(report.title)}", ""]
    lines.append(f"Generated {md_text(report.generated)}"
                 + (f" from session file {md_text(report.session_path)}" if report.session_path else "") + ".")
    lines.append("")
    lines.append(f"{len(report.entries)} bookmarked event{'s' if len(report.entries) != 1 else ''}"
                 f" in event-time order; every input file's SHA-256 is listed at the end.")
    if report.changes:
        lines += ["", "**Warning: inputs changed since the session was saved:**", ""]
        lines += [f"- {md_text(str(c))}" for c in report.changes]
    if report.missing:
        lines += ["", f"**Warning: {len(report.missing)} bookmarked event(s) not found in the inputs.**"]
    if report.notes.strip():
        lines += ["", "## Notes", "", md_fence(report.notes)]
    lines += ["", "## Timeline"]
    for number, entry in enumerate(report.entries, 1):
        b = entry.bookmark
        heading = f"{b.event_time or 'no time'} {entry.event_name or ''} {entry.actor or ''}".strip()
        lines += ["", f"### {number}. {md_text(heading)}", ""]
        for label, value, style in entry_facts(entry):
            shown = md_code(value) if style.startswith("code") else md_text(value)
            lines.append(f"- {label}: **{shown}**" if style == "warn" else f"- {label}: {shown}")
        lines += ["", "Found with the filter:", "", md_fence(b.filter or ".", "jq")]
        if entry.event_json:
            lines += ["", md_fence(entry.event_json, "json")]
    lines += ["", "## Inputs", "", "| # | file | bytes | SHA-256 | status |", "|---|---|---|---|---|"]
    changed = {c.path: c.what for c in report.changes}
    for number, item in enumerate(report.inputs, 1):
        status = changed.get(item.path, "unchanged")
        lines.append(f"| {number} | {md_text(item.path)} | {item.size} | `{item.sha256}` | {md_text(status)} |")
    lines += ["", "Verify a file with `sha256sum FILE`; an event's position is its place in that file "
              "(`Records[i]`, `[i]` or `line n`).", ""]
    return "\n".join(lines)


def entry_facts(entry: Entry) -> list[tuple[str, str, str]]:
    """One timeline entry's facts as (label, value, style) for both renderings; style is ``text``, ``code``
    (``code:<class>`` names an HTML class) or ``warn``. Values are raw: each renderer escapes them."""
    b = entry.bookmark
    facts = [
        ("Note", b.note or "(none)", "text"),
        ("Tags", ", ".join(b.tags) if b.tags else "(none)", "text"),
        ("eventID", b.ref.event_id or "(none)", "code"),
        ("Event SHA-256 (canonical JSON)", b.ref.digest, "code"),
        ("Bookmarked", b.created, "text"),
    ]
    if entry.row is None:
        facts.append(("Provenance", "NOT FOUND in the inputs (the file changed or is not loaded)", "warn"))
    else:
        facts.append(("File", entry.file, "code:file"))
        facts.append(("Position", entry.position, "code:position"))
    return facts


# -- HTML ------------------------------------------------------------------------------------------


def h(text: str) -> str:
    """Text for HTML: visible escapes for controls, then every markup character escaped."""
    return html.escape(safe_block(text), quote=True)


_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "pre{background:#f5f5f5;padding:.75rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}"
    ".warn{color:#a00;font-weight:bold}code{word-break:break-all}"
)


def to_html(report: Report) -> str:
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{h(report.title)}</title><style>{_STYLE}</style></head><body>",
           f"<h1>{h(report.title)}</h1>",
           f"<p>Generated {h(report.generated)}"
           + (f" from session file <code>{h(report.session_path)}</code>" if report.session_path else "")
           + f". {len(report.entries)} bookmarked event(s) in event-time order; every input file's SHA-256 is "
             "listed at the end.</p>"]
    if report.changes:
        out.append('<p class="warn">Inputs changed since the session was saved:</p><ul>')
        out += [f"<li>{h(str(c))}</li>" for c in report.changes]
        out.append("</ul>")
    if report.missing:
        out.append(f'<p class="warn">{len(report.missing)} bookmarked event(s) not found in the inputs.</p>')
    if report.notes.strip():
        out.append(f"<h2>Notes</h2><pre>{h(report.notes)}</pre>")
    out.append("<h2>Timeline</h2>")
    for number, entry in enumerate(report.entries, 1):
        b = entry.bookmark
        heading = f"{b.event_time or 'no time'} {entry.event_name or ''} {entry.actor or ''}".strip()
        out.append(f'<section class="event"><h3>{number}. {h(heading)}</h3><ul>')
        for label, value, style in entry_facts(entry):
            if style == "warn":
                out.append(f'<li class="warn">{label}: {h(value)}</li>')
            elif style.startswith("code"):
                css = f' class="{style[5:]}"' if style[5:] else ""
                out.append(f"<li>{label}: <code{css}>{h(value)}</code></li>")
            else:
                out.append(f"<li>{label}: {h(value)}</li>")
        out.append(f"</ul><p>Found with the filter:</p><pre class=\"filter\">{h(b.filter or '.')}</pre>")
        if entry.event_json:
            out.append(f'<pre class="event-json">{h(entry.event_json)}</pre>')
        out.append("</section>")
    out.append("<h2>Inputs</h2><table><tr><th>#</th><th>file</th><th>bytes</th><th>SHA-256</th><th>status</th></tr>")
    changed = {c.path: c.what for c in report.changes}
    for number, item in enumerate(report.inputs, 1):
        out.append(f"<tr><td>{number}</td><td><code>{h(item.path)}</code></td><td>{item.size}</td>"
                   f"<td><code>{h(item.sha256)}</code></td><td>{h(changed.get(item.path, 'unchanged'))}</td></tr>")
    out.append("</table></body></html>")
    return "\n".join(out) + "\n"


def render(report: Report, fmt: str) -> str:
    """The report as ``md`` or ``html`` text."""
    if fmt == "html":
        return to_html(report)
    if fmt == "md":
        return to_markdown(report)
    raise ValueError(f"unknown report format {fmt!r} (md or html)")


def format_for(path: Optional[str], requested: Optional[str]) -> str:
    """The format asked for, else from the output file's extension (``.html``/``.htm``), else Markdown."""
    if requested:
        return requested
    if path and path.lower().endswith((".html", ".htm")):
        return "html"
    return "md"


__all__ = ["Entry", "Report", "build", "render", "to_markdown", "to_html", "md_text", "md_code", "md_fence", "h",
           "format_for", "FORMATS"]

