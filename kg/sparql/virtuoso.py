"""A Virtuoso Open Source server of its own for the tests and ``kg bench corpus --virtuoso``: a
new database in a folder, on loopback ports, started from Debian's ``virtuoso-opensource``
(``virtuoso-t``) and stopped with the context.

An analyst's own Virtuoso is set up once and kept; what this one shows is what such a store
needs from policy-kg: the Graph Store endpoint ``/sparql-graph-crud-auth`` (digest login, user
``dba``) for ``kg push``, and ``/sparql`` for ``kg sparql --endpoint``. Its settings say what
an archive's store needs beyond the defaults: ``ResultSetMaxRows`` (the default 10,000 cuts
larger answers without a word) and buffers for the graph to stay in memory.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from kg.errors import KgError

EXECUTABLE = "virtuoso-t"
DEFAULT_USER = "dba"  # a new database's administrator; its password is "dba" until changed
DEFAULT_PASSWORD = "dba"


class VirtuosoMissing(KgError):
    """Debian's virtuoso-opensource is not installed."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LocalVirtuoso:
    """``with LocalVirtuoso(folder) as v:`` — a server on a new database in ``folder``;
    ``v.store`` is its Graph Store URL, ``v.sparql`` its query endpoint."""

    folder: Path
    buffers: int = 100_000  # 8 KB pages held in memory (about 800 MB at most)
    start_timeout_s: float = 120.0
    http_port: int = 0
    sql_port: int = 0
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def store(self) -> str:
        return f"{self.base}/sparql-graph-crud-auth"

    @property
    def sparql(self) -> str:
        return f"{self.base}/sparql"

    def ini(self) -> str:
        d = Path(self.folder).resolve()
        return "\n".join([
            "[Database]", f"DatabaseFile = {d}/virtuoso.db", f"ErrorLogFile = {d}/virtuoso.log",
            f"LockFile = {d}/virtuoso.lck", f"TransactionFile = {d}/virtuoso.trx", f"xa_persistent_file = {d}/virtuoso.pxa",
            "[TempDatabase]", f"DatabaseFile = {d}/virtuoso-temp.db", f"TransactionFile = {d}/virtuoso-temp.trx",
            "[Parameters]", f"ServerPort = 127.0.0.1:{self.sql_port}", "DisableUnixSocket = 1",
            f"NumberOfBuffers = {self.buffers}", f"MaxDirtyBuffers = {self.buffers * 3 // 4}", "DirsAllowed = .",
            "[HTTPServer]", f"ServerPort = 127.0.0.1:{self.http_port}", f"ServerRoot = {d}/www", "ServerThreads = 10",
            "Charset = UTF-8",
            "[SPARQL]", "ResultSetMaxRows = 1000000", "MaxQueryExecutionTime = 120", "MaxQueryCostEstimationTime = 0", "",
        ])

    def __enter__(self) -> LocalVirtuoso:
        exe = shutil.which(EXECUTABLE)
        if exe is None:
            raise VirtuosoMissing(f"{EXECUTABLE} not found: install Debian's virtuoso-opensource (make stores)")
        folder = Path(self.folder)
        (folder / "www").mkdir(parents=True, exist_ok=True)
        self.http_port = self.http_port or _free_port()
        self.sql_port = self.sql_port or _free_port()
        (folder / "virtuoso.ini").write_text(self.ini(), encoding="utf-8")
        self.process = subprocess.Popen([exe, "+foreground", "+configfile", str(folder / "virtuoso.ini")], cwd=folder,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (folder / "virtuoso.log").read_text(errors="replace")[-500:] if (folder / "virtuoso.log").exists() else ""
                raise KgError(f"virtuoso-t stopped at start (exit {self.process.returncode}): {' '.join(log.split())[-300:]}")
            try:
                with urllib.request.urlopen(f"{self.sparql}?query=ASK%7B%7D", timeout=2):
                    return self
            except OSError:
                time.sleep(0.5)
        self.__exit__(None, None, None)
        raise KgError(f"virtuoso-t did not answer on {self.sparql} within {self.start_timeout_s:g} s")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None
