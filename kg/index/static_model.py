"""The built-in embedder: a sentence-transformers ``StaticEmbedding`` made from the corpus.

No pretrained model can be downloaded on an air-gapped network, so ``kg build`` makes one:

* a WordPiece tokenizer whose vocabulary is the corpus's Kiwi morphemes (word-initial
  morphemes as pieces, later ones as ``##`` pieces) plus every Hangul syllable of the
  corpus for words it has never seen;
* token vectors from latent semantic analysis: a TF-IDF token × text matrix of the node
  texts and of the SKOS concepts (each concept's labels and synonyms form one text, which
  puts synonyms such as 국제교류 / 교류협력 close together), reduced by SVD; each token's
  vector is scaled by its IDF so that mean pooling weighs rare words more.

The result is saved and loaded as an ordinary sentence-transformers model folder, with the key
of the texts it was made from (``kg-source.json``): a rebuild whose texts have not changed takes
the previous build's model as it is (``reusable``) instead of making it again.
"""
from __future__ import annotations

import json
import math
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np

from kg.lang.korean import kiwi

SPECIAL = ["[UNK]", "[PAD]"]
MAX_DIM = 256
EXACT_SVD_RANK = 4 * MAX_DIM
"""A token × text matrix whose smaller side is at most this is decomposed exactly, by numpy's
full SVD; a larger one — a corpus of a hundred documents and more (110 documents: 3,100 tokens
× 7,000 texts, whose full SVD took 70 s) — by ARPACK's truncated SVD of the sparse matrix
(scipy), which computes the ``dim`` leading vectors only and needs the non-zeros, not the dense
matrix (1,000 plans would need gigabytes). ARPACK pays when ``dim`` is a small part of the
rank, hence a multiple of it; not fitted: this corpus's matrix (~600 texts) stays exact."""


# Korean content morphemes: Kiwi gives every foreign word (SL) and number one shared id
_CONTENT = ("NN", "VV", "VA", "XR", "MAG", "NP")


def _analyse(texts: list[str]) -> tuple[list[str], dict[str, int]]:
    """Vocabulary pieces and, for content pieces, the Kiwi morpheme id they stand for."""
    pieces: Counter = Counter()
    ids: dict[str, Counter] = {}
    syllables: set[str] = set()
    for analysed, text in zip(kiwi().tokenize([t or " " for t in texts]), texts):
        for t in analysed:
            form = text[t.start : t.start + t.len].lower()
            if not form.strip():
                continue
            word_start = t.start == 0 or not text[t.start - 1].isalnum()
            piece = form if word_start else "##" + form
            pieces[piece] += 1
            if t.tag.startswith(_CONTENT) and form == t.form.lower():
                ids.setdefault(piece, Counter())[t.id] += 1
        syllables |= {c.lower() for c in text if c.isalnum()}
    vocab = SPECIAL + sorted(pieces) + sorted(syllables) + sorted("##" + s for s in syllables)
    return list(dict.fromkeys(vocab)), {p: c.most_common(1)[0][0] for p, c in ids.items()}


def make_tokenizer(texts: list[str]):
    from tokenizers import Tokenizer, normalizers, pre_tokenizers
    from tokenizers.models import WordPiece

    texts = [unicodedata.normalize("NFC", t) for t in texts]
    pieces, morph_ids = _analyse(texts)
    vocab = {tok: i for i, tok in enumerate(pieces)}
    tok = Tokenizer(WordPiece(vocab, unk_token="[UNK]", continuing_subword_prefix="##", max_input_chars_per_word=64))
    tok.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    return tok, morph_ids


def idf(tokenizer, texts: list[str]) -> np.ndarray:
    df = np.zeros(tokenizer.get_vocab_size())
    for enc in tokenizer.encode_batch(texts, add_special_tokens=False):
        df[list(set(enc.ids))] += 1
    return np.log((1 + len(texts)) / (1 + df)) + 1.0


