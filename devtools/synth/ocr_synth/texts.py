"""The synthetic-page corpus: Russian official prose read from ``ocr_synth/corpus/*.txt``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
HEADER = "=== "
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@dataclass(frozen=True)
class CorpusDocument:
    """One document of the corpus: the file it came from, its kind and subject, its paragraphs."""

    source: str
    kind: str
    subject: str
    paragraphs: tuple[str, ...]

    @property
    def composed(self) -> bool:
        """Whether the document came from the template composer (not written out by hand)."""
        return self.source.startswith("composed-")


def parse_documents(text: str, *, source: str) -> list[CorpusDocument]:
    """Split a corpus file into documents at its ``=== KIND | subject`` lines."""
    documents: list[CorpusDocument] = []
    for chunk in text.split("\n" + HEADER):
        chunk = chunk.removeprefix(HEADER).strip()
        if not chunk:
            continue
        head, _, body = chunk.partition("\n")
        kind, _, subject = head.partition("|")
        paragraphs = tuple(" ".join(p.split()) for p in body.split("\n\n") if p.strip())
        documents.append(CorpusDocument(source, kind.strip(), subject.strip(), paragraphs))
    return documents


@cache
def corpus_documents(folder: Path = CORPUS_DIR) -> tuple[CorpusDocument, ...]:
    """Every document of every ``*.txt`` file in ``folder`` (sorted by file name)."""
    documents: list[CorpusDocument] = []
    for path in sorted(folder.glob("*.txt")):
        documents.extend(parse_documents(path.read_text(encoding="utf-8"), source=path.name))
    return tuple(documents)


def document_words(document: CorpusDocument) -> list[str]:
    """The words of a document's title, subject and paragraphs (letters, inner hyphens)."""
    text = " ".join([document.kind, document.subject, *document.paragraphs])
    return WORD.findall(text)


def distinct_words(documents: Iterable[CorpusDocument]) -> set[str]:
    """Distinct words, case-folded, across ``documents``."""
    return {word.casefold() for doc in documents for word in document_words(doc)}
