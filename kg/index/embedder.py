"""Text embeddings behind one small interface, implemented with sentence-transformers.

The model is a setting (``KG_EMBEDDER``): ``builtin`` (default) is a sentence-transformers
``StaticEmbedding`` model that ``kg build`` makes from the corpus itself (see
``static_model.py``), so search works with no pretrained model at hand; a local folder or
a model name selects a pretrained model instead. Loading never reaches the network unless
the user opts in (``KG_ALLOW_DOWNLOAD=1``), and ``trust_remote_code`` stays off.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kg.errors import KgError

BUILTIN = "builtin"
BUILTIN_DIR = "embedder"  # inside a build folder


class EmbedderError(KgError):
    """The embedding model cannot be loaded."""


@dataclass
class Embedder:
    """A loaded sentence-transformers model: ``encode`` gives unit-length float32 rows."""

    name: str
    dimension: int
    model: object

    def encode(self, texts: list[str]) -> np.ndarray:
        vecs = self.model.encode(list(texts), batch_size=256, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
        return np.ascontiguousarray(vecs, dtype=np.float32)


def _offline(allow_download: bool) -> None:
    if not allow_download:
        # the hub libraries read these at call time: no request, no retry loop, no hang
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"


def load_embedder(spec: str, build_dir: Path | None = None, allow_download: bool = False) -> Embedder:
    """Load ``spec``: ``builtin`` (the build's own model), a local folder or a model name.

    Raises:
        EmbedderError: the model is not available locally (or failed to load).
    """
    path = Path(build_dir) / BUILTIN_DIR if spec == BUILTIN and build_dir is not None else Path(spec)
    if spec == BUILTIN and not path.exists():
        raise EmbedderError(f"the built-in embedder is missing from {build_dir}: run `kg build`")
    _offline(allow_download)
    from sentence_transformers import SentenceTransformer

    source = str(path) if path.exists() else spec
    try:
        model = SentenceTransformer(source, device="cpu", trust_remote_code=False, local_files_only=not allow_download)
    except Exception as exc:  # the library raises OSError, ValueError, HF errors …
        hint = "" if allow_download else "; give a local model folder, or set KG_ALLOW_DOWNLOAD=1 to fetch it"
        raise EmbedderError(f"cannot load embedding model {spec!r}: {type(exc).__name__}{hint}") from None
    name = f"{BUILTIN} (static, built from the corpus)" if spec == BUILTIN else spec
    dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return Embedder(name=name, dimension=int(dim()), model=model)
