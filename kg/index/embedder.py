"""Text embeddings behind one small interface: sentence-transformers, or numpy for static models.

The model is a setting (``KG_EMBEDDER``): ``builtin`` (default) is a sentence-transformers
``StaticEmbedding`` model that ``kg build`` makes from the corpus itself (see
``static_model.py``), so search works with no pretrained model at hand; a local folder or
a model name selects a pretrained model instead. Loading never reaches the network unless
the user opts in (``KG_ALLOW_DOWNLOAD=1``), and ``trust_remote_code`` stays off.

A static model (one ``StaticEmbedding`` module: the built-in one, or any such folder) is a table
lookup and a mean: it is encoded with numpy (``StaticEncoder``) and torch is never imported;
every other model goes through sentence-transformers, imported only then.
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
    """A loaded model: ``encode`` gives unit-length float32 rows. ``model`` is a
    sentence-transformers model, or a ``StaticEncoder`` for a static model folder."""

    name: str
    dimension: int
    model: object

    def encode(self, texts: list[str]) -> np.ndarray:
        if isinstance(self.model, StaticEncoder):
            return self.model.encode(list(texts))
        vecs = self.model.encode(list(texts), batch_size=256, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
        return np.ascontiguousarray(vecs, dtype=np.float32)


_STATIC_MODULE = "sentence_transformers.sentence_transformer.modules.static_embedding.StaticEmbedding"
_STATIC_MODULES = {_STATIC_MODULE, "sentence_transformers.models.StaticEmbedding"}


class StaticEncoder:
    """A sentence-transformers ``StaticEmbedding`` folder encoded with numpy: the folder's
    tokenizer (``tokenizers``) and its embedding table (``safetensors``), averaged over a text's
    tokens and scaled to unit length — what ``SentenceTransformer.encode(…,
    normalize_embeddings=True)`` computes for such a model (an ``EmbeddingBag`` in mean mode),
    without importing torch. A text with no tokens is the zero vector, as there."""

    def __init__(self, folder: Path):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.weights = np.ascontiguousarray(load_file(str(Path(folder) / "model.safetensors"))["embedding.weight"], dtype=np.float32)

    @staticmethod
    def handles(folder: Path) -> bool:
        """Whether ``folder`` is a model of one ``StaticEmbedding`` module with an embedding table."""
        import json

        folder = Path(folder)
        try:
            modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return (isinstance(modules, list) and len(modules) == 1 and modules[0].get("type") in _STATIC_MODULES
                and modules[0].get("path", "") == "" and (folder / "tokenizer.json").is_file()
                and (folder / "model.safetensors").is_file())

    @property
    def dimension(self) -> int:
        return int(self.weights.shape[1])

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, enc in enumerate(self.tokenizer.encode_batch(texts, add_special_tokens=False)):
            if enc.ids:
                out[i] = self.weights[enc.ids].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.ascontiguousarray(out / np.maximum(norms, 1e-12), dtype=np.float32)


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
    name = f"{BUILTIN} (static, built from the corpus)" if spec == BUILTIN else spec
    if path.is_dir() and StaticEncoder.handles(path):
        try:
            model = StaticEncoder(path)
        except Exception as exc:  # a damaged table or tokenizer file
            raise EmbedderError(f"cannot load embedding model {spec!r}: {type(exc).__name__}") from None
        return Embedder(name=name, dimension=model.dimension, model=model)
    _offline(allow_download)
    from sentence_transformers import SentenceTransformer

    source = str(path) if path.exists() else spec
    try:
        model = SentenceTransformer(source, device="cpu", trust_remote_code=False, local_files_only=not allow_download)
    except Exception as exc:  # the library raises OSError, ValueError, HF errors …
        hint = "" if allow_download else "; give a local model folder, or set KG_ALLOW_DOWNLOAD=1 to fetch it"
        raise EmbedderError(f"cannot load embedding model {spec!r}: {type(exc).__name__}{hint}") from None
    dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return Embedder(name=name, dimension=int(dim()), model=model)
