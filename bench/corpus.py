"""The source articles: `seeds/*.txt` and their `seeds/index.json`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bench.errors import DataError, UsageError, field_path


class Document(BaseModel):
    """One source article as described in `seeds/index.json`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    """File stem of the article in `seeds/`, e.g. `000_5ee3afeb577c3ab4`."""
    outlet: str | None = None
    """Publisher, where the text names or shows it."""
    headline: str
    """The headline, or the first line when the article has none."""
    date: str | None = Field(default=None, pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")
    """Publication date (YYYY, YYYY-MM or YYYY-MM-DD) where the text states or implies it."""
    date_note: str
    """How the date was inferred, or why it is unknown."""


@dataclass(frozen=True)
class Corpus:
    """The articles' texts by document id, with their index entries."""

    folder: Path
    texts: dict[str, str]
    documents: dict[str, Document]

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        for doc_id in sorted(self.texts):
            digest.update(doc_id.encode() + b"\0" + self.texts[doc_id].encode() + b"\0")
        return digest.hexdigest()

    def ordered_ids(self) -> list[str]:
        return sorted(self.texts)


def default_seeds_dir() -> Path:
    """`seeds/` of the working directory, else the one beside the installed package."""
    here = Path("seeds")
    if here.is_dir():
        return here
    return Path(__file__).resolve().parent.parent / "seeds"


def load_corpus(folder: str | Path | None = None) -> Corpus:
    folder = Path(folder) if folder is not None else default_seeds_dir()
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder of articles; check {{seeds}}",
                         params=("seeds",))
    texts: dict[str, str] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.txt")):
        try:
            texts[path.stem] = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(f"{path}: not UTF-8 (byte {exc.start}); save the article as UTF-8")
    if not texts and not problems:
        problems.append(f"{folder}: no .txt articles found")
    documents: dict[str, Document] = {}
    index = folder / "index.json"
    if index.exists():
        try:
            entries = json.loads(index.read_bytes().decode("utf-8"))
            if not isinstance(entries, list):
                raise ValueError("expected a JSON list of documents")
        except (ValueError, UnicodeDecodeError) as exc:
            problems.append(f"{index}: {exc}")
            entries = []
        for n, entry in enumerate(entries):
            try:
                doc = Document.model_validate(entry)
            except ValidationError as exc:
                for err in exc.errors():
                    where = field_path((n, *err["loc"]))
                    problems.append(f"{index}: {where}: {err['msg']}")
                continue
            if doc.id not in texts:
                problems.append(f"{index}: [{n}].id: no article {doc.id}.txt in {folder}")
            documents[doc.id] = doc
    if problems:
        raise DataError(problems)
    return Corpus(folder=folder, texts=texts, documents=documents)
