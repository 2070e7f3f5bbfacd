"""policy-kg: a knowledge graph and Korean semantic search over public policy documents."""

__version__ = "0.1.0"
