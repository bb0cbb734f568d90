"""No regular expression in incidex can run away on hostile text (issue 9, finding 1).

Python's regex engine backtracks, and it holds the interpreter lock while it does: one
pattern that takes minutes on a crafted sentence stops a whole ingest or server. This test
finds every pattern the package compiles and runs each over adversarial subjects:

* **Every pattern, found automatically.** A child process wraps ``re``'s compile function
  before importing incidex, so that each pattern compiled from incidex code is recorded with
  its call site: module constants, patterns the lexicon and the boilerplate rules build from
  data files, and patterns built at run time while fictional reports are extracted. Each
  ``re.*`` call in the package's source must have been reached that way (or be evaluable
  from its module alone), so a new pattern is covered without editing this test.
* **Adversarial subjects** of the shapes that broke incidex (long hyphenated, dotted and
  capitalised runs, repeated words, runs of commas, brackets, digits, dashes, spaces and
  apostrophes, each alone and inside a sentence), and for each repetition in the pattern
  itself a string that pumps that repetition's body many times after what leads to it (how
  ``(a|ab)*`` style ambiguity is found), ending in a character that makes the match fail.
* Each pattern runs over each subject with ``finditer`` (a search from every position, the
  costliest use) and ``fullmatch``, under a per-run alarm (CPython's regex engine checks for
  signals, so the alarm interrupts a runaway match), inside a child process with an overall
  timeout so that nothing can hang the suite.

The subjects are as long as the longest sentence the rules see
(:attr:`incidex.settings.Limits.sentence_chars`). A linear pattern takes milliseconds on them;
the bound is far above that and far below what a catastrophic pattern takes (minutes). The
boilerplate rules are checked as clean.py uses them: matched whole against one line of at
most ``MAX_BOILERPLATE_LINE`` characters.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import pkgutil
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Characters of each adversarial subject: the longest sentence the rules are given.
SUBJECT_CHARS = 2_000
#: Seconds one pattern may take over one subject. Timing is unavoidable for this property,
#: so the bound only tells the two classes apart: a catastrophic pattern takes minutes to
#: ages on 2,000 characters, while a pattern that searches from every position is quadratic
#: and takes up to about 1 s here (counts' "between X and Y" over 2,000 spaces), more on a
#: slower or busier machine. 10 s fails the first and never the second.
PER_RUN_SECONDS = 10.0
#: Seconds the whole check may take before the child process is killed.
CHILD_TIMEOUT = 1_200

#: The ``re`` functions that take a pattern first, and where each takes its flags.
_FLAGS_POSITION = {
    "compile": 1,
    "match": 2,
    "search": 2,
    "fullmatch": 2,
    "finditer": 2,
    "findall": 2,
    "split": 3,
    "sub": 4,
    "subn": 4,
}

# Fictional reports (invented for this test) that lead the pipeline through the code paths
# that build patterns at run time: figures, dates, named groups, places of every kind.
_REPORTS = (
    "Gunmen killed 12 people and wounded at least 30 in an attack on a market in the northern "
    "town of Gwoza, Borno state, on Monday, police said. No group has claimed responsibility, "
    "but Boko Haram was blamed.",
    "KABUL, May 6 (Reuters) - A suicide bomber blew himself up near the Kabul Airport on Sunday, "
    "killing three soldiers. The Taliban claimed the attack. A day after the blast, a roadside "
    "bomb hit a police vehicle in Kandahar province.",
    "Syrian government air strikes on Aleppo's Salahuddin district killed a dozen civilians last "
    "week; another strike on Idlib left 5 dead, the monitor said.",
    "2016 Würzburg train attack: a man with an axe injured four passengers near Ochsenfurt, "
    "Germany. Islamic State claimed it, and German police were investigating.",
    "Between 14 and 16 fishermen were abducted off the coast near Lamu County, Kenya, by "
    "suspected al-Shabaab militants on 12 April 2024, officials said on Tuesday.",
    "The death toll from Saturday's car bombing in Mogadishu rose to 19 on Wednesday, with "
    "dozens more injured, hospital officials said. The blast struck a busy junction in the "
    "Hodan district.",
    "Gunmen shot dead a policeman in Jos on Friday. In October 2017, a truck bomb killed 20 people "
    "in the same city, residents recalled.",
)


# ---------------------------------------------------------------------------------------------
# Collecting the patterns (in the child process)


def _collect() -> tuple[list[tuple[str, str, int]], list[str]]:
    """Every ``(site, pattern, flags)`` incidex compiles, and the ``re`` call sites never reached."""
    import incidex

    package = Path(incidex.__file__).resolve().parent
    seen: dict[tuple[str, int], str] = {}
    reached: set[tuple[str, int]] = set()
    original = re._compile  # type: ignore[attr-defined]

    def recording(pattern: Any, flags: Any) -> Any:
        if isinstance(pattern, str):
            frame = sys._getframe(1)
            while frame is not None and Path(frame.f_code.co_filename).parent.name in ("re", "functools"):
                frame = frame.f_back  # type: ignore[assignment]
            if frame is not None and Path(frame.f_code.co_filename).is_relative_to(package):
                where = (str(Path(frame.f_code.co_filename).relative_to(package.parent)), frame.f_lineno)
                reached.add(where)
                seen.setdefault((pattern, int(flags)), f"{where[0]}:{where[1]}")
        return original(pattern, flags)

    re._compile = recording  # type: ignore[attr-defined]
    try:
        # every module (migrations are scripts Alembic runs, not part of the package's code)
        for info in pkgutil.walk_packages(incidex.__path__, "incidex."):
            if ".migrations" not in info.name:
                importlib.import_module(info.name)
        _exercise()
    finally:
        re._compile = original  # type: ignore[attr-defined]
    unreached = _static_sites(package, seen, reached)
    return [(where, p, f) for (p, f), where in sorted(seen.items(), key=lambda kv: (kv[1], kv[0]))], unreached


def _exercise() -> None:
    """Run the stages that compile patterns lazily or from their input."""
    from incidex.clean import boilerplate_rules
    from incidex.gazetteer import get_gazetteer
    from incidex.lexicon import lexicon
    from incidex.pipeline import extract

    lexicon()
    boilerplate_rules()
    get_gazetteer()
    for text in _REPORTS:
        extract(text, published="2024-05-08")
    samples = ROOT / "samples" / "reports.jsonl"
    if samples.is_file():
        for line in samples.read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            extract(doc["text"], published=doc.get("published"))


def _static_sites(
    package: Path, seen: dict[tuple[str, int], str], reached: set[tuple[str, int]]
) -> list[str]:
    """``re.*(pattern, ...)`` calls in the package's source: a literal or module-level pattern is
    added to ``seen``; one built from local values must have been reached at run time."""
    unreached = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent)
        if "migrations" in rel.parts:
            continue
        module = importlib.import_module(".".join(rel.with_suffix("").parts).removesuffix(".__init__"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in _FLAGS_POSITION
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.args
            ):
                continue
            lines = range(node.lineno, (node.end_lineno or node.lineno) + 1)
            if any((str(rel), line) in reached for line in lines):
                continue
            try:
                pattern = eval(compile(ast.Expression(node.args[0]), str(path), "eval"), vars(module))  # noqa: S307
            except NameError:
                unreached.append(f"{rel}:{node.lineno}")
                continue
            if isinstance(pattern, re.Pattern):
                pattern = pattern.pattern
            if isinstance(pattern, str):
                flags = _flags_of(node, module)
                seen.setdefault((pattern, flags), f"{rel}:{node.lineno}")
    return unreached


def _flags_of(node: ast.Call, module: Any) -> int:
    """The flags a ``re.*`` call passes, by keyword or in the function's own position."""
    arg = next((k.value for k in node.keywords if k.arg == "flags"), None)
    position = _FLAGS_POSITION[node.func.attr]  # type: ignore[attr-defined]
    if arg is None and len(node.args) > position:
        arg = node.args[position]
    return int(eval(compile(ast.Expression(arg), "<flags>", "eval"), vars(module))) if arg else 0  # noqa: S307


