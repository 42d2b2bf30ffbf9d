"""What the submission's own data says about the code that reads it: duplicated rows that a random
split spreads over train and test, and missing values disguised as numbers (a zero blood pressure,
a -1 or 999 code) left in or replaced by a mean.

The evidence comes from the data files next to the code (read with the csv module, bounded, see
`data`) or from the notebook's own saved outputs (``df.duplicated().sum()`` printing 23,
``(df[cols] == 0).sum()`` printing counts per column).
"""

from __future__ import annotations

import re

from mlcoach.review import libraries as lib
from mlcoach.review.check_model import is_feature, trainings
from mlcoach.review.context import ReviewContext, describe
from mlcoach.review.data import MAX_BINS, DataFiles, DataProfile, bins, column_pairs, parse_counts
from mlcoach.review.flow import Flow
from mlcoach.review.flow.events import CodeReplacement, Origin
from mlcoach.review.sources import Unit

MIN_DUPLICATES = 3
DUPLICATE_SHARE = 0.03
_INTEGER = re.compile(r"(?<![\w.])(\d+)(?![\w.])")
# a zero is impossible in these (a living patient's heart rate, a BMI); not age, price or counts
_NEVER_ZERO: list[tuple[re.Pattern[str], str]] = [
    (pattern, label)
    for pattern, smallest, label in lib.PHYSICAL_COLUMNS
    if smallest > 0 and label not in ("age", "price", "floor area")
]
_NEVER_ZERO += [
    (re.compile(r"insulin", re.I), "insulin"),
    (re.compile(r"skin[\s_-]*thickness", re.I), "skin thickness"),
]


def check_data(ctx: ReviewContext) -> None:
    data = ctx.data

    # the programs that train models first: a data file's problem is reported once, where the
    # model is built from it, not again in an exploration script reading the same file
    def fits(unit: Unit) -> int:
        flow = ctx.flows.get(unit.rel)
        return len(flow.fits) if flow else 0

    reported: set[str] = set()
    for unit in sorted(ctx.units, key=fits, reverse=True):
        flow = ctx.flows.get(unit.rel)
        if flow is None:
            continue
        _duplicates(ctx, data, unit, flow)
        _disguised_missing(ctx, data, unit, flow, reported)
        _binned_from_the_label_source(ctx, data, unit, flow)


def _profiles(data: DataFiles, unit: Unit, flow: Flow, origin: Origin) -> list[DataProfile]:
    return data.for_origins(unit, flow, frozenset({origin.id}))


# ----- duplicates -----


def _printed_duplicates(unit: Unit) -> int:
    """The count a notebook's own ``duplicated().sum()`` printed (0 when none)."""
    for chunk in unit.chunks:
        if "duplicated(" not in chunk.source:
            continue
        for output in chunk.outputs:
            text = output.get("text") or (output.get("data") or {}).get("text/plain") or ""
            text = "".join(text) if isinstance(text, list) else str(text)
            for line in text.splitlines():
                numbers = _INTEGER.findall(line)
                mentions = "dup" in line.lower()
                if numbers and (mentions or len(text.split()) == 1) and int(numbers[-1]) > 0:
                    return int(numbers[-1])
    return 0


def _duplicates(ctx: ReviewContext, data: DataFiles, unit: Unit, flow: Flow) -> None:
    printed = _printed_duplicates(unit)
    for split in flow.splits.values():
        if not split.shuffled and split.kind != "train_test_split":
            continue
        for origin_id in sorted(split.origins - flow.deduplicated):
            origin = flow.origins.get(origin_id)
            if origin is None or not origin.file:
                continue
            # a few repeated rows happen by chance in narrow data (short texts, few columns)
            counts = [
                p.duplicates
                for p in _profiles(data, unit, flow, origin)
                if p.duplicates >= max(MIN_DUPLICATES, p.rows * DUPLICATE_SHARE)
            ]
            if counts:
                evidence = f"{counts[0]} rows of {origin.file} repeat an earlier row"
            elif printed:
                evidence = f"the notebook's own output shows {printed} duplicated rows"
            else:
                continue
            ctx.add(
                "leakage/duplicate-rows-across-split",
                split.where,
                f"{evidence[0].upper()}{evidence[1:]}, and they are not dropped before the split "
                f"({describe(split.where.site)}), so copies end up on both sides.",
                related=[origin.where.site],
            )
            break


# ----- missing values in disguise -----


