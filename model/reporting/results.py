"""Run folders: every command that produces results writes a NEW folder, atomically, and never overwrites one.

Layout: ``<results root>/<scenario name>/<UTC timestamp>-<seed>/`` holding the command's files and a
``manifest.json`` (scenario hash, seed, command line, package versions, git commit, file checksums). Files are
written into a hidden temporary folder beside the final one, which is renamed into place only when the command has
finished; a failed, interrupted or terminated command leaves nothing behind, and a hidden folder left by a killed
one (its process id ends its name) is removed by the next run (``model.simulation.processes``). A results folder that cannot be
written (missing and not creatable, not a folder, read-only, full disk) is one line naming the folder and the reason.
The results root is ``$SHAREDHR_RESULTS_DIR`` if set, else ``./results``.

Tables go through one writer each: :meth:`_Writer.write_csv` neutralises text cells that a spreadsheet would read as
formulas (``model.scenario.files``); :meth:`_Writer.write_parquet` stores the large per-case and per-staff tables compressed.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from model.reporting.stale import RUN_TEMP_PATTERN, owner_tag, remove_stale, report_removed
from model.scenario.errors import UserError
from model.scenario.escaping import write_csv

if TYPE_CHECKING:  # annotations only: the CLI imports this module while building its parser, pandas stays unloaded
    import pandas as pd

    from model.scenario.schema import Scenario

TRACKED_PACKAGES = (
    "sharedhr",
    "numpy",
    "scipy",
    "pandas",
    "simpy",
    "pyomo",
    "highspy",
    "pydantic",
    "dask",
    "distributed",
    "SALib",
    "papermill",
    "nbconvert",
)


def results_root() -> Path:
    """Where run folders go: ``$SHAREDHR_RESULTS_DIR`` or ``./results``; set but empty is an error (it would
    otherwise mean the current folder)."""
    value = os.environ.get("SHAREDHR_RESULTS_DIR")
    if value is None:
        return Path("results")
    if not value.strip():
        raise UserError("SHAREDHR_RESULTS_DIR is set but empty: name a folder, or unset it to write into ./results")
    return Path(value)


# Errors that mean "this folder cannot take the results" rather than a fault of the model.
_STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG, errno.EIO}


def storage_error(folder: Path, error: OSError) -> UserError:
    """One line naming ``folder`` and why it cannot take results (full disk, read-only, not a folder, ...)."""
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EEXIST: "a file of that name exists where a folder is needed",
        errno.ENOTDIR: "part of the path is a file, not a folder",
        errno.ENOENT: "the folder does not exist and cannot be created",
    }
    reason = reasons.get(error.errno or 0, error.strerror or str(error))
    return UserError(f"cannot write results in {folder}: {reason}; nothing was kept")


def portable_argv(argv: list[str]) -> list[str]:
    """The command line as recorded in a manifest: absolute paths reduced to their last part, so a run folder does
    not record where files lived on someone's disk (the scenario is identified by its name and SHA-256)."""

    def short(argument: str) -> str:
        option, equals, value = argument.partition("=") if argument.startswith("--") else ("", "", argument)
        if os.path.isabs(value):
            value = Path(value).name
        return f"{option}{equals}{value}"

    return [Path(argv[0]).name if argv else "sharedhr", *(short(a) for a in argv[1:])]


def slug(text: str) -> str:
    """A file-system-safe lower-case name: ``Herts, Beds & Luton`` -> ``herts-beds-luton``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "scenario"


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that determine results."""
    versions: dict[str, str] = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit(directory: Path | None = None) -> dict[str, Any] | None:
    """The git commit of the code (and whether the work tree had changes), or None outside a git checkout."""
    where = directory or Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": bool(status.strip())}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _Writer:
    """File writers shared by a run folder and its sub-folder views; subclasses provide ``file(name)``."""

    def file(self, name: str) -> Path:  # pragma: no cover - always overridden
        raise NotImplementedError

    def write_text(self, name: str, text: str) -> Path:
        """Write a UTF-8 text file."""
        target = self.file(name)
        target.write_text(text, encoding="utf-8")
        return target

    def write_json(self, name: str, data: Any) -> Path:
        """Write JSON (indented, keys in insertion order)."""
        return self.write_text(name, json.dumps(data, indent=2, default=_json_default) + "\n")

    def write_csv(self, name: str, frame: pd.DataFrame, index: bool = False) -> Path:
        """Write a DataFrame as CSV; text cells a spreadsheet would read as formulas get a leading quote."""
        return write_csv(frame, self.file(name), index=index)

    def write_parquet(self, name: str, frame: pd.DataFrame) -> Path:
        """Write a large DataFrame as zstd-compressed Parquet (read it with ``pandas.read_parquet``): typed columns,
        a tenth of the CSV's size, and no spreadsheet reads it as formulas."""
        target = self.file(name)
        frame.to_parquet(target, index=False, compression="zstd")
        return target


