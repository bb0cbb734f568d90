"""Docs that cannot drift: every command and option of the CLI is in the README and has a
help line, and every command line the README shows parses."""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from incidex.cli import _parser

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def _walk(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.Action | None]]:
    """(command path, option) for every option, and (command path, None) for every command."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), None
                yield from _walk(sub, (*path, name))
        elif action.option_strings and not isinstance(action, argparse._HelpAction):
            yield path, action


COMMANDS = sorted({" ".join(path) for path, opt in _walk(_parser()) if opt is None})
OPTIONS = sorted(
    {(" ".join(path), max(opt.option_strings, key=len)) for path, opt in _walk(_parser()) if opt is not None}
)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"incidex {command}" in README, f"README.md never shows `incidex {command}`"


@pytest.mark.parametrize(("command", "option"), OPTIONS)
def test_every_option_is_in_the_readme(command: str, option: str) -> None:
    assert re.search(rf"{re.escape(option)}\b", README), f"README.md never names {command} {option}"


def test_every_option_has_a_help_line() -> None:
    bare = [
        f"{' '.join(path)} {opt.option_strings}" for path, opt in _walk(_parser()) if opt and not opt.help
    ]
    assert not bare, f"options without help: {bare}"


def _shown_command_lines() -> list[str]:
    """The ``incidex ...`` lines of the README's console blocks, without comments,
    redirections and the optional parts of a synopsis."""
    lines = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        for line in block.splitlines():
            line = re.sub(r"^(\.venv/bin/)?", "", line.strip())
            if line.startswith("incidex "):
                line = re.sub(r"\s*\[[^\]]*\]", "", line)  # "[--format table|jsonl]" is optional
                lines.append(re.split(r"\s[<>|]\s?|\s#", line)[0].strip())
    return lines


SHOWN = _shown_command_lines()


def test_the_readme_shows_command_lines() -> None:
    assert len(SHOWN) >= 10  # the parser below must have something to check


@pytest.mark.parametrize("line", SHOWN)
def test_every_command_line_the_readme_shows_parses(line: str) -> None:
    argv = [a for a in shlex.split(line)[1:] if a != "..."]
    try:
        _parser().parse_args(argv)
    except SystemExit as e:
        pytest.fail(f"README.md shows `{line}`, which the CLI refuses (exit {e.code})")
