"""The bottom layer: comparison keys, name matching and Korean/English tokens.

Parsing, the RDF build, linking, indexing and search all read text through these helpers, so
that a name found by one layer is found the same way by the others. Nothing here imports
from another part of ``kg``.
"""
