"""Query workers: forked processes that parse and evaluate, each walled in (no network,
bounded memory), killed and replaced when a query runs past its time, crashes the engine or
exhausts the memory budget. Nothing of a user's query is parsed or evaluated in the process
that serves (the endpoint, the app): there, only ``kg.sparql.guard`` reads the text.

The graph is shared copy-on-write and Oxigraph keeps it outside Python's heap, so workers
cost little memory. ``kg.sparql.run`` (the CLI) is a one-worker pool for one query.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import signal
import threading
import time
from dataclasses import dataclass

from kg.sparql import errors as E
from kg.sparql.engine import Engine
from kg.sparql.guard import check, with_prefixes
from kg.sparql.results import QueryResult

DEFAULT_TIMEOUT_S = 5.0
DEFAULT_MAX_ROWS = 10_000


@dataclass(frozen=True)
class WorkerLimits:
    """What one query worker may use."""

    memory_mb: int = 2048
    """Memory (MiB) a worker may map beyond what it maps when forked; a query past it fails with
    "needed too much memory" and the worker is replaced (0: no limit). 2 GiB holds sorts and
    joins over a few million rows; the machine this was written on has 24 GiB and 2 cores."""
    network: bool = False
    """Whether a worker may open network sockets. Off: a worker that cannot wall itself in (no
    Linux seccomp) refuses every query rather than run one that might connect somewhere."""
    quick_s: float = 0.75
    """A query still running after this many seconds is *long*. Every typical query answers far
    below it (saved queries: 0.5–3.6 ms on the corpus, at most 476 ms at 1M triples in
    ``kg bench sparql``), so only real heavy work crosses it."""
    max_answer_mb: int = 16
    """Largest answer (MiB, pickled) a worker hands back; past it the query fails with "the answer is
    larger than …" — a 1 KB query can build one huge string, and the serving process must not hold
    it. 10,000 rows of this corpus's widest saved query are under 3 MiB."""
    long_queries: int = 1
    """Long queries that may run at once. A long query leaves the quick workers (a fresh one takes
    its place), so short queries never queue behind it; one more long query than this is refused
    with 429 and ``Retry-After`` instead of taking a quick worker's place."""


def _memory_message(limits: "WorkerLimits") -> str:
    return f"query needed too much memory (a worker may use {limits.memory_mb:,} MiB); narrow it"


def _answer_message(limits: "WorkerLimits") -> str:
    return (f"the answer is larger than {limits.max_answer_mb} MiB; ask for fewer rows (LIMIT, --max-rows) "
            "or shorter values")


def _timeout(timeout: float) -> E.QueryTimeout:
    return E.QueryTimeout(f"query stopped after {timeout:g} s (the limit); narrow it, or raise --timeout")


# the signals a worker dies of when the engine aborts on a failed allocation, or the kernel kills it
_MEMORY_SIGNALS = {-signal.SIGABRT, -signal.SIGKILL}
_ERRORS = {cls.__name__: cls for cls in (E.SparqlError, E.QuerySyntaxError, E.QueryRefused, E.QueryMemoryError)}


