"""What a model quoted as evidence, and what checking a quote against the articles found."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Quote(BaseModel):
    """One sentence a model quoted to support its answer, as it gave it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    doc: str | None = None
    """The article id the model named for it; None when it named none."""
    quote: str
    """The quoted text, without its surrounding quote marks and citation brackets."""


class EvidenceCheck(BaseModel):
    """One quote checked against the articles and the question's gold citations."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    doc: str | None
    """The article named by the quote, else the one it was found in; None when it named none
    and was found in none."""
    quote: str
    """The quoted text, as the model gave it."""
    found: bool
    """The quote is in the article, exactly or nearly."""
    exact: bool
    """Found after folding case, spaces, quote marks and dashes only, with no other change."""
    span: tuple[int, int] | None
    """Character range [start, end) of the match in the original article text; None when not
    found."""
    doc_in_gold: bool
    """The article is one the question's gold citations quote."""
    overlaps_gold: bool
    """The match intersects a gold citation of the question in the same article."""