def cong_weights(tokenizer, morph_ids: dict[str, int], texts: list[str], landmarks: int = 512) -> np.ndarray:
    """IDF-scaled vectors from Kiwi's CoNg morpheme embeddings, recovered by Nyström.

    Kiwi exposes the cosine of two morphemes' embeddings, not the embeddings; with the
    similarities to ``landmarks`` frequent morphemes (S) and among them (W), the rows of
    S·W^-1/2 have the same inner products as the embeddings in the landmarks' span.
    """
    k = kiwi()
    weights = idf(tokenizer, texts)
    vocab = tokenizer.get_vocab()
    pairs = sorted(((vocab[p], m) for p, m in morph_ids.items() if p in vocab), key=lambda x: (-weights[x[0]], x[0]))
    morphs = list(dict.fromkeys(m for _, m in pairs))
    marks = morphs[:: max(1, len(morphs) // landmarks)][:landmarks]
    w = np.nan_to_num(np.array([[k.morpheme_similarity(a, b) for b in marks] for a in marks]))
    vals, vecs = np.linalg.eigh((w + w.T) / 2)
    keep = vals > 1e-3 * vals.max()
    proj = vecs[:, keep] / np.sqrt(vals[keep])
    out = np.zeros((tokenizer.get_vocab_size(), int(keep.sum())), dtype=np.float64)
    for tid, m in pairs:
        out[tid] = np.nan_to_num(np.array([k.morpheme_similarity(m, b) for b in marks])) @ proj
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    out = np.divide(out, norms, out=np.zeros_like(out), where=norms > 0) * weights[:, None]
    return out.astype(np.float32)


def lsa_weights(tokenizer, texts: list[str], dim: int = MAX_DIM) -> np.ndarray:
    """IDF-scaled LSA vectors (vocab × dim) of the tokens over ``texts``."""
    vocab_size = tokenizer.get_vocab_size()
    rows, cols, vals = [], [], []
    df = np.zeros(vocab_size)
    encoded = tokenizer.encode_batch(texts, add_special_tokens=False)
    for j, enc in enumerate(encoded):
        counts = Counter(enc.ids)
        for t, c in counts.items():
            rows.append(t)
            cols.append(j)
            vals.append(1.0 + math.log(c))
            df[t] += 1
    n = len(texts)
    idf = np.log((1 + n) / (1 + df)) + 1.0
    if min(vocab_size, n) <= EXACT_SVD_RANK:
        x = np.zeros((vocab_size, n), dtype=np.float64)
        x[rows, cols] = vals
        x *= idf[:, None]
        x /= np.linalg.norm(x, axis=0, keepdims=True) + 1e-12
        u, s, _ = np.linalg.svd(x, full_matrices=False)
    else:
        u, s = _truncated_svd(rows, cols, np.asarray(vals) * idf[rows], (vocab_size, n), dim)
    k = min(dim, int((s > 1e-8).sum()))
    vectors = u[:, :k] * np.sqrt(s[:k])
    vectors *= idf[:, None]
    vectors[[tokenizer.token_to_id(t) for t in SPECIAL]] = 0.0
    return vectors.astype(np.float32)


def _truncated_svd(rows, cols, vals, shape: tuple[int, int], dim: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``dim`` leading left singular vectors and values of the sparse matrix, its columns
    scaled to unit length first (as the dense path does), largest first; the same every time
    (ARPACK's start vector is fixed)."""
    from scipy.sparse import csc_matrix
    from scipy.sparse.linalg import svds

    x = csc_matrix((vals, (rows, cols)), shape=shape, dtype=np.float64)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=0))).ravel() + 1e-12
    x = x @ _diag(1.0 / norms)
    k = min(dim, min(shape) - 1)
    u, s, _ = svds(x, k=k, v0=np.full(min(shape), 1.0 / math.sqrt(min(shape))), solver="arpack")
    order = np.argsort(-s)
    return u[:, order], s[order]


def _diag(values: np.ndarray):
    from scipy.sparse import diags

    return diags(values)


SOURCE_FILE = "kg-source.json"  # in the model folder: the key of the texts it was made from
FORMAT = 1  # raise when the way the model is made changes: older models are then made anew


def source_key(texts: list[str], method: str = "cong+lsa", dim: int = MAX_DIM) -> str:
    """What the model is a function of: its texts, the method, Kiwi (version, options, the
    tokenizer's tables) and this module's format. Two builds with the same key make the same model."""
    import hashlib
    from importlib.metadata import version

    from kg.lang.korean import fingerprint

    h = hashlib.sha256(json.dumps([FORMAT, method, dim, version("kiwipiepy"), fingerprint()]).encode())
    for t in texts:
        h.update(unicodedata.normalize("NFC", t).encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def reusable(folder: Path, key: str) -> bool:
    """Whether the model in ``folder`` was made from texts with ``key`` (see ``source_key``)."""
    try:
        return json.loads((Path(folder) / SOURCE_FILE).read_text(encoding="utf-8")).get("sha256") == key
    except (OSError, ValueError, AttributeError):
        return False


class ModelWriter:
    """sentence-transformers, the writer of the model folder, made ready in a child process while
    the model is computed here: its import (4–6 s: torch, transformers, scikit-learn) runs on the
    other core instead of after the computation. ``save`` hands it the tokenizer and the table;
    if the child is not there or fails, the folder is written here as before."""

    def __init__(self):
        import subprocess
        import sys

        try:
            self._proc = subprocess.Popen([sys.executable, "-m", "kg.index.static_model", "--writer"], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        except OSError:
            self._proc = None

    def save(self, tokenizer, weights: np.ndarray, out_dir: Path) -> bool:
        """Write the model folder through the child; False when it could not (the caller writes it)."""
        import tempfile

        if self._proc is None or self._proc.poll() is not None:
            return False
        with tempfile.TemporaryDirectory(prefix="kg-model-") as tmp:
            tokenizer.save(str(Path(tmp) / "tokenizer.json"))
            np.save(Path(tmp) / "weights.npy", weights)
            try:
                self._proc.stdin.write(json.dumps([tmp, str(out_dir)]) + "\n")
                self._proc.stdin.flush()
                answer = self._proc.stdout.readline().strip()
            except OSError:
                return False
        return answer == "ok"

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()


def _write_folder(tokenizer, weights: np.ndarray, out_dir: Path) -> None:
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.models import StaticEmbedding

    SentenceTransformer(modules=[StaticEmbedding(tokenizer, embedding_weights=weights)], device="cpu").save(str(out_dir))


def _serve_writer() -> None:
    """The child of ``ModelWriter``: import sentence-transformers, then write each folder asked for."""
    import sys

    from sentence_transformers import SentenceTransformer  # the point of this process: imported before it is needed
    from tokenizers import Tokenizer

    assert SentenceTransformer is not None

    for line in sys.stdin:
        try:
            src, out = json.loads(line)
            _write_folder(Tokenizer.from_file(str(Path(src) / "tokenizer.json")), np.load(Path(src) / "weights.npy"), Path(out))
            print("ok", flush=True)
        except Exception as exc:  # the parent writes the folder itself
            print(f"error {type(exc).__name__}", flush=True)


def build_static_model(texts: list[str], out_dir: Path, method: str = "cong+lsa", dim: int = MAX_DIM,
                       writer: ModelWriter | None = None) -> Path:
    """Make the model from ``texts`` and save it as a sentence-transformers folder (through
    ``writer`` when one is ready).

    ``method``: ``cong`` (Kiwi's morpheme embeddings), ``lsa`` (the corpus alone) or
    ``cong+lsa`` (both, concatenated).
    """
    texts = [unicodedata.normalize("NFC", t) for t in texts]
    tokenizer, morph_ids = make_tokenizer(texts)
    parts = []
    if "cong" in method:
        parts.append(cong_weights(tokenizer, morph_ids, texts))
    if "lsa" in method:
        parts.append(lsa_weights(tokenizer, texts, dim))
    weights = np.hstack([p / (np.linalg.norm(p, axis=1).max() + 1e-12) for p in parts]).astype(np.float32)
    if writer is None or not writer.save(tokenizer, weights, Path(out_dir)):
        _write_folder(tokenizer, weights, Path(out_dir))
    (Path(out_dir) / SOURCE_FILE).write_text(json.dumps({"sha256": source_key(texts, method, dim)}), encoding="utf-8")
    return Path(out_dir)


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--writer"]:
        _serve_writer()