class Pool:
    """Evaluators forked once and reused, for services that answer many queries (the endpoint,
    the app): a query waits for an idle worker, is evaluated there, and a worker that runs past
    the timeout (or dies) is killed and replaced by a fresh fork.

    Thread-safe: many threads may call ``run`` at once; at most ``workers`` queries evaluate
    at a time, the others wait (up to their timeout, then ``ServiceBusy``).
    """

    def __init__(self, engine: Engine, workers: int | None = None, limits: WorkerLimits = WorkerLimits()):
        if not isinstance(engine, Engine):
            raise TypeError(f"Pool needs a kg.sparql.Engine, not {type(engine).__name__}")
        self.engine = engine
        self.limits = limits
        self.workers = max(1, workers or os.cpu_count() or 2)
        self._ctx = multiprocessing.get_context("fork")
        self._idle: queue.Queue = queue.Queue()
        self._all: set = set()
        self._lock = threading.Lock()
        self._closed = False
        self._long = 0  # long queries running now
        self._missing = 0  # workers that could not be forked yet
        self._known_long: dict[int, float] = {}  # hash of a text found long → when (skips the quick lane)
        for _ in range(self.workers):
            self._idle.put(self._fork())

    @property
    def pids(self) -> set[int]:
        """Process ids of the live workers."""
        with self._lock:
            return {w.pid for w in self._all}

    def run(self, query: str, timeout: float = DEFAULT_TIMEOUT_S, max_rows: int = DEFAULT_MAX_ROWS,
            kind: str | None = None) -> QueryResult:
        """Check ``query`` (here: only the cheap token checks; ``kind`` when the caller has just
        checked it), then parse and evaluate it on a worker: at most ``max_rows`` rows
        (``truncated`` says whether there were more), stopped after ``timeout`` seconds in all,
        waiting for a worker included."""
        kind = kind or check(query)
        if self._closed:
            raise E.SparqlError("the query service has been shut down")
        if self._known_long.get(hash(query), 0.0) > time.monotonic() - 60 and self._long >= self.limits.long_queries:
            raise self._too_many()  # ran long a moment ago, and the long lane is full: no quick worker spent on it
        t0 = time.perf_counter()
        self._refill()
        worker = self._take(timeout)
        healthy = promoted = False
        try:
            conn = worker._kg_conn
            conn.send((with_prefixes(query), kind, max_rows))
            left = max(0.05, timeout - (time.perf_counter() - t0))
            if not conn.poll(min(left, self.limits.quick_s)):
                left = timeout - (time.perf_counter() - t0)
                if left <= 0:
                    raise _timeout(timeout)
                with self._lock:
                    if len(self._known_long) > 4096:
                        self._known_long.clear()
                    self._known_long[hash(query)] = time.monotonic()
                promoted = self._promote()
                if not promoted:
                    raise self._too_many()
                if not conn.poll(left):
                    raise _timeout(timeout)
            try:
                data = conn.recv_bytes(maxlength=self._answer_bytes + 65536)
            except OSError:
                if worker.is_alive():  # more than the cap arrived: the worker is not to be trusted further
                    raise E.QueryMemoryError(_answer_message(self.limits)) from None
                raise
            answer = pickle.loads(data)  # our own worker's answer
            healthy = True
        except (EOFError, OSError):
            raise self._death(worker) from None
        finally:
            if promoted:  # its replacement already serves the quick lane
                with self._lock:
                    self._long -= 1
                self._stop(worker)
            else:
                self._release(worker, healthy)
        if answer[0] == "error":
            _, name, message, line, column = answer
            if name == "QuerySyntaxError":
                raise E.QuerySyntaxError(message, line, column)
            raise _ERRORS.get(name, E.SparqlError)(message)
        result = QueryResult(**answer[1])
        result.elapsed_ms = (time.perf_counter() - t0) * 1000
        return result

    @property
    def _answer_bytes(self) -> int:
        return self.limits.max_answer_mb * 1024 * 1024

    def _take(self, timeout: float):
        """An idle, live worker (a worker that died while idle is replaced, not handed out)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise E.ServiceBusy(f"every query worker stayed busy for {timeout:g} s; try again shortly") from None
            if worker.is_alive():
                return worker
            self._release(worker, healthy=False)

    def _refill(self) -> None:
        """Fork the workers that could not be replaced before (the system was out of processes)."""
        while self._missing and not self._closed:
            with self._lock:
                if not self._missing:
                    return
                self._missing -= 1
            if not self._replace():
                return

    def _replace(self) -> bool:
        """Put a fresh worker among the idle ones; on failure, remember one is missing (never raises)."""
        try:
            self._idle.put(self._fork())
            return True
        except Exception:  # fork or pipe failed (EAGAIN, ENOMEM): retried on a later query
            with self._lock:
                self._missing += 1
            return False

    def _promote(self) -> bool:
        """Move a query that ran past ``quick_s`` to the long lane, if it has room: a fresh
        worker takes its place among the quick ones."""
        with self._lock:
            if self._long >= self.limits.long_queries or self._closed:
                return False
            self._long += 1
        self._replace()  # a quick worker that cannot be forked now is forked on a later query
        return True

    def _too_many(self) -> E.TooManyRequests:
        exc = E.TooManyRequests(f"{self.limits.long_queries} long quer{'y is' if self.limits.long_queries == 1 else 'ies are'} "
                                "running already; retry shortly, or narrow the query")
        exc.retry_after = max(1, round(self.limits.quick_s * 2))
        return exc

    def _death(self, worker) -> E.SparqlError:
        """The error for a worker that ended without answering."""
        worker.join(1.0)
        code = worker.exitcode
        if code in _MEMORY_SIGNALS:
            return E.QueryMemoryError(_memory_message(self.limits))
        return E.QueryCrashed("the query could not be evaluated: it stopped the evaluator "
                              f"({'signal ' + str(-code) if code and code < 0 else 'exit ' + str(code)}); "
                              "a very deep or very long query can do that — simplify it")

    def _fork(self):
        receive, send = self._ctx.Pipe(duplex=True)
        with self._lock:  # the child closes its copies of the pool's ends, so it sees EOF when the pool goes
            pool_ends = [receive] + [w._kg_conn for w in self._all]
        child = self._ctx.Process(target=_work, args=(self.engine, self.limits, send, pool_ends, os.getpid()), daemon=True)
        child.start()
        send.close()
        child._kg_conn = receive
        with self._lock:
            self._all.add(child)
        return child

    def _release(self, worker, healthy: bool) -> None:
        if healthy and not self._closed:
            self._idle.put(worker)
            return
        self._stop(worker)
        if not self._closed:
            self._replace()

    def _stop(self, worker) -> None:
        with self._lock:
            self._all.discard(worker)
        if worker.is_alive():
            worker.kill()
        worker.join()
        worker._kg_conn.close()

    def close(self) -> None:
        """Stop every worker (queries running now end with an error)."""
        self._closed = True
        with self._lock:
            workers = list(self._all)
        for w in workers:
            self._stop(w)

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _work(engine: Engine, limits: WorkerLimits, conn, pool_ends, parent: int) -> None:
    """A worker: wall itself in, then evaluate each (text, kind, max_rows) received; answer
    ("ok", fields) or ("error", class name, message, line, column); end when the pool closes
    the pipe or its process is gone."""
    from kg.sparql import sandbox

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which stops the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the handler of the server it was forked from
    for end in pool_ends:
        end.close()
    _drop_inherited_sockets(conn.fileno())
    _quiet_stderr()  # an engine that aborts on a failed allocation prints there; the answer says it
    walls = None
    if not limits.network:
        try:
            sandbox.close_network()
        except sandbox.SandboxError as exc:
            walls = f"the query sandbox is not available here, so no query is run: {exc}"
    sandbox.limit_memory(limits.memory_mb)
    while True:
        try:
            if not conn.poll(1.0):
                if os.getppid() != parent:  # the pool's process died without closing the pipe
                    return
                continue
            text, kind, max_rows = conn.recv()
        except (EOFError, OSError):
            return
        if walls:
            conn.send_bytes(pickle.dumps(("error", "SparqlError", walls, None, None)))
            continue
        try:
            answer = ("ok", engine.solve(text, kind, max_rows))
        except E.QuerySyntaxError as exc:
            answer = ("error", "QuerySyntaxError", exc.reason, exc.line, exc.column)
        except MemoryError:
            answer = ("error", "QueryMemoryError", _memory_message(limits), None, None)
        except Exception as exc:  # anything the engine raises is a query error to the caller
            answer = ("error", *_explain(exc))
        try:
            data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
            if len(data) > limits.max_answer_mb * 1024 * 1024:
                data = pickle.dumps(("error", "QueryMemoryError", _answer_message(limits), None, None))
        except MemoryError:
            data = pickle.dumps(("error", "QueryMemoryError", "the answer was too large to return; ask for fewer rows", None, None))
        except Exception as exc:  # an answer that cannot be pickled
            data = pickle.dumps(("error", "SparqlError", f"query failed: the answer could not be returned ({type(exc).__name__})", None, None))
        del answer
        try:
            conn.send_bytes(data)
        except (OSError, EOFError):
            return


def _drop_inherited_sockets(keep: int) -> None:
    """Let go of every socket the fork copied but ``keep`` (the pipe to the pool): the server's
    listening socket and its clients' connections. A worker holding a copy keeps a connection
    open after the server closed it, so the client never learns (Streamlit's server closes idle
    keep-alive connections after 5 s, and the browser then sent its next requests into a socket
    nobody read). Each is pointed at /dev/null rather than closed, so a Python object that
    still names the number cannot close an unrelated file later."""
    import stat

    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # no /proc: nothing to look at
        return
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        for fd in fds:
            if fd <= 2 or fd in (keep, devnull):
                continue
            try:
                if stat.S_ISSOCK(os.fstat(fd).st_mode):
                    os.dup2(devnull, fd)
            except OSError:
                pass
    finally:
        os.close(devnull)


def _quiet_stderr() -> None:
    if os.environ.get("KG_DEBUG"):
        return
    import faulthandler

    faulthandler.disable()  # a crash is reported to the caller as QueryCrashed
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    except OSError:
        pass


def _explain(exc: Exception) -> tuple:
    message = " ".join(str(exc).split())
    if "os error 13" in message or "Permission denied" in message:  # the sandbox refused a socket
        return "QueryRefused", "SERVICE is not allowed: queries never reach other endpoints", None, None
    if "memory" in message.lower() and "alloc" in message.lower():
        return "QueryMemoryError", "query needed too much memory; narrow it", None, None
    return "SparqlError", "query failed: " + message[:300], None, None
