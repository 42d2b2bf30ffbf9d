"""The newest migration, read from the migration files without importing Alembic.

Every command that touches the database asks whether it is up to date; importing Alembic to answer
would add a third of a second to each of them. A test checks this agrees with Alembic's own answer.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from mlcoach.errors import StorageError


def _assigned(tree: ast.Module, name: str) -> object:
    for node in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        if isinstance(target, ast.Name) and target.id == name and value is not None:
            return ast.literal_eval(value)
    return None


@cache
def head_revision(migrations_dir: Path) -> str:
    revisions: dict[str, object] = {}
    for path in sorted((migrations_dir / "versions").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        revision = _assigned(tree, "revision")
        if isinstance(revision, str):
            revisions[revision] = _assigned(tree, "down_revision")
    parents: set[str] = set()
    for down in revisions.values():
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, tuple | list):
            parents.update(str(d) for d in down)
    heads = sorted(set(revisions) - parents)
    if len(heads) != 1:
        raise StorageError(
            f"the migrations have {len(heads)} heads ({', '.join(heads)}); expected one"
        )
    return heads[0]
