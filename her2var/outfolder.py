"""Folders of outputs: ``classify --out``, ``analyze -o``, a cBioPortal study, the demo's folder.

The rules, the same for each:

- A folder is written only when it is new, empty, or this command's own earlier output: its
  manifest (``.her2var-outputs.json``) says so, or, for a folder written before manifests existed,
  every entry in it is a name the command writes. Anything else is refused (exit 2); her2var never
  empties a folder it did not fill.
- No input may be a file the run writes, replaces or removes, nor lie in a subfolder it owns
  (files.refuse_overwriting_inputs).
- One run at a time: the folder is locked (``flock`` on the folder itself, released by the kernel
  when a run is killed); a second run is refused with a message, never left to interleave.
- Everything is written into a staging folder inside it (``.tmp-<pid>.<host>-…``) and, once all of
  it is written, moved into place one rename per file: a full disk or a crash while writing leaves
  the earlier output as it was. The manifest is rewritten before and after the renames, so it lists
  every file her2var put there at every moment.
- Only files the manifest lists are ever replaced or removed; a file someone else put in the folder
  is left alone. Staging folders of killed runs are removed by the next run (it holds the lock, so
  none of them can belong to a live run).
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import json
import logging
import os
import shutil
import signal
import stat
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from .errors import Her2varError, InputError, UsageError, shown
from .files import (
    Named,
    RealPaths,
    atomic_write,
    refuse_overwriting_inputs,
    remove_own_temporaries,
    remove_stale_temporaries,
    sync_file,
    temp_beside,
    write_failed,
)

log = logging.getLogger(__name__)

MANIFEST = ".her2var-outputs.json"
FORMAT = "her2var-outputs"
MAX_MANIFEST_BYTES = 64 << 20  # a million file names; a larger one was not written by her2var


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGTERM, SIGHUP and SIGINT wait until the block is done (the renames that put a finished
    output in place take milliseconds; stopped halfway they would leave old and new files mixed)."""
    held = {getattr(signal, n) for n in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, n)}
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class OutputFolder:
    """One command's output folder (see the module notes). Use it as a context manager: entering
    checks, creates and locks the folder; ``commit`` puts the staged outputs in place; leaving
    without a commit removes the staging folder (and the folder itself when this run created it).

    ``kind`` names the command ('classify', 'analysis', ...); ``option`` how the command line named
    the folder ('--out'); ``patterns`` the top-level file names the command writes (shell patterns);
    ``subfolders`` the folders in it the command owns wholly; ``inputs`` the run's input files;
    ``not_ours`` the refusal's wording; ``staged=False`` writes in place (the demo, whose results
    name their own paths): ``claim`` lists what is about to be written first. ``legacy=False``: only
    a manifest makes a non-empty folder this command's own (the demo: a lab's her2var.db has the
    name of the demo's).
    """

    def __init__(self, path: str, *, kind: str, option: str, patterns: Sequence[str],
                 subfolders: Sequence[str] = (), inputs: Iterable[Named] = (), not_ours: str = "",
                 staged: bool = True, legacy: bool = True) -> None:
        self.path = path
        self.kind = kind
        self.option = option
        self.patterns = tuple(patterns)
        self.subfolders = tuple(subfolders)
        self.inputs = list(inputs) if isinstance(inputs, Iterator) else inputs  # a files.Listing: gone through anew
        self.not_ours = not_ours or f"holds no earlier output of her2var {kind}"
        self.staged = staged
        self.legacy = legacy
        self.staging = ""
        self._old: list[str] = []  # what her2var wrote here before (manifest entries)
        self._claimed: list[str] = []
        self._created = False
        self._fd: int | None = None
        self._committed = False

    # -- checking ----------------------------------------------------------------------------
    def _label(self) -> str:
        return f"{self.option} {shown(self.path, 200, bare=True)}"

    def _owned(self, rel: str) -> bool:
        """Whether ``rel`` (a manifest entry) is a name this command writes."""
        if not isinstance(rel, str) or not rel or os.path.isabs(rel) or "\\" in rel or "\x00" in rel:
            return False
        parts = rel.rstrip("/").split("/")
        if any(p in ("", ".", "..") for p in parts):
            return False
        if parts[0] in self.subfolders:
            return True
        return len(parts) == 1 and any(fnmatch.fnmatchcase(parts[0], p) for p in self.patterns)

    def _read_manifest(self) -> list[str] | None:
        """The earlier output's files from its manifest; None when there is no manifest."""
        where = os.path.join(self.path, MANIFEST)
        try:
            st = os.lstat(where)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise UsageError(f"{self._label()}: its {MANIFEST} cannot be read ({exc.strerror or exc})") from exc
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_MANIFEST_BYTES:  # a link, a pipe, a device
            raise UsageError(f"{self._label()}: its {MANIFEST} is not a file her2var wrote (a link, a pipe, or "
                             f"more than {MAX_MANIFEST_BYTES >> 20} MB); give a new or empty folder")
        try:
            with open(where, encoding="utf-8") as fh:
                doc = json.load(fh)
        except (OSError, ValueError) as exc:
            raise UsageError(f"{self._label()}: its {MANIFEST} cannot be read ({shown(exc, 120, bare=True)}); "
                             "give a new or empty folder") from exc
        if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("files"), list):
            raise UsageError(f"{self._label()}: its {MANIFEST} is not a her2var output list; give a new or "
                             "empty folder")
        if doc.get("kind") != self.kind:
            raise UsageError(f"{self._label()}: holds the output of her2var {shown(doc.get('kind'), 40, bare=True)}, "
                             f"not of {self.kind}; give a new or empty folder")
        return [rel for rel in doc["files"] if self._owned(rel)]

    def _legacy(self, names: list[str]) -> list[str] | None:
        """A folder written before manifests: its files when every entry is one this command writes."""
        found: list[str] = []
        for name in names:
            full = os.path.join(self.path, name)
            if name.startswith(".tmp-"):
                continue
            if name in self.subfolders:
                if not os.path.isdir(full) or os.path.islink(full):
                    return None
                for root, _dirs, files in os.walk(full):
                    rel_root = os.path.relpath(root, self.path).replace(os.sep, "/")
                    found += [f"{rel_root}/{f}" for f in files if not f.startswith(".tmp-")]
            elif self._owned(name) and os.path.isfile(full) and not os.path.islink(full):
                found.append(name)
            else:
                return None
        return found

    def check(self) -> None:
        """Refuse the folder (UsageError) before anything is written; no side effects."""
        path = self.path
        if os.path.lexists(path) and not os.path.isdir(path):
            raise UsageError(f"{self._label()}: exists and is not a folder")
        names: list[str] = []
        if os.path.isdir(path):
            try:
                names = os.listdir(path)
            except OSError as exc:
                raise InputError(f"{self._label()}: cannot be read ({exc.strerror or exc})") from exc
        old = self._read_manifest() if names else None
        self._check_inputs(names, old or [])
        if old is None:
            visible = [n for n in names if not n.startswith(".tmp-")]
            legacy = (self._legacy(names) if self.legacy else None) if visible else []
            if legacy is None:
                foreign = sorted(n for n in visible if not self.legacy or self._legacy([n]) is None)
                listing = ", ".join(shown(n, 60, bare=True) for n in foreign[:3])
                listing += ", ..." if len(foreign) > 3 else ""
                raise UsageError(f"{self._label()}: exists, is not empty and {self.not_ours} (it holds {listing}); "
                                 "give a new or empty folder: her2var replaces only what it wrote itself")
            old = legacy
        self._old = old

    def _check_inputs(self, names: list[str], old: list[str]) -> None:
        outputs: list[Named] = [(self.option, os.path.join(self.path, MANIFEST))]
        outputs += [(self.option, os.path.join(self.path, p)) for p in self.patterns if not any(c in p for c in "*?[")]
        outputs += [(self.option, os.path.join(self.path, n)) for n in names if self._owned(n)]
        outputs += [(self.option, os.path.join(self.path, rel.rstrip("/"))) for rel in old]
        real = os.path.realpath(self.path)
        real_path = RealPaths()
        for _, inp in self.inputs:  # an input here under a name the command writes (meta_*.txt)
            if not inp or inp == "-":
                continue
            resolved = real_path(inp)
            if resolved is None:
                continue
            if os.path.dirname(resolved) == real and self._owned(os.path.basename(inp)):
                outputs.append((self.option, os.path.join(self.path, os.path.basename(inp))))
        refuse_overwriting_inputs(outputs, self.inputs,
                                  folders=[(self.option, os.path.join(self.path, s)) for s in self.subfolders])

    # -- life cycle ----------------------------------------------------------------------------
    def __enter__(self) -> OutputFolder:
        self.check()
        if not os.path.isdir(self.path):
            try:
                os.makedirs(self.path)
                self._created = True
            except FileExistsError:
                pass  # another run made it just now: the lock decides
            except OSError as exc:
                raise InputError(f"{self._label()}: cannot be created ({exc.strerror or exc})") from exc
        known: set[str] | None = None  # what the folder held before the staging folder was made
        try:
            self._lock()
            self.check()  # again, now that no other run can change it
            remove_stale_temporaries(self.path, untagged=True)
            for sub in self.subfolders:
                remove_stale_temporaries(os.path.join(self.path, sub), untagged=True)
            if self.staged:
                known = set(os.listdir(self.path))
                self.staging = temp_beside(os.path.join(self.path, "staging"), folder=True)
        except BaseException:
            if known is not None:  # stopped (a signal) while the staging folder was being made
                remove_own_temporaries(self.path, "-staging", keep=known)
            self._release()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        try:
            if not self._committed:
                self.abort()
        finally:
            self._release()
        if isinstance(exc, OSError):  # a write into the staging folder failed (a full disk)
            raise self.failed(exc) from exc

    def _lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not a POSIX system: no lock
            return
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError as exc:
            raise InputError(f"{self._label()}: cannot be opened ({exc.strerror or exc})") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(fd)
            if self._created:
                with contextlib.suppress(OSError):
                    os.rmdir(self.path)
                self._created = False
            raise Her2varError(f"{self._label()}: another her2var run is writing to this folder now; wait for "
                               "it to finish, or give another folder") from exc
        except OSError as exc:  # a file system without locks (some network shares): go on unlocked
            log.debug("%s: cannot be locked (%s)", self.path, exc)
        self._fd = fd

    def _release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    # -- writing ------------------------------------------------------------------------------
    def file(self, rel: str) -> str:
        """Where to write the output ``rel`` (e.g. 'samples/S1.json'): its place in the staging folder."""
        path = os.path.join(self.staging, *rel.split("/"))
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
        except OSError as exc:
            raise self.failed(exc) from exc
        return path

    def failed(self, exc: OSError) -> InputError:
        """The error of an output that could not be written into the staging folder."""
        return write_failed(self.path, exc)

    def _write_manifest(self, files: Iterable[str]) -> None:
        doc: dict[str, Any] = {"format": FORMAT, "version": 1, "kind": self.kind,
                               "files": sorted(set(files))}
        with atomic_write(os.path.join(self.path, MANIFEST)) as fh:
            json.dump(doc, fh, indent=1)
            fh.write("\n")

    def _staged_files(self) -> list[str]:
        found = []
        for root, _dirs, files in os.walk(self.staging):
            rel_root = os.path.relpath(root, self.staging).replace(os.sep, "/")
            found += [f if rel_root == "." else f"{rel_root}/{f}" for f in files]
        return sorted(found)

    def commit(self) -> list[str]:
        """Put every file written into the staging folder in place, remove the earlier output's files
        this run did not write again, and return the files now in place."""
        if not self.staged:
            return self._finish()
        new = self._staged_files()
        moved = 0
        try:
            for rel in new:
                sync_file(os.path.join(self.staging, rel))
                dst = os.path.join(self.path, rel)
                if os.path.isdir(dst) and not os.path.islink(dst):
                    raise InputError(f"{shown(dst, 200, bare=True)}: is a folder where her2var writes a file; "
                                     "move it away; nothing was written")
            self._write_manifest([*self._old, *new])  # from here on, every file of ours is listed
            with _signals_held():
                for rel in new:
                    dst = os.path.join(self.path, rel)
                    os.makedirs(os.path.dirname(dst), exist_ok=True)
                    os.replace(os.path.join(self.staging, rel), dst)
                    moved += 1
                self._remove([rel for rel in self._old if rel not in set(new)])
                self._write_manifest(new)
        except (OSError, Her2varError) as exc:
            if moved == 0:
                if isinstance(exc, OSError):
                    raise self.failed(exc) from exc
                raise
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise InputError(f"{self._label()}: putting the outputs in place failed ({reason}) after {moved} of "
                             f"{len(new)} file(s); {MANIFEST} lists every file her2var wrote there") from exc
        shutil.rmtree(self.staging, ignore_errors=True)
        self._committed = True
        return new

    def _remove(self, rels: Iterable[str]) -> None:
        for rel in rels:
            full = os.path.join(self.path, rel.rstrip("/"))
            try:
                if rel.endswith("/") and os.path.isdir(full) and not os.path.islink(full):
                    shutil.rmtree(full)
                else:
                    os.unlink(full)
            except FileNotFoundError:
                continue

    # -- writing in place (staged=False) ----------------------------------------------------------
    def clear(self) -> None:
        """Remove the earlier output (only what her2var wrote here), before writing a new one in place."""
        try:
            self._remove(self._old)
        except OSError as exc:
            raise InputError(f"{self._label()}: the earlier output cannot be removed ({exc.strerror or exc})") from exc
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(self.path, MANIFEST))
        self._old = []

    def claim(self, entries: Sequence[str]) -> None:
        """List ``entries`` (files, or folders ending in '/') in the manifest before writing them, so
        that a run killed midway leaves an output the next run recognises as its own."""
        self._claimed = [e for e in entries if self._owned(e)]
        self._write_manifest([*self._old, *self._claimed])

    def _finish(self) -> list[str]:
        present = [e for e in self._claimed if os.path.lexists(os.path.join(self.path, e.rstrip("/")))]
        self._write_manifest([*self._old, *present])
        self._committed = True
        return present

    def abort(self) -> None:
        """Remove what this run wrote (the staging folder; in place: the claimed entries) and the
        folder itself when this run created it and it is empty again."""
        if self.staging:
            shutil.rmtree(self.staging, ignore_errors=True)
        if self._claimed:
            with contextlib.suppress(OSError):
                self._remove(self._claimed)
            with contextlib.suppress(OSError):
                if self._old:
                    self._write_manifest(self._old)
                else:
                    os.unlink(os.path.join(self.path, MANIFEST))
            self._claimed = []
        if self._created:
            try:
                os.rmdir(self.path)
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOENT):
                    log.debug("%s: not removed (%s)", self.path, exc)
