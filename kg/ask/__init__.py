"""Exact answers to structured questions (``kg ask``): question → frame → SPARQL → rows.

- ``frame``: the typed reading of a question (what, of which entities, how combined);
- ``understand``: the question (and the shared query analysis of ``kg.search.analysis``) → a
  frame, or the reason it cannot be answered exactly ("I don't know" is an answer);
- ``templates``: a frame → one SPARQL query;
- ``answer``: running it through the guarded executor, the rows, the answer line.
"""
from kg.ask.answer import Answer, Asker
from kg.ask.understand import NotAnswerable

__all__ = ["Answer", "Asker", "NotAnswerable"]
