"""Tests for incidex.reader: formats, sniffing, stdin, and every kind of bad input."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import time
import tracemalloc
from pathlib import Path

import pytest

from incidex import reader
from incidex.errors import InputError
from incidex.reader import MAX_DOCUMENT_BYTES, STDIN, ReadFailure, read_sources
from incidex.records import Document

FIXTURES = Path(__file__).parent / "fixtures"
MB = 1024 * 1024


def read(*sources: str | Path, **kwargs: object) -> list[Document | ReadFailure]:
    return list(read_sources([str(s) for s in sources], **kwargs))  # type: ignore[arg-type]


def docs(results: list[Document | ReadFailure]) -> list[Document]:
    return [r for r in results if isinstance(r, Document)]


def failures(results: list[Document | ReadFailure]) -> list[InputError]:
    return [r.error for r in results if isinstance(r, ReadFailure)]


def only_failure(path: Path | str, **kwargs: object) -> InputError:
    results = read(path, **kwargs)
    assert len(results) == 1 and isinstance(results[0], ReadFailure), results
    return results[0].error


def jsonl(*records: object) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


# ---------------------------------------------------------------------------------------------
# Plain text


def test_text_file(tmp_path: Path) -> None:
    path = tmp_path / "kano-attack.txt"
    path.write_bytes("\ufeffGunmen killed 3 people.\r\nPolice said.\rMore  text\n".encode())
    (doc,) = read(path, published=dt.date(2024, 5, 8))
    assert doc == Document(
        doc_id="kano-attack",
        text="Gunmen killed 3 people.\nPolice said.\nMore  text\n",
        published=dt.date(2024, 5, 8),
        source=str(path),
    )


def test_source_is_the_path_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_text("Some text.", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    (doc,) = read("./a.txt")
    assert isinstance(doc, Document) and doc.source == "./a.txt"


# ---------------------------------------------------------------------------------------------
# HTML


def test_html_article_text_title_date_and_url() -> None:
    (doc,) = read(FIXTURES / "article.html")
    assert isinstance(doc, Document)
    assert doc.doc_id == "article"
    assert doc.title == "Gunmen attack market in Fictionville"
    assert doc.published == dt.date(2019, 3, 4)
    assert doc.url == "https://news.example.org/world/fictionville-market-attack"
    assert "killing seven people and wounding twelve others" in doc.text
    assert "No group has claimed responsibility" in doc.text
    for furniture in ("Weather", "Copyright", "Related stories", "Floods hit", "cookies", "Contact us"):
        assert furniture not in doc.text


def test_published_argument_wins_over_the_page_date() -> None:
    (doc,) = read(FIXTURES / "article.html", published=dt.date(2020, 1, 2))
    assert isinstance(doc, Document) and doc.published == dt.date(2020, 1, 2)


def test_html_without_article_text() -> None:
    error = only_failure(FIXTURES / "nav_only.html")
    assert error.source.endswith("nav_only.html")
    assert "no article text found in the HTML" in str(error)


def test_html_in_a_declared_legacy_charset(tmp_path: Path) -> None:
    page = (FIXTURES / "article.html").read_text(encoding="utf-8")
    page = page.replace('charset="utf-8"', 'charset="windows-1252"').replace(
        "Fictionville on", "Fictionvill\u00e9 on"
    )
    path = tmp_path / "legacy.html"
    path.write_bytes(page.encode("cp1252"))
    (doc,) = read(path)
    assert isinstance(doc, Document) and "Fictionvill\u00e9 on Tuesday" in doc.text


def test_html_not_utf8_without_a_charset(tmp_path: Path) -> None:
    path = tmp_path / "bad.html"
    path.write_bytes(b"<html><body><p>Caf\xe9 bombed</p></body></html>")
    error = only_failure(path)
    assert "not UTF-8 text (byte 0xe9 at offset 18)" in str(error)


# ---------------------------------------------------------------------------------------------
# JSON Lines


def test_jsonl_good_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_text(
        jsonl(
            {"doc_id": "one", "text": "Gunmen killed 3.", "published": "2024-05-08", "incidents": [{"x": 1}]},
            '{"doc_id": "two", "text": ',
            {"text": "No id here.", "published": "2024-05-08T10:30:00+03:00", "url": "http://x.example/a"},
            {"doc_id": "four", "text": 5},
            "",
            {"doc_id": "six", "text": "A text.", "published": "yesterday"},
            "[1, 2]",
            {"doc_id": "eight"},
            {"doc_id": "nine", "text": "   "},
            {"doc_id": "ten", "text": "Last one.", "title": "A title"},
        ),
        encoding="utf-8",
    )
    results = read(path, published=dt.date(2000, 1, 1))
    assert [d.doc_id for d in docs(results)] == ["one", "batch:3", "ten"]
    one, three, ten = docs(results)
    assert one.published == dt.date(2024, 5, 8), "a line's own date wins over the argument"
    assert three.published == dt.date(2024, 5, 8) and three.url == "http://x.example/a"
    assert ten.published == dt.date(2000, 1, 1), "the argument fills in a line without a date"
    assert ten.title == "A title"
    assert all(d.source == str(path) for d in docs(results))
    messages = [str(e) for e in failures(results)]
    assert messages == [
        f"{path}:2: malformed JSON (Expecting value at column 27); fix the line or remove it",
        f"{path}:4 (doc_id 'four'): \"text\" must be a string, got a number",
        f"{path}:6 (doc_id 'six'): invalid \"published\" date 'yesterday'; use YYYY-MM-DD",
        f"{path}:7: expected a JSON object, got an array; write one object a line",
        f"{path}:8 (doc_id 'eight'): missing \"text\"; each line needs the document text",
        f"{path}:9 (doc_id 'nine'): \"text\" is empty; give the document text",
    ]
    assert [(e.line, e.doc_id) for e in failures(results)][:2] == [(2, None), (4, "four")]
    assert isinstance(failures(results)[0].__cause__, json.JSONDecodeError)


def test_jsonl_line_not_utf8_names_line_and_file_offset(tmp_path: Path) -> None:
    path = tmp_path / "mixed.ndjson"
    first = jsonl({"doc_id": "a", "text": "Fine."}).encode()
    path.write_bytes(
        first + b'{"doc_id": "b", "text": "Caf\xe9"}\n' + jsonl({"doc_id": "c", "text": "Fine."}).encode()
    )
    results = read(path)
    assert [d.doc_id for d in docs(results)] == ["a", "c"]
    (error,) = failures(results)
    assert error.line == 2
    assert f"not UTF-8 text (byte 0xe9 at offset {len(first) + 28})" in str(error)


def test_jsonl_text_is_kept_exactly(tmp_path: Path) -> None:
    path = tmp_path / "exact.jsonl"
    text = " date 2020-01-01 Line one.\r\nLine two.\n\n"
    path.write_text(jsonl({"doc_id": "x", "text": text}), encoding="utf-8")
    (doc,) = read(path)
    assert isinstance(doc, Document) and doc.text == text


def test_jsonl_huge_line_is_rejected_and_the_others_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    with path.open("w", encoding="utf-8") as out:
        out.write(jsonl({"doc_id": "before", "text": "First."}))
        out.write('{"doc_id": "huge", "text": "' + "x" * (MAX_DOCUMENT_BYTES + MB) + '"}\n')
        out.write(jsonl({"doc_id": "after", "text": "Last."}))
    results = read(path)
    assert [d.doc_id for d in docs(results)] == ["before", "after"]
    (error,) = failures(results)
    assert error.line == 2
    assert "larger than the 10 MB limit per document (11.0 MB)" in str(error)


def test_jsonl_is_streamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A JSON Lines file larger than the document limit is read line by line, not held whole."""
    monkeypatch.setattr(reader, "MAX_DOCUMENT_BYTES", MB)
    path = tmp_path / "many.jsonl"
    line = {"doc_id": "", "text": "Gunmen attacked a village and killed several people. " * 18}
    with path.open("w", encoding="utf-8") as out:
        for i in range(6000):
            line["doc_id"] = f"d{i}"
            out.write(json.dumps(line) + "\n")
    assert path.stat().st_size > 5 * MB
    tracemalloc.start()
    try:
        count = sum(1 for r in read_sources([str(path)]) if isinstance(r, Document))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 6000
    assert peak < MB


