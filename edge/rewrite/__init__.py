"""Rewrites before NLU: taught phrases, the hub's signed table, online retrieval (global and personal layers)."""

from edge.rewrite.personal import PersonalExample, PersonalStore, Taught
from edge.rewrite.rewriter import Neighbour, Rewriter, RewriteSettings, Rewritten, Understanding
from edge.rewrite.teach import Teaching, is_forget, parse_teaching

__all__ = [
    "Neighbour", "PersonalExample", "PersonalStore", "RewriteSettings", "Rewriter", "Rewritten", "Taught",
    "Teaching", "Understanding", "is_forget", "parse_teaching",
]  # fmt: skip
