"""The reference jq (PyPI ``jq``, bundling libjq 1.8.2) wrapped for differential tests, and dataset readers.

Printed bytes. PyPI ``jq`` converts each output to a Python value (integral doubles become ``int``,
everything else ``float``) and its ``.text()`` re-serialises with Python's ``json``, so neither shows what
``jq -c`` would print. This module therefore compiles ``(PROGRAM) | tojson``: ``tojson`` calls libjq's
own dumper, the one the jq CLI uses for ``-c``, so literal-preserving number output (``1.0``,
``0.0000882145``, ``1E+1000``) survives byte for byte. ``jq -r`` prints a string output raw: we decode the
JSON string text with ``json.loads`` (exact, including ``\\u0000``).

Inputs. Both engines see the same Python value: the reference receives ``json.dumps(value)`` (exactly
what ``refjq.compile(p).input_value(v)`` does); libjq re-reads it, keeping number literals as written.

Number literals. jq 1.8 prints a number that came from a literal with the literal's spelling (in
decNumber's canonical form: ``0.0``, ``0.0000882145``, ``1E+1000``) until arithmetic touches it; a value
decoded into Python has no spelling left. :func:`without_literals` gives the reference's output with
every number printed as a double instead; the differential tests accept either form (and one test
tracks the literal spelling on its own).

Batches. Running libjq once per record costs a Python round trip each time, so :meth:`RefProgram.run_many`
feeds every record in one input stream to ``(try ((PROGRAM) | tojson) catch {"e": .}), null``: strings are
outputs, ``{"e": msg}`` is the error that ended the record, ``null`` ends the record. ``try`` stops at the
first error exactly as an uncaught error stops jq on that input; ``tests/test_jq_differential.py`` checks
the batch results against one-record-at-a-time runs.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import jq as refjq

__all__ = [
    "RefCompileError",
    "RefProgram",
    "RefResult",
    "ref_compile",
    "ref_dump",
    "ref_dump_raw",
    "run_matrix",
    "compile_errors",
    "without_literals",
    "literal_free_alternative",
    "CorpusFilter",
    "load_corpus",
    "dataset_files",
    "load_records",
    "load_all_records",
    "record_id",
    "to_input_text",
    "error_text",
]


class RefCompileError(Exception):
    """The reference jq rejected the program text (``.message`` is libjq's compile error text)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class RefResult:
    """What ``jq -rc PROGRAM`` does on one input: printed lines, then possibly the error that stopped it.

    ``outputs`` holds one entry per output, exactly as ``jq -r -c`` would print it (without the newline),
    ``dumped`` the same as ``jq -c`` prints it; ``errored`` tells whether an error stopped the program and
    ``error`` is that error as :func:`error_text` renders it (so ``error(null)`` gives ``"null"``).
    """

    outputs: list[str] = field(default_factory=list)
    dumped: list[str] = field(default_factory=list)
    errored: bool = False
    error: Any = None

    def same_as(self, other: "RefResult") -> bool:
        """Same printed outputs and same error-ness (messages are compared separately)."""
        return self.outputs == other.outputs and self.errored == other.errored

    def summary(self) -> str:
        """A short human-readable rendering for assertion messages."""
        parts = [repr(o) for o in self.outputs]
        if self.errored:
            parts.append(f"ERROR({self.error!r})")
        return "[" + ", ".join(parts) + "]"


def _ints(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**63:
        return int(v)
    if isinstance(v, list):
        return [_ints(x) for x in v]
    if isinstance(v, dict):
        return {k: _ints(x) for k, x in v.items()}
    return v


def error_text(value: Any) -> str:
    """An error value as text: a message string as is, anything else as JSON (integral numbers as ints).

    This is the rendering PyPI jq gives a non-string error, so single and batch runs agree, and our
    engine's ``JqRuntimeError.value`` can be rendered the same way for comparison.
    """
    if isinstance(value, str):
        return value
    return json.dumps(_ints(value))


def _raw(dumped: str) -> str:
    """Turn a ``jq -c`` dump into what ``jq -r -c`` prints (strings lose their quotes and escapes)."""
    if dumped.startswith('"'):
        return json.loads(dumped)
    return dumped


def to_input_text(value: Any) -> str:
    """The JSON text the reference reads for ``value`` (the same as PyPI jq's ``input_value``)."""
    return json.dumps(value)


class RefProgram:
    """A program compiled by the reference jq; see the module docstring for how bytes are obtained."""

    def __init__(self, source: str) -> None:
        self.source = source
        try:
            refjq.compile(source)
        except ValueError as exc:
            raise RefCompileError(str(exc)) from None
        self._single_prog: Any = None
        self._batch_prog: Any = None

    @property
    def _single(self) -> Any:
        if self._single_prog is None:
            # Two newlines: a comment ending in a backslash continues onto one more line (jq >= 1.7).
            self._single_prog = refjq.compile(f"({self.source}\n\n) | tojson")
        return self._single_prog

    @property
    def _batch(self) -> Any:
        if self._batch_prog is None:
            self._batch_prog = refjq.compile(f'(try (({self.source}\n\n) | tojson) catch {{"e": .}}), null')
        return self._batch_prog

    def run(self, value: Any) -> RefResult:
        """Run on one input, one libjq call, stopping at the first uncaught error like the jq CLI."""
        result = RefResult()
        it = iter(self._single.input_text(to_input_text(value)))
        while True:
            try:
                dumped = next(it)
            except StopIteration:
                return result
            except ValueError as exc:
                result.errored, result.error = True, str(exc)
                return result
            result.dumped.append(dumped)
            result.outputs.append(_raw(dumped))

    def run_many(self, values: Iterable[Any]) -> list[RefResult]:
        """Run on each value independently (one libjq call for all of them); one result per value."""
        text = "\n".join(to_input_text(v) for v in values)
        results: list[RefResult] = []
        current = RefResult()
        for item in self._batch.input_text(text):
            if item is None:
                results.append(current)
                current = RefResult()
            elif isinstance(item, str):
                current.dumped.append(item)
                current.outputs.append(_raw(item))
            else:
                current.errored, current.error = True, error_text(item["e"])
        return results


def _wrapped(source: str) -> str:
    """``source`` as one section of a combined program (see :func:`run_matrix`)."""
    # Keep a comment-free program on one line so ``$__loc__`` reports the line it would alone.
    tail = "\n\n" if "#" in source else " "
    return f'(try (({source}{tail}) | tojson) catch {{"e": .}})'


def run_matrix(sources: Sequence[str], input_text: str, n_inputs: int, chunk: int = 80) -> list[list[RefResult]]:
    """Run every program on every input; ``result[i][j]`` is program ``i`` on input ``j``.

    ``input_text`` holds ``n_inputs`` JSON texts (see :func:`to_input_text`), one per line. Programs are
    concatenated ``chunk`` at a time into one libjq program (each section inside ``try`` and followed by
    a ``{"k": i}`` marker), so the input text is parsed once per chunk rather than once per program.
    Every program must compile on its own (check with :func:`ref_compile` first).
    """
    results: list[list[RefResult]] = [[] for _ in sources]
    for base in range(0, len(sources), chunk):
        part = sources[base : base + chunk]
        program = ", ".join(f'{_wrapped(src)}, {{"k": {i}}}' for i, src in enumerate(part))
        current = RefResult()
        for item in refjq.compile(program).input_text(input_text):
            if isinstance(item, str):
                current.dumped.append(item)
                current.outputs.append(_raw(item))
            elif "k" in item:
                results[base + item["k"]].append(current)
                current = RefResult()
            else:
                current.errored, current.error = True, error_text(item["e"])
    for i, per_input in enumerate(results):
        if len(per_input) != n_inputs:
            raise AssertionError(f"reference harness lost inputs for {sources[i]!r}: {len(per_input)}/{n_inputs}")
    return results


def compile_errors(sources: Sequence[str]) -> dict[str, str]:
    """``{source: libjq's compile error}`` for the programs the reference rejects.

    Compiling costs libjq a few milliseconds per call whatever the size, so programs are compiled
    together and only a failing group is split further.
    """
    if not sources:
        return {}
    if len(sources) == 1:
        try:
            ref_compile(sources[0])
        except RefCompileError as exc:
            return {sources[0]: exc.message}
        return {}
    try:
        refjq.compile(", ".join(_wrapped(s) for s in sources))
    except ValueError:
        mid = len(sources) // 2
        return {**compile_errors(sources[:mid]), **compile_errors(sources[mid:])}
    return {}


_NUMFIX = 'walk(if type == "number" then . * 1 else . end)'


def without_literals(source: str) -> str:
    """``source`` made to print numbers as computed doubles rather than as preserved literals.

    jq 1.8 keeps the spelling of a number literal (``1.50``, ``0.0``, ``1E+1000``) until arithmetic
    touches it. Multiplying every number of the input and of each output by 1 drops that spelling, so
    this program prints what jq prints for values without literal text, as a Python value has.
    """
    return f"{_NUMFIX} | ({source}\n\n) | {_NUMFIX}"


def literal_free_alternative(source: str, value: Any, ours: RefResult, ref: RefResult) -> RefResult | None:
    """None when ``ours`` agrees with the reference ``ref`` on ``value``, allowing for number spelling.

    Otherwise the reference result to show: ``ref``, or the literal-free one when only that differs
    from ``ref`` in its outputs (see :func:`without_literals`).
    """
    if ours.same_as(ref):
        return None
    plain = ref_compile(without_literals(source)).run(value)
    if ours.same_as(plain):
        return None
    return plain if plain.outputs != ref.outputs else ref


_cache: dict[str, RefProgram] = {}


def ref_compile(source: str) -> RefProgram:
    """Compile (memoised) with the reference; raises :class:`RefCompileError`."""
    prog = _cache.get(source)
    if prog is None:
        prog = _cache[source] = RefProgram(source)
    return prog


def ref_dump(value: Any) -> str:
    """``jq -c .`` of a Python value, as the reference prints it."""
    return ref_compile(".").run(value).dumped[0]


def ref_dump_raw(value: Any) -> str:
    """``jq -r -c .`` of a Python value, as the reference prints it."""
    return ref_compile(".").run(value).outputs[0]


# --- dataset readers --------------------------------------------------------------------------

#: Files under the datasets directory that hold no events.
SKIP_NAMES = ("digest_file_example_NOT_EVENTS.json", "panther_cloudtrail_rule_tests.index.jsonl")


def dataset_files(root: Path) -> list[Path]:
    """Every event file under ``root`` (sorted), without the digest file and the index sidecar."""
    out = []
    for p in sorted(root.rglob("*")):
        if not p.is_file() or p.name in SKIP_NAMES or p.suffix == ".md":
            continue
        out.append(p)
    return out


def _read_text(path: Path) -> str:
    if path.name.endswith(".gz"):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return fh.read()
    return path.read_text(encoding="utf-8")


def _unwrap(item: Any) -> Any:
    """A lookup-events item carries the real event as a JSON string in ``CloudTrailEvent``."""
    if isinstance(item, dict) and isinstance(item.get("CloudTrailEvent"), str):
        return json.loads(item["CloudTrailEvent"])
    return item


def load_records(path: Path) -> list[Any]:
    """The CloudTrail events in one file.

    ``{"Records": [...]}`` gives its records; a top-level array its elements; ``{"Events": [...]}``
    (lookup-events output) and JSON Lines of lookup-events items give the parsed ``CloudTrailEvent``
    (or the item itself when that is absent); other JSON Lines give one event per line; an EventBridge
    envelope gives its ``detail``.
    """
    text = _read_text(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        return [_unwrap(json.loads(line)) for line in text.splitlines() if line.strip()]
    if isinstance(doc, list):
        return [_unwrap(x) for x in doc]
    if isinstance(doc, dict):
        if isinstance(doc.get("Records"), list):
            return doc["Records"]
        if isinstance(doc.get("Events"), list):
            return [_unwrap(x) for x in doc["Events"]]
        if isinstance(doc.get("detail"), dict) and "detail-type" in doc:
            return [doc["detail"]]
        return [_unwrap(doc)]
    return []


def load_all_records(root: Path) -> dict[str, list[Any]]:
    """``{relative path: records}`` for every event file under ``root``."""
    return {str(p.relative_to(root)): load_records(p) for p in dataset_files(root)}


def record_id(record: Any, index: int) -> str:
    """A short identifier for failure messages: the eventID when present, else the index."""
    if isinstance(record, dict):
        for key in ("eventID", "EventId"):
            if isinstance(record.get(key), str):
                return f"#{index} {record[key]}"
    return f"#{index}"



# --- the corpus -------------------------------------------------------------------------------

#: Where the corpus lives (beside this module).
CORPUS = Path(__file__).resolve().parent / "jq_corpus" / "filters.jq"

MODES = ("record", "document", "slurp")


@dataclass(frozen=True)
class CorpusFilter:
    """One corpus line: the filter text, its 1-based line number and its run mode (see filters.jq)."""

    source: str
    line: int
    mode: str

    @property
    def test_id(self) -> str:
        """A compact pytest id: line number and the start of the filter."""
        text = " ".join(self.source.split())
        return f"L{self.line}:{text[:48]}"


def load_corpus(path: Path = CORPUS) -> list[CorpusFilter]:
    """Parse the corpus: one filter per line, ``#`` comment lines, ``#@ mode NAME`` switches the mode."""
    mode = "record"
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("#@"):
            words = stripped[2:].split()
            if len(words) != 2 or words[0] != "mode" or words[1] not in MODES:
                raise ValueError(f"{path}:{n}: bad directive {stripped!r}")
            mode = words[1]
        elif stripped and not stripped.startswith("#"):
            out.append(CorpusFilter(line, n, mode))
    return out
