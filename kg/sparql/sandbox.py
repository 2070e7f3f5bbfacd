"""The walls of a query worker: no network, bounded memory.

The engine (Oxigraph) can evaluate ``SERVICE <url>`` by itself, and a query reaches the
engine's parser before anyone else understands it. Rather than trust any reading of the
text to catch every spelling of SERVICE, a worker asks the kernel (seccomp, through the
system's libseccomp) to refuse it any new socket at all — Unix ones too, since a name lookup
through nscd or systemd-resolved would leave the host as DNS — while the pipes to its pool,
made before the fork, stay open: no query can make it connect anywhere, whatever the text says.

Memory: ``RLIMIT_AS`` is set to what the worker maps when it starts plus a budget, so a query
that builds a huge sort or join fails (the engine aborts, or Python raises MemoryError) in the
worker, which is then replaced; the serving process never grows.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import resource
import sys

_SCMP_ACT_ALLOW = 0x7FFF0000


def _act_errno(code: int) -> int:
    return 0x00050000 | (code & 0xFFFF)


class _Arg(ctypes.Structure):  # struct scmp_arg_cmp
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


class SandboxError(RuntimeError):
    """The worker could not wall itself in; it then refuses to evaluate anything."""


def close_network() -> str:
    """Forbid this process (and any thread it starts) to create sockets, of any family, and
    io_uring (which could open sockets past the filter). Irreversible; sockets already open stay
    usable. Returns a description; raises SandboxError when the kernel or libseccomp is not there."""
    if not sys.platform.startswith("linux"):
        raise SandboxError(f"the network sandbox needs Linux seccomp; this is {sys.platform}")
    name = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
    try:
        lib = ctypes.CDLL(name, use_errno=True)
    except OSError as exc:
        raise SandboxError(f"libseccomp is not installed ({exc}); install it (Debian: libseccomp2)") from None
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint, ctypes.POINTER(_Arg)]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(_SCMP_ACT_ALLOW)
    if not ctx:
        raise SandboxError("seccomp_init failed")
    try:
        nr = lib.seccomp_syscall_resolve_name(b"socket")
        if nr < 0 or lib.seccomp_rule_add_array(ctx, _act_errno(errno.EACCES), nr, 0, None) != 0:
            raise SandboxError("cannot add the seccomp rule for socket()")
        nr = lib.seccomp_syscall_resolve_name(b"io_uring_setup")
        if nr >= 0 and lib.seccomp_rule_add_array(ctx, _act_errno(errno.EPERM), nr, 0, None) != 0:
            raise SandboxError("cannot add the seccomp rule for io_uring_setup()")
        rc = lib.seccomp_load(ctx)
        if rc != 0:
            raise SandboxError(f"seccomp_load failed ({-rc})")
    finally:
        lib.seccomp_release(ctx)
    return "seccomp: no new sockets"


def _mapped_bytes() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def limit_memory(budget_mb: int) -> None:
    """Let this process map at most ``budget_mb`` MiB more than it maps now (0: no limit)."""
    if budget_mb <= 0:
        return
    cap = _mapped_bytes() + budget_mb * 1024 * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
