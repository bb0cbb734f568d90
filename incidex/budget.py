"""What one document may cost to extract, checked by the stages as they go.

A stage that loops over a document's sentences, mentions or groups calls
:meth:`Budget.check` once per step. Past the document's time budget the check raises
:class:`BudgetExceeded`, which :func:`incidex.pipeline.extract_each` turns into an
:class:`~incidex.records.ExtractionFailure` for that document alone. The check is a clock
read and a comparison; on ordinary text it costs nothing measurable.

Work shared by a batch of documents (the entity model runs over many documents' sentences
at once) is charged to each document by its share of the characters.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


class BudgetExceeded(Exception):
    """A document went over a limit; the message says which, where, and what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Budget:
    """Seconds of extraction left to one document."""

    def __init__(self, seconds: float = float("inf")) -> None:
        self.seconds = seconds
        self.spent = 0.0  # charged for shared work (the model) and for the stages run so far
        self._since: float | None = None

    def charge(self, seconds: float, stage: str) -> None:
        """Add ``seconds`` of shared work, then check."""
        self.spent += seconds
        self.check(stage)

    def start(self) -> None:
        """The document's own stages begin: from now the clock runs for it."""
        self._since = time.monotonic()

    def stop(self) -> None:
        if self._since is not None:
            self.spent += time.monotonic() - self._since
            self._since = None

    @contextmanager
    def running(self) -> Iterator[None]:
        """The clock runs for this document while the block runs."""
        self.start()
        try:
            yield
        finally:
            self.stop()

    def used(self) -> float:
        running = time.monotonic() - self._since if self._since is not None else 0.0
        return self.spent + running

    def check(self, stage: str) -> None:
        """Raise :class:`BudgetExceeded` if the document has used up its seconds."""
        if self.seconds != float("inf") and self.used() > self.seconds:
            raise BudgetExceeded(
                f"over the {self.seconds:g} s extraction budget in {stage}; "
                "split the document or raise --doc-seconds"
            )


#: The budget of a caller that sets none: checks never fail.
UNLIMITED = Budget()
