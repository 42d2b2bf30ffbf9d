"""Environment files: which packages a submission declares, and whether their versions are pinned."""

from __future__ import annotations

import configparser
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlcoach.review.intake import Submission
from mlcoach.review.libraries import normalise_distribution

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_EGG = re.compile(r"#egg=([A-Za-z0-9._-]+)")
_CONDA_PIN = re.compile(r"^[A-Za-z0-9._-]+(\[[^\]]*\])?\s*={1,3}\s*[0-9][^*,<>|]*$")


@dataclass
class Requirement:
    name: str  # normalised distribution name
    raw: str
    pinned: bool
    file: Path
    line: int


@dataclass
class Environment:
    files: list[Path] = field(default_factory=list)
    requirements: list[Requirement] = field(default_factory=list)
    locked: bool = False
    unreadable: list[Path] = field(default_factory=list)

    @property
    def declared(self) -> set[str]:
        return {r.name for r in self.requirements}


def _pinned_pep508(spec: str) -> bool:
    spec = spec.split(";", 1)[0]
    return bool(re.search(r"===?\s*[0-9][^*,]*$", spec.strip())) and "*" not in spec


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return 1


def _requirements_txt(path: Path, root: Path, seen: set[Path]) -> list[Requirement]:
    if path in seen:
        return []
    seen.add(path)
    found: list[Requirement] = []
    for number, raw_line in enumerate(
        path.read_text(encoding="utf-8", errors="replace").splitlines(), 1
    ):
        line = raw_line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r", "--requirement")):
            include = line.split(maxsplit=1)[-1].removeprefix("-r").strip()
            target = (path.parent / include).resolve()
            if target.is_file() and (root == target.parent or root in target.parents):
                found += _requirements_txt(target, root, seen)
            continue
        if line.startswith("-e") or "://" in line:
            egg = _EGG.search(line)
            if egg:
                found.append(
                    Requirement(normalise_distribution(egg.group(1)), line, True, path, number)
                )
            continue
        if line.startswith("-"):
            continue
        name = _NAME.match(line)
        if name:
            found.append(
                Requirement(
                    normalise_distribution(name.group(1)), line, _pinned_pep508(line), path, number
                )
            )
    return found


def _pep508_requirement(spec: str, path: Path, text: str) -> list[Requirement]:
    """The requirement a PEP 508 string names (none if it names nothing), located in ``text``."""
    name = _NAME.match(spec)
    if not name:
        return []
    return [
        Requirement(
            normalise_distribution(name.group(1)),
            spec,
            _pinned_pep508(spec),
            path,
            _line_of(text, spec),
        )
    ]


def _conda(path: Path) -> list[Requirement]:
    text = path.read_text(encoding="utf-8", errors="replace")
    data = yaml.safe_load(text) or {}
    found: list[Requirement] = []
    dependencies = data.get("dependencies", []) if isinstance(data, dict) else []
    for dependency in dependencies or []:
        if isinstance(dependency, dict):
            for spec in dependency.get("pip", []) or []:
                found.extend(_pep508_requirement(str(spec), path, text))
            continue
        spec = str(dependency).split("::")[-1].strip()
        name = _NAME.match(spec)
        if not name or name.group(1).lower() in ("python", "pip"):
            continue
        pinned = bool(_CONDA_PIN.match(spec.replace(" ", ""))) or _pinned_pep508(spec)
        found.append(
            Requirement(
                normalise_distribution(name.group(1)), spec, pinned, path, _line_of(text, spec)
            )
        )
    return found


def _poetry_pinned(spec: Any) -> bool:
    if isinstance(spec, dict):
        spec = spec.get("version", "")
    text = str(spec).strip()
    return bool(re.match(r"^(==)?\s*[0-9][0-9A-Za-z.+-]*$", text))


def _pyproject(path: Path) -> list[Requirement]:
    text = path.read_text(encoding="utf-8", errors="replace")
    data = tomllib.loads(text)
    found: list[Requirement] = []
    project = data.get("project", {})
    for spec in project.get("dependencies", []) or []:
        found.extend(_pep508_requirement(str(spec), path, text))
    poetry = data.get("tool", {}).get("poetry", {})
    for section in ("dependencies", "dev-dependencies"):
        for name, spec in (poetry.get(section, {}) or {}).items():
            if name.lower() == "python":
                continue
            found.append(
                Requirement(
                    normalise_distribution(name),
                    f"{name} = {spec}",
                    _poetry_pinned(spec),
                    path,
                    _line_of(text, name),
                )
            )
    return found


def _pipfile(path: Path) -> list[Requirement]:
    text = path.read_text(encoding="utf-8", errors="replace")
    data = tomllib.loads(text)
    found: list[Requirement] = []
    for section in ("packages", "dev-packages"):
        for name, spec in (data.get(section, {}) or {}).items():
            version = spec.get("version", "*") if isinstance(spec, dict) else str(spec)
            found.append(
                Requirement(
                    normalise_distribution(name),
                    f"{name} = {version}",
                    version.startswith("==") and "*" not in version,
                    path,
                    _line_of(text, name),
                )
            )
    return found


def _setup(path: Path) -> list[Requirement]:
    text = path.read_text(encoding="utf-8", errors="replace")
    specs: list[str] = []
    if path.name.lower() == "setup.cfg":
        parser = configparser.ConfigParser()
        parser.read_string(text)
        raw = parser.get("options", "install_requires", fallback="")
        specs = [s.strip() for s in raw.splitlines() if s.strip()]
    else:
        block = re.search(r"install_requires\s*=\s*\[(.*?)\]", text, re.S)
        if block:
            specs = re.findall(r"""['"]([^'"]+)['"]""", block.group(1))
    found = []
    for spec in specs:
        found.extend(_pep508_requirement(spec, path, text))
    return found


def read_environment(submission: Submission, max_bytes: int) -> Environment:
    environment = Environment(locked=bool(submission.lock_files))
    root = submission.root.resolve()
    seen: set[Path] = set()
    for path in submission.environment_files:
        lower = path.name.lower()
        try:
            if path.stat().st_size > max_bytes:
                environment.unreadable.append(path)
                continue
            if lower.endswith((".txt", ".in")):
                requirements = _requirements_txt(path.resolve(), root, seen)
            elif lower.endswith((".yml", ".yaml")):
                requirements = _conda(path)
            elif lower == "pyproject.toml":
                requirements = _pyproject(path)
            elif lower == "pipfile":
                requirements = _pipfile(path)
            else:
                requirements = _setup(path)
        except (OSError, ValueError, yaml.YAMLError, tomllib.TOMLDecodeError, configparser.Error):
            environment.unreadable.append(path)
            continue
        environment.files.append(path)
        environment.requirements.extend(requirements)
    return environment
