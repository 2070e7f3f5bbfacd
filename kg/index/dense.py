"""Dense vectors in FAISS (exact inner product over unit vectors = cosine)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

INDEX_FILE = "vectors.faiss"


def _faiss():
    import faiss

    # one thread: a query is one small matrix product, and threads fight the other core
    faiss.omp_set_num_threads(1)
    return faiss


class DenseIndex:
    """Exact cosine search over the nodes' vectors. A loaded index reads its file (and imports
    faiss) on first use: with the dense signal's weight at 0 a search never pays for it."""

    def __init__(self, index=None, path: Path | None = None):
        self._loaded = index
        self._path = path

    @property
    def _index(self):
        if self._loaded is None:
            self._loaded = _faiss().read_index(str(Path(self._path) / INDEX_FILE))
        return self._loaded

    @classmethod
    def build(cls, vectors: np.ndarray) -> "DenseIndex":
        faiss = _faiss()
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        return cls(index)

    def save(self, path: Path) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)
        _faiss().write_index(self._index, str(Path(path) / INDEX_FILE))

    @classmethod
    def load(cls, path: Path) -> "DenseIndex":
        if not (Path(path) / INDEX_FILE).is_file():
            raise FileNotFoundError(str(Path(path) / INDEX_FILE))
        return cls(path=Path(path))

    @property
    def size(self) -> int:
        return self._index.ntotal

    def scores(self, query: np.ndarray, k: int = 100) -> np.ndarray:
        """Cosine of the query to every vector; only the top ``k`` are filled (others 0)."""
        out = np.zeros(self._index.ntotal, dtype=np.float32)
        if self._index.ntotal == 0:
            return out
        sims, ids = self._index.search(np.ascontiguousarray(query[None, :], dtype=np.float32), min(k, self._index.ntotal))
        valid = ids[0] >= 0
        out[ids[0][valid]] = np.maximum(sims[0][valid], 0.0)
        return out
