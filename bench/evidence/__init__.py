"""Evidence: the sentences a model quotes for its answer, read out of its reply and checked."""

from bench.evidence.locate import check_quotes
from bench.evidence.models import EvidenceCheck, Quote
from bench.evidence.quotes import split_evidence

__all__ = ["EvidenceCheck", "Quote", "check_quotes", "split_evidence"]