def _suspects(profile: DataProfile) -> dict[str, tuple[float, int, str]]:
    """column -> (code, count, why) for columns holding a missing-value code."""
    found: dict[str, tuple[float, int, str]] = {}
    for name, column in profile.columns.items():
        if not column.numeric:
            continue
        zeros = column.codes.get(0.0, 0)
        label = next((label for pattern, label in _NEVER_ZERO if pattern.search(name)), None)
        if zeros and label and (column.rest_minimum or 0) > 0:
            found[name] = (0.0, zeros, f"a {label} of 0 is impossible")
            continue
        # a code in most rows is a category ("never contacted": -1), not values gone missing
        disguised = [(c, n) for c, n in column.disguised() if n * 2 <= column.present]
        if disguised:
            code, count = disguised[0]
            found[name] = (code, count, f"{code:g} lies far outside the other values")
    return found


def _printed_zeros(unit: Unit) -> dict[str, int]:
    """column -> count, from a saved output of ``(df[cols] == 0).sum()``."""
    found: dict[str, int] = {}
    for chunk in unit.chunks:
        if not re.search(r"==\s*0\s*\)\s*\.sum\(", chunk.source):
            continue
        for output in chunk.outputs:
            text = output.get("text") or (output.get("data") or {}).get("text/plain") or ""
            text = "".join(text) if isinstance(text, list) else str(text)
            for name, count in parse_counts(text).items():
                if count > 0 and any(p.search(name) for p, _ in _NEVER_ZERO):
                    found[name] = int(count)
    return found


def _covers(replacement: CodeReplacement, column: str, code: float) -> bool:
    columns_ok = replacement.columns is None or column in replacement.columns
    return columns_ok and (not replacement.codes or code in replacement.codes)


def _disguised_missing(
    ctx: ReviewContext, data: DataFiles, unit: Unit, flow: Flow, reported: set[str]
) -> None:
    suspects: dict[str, tuple[float, int, str]] = {}
    loads: dict[str, Origin] = {}
    for loaded_origin in sorted(flow.origins.values(), key=lambda o: o.id):
        if not loaded_origin.file:
            continue
        for profile in _profiles(data, unit, flow, loaded_origin):
            if str(profile.path) in reported:
                continue
            reported.add(str(profile.path))
            for name, suspect in _suspects(profile).items():
                suspects.setdefault(name, suspect)
                loads.setdefault(name, loaded_origin)
    for name, count in _printed_zeros(unit).items():
        suspects.setdefault(name, (0.0, count, "the notebook's own output counts zeros in it"))
    if not suspects:
        return
    left_in: list[str] = []
    for name, (code, count, why) in suspects.items():
        covering = [r for r in flow.replacements if _covers(r, name, code)]
        if any(r.to_missing for r in covering):
            continue
        imputed = [r for r in covering if not r.to_missing]
        if imputed:
            where = imputed[0].where
            ctx.add(
                "data/disguised-missing-values",
                where,
                f"{name!r} holds {count} values of {code:g} ({why}); they are replaced by a "
                f"number computed with them still in ({describe(where.site)}) instead of being "
                "treated as missing.",
            )
        else:
            left_in.append(f"{name!r} ({count} × {code:g}: {why})")
    if left_in:
        loaded = [o for o in flow.origins.values() if o.file]
        first = next((loads[name] for name in suspects if name in loads), None)
        origin = first or min(loaded, key=lambda o: o.id, default=None)
        if origin is None:
            return
        ctx.add(
            "data/disguised-missing-values",
            origin.where,
            f"Missing values in disguise stay in the data loaded here: {'; '.join(left_in[:4])}.",
        )


# ----- a category of the data file computed from the label's source -----


def _binned_from_the_label_source(
    ctx: ReviewContext, data: DataFiles, unit: Unit, flow: Flow
) -> None:
    """The label is computed from a number (pass = score >= 50) and a feature is a category the
    data file computed from that same number (the letter grade): it carries the label."""
    for training in trainings(flow):
        for label in flow.derived:
            if label.column not in training.labels or len(label.sources) != 1:
                continue
            (source,) = label.sources
            for origin in (o for o in flow.origins.values() if o.file):
                path = data.resolve(unit, origin.file or "")
                profile = data.profile(path) if path else None
                if path is None or profile is None or source not in profile.columns:
                    continue
                for name, column in profile.columns.items():
                    if name in (source, *training.labels) or column.counts is None:
                        continue
                    if len(column.counts) > MAX_BINS or column.numeric:
                        continue
                    entries = [d for d in flow.derived if name in d.sources]
                    used = [d for d in entries if is_feature(flow, training, d.column)]
                    if not used and not is_feature(flow, training, name):
                        continue
                    pairs = column_pairs(path, name, source, data.max_bytes, data.max_rows)
                    if not bins(pairs):
                        continue
                    where = used[0].where if used else label.where
                    ctx.add(
                        "leakage/target-leakage",
                        where,
                        f"In {origin.file}, {name!r} cuts {source!r} into separate ranges (it was "
                        f"computed from it), and the label {label.column!r} is computed from "
                        f"{source!r} too ({describe(label.where.site)}): as a feature of "
                        f"{training.name} it gives the label away.",
                        related=[label.where.site, training.site],
                    )