# ---------------------------------------------------------------------------------------------
# Sniffing and stdin


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (jsonl({"doc_id": "j1", "text": "From JSON."}, {"doc_id": "j2", "text": "Again."}), ["j1", "j2"]),
        ("\n\n  Plain text that starts { later.\n", ["notes"]),
    ],
)
def test_unknown_extension_is_sniffed(tmp_path: Path, content: str, expected: list[str]) -> None:
    path = tmp_path / "notes.dat"
    path.write_text(content, encoding="utf-8")
    assert [d.doc_id for d in docs(read(path))] == expected


def test_sniffing_skips_a_long_blank_start(tmp_path: Path) -> None:
    path = tmp_path / "padded.dat"
    path.write_text(" \n" * 10_000 + jsonl({"doc_id": "late", "text": "After the blanks."}), encoding="utf-8")
    assert [d.doc_id for d in docs(read(path))] == ["late"]


def test_unknown_extension_html_is_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "page"
    shutil.copy(FIXTURES / "article.html", path)
    (doc,) = read(path)
    assert isinstance(doc, Document) and doc.title == "Gunmen attack market in Fictionville"


def test_stdin_text_binary_stream() -> None:
    (doc,) = read("-", stdin=io.BytesIO(b"Gunmen killed 3.\r\nPolice said."), published=dt.date(2024, 1, 2))
    assert doc == Document(
        doc_id="stdin", text="Gunmen killed 3.\nPolice said.", published=dt.date(2024, 1, 2), source=STDIN
    )


