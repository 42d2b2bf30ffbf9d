"""How PyTorch data utilities move rows: ``random_split`` splits a dataset at random like
``train_test_split`` (so a normalisation computed before it leaks), ``Subset`` keeps some rows, and
datasets and loaders (``TensorDataset``, ``DataLoader``) carry the rows they wrap."""

from __future__ import annotations

import ast

from mlcoach.review.flow.events import Split
from mlcoach.review.flow.recording import Recorder
from mlcoach.review.values import Plain, RowSet, Value, deep_taint, members

# random_split's outputs, by how many lengths it is given
_SIDES = {2: ("train", "test"), 3: ("train", "val", "test")}


class TorchModel(Recorder):
    def random_split(self, args: list[Value], node: ast.Call) -> Value:
        dataset = args[0] if args else Plain()
        lengths = members(args[1]) if len(args) > 1 else ()
        sides = _SIDES.get(len(lengths), ("train", "test"))
        where = self.where(node)
        split, new = self.flow.interned(("split", *self.key(where)))
        taint = deep_taint(dataset)
        rows = taint.rows or frozenset({RowSet(self.origin(node, None))})
        if new:
            self.flow.splits[split] = Split(
                split, "train_test_split", where, sides=set(sides), shuffled=True
            )
        self.flow.splits[split].origins.update(r.origin for r in rows)
        self.fresh_splits.add(split)
        for side in sides:
            self.flow.side_roles.setdefault((split, side), side)
            self.flow.used_sides.add((split, side))
        taint = taint.replace(rows=rows)
        self.check_leaks(taint, where, "split")
        return Plain(
            items=tuple(
                Plain(taint=taint.replace(rows=frozenset(r.extend(split, s) for r in rows)))
                for s in sides
            )
        )
