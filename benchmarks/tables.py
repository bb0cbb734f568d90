"""Plain-text tables for the benchmarks' printed figures (a module beside the scripts, which
run as ``python benchmarks/NAME.py`` and so import it by its bare name)."""

from __future__ import annotations


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def text_table(head: list[str], rows: list[list[str]]) -> str:
    """Columns padded to their widest cell: the first left-aligned, the rest right-aligned."""
    lines = [head, *rows]
    widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
    out = []
    for n, row in enumerate(lines):
        pairs = enumerate(zip(row, widths, strict=True))
        out.append("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in pairs))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)