class RunFolder(_Writer):
    """A new results folder written atomically. Use as a context manager::

        with RunFolder(scenario, command="run") as run:
            run.write_csv("kpis.csv", table)
        print(run.path)  # the final folder, only after a successful exit

    On an exception the temporary folder is removed and nothing is published.
    """

    def __init__(
        self,
        scenario: Scenario,
        command: str,
        seed: int | None = None,
        root: Path | None = None,
        extra_manifest: dict[str, Any] | None = None,
    ) -> None:
        self.scenario = scenario
        self.command = command
        self.seed = scenario.simulation.seed if seed is None else seed
        self.root = (root or results_root()) / slug(scenario.name)
        self.extra_manifest = dict(extra_manifest or {})
        self.created = datetime.now(UTC)
        self._temporary: Path | None = None
        self.path: Path | None = None

    # -- context manager --------------------------------------------------------------------------------------------
    def __enter__(self) -> RunFolder:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            if not self.root.is_dir():
                raise FileExistsError(errno.EEXIST, "not a folder", str(self.root))
            stamp = self.created.strftime("%Y%m%dT%H%M%S%fZ")
            self._temporary = self.root / f".tmp-{stamp}-{self.seed}-{owner_tag()}"
            self._temporary.mkdir()
        except OSError as error:
            raise storage_error(self.root, error) from None
        removed: list[Path] = []
        for folder in (self.root.parent, *sorted(p for p in self.root.parent.iterdir() if p.is_dir())):
            removed += remove_stale(folder, RUN_TEMP_PATTERN)
        report_removed(removed)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._temporary is not None
        if exc_type is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)
            if isinstance(exc, OSError) and exc.errno in _STORAGE_ERRNOS:
                raise storage_error(self.root, exc) from None
            return
        try:
            self._write_manifest()
            self.path = self._publish()
        except OSError as error:  # e.g. the disk filled while writing the manifest: publish nothing, keep nothing
            shutil.rmtree(self._temporary, ignore_errors=True)
            raise storage_error(self.root, error) from None

    # -- writing ----------------------------------------------------------------------------------------------------
    @property
    def working_dir(self) -> Path:
        """The temporary folder being written (files land in the final folder on success)."""
        if self._temporary is None:
            raise RuntimeError("RunFolder is used outside its 'with' block")
        return self._temporary

    def file(self, name: str) -> Path:
        """Path for a new file ``name`` (sub-folders allowed) inside the run folder; refuses to overwrite."""
        target = self.working_dir / name
        if target.exists():
            raise FileExistsError(f"{name} was already written in this run")
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def subfolder(self, name: str) -> RunSubfolder:
        """A view that writes into ``name/`` of this run (one command's outputs inside a larger run)."""
        return RunSubfolder(self, name)

    # -- internals --------------------------------------------------------------------------------------------------
    def _write_manifest(self) -> None:
        files = {
            str(path.relative_to(self.working_dir)): {
                "bytes": path.stat().st_size,
                "sha256": _sha256(path),
            }
            for path in sorted(self.working_dir.rglob("*"))
            if path.is_file()
        }
        manifest = {
            "scenario": self.scenario.name,
            "scenario_sha256": self.scenario.content_hash(),
            "command": self.command,
            "argv": portable_argv(sys.argv),
            "seed": self.seed,
            "created_utc": self.created.isoformat(),
            "git": git_commit(),
            "packages": package_versions(),
            "platform": {
                "machine": platform.machine(),
                "system": platform.system(),
                "cpus": os.cpu_count(),
            },
            "files": files,
            **self.extra_manifest,
        }
        (self.working_dir / "manifest.json").write_text(
            json.dumps(manifest, indent=2, default=_json_default) + "\n", encoding="utf-8"
        )

    def _publish(self) -> Path:
        """Rename the temporary folder to a name not yet taken (``-2``, ``-3``... on a clash)."""
        assert self._temporary is not None
        stamp = self.created.strftime("%Y%m%dT%H%M%SZ")
        base = f"{stamp}-{self.seed}"
        for attempt in range(1, 1000):
            final = self.root / (base if attempt == 1 else f"{base}-{attempt}")
            try:
                # mkdir then rename onto the empty directory we own: atomic, and never replaces another run.
                final.mkdir()
            except FileExistsError:
                continue
            try:
                os.replace(self._temporary, final)
            except OSError:
                final.rmdir()
                raise
            return final
        raise RuntimeError(f"could not find a free run folder name under {self.root}")


def _json_default(value: Any) -> Any:
    """JSON encoding for numpy scalars, paths and other simple objects."""
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return str(value)


class RunSubfolder(_Writer):
    """Writes into a sub-folder of an open :class:`RunFolder`, with the same methods (``file``, ``write_*``) and the
    parent's ``scenario``, ``seed`` and ``command``; published, with the manifest, when the parent is."""

    def __init__(self, parent: RunFolder, name: str) -> None:
        self.parent = parent
        self.name = name.strip("/")
        self.scenario = parent.scenario
        self.seed = parent.seed
        self.command = parent.command
        self.extra_manifest = parent.extra_manifest  # shared: entries land in the one manifest of the run

    @property
    def working_dir(self) -> Path:
        """The sub-folder inside the parent's temporary folder (created on first use)."""
        folder = self.parent.working_dir / self.name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def file(self, name: str) -> Path:
        """Path for a new file ``name`` inside the sub-folder; refuses to overwrite."""
        return self.parent.file(f"{self.name}/{name}")

    def subfolder(self, name: str) -> RunSubfolder:
        """A deeper sub-folder view."""
        return RunSubfolder(self.parent, f"{self.name}/{name}")