# ---------------------------------------------------------------------------------------------
# Adversarial subjects


def _run(unit: str) -> str:
    return (unit * (SUBJECT_CHARS // len(unit) + 1))[:SUBJECT_CHARS]


#: The shapes that broke incidex or that typically break backtracking patterns.
SHAPES: dict[str, str] = {
    "hyphenated capitals": _run("Abu-"),
    "hyphenated words": _run("abu-"),
    "dotted capitals": _run("A."),
    "dotted words": _run("Abu."),
    "capitalised words": _run("Abu "),
    "capitals": _run("ABCDEFGHIJ"),
    "camel case": _run("AbuKano"),
    "apostrophes in names": _run("Abu'"),
    "possessives": _run("Abu's "),
    "linked names": _run("al-Abu "),
    "repeated words": _run("killed "),
    "repeated phrases": _run("of the "),
    "commas": _run(","),
    "commas and spaces": _run(", "),
    "opening brackets": _run("("),
    "closing brackets": _run(")"),
    "digits": _run("1234567890"),
    "number-dashes": _run("3-4-"),
    "number-commas": _run("3,4"),
    "numbers": _run("3 4 "),
    "dashes": _run("-"),
    "dashes and spaces": _run("— "),
    "spaces": _run(" "),
    "newlines": _run("\n"),
    "tabs": _run("\t"),
    "apostrophes": _run("'"),
    "full stops": _run("."),
    "quotes": _run('"'),
    "mixed": _run("Abu-Kano., (3-4) 'al "),
}
SHAPES.update(
    {f"{name} in a sentence": f"Gunmen killed {text} in Kano." for name, text in list(SHAPES.items())}
)


def _pumped(pattern: str, flags: int) -> Iterator[tuple[str, str]]:
    """For each repetition in ``pattern``: what leads to it, its body many times, then a
    character that makes the match fail."""
    from re import _parser  # type: ignore[attr-defined]

    seen: set[tuple[str, str]] = set()
    for prefix, body in _repeats(list(_parser.parse(pattern, flags)), ""):
        for unit in _variants(body)[:8]:
            key = (prefix[-20:], unit)
            if not unit or key in seen or len(seen) >= 48:
                continue
            seen.add(key)
            times = max(2, (SUBJECT_CHARS - len(prefix)) // len(unit))
            yield f"pumped {unit!r}", (prefix + unit * times)[: SUBJECT_CHARS + len(unit)] + "\x01"


def _repeats(items: list[Any], prefix: str) -> Iterator[tuple[str, list[Any]]]:
    from re import _constants as c  # type: ignore[attr-defined]

    for i, (op, av) in enumerate(items):
        before = prefix + "".join(_variants([x])[0] for x in items[:i])
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            if av[1] > 1:
                yield before, list(av[2])
            yield from _repeats(list(av[2]), before)
        elif op == c.SUBPATTERN:
            yield from _repeats(list(av[-1]), before)
        elif op == c.ATOMIC_GROUP:
            yield from _repeats(list(av), before)
        elif op == c.BRANCH:
            for alternative in av[1]:
                yield from _repeats(list(alternative), before)
        elif op in (c.ASSERT, c.ASSERT_NOT):
            yield from _repeats(list(av[1]), before)


_CANDIDATES = "aA1 -.,('’\"!é\n"


def _variants(items: list[Any]) -> list[str]:
    """A few strings that ``items`` (a parsed sequence) matches: the shortest first, then ones
    that vary one element at a time (each alternative of a branch, optional parts taken)."""
    from re import _constants as c  # type: ignore[attr-defined]

    per_item: list[list[str]] = []
    for op, av in items:
        if op == c.LITERAL:
            options = [chr(av)]
        elif op == c.NOT_LITERAL:
            options = [next(ch for ch in _CANDIDATES if ord(ch) != av)]
        elif op == c.ANY:
            options = ["a"]
        elif op == c.IN:
            options = [ch for ch in _CANDIDATES if _in_class(ch, av)][:3] or ["a"]
        elif op == c.BRANCH:
            options = [v for alternative in av[1] for v in _variants(list(alternative))[:2]]
        elif op == c.SUBPATTERN:
            options = _variants(list(av[-1]))
        elif op == c.ATOMIC_GROUP:
            options = _variants(list(av))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, high, body = av
            bodies = _variants(list(body))
            options = [bodies[0] * low] + [b * max(low, 1) for b in bodies if high >= 1]
        else:  # assertions, anchors, group references: zero-width here
            options = [""]
        per_item.append(list(dict.fromkeys(options)) or [""])
    base = [options[0] for options in per_item]
    out = ["".join(base)]
    for i, options in enumerate(per_item):
        for option in options[1:]:
            out.append("".join(base[:i]) + option + "".join(base[i + 1 :]))
            if len(out) >= 64:
                return list(dict.fromkeys(out))
    return list(dict.fromkeys(out))


def _in_class(ch: str, items: list[Any]) -> bool:
    from re import _constants as c  # type: ignore[attr-defined]

    categories = {
        c.CATEGORY_DIGIT: ch.isdecimal(),
        c.CATEGORY_NOT_DIGIT: not ch.isdecimal(),
        c.CATEGORY_SPACE: ch.isspace(),
        c.CATEGORY_NOT_SPACE: not ch.isspace(),
        c.CATEGORY_WORD: ch.isalnum() or ch == "_",
        c.CATEGORY_NOT_WORD: not (ch.isalnum() or ch == "_"),
    }
    negate = False
    hit = False
    for op, av in items:
        if op == c.NEGATE:
            negate = True
        elif op == c.LITERAL:
            hit |= ord(ch) == av
        elif op == c.RANGE:
            hit |= av[0] <= ord(ch) <= av[1]
        elif op == c.CATEGORY:
            hit |= categories.get(av, False)
    return hit != negate


# ---------------------------------------------------------------------------------------------
# Running them (in the child process)


class _Runaway(Exception):
    pass


def _alarm(_signum: int, _frame: object) -> None:
    raise _Runaway


def _cost(rx: re.Pattern[str], subject: str, method: str, limit: float) -> float | None:
    """Seconds ``method`` takes on ``subject``, or None when it ran past ``limit``."""
    signal.setitimer(signal.ITIMER_REAL, limit)
    start = time.perf_counter()
    try:
        if method == "finditer":
            for _ in rx.finditer(subject):
                pass
        elif method == "match":
            rx.match(subject)
        else:
            rx.fullmatch(subject)
    except _Runaway:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return time.perf_counter() - start


def _line_rules() -> set[str]:
    """The boilerplate rules (``incidex/data/boilerplate.txt``), alone and combined: clean.py
    only ever matches them whole against one line of at most ``MAX_BOILERPLATE_LINE``
    characters, so that is how they are checked."""
    from incidex.clean import boilerplate_rules

    rules = boilerplate_rules()
    return {rx.pattern for rx in (rules.line, rules.prefix, rules.section) if rx is not None}


def _is_line_rule(pattern: str, combined: set[str]) -> bool:
    return pattern in combined or any(f">{pattern})" in c for c in combined)


def check(patterns: list[tuple[str, str, int]], limit: float) -> Iterator[dict[str, Any]]:
    """A record for each pattern that ran past ``limit``, naming the first subject it did:
    one is enough to condemn it, and each more would cost ``limit`` seconds again."""
    from incidex.clean import MAX_BOILERPLATE_LINE

    signal.signal(signal.SIGALRM, _alarm)
    combined = _line_rules()
    for where, pattern, flags in patterns:
        rx = re.compile(pattern, flags)
        subjects = [*SHAPES.items(), *_pumped(pattern, flags)]
        methods = ("finditer", "fullmatch")
        if _is_line_rule(pattern, combined):
            subjects = [(shape, subject[:MAX_BOILERPLATE_LINE]) for shape, subject in subjects]
            methods = ("match", "fullmatch")
        condemned = next(
            (
                {"site": where, "pattern": pattern[:160], "subject": shape, "method": method}
                for shape, subject in subjects
                for method in methods
                if _cost(rx, subject, method, limit) is None
            ),
            None,
        )
        if condemned is not None:
            yield condemned


def _child(argv: list[str]) -> None:
    if argv and argv[0] == "--pattern":  # check the patterns given, not the package's
        patterns = [("given", p, 0) for p in argv[1:]]
        unreached: list[str] = []
    else:
        patterns, unreached = _collect()
    started = time.perf_counter()
    runaways = list(check(patterns, PER_RUN_SECONDS))
    summary = {
        "patterns": len(patterns),
        "sites": sorted({where for where, _, _ in patterns}),
        "unreached": unreached,
        "runaways": runaways,
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(summary))


# ---------------------------------------------------------------------------------------------
# The tests (in the pytest process)


def _run_child(*args: str) -> dict[str, Any]:
    import incidex

    env = {**os.environ, "PYTHONPATH": str(Path(incidex.__file__).resolve().parents[1])}
    try:
        done = subprocess.run(
            [sys.executable, __file__, *args],
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT,
            env=env,
            cwd=Path(incidex.__file__).resolve().parents[1],
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the pattern check did not finish in {CHILD_TIMEOUT} s: {exc.stderr!r}"[-2000:])
    assert done.returncode == 0, done.stderr[-4000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# The whole package's check takes about two minutes on two busy cores (nearly 300 patterns).
@pytest.fixture(scope="module")
def package_check() -> dict[str, Any]:
    return _run_child()


def test_the_check_catches_a_catastrophic_pattern_and_passes_a_linear_one() -> None:
    result = _run_child("--pattern", r"(?:[A-Z][\w-]*)+:", r"\bKano\b")
    condemned = {r["pattern"] for r in result["runaways"]}
    assert condemned == {r"(?:[A-Z][\w-]*)+:"}


@pytest.mark.slow
def test_every_pattern_of_the_package_is_collected(package_check: dict[str, Any]) -> None:
    assert not package_check["unreached"], (
        "re calls whose pattern the check never saw compiled; make _REPORTS reach them: "
        f"{package_check['unreached']}"
    )
    sites = {s.rsplit(":", 1)[0] for s in package_check["sites"]}
    # the patterns built from data files and at run time are among them
    assert {"incidex/places.py", "incidex/lexicon.py", "incidex/clean.py", "incidex/counts.py"} <= sites
    assert package_check["patterns"] > 100


@pytest.mark.slow
def test_no_pattern_runs_away_on_adversarial_text(package_check: dict[str, Any]) -> None:
    runaways = package_check["runaways"]
    lines = [f"{r['site']} {r['method']} on {r['subject']}: {r['pattern']!r}" for r in runaways]
    assert not runaways, f"{len(runaways)} pattern runs over {PER_RUN_SECONDS} s:\n" + "\n".join(lines)


if __name__ == "__main__":
    _child(sys.argv[1:])
