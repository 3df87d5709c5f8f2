"""Answers: short templated sentences for each outcome."""

from edge.respond.templates import respond

__all__ = ["respond"]