def test_stdin_jsonl_text_stream() -> None:
    stream = io.StringIO(jsonl({"doc_id": "s1", "text": "One."}, "{oops", {"text": "Two."}))
    results = read("-", stdin=stream)
    assert [d.doc_id for d in docs(results)] == ["s1", "stdin:3"]
    assert [str(e).split(":")[:2] for e in failures(results)] == [["<stdin>", "2"]]


def test_stdin_defaults_to_the_process_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = io.TextIOWrapper(io.BytesIO((FIXTURES / "nav_only.html").read_bytes()), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", fake)
    error = only_failure("-")
    assert error.source == STDIN and "no article text found in the HTML" in str(error)


def test_stdin_over_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_DOCUMENT_BYTES", 1000)
    error = only_failure("-", stdin=io.BytesIO(b"word " * 1000))
    assert error.source == STDIN and "larger than the" in str(error)


def test_empty_stdin() -> None:
    assert "<stdin>: is empty" in str(only_failure("-", stdin=io.BytesIO(b"")))


# ---------------------------------------------------------------------------------------------
# Bad input: each a ReadFailure naming the source, and reading goes on


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "is empty; give a file with text in it"),
        ("blank.txt", b"  \n\t\n  ", "is only whitespace; give a file with text in it"),
        ("blank.jsonl", b"\n\n", "is only whitespace; give a file with text in it"),
        ("empty.jsonl", b"", "is empty; give a file with text in it"),
        ("nul.txt", b"Gunmen\x00killed\x00", "contains NUL bytes"),
        ("controls.txt", bytes(range(1, 9)) * 20 + b"text", "is binary data (mostly control characters)"),
        ("utf16.txt", "Gunmen killed 3.".encode("utf-16"), "is UTF-16 text; re-encode it as UTF-8"),
        (
            "latin1.txt",
            "Attack in Yaound\u00e9.".encode("latin-1"),
            "not UTF-8 text (byte 0xe9 at offset 16)",
        ),
        ("bom-latin1.txt", b"\xef\xbb\xbfCaf\xe9", "not UTF-8 text (byte 0xe9 at offset 6)"),
    ],
)
def test_bad_file(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    error = only_failure(path)
    assert error.source == str(path)
    assert message in str(error)
    assert str(error).startswith(f"{path}: ")


def test_missing_file(tmp_path: Path) -> None:
    error = only_failure(tmp_path / "nope.txt")
    assert str(error) == f"{tmp_path / 'nope.txt'}: no such file; check the path"
    assert isinstance(error.__cause__, FileNotFoundError)


def test_directory(tmp_path: Path) -> None:
    assert "is a directory" in str(only_failure(tmp_path))


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("Hidden.", encoding="utf-8")
    path.chmod(0)
    try:
        assert "permission denied" in str(only_failure(path))
    finally:
        path.chmod(0o600)


def test_permission_denied_on_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("Hidden.", encoding="utf-8")

    def deny(self: Path, *args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", deny)
    error = only_failure(path)
    assert str(error) == f"{path}: permission denied; check the file's permissions"


def _sparse(path: Path, size: int, head: bytes = b"") -> None:
    with path.open("wb") as out:
        out.write(head)
        out.seek(size - 1)
        out.write(b"\n")


@pytest.mark.parametrize("name", ["big.txt", "big.html", "big.dat"])
def test_huge_file_is_rejected_without_reading_it(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    _sparse(path, 50 * MB, head=b"Plain text at the start of a big file.\n" * 300)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        error = only_failure(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 2
    assert peak < MB
    assert (
        str(error)
        == f"{path}: larger than the 10 MB limit per document (50.0 MB); split it into smaller documents"
    )


def test_reading_goes_on_after_failures(tmp_path: Path) -> None:
    (tmp_path / "good1.txt").write_text("First good text.", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "lines.jsonl").write_text(
        jsonl("{bad", {"doc_id": "j", "text": "Good line."}), encoding="utf-8"
    )
    (tmp_path / "good2.txt").write_text("Second good text.", encoding="utf-8")
    sources = ["good1.txt", "missing.txt", "empty.txt", "lines.jsonl", "good2.txt"]
    results = read(*(tmp_path / s for s in sources))
    kinds = [r.doc_id if isinstance(r, Document) else f"fail {Path(r.error.source).name}" for r in results]
    assert kinds == ["good1", "fail missing.txt", "fail empty.txt", "fail lines.jsonl", "j", "good2"]


def test_read_failure_str_is_the_error() -> None:
    failure = ReadFailure(InputError("a.jsonl", "bad", line=3, doc_id="x"))
    assert str(failure) == "a.jsonl:3 (doc_id 'x'): bad"
