"""The shipped curriculum, parsed once and kept on disk between runs.

Parsing and validating the ~50 YAML files of the shipped curriculum takes most of a second, which
every `mlcoach answer` or `mlcoach drill` would pay before showing anything; reading the parsed
catalog back takes a few tens of milliseconds. The copy is keyed by everything that could make it
stale: each content file's name, size and time of change, the source of the content models, and
the Python and pydantic versions (a copy made by another version is never read). A copy that
cannot be read or written is ignored: the curriculum is then parsed as before.

The copy lives in the user's own data folder, written by this program only; it is read with
`pickle`, so it is no more trusted than the rest of that folder (the database, the config file).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path

import pydantic

from mlcoach.catalog import models
from mlcoach.catalog.catalog import Catalog, build_catalog, shipped_content_dir
from mlcoach.catalog.loader import content_files

CACHE_NAME = "shipped-catalog.pickle"


def catalog_cache_dir(data_dir: Path) -> Path:
    return data_dir / "cache" / "catalog"


def _fingerprint(content: Path) -> str:
    digest = hashlib.sha256()
    for part in (sys.version, pydantic.VERSION, str(content.resolve())):
        digest.update(part.encode() + b"\0")
    digest.update(Path(models.__file__).read_bytes())
    for path in content_files(content):
        info = path.stat()
        digest.update(f"{path.relative_to(content)}|{info.st_size}|{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def shipped_catalog(cache_dir: Path | None, content: Path | None = None) -> Catalog | None:
    """The shipped curriculum (or the curriculum in ``content``), from ``cache_dir`` when a
    current copy is there, else parsed (and saved there). None when the content has issues: the
    caller reports them by building the catalog the usual way."""
    content = content or shipped_content_dir()
    fingerprint = _fingerprint(content)
    path = cache_dir / CACHE_NAME if cache_dir is not None else None
    if path is not None:
        try:
            with path.open("rb") as handle:
                stored_fingerprint, catalog = pickle.load(handle)
            if stored_fingerprint == fingerprint and isinstance(catalog, Catalog):
                return catalog
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError):
            pass  # missing, partial or from another version: parsed again below
    report = build_catalog([content], trusted=[content])
    if report.issues:
        return None
    # Search words are cut before saving, so every later run (and every per-user extension of
    # this catalog) starts with them.
    report.catalog.index_for_search()
    if path is not None:
        _save(path, (fingerprint, report.catalog))
    return report.catalog


def _save(path: Path, value: object) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".catalog-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)  # readers see the old copy or the new one, never half of one
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # a read-only or full disk: the next run parses the curriculum again
