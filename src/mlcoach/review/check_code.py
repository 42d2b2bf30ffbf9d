"""Reproducibility and code hygiene: seeds, the environment file, paths, the notebook's execution
state, unused code, noise comments and long cells. These read the code itself, not the dataflow."""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
from collections import Counter
from collections.abc import Iterable

from mlcoach.review import libraries as lib
from mlcoach.review.context import ReviewContext, call_name, import_aliases, nodes_in_order
from mlcoach.review.environment import read_environment
from mlcoach.review.models import Location
from mlcoach.review.sources import Chunk, Unit

NUMPY_RANDOM = frozenset(
    {"rand", "randn", "randint", "random", "choice", "permutation", "shuffle", "normal", "uniform", "binomial", "random_sample", "poisson", "exponential"}
)  # fmt: skip
PYTHON_RANDOM = frozenset(
    {"random", "shuffle", "choice", "choices", "sample", "randint", "uniform", "gauss"}
)
GLOBAL_SEEDERS = ("set_random_seed", "seed_everything", "set_global_seed", "set_seed")
_POSIX_PATH = re.compile(r"^/[^/\s:]+(/[^/\n]+)+/?$")
_SYSTEM_PATHS = ("/dev/", "/proc/", "/sys/", "/usr/", "/bin/", "/etc/", "/lib/")
_WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/][^\n]*$|^\\\\[\w.-]+\\[^\n]+$")
_HOME_PATH = re.compile(r"^~[\\/][^\n]+$")


def check_code(ctx: ReviewContext) -> None:
    for unit in ctx.units:
        _seeds(ctx, unit)
        _absolute_paths(ctx, unit)
        if unit.is_notebook:
            _execution_state(ctx, unit)
            _long_cells(ctx, unit)
        _unused_imports(ctx, unit)
        for chunk in unit.chunks:
            _comments(ctx, unit, chunk)
    _environment(ctx)
    _unused_functions(ctx)


# ----- seeds -----


def _calls_in_order(chunk: Chunk) -> list[ast.Call]:
    if chunk.tree is None:
        return []
    calls = [n for n in chunk.nodes if isinstance(n, ast.Call)]
    return sorted(calls, key=lambda c: (c.lineno, c.col_offset))


def _keywords(call: ast.Call) -> dict[str, ast.expr]:
    return {k.arg: k.value for k in call.keywords if k.arg is not None}


def _const(node: ast.expr | None) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def _seeds(ctx: ReviewContext, unit: Unit) -> None:
    aliases = import_aliases(unit)
    numpy_seeded = random_seeded = False
    for chunk in unit.chunks:
        for call in _calls_in_order(chunk):
            name = call_name(call, aliases)
            if name is None:
                continue
            last = name.rsplit(".", 1)[-1]
            keywords = _keywords(call)
            if any(k.arg is None for k in call.keywords):
                continue  # **params may carry the seed
            site = (unit.rel, chunk.cell, call.lineno)
            if name in ("numpy.random.seed", "np.random.seed") or last in GLOBAL_SEEDERS:
                numpy_seeded = True
                random_seeded = random_seeded or last in GLOBAL_SEEDERS
                continue
            if name == "random.seed":
                random_seeded = True
                continue
            problem = None
            if last == "train_test_split":
                if "random_state" not in keywords and _const(keywords.get("shuffle")) is not False:
                    problem = "train_test_split shuffles the rows without random_state"
                if numpy_seeded:
                    problem = None
            elif last in lib.STOCHASTIC and (name == last or name.split(".")[0] in lib_roots()):
                if "random_state" not in keywords and not numpy_seeded:
                    problem = f"{last} is random and has no random_state"
            elif last in lib.SHUFFLE_SPLITTERS:
                shuffled = _const(keywords.get("shuffle")) is True or (
                    len(call.args) >= 2 and _const(call.args[1]) is True
                )
                if (
                    shuffled
                    and "random_state" not in keywords
                    and len(call.args) < 3
                    and not numpy_seeded
                ):
                    problem = f"{last}(shuffle=True) has no random_state"
            elif last == "sample" and not name.startswith(("random.", "numpy.")):
                if "random_state" not in keywords and not numpy_seeded and (call.args or keywords):
                    problem = "rows are sampled without random_state"
            elif name.startswith(("numpy.random.", "np.random.")) and last in NUMPY_RANDOM:
                if not numpy_seeded:
                    problem = f"np.random.{last} is used without seeding NumPy first"
            elif name in ("numpy.random.default_rng", "np.random.default_rng") and not call.args:
                problem = "default_rng() is created without a seed"
            elif name.startswith("random.") and last in PYTHON_RANDOM and not random_seeded:
                problem = f"random.{last} is used without random.seed"
            if problem:
                ctx.add("reproducibility/no-seed", site, problem + ".")


def lib_roots() -> frozenset[str]:
    return frozenset({"sklearn", "imblearn", "xgboost", "lightgbm", "catboost", "umap"})


# ----- environment -----


def _environment(ctx: ReviewContext) -> None:
    environment = read_environment(ctx.submission, ctx.options.max_file_bytes)
    main = ctx.whole()
    if not environment.files and not environment.locked:
        if environment.unreadable:
            names = ", ".join(ctx.submission.relative(p) for p in environment.unreadable)
            ctx.notes.append(f"could not read the environment file(s) {names}")
            return
        ctx.add(
            "reproducibility/no-environment-file",
            main,
            "There is no requirements.txt, environment.yml, pyproject.toml or Pipfile in the "
            "submission.",
        )
        return
    if not environment.locked:
        unpinned = [r for r in environment.requirements if not r.pinned]
        if unpinned:
            first = unpinned[0]
            names = ", ".join(r.raw for r in unpinned[:6]) + (" ..." if len(unpinned) > 6 else "")
            ctx.add(
                "reproducibility/unpinned-environment",
                Location(file=ctx.submission.relative(first.file), line=first.line),
                f"{len(unpinned)} of {len(environment.requirements)} packages have no exact "
                f"version: {names}.",
            )
    declared = environment.declared
    if not environment.requirements:
        return
    for unit in ctx.units:
        reported: set[str] = set()
        for chunk, node in nodes_in_order(unit):
            modules: list[str] = []
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in reported or _not_third_party(ctx, unit, top):
                    continue
                if any(d in declared for d in lib.distributions_for(top)):
                    continue
                reported.add(top)
                dist = lib.distributions_for(top)[0]
                ctx.add(
                    "reproducibility/undeclared-import",
                    (unit.rel, chunk.cell, node.lineno),
                    f"`{top}` is imported but {dist} is not in "
                    f"{', '.join(ctx.submission.relative(f) for f in environment.files)}.",
                )


def _not_third_party(ctx: ReviewContext, unit: Unit, top: str) -> bool:
    if top in sys.stdlib_module_names or top == "__future__":
        return True
    if top in ctx.submission.local_modules:
        return True
    return unit.is_notebook and top in lib.NOTEBOOK_RUNTIME


# ----- paths -----


def _is_absolute_path(text: str) -> bool:
    if "://" in text or "\n" in text or len(text) > 260 or len(text) < 3:
        return False
    if _POSIX_PATH.match(text):
        return not text.startswith(_SYSTEM_PATHS)
    return bool(_WINDOWS_PATH.match(text) or _HOME_PATH.match(text))


def _absolute_paths(ctx: ReviewContext, unit: Unit) -> None:
    for chunk in unit.chunks:
        if chunk.tree is None:
            continue
        docstrings = {
            id(n.value)
            for n in chunk.nodes
            if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)
        }
        for node in chunk.nodes:
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and _is_absolute_path(node.value)
            ):
                ctx.add(
                    "reproducibility/absolute-path",
                    (unit.rel, chunk.cell, node.lineno),
                    f"The path {node.value!r} only exists on the author's machine.",
                )


# ----- notebook execution state -----


def _execution_state(ctx: ReviewContext, unit: Unit) -> None:
    code = [c for c in unit.chunks if c.source.strip()]
    if not code:
        return
    counted = [c for c in code if c.execution_count is not None]
    if not counted:
        ctx.add(
            "reproducibility/unexecuted-notebook",
            Location(file=unit.rel),
            f"None of the {len(code)} code cells has been run: the notebook has no outputs.",
        )
        return
    highest: Chunk | None = None
    for chunk in counted:
        assert chunk.execution_count is not None
        if (
            highest is not None
            and highest.execution_count is not None
            and chunk.execution_count <= highest.execution_count
        ):
            ctx.add(
                "reproducibility/out-of-order-execution",
                (unit.rel, chunk.cell, 1),
                f"Cell {chunk.cell} ran as [{chunk.execution_count}], after cell {highest.cell} "
                f"which ran as [{highest.execution_count}] further up.",
                related=[(unit.rel, highest.cell, 1)],
            )
            break
        highest = chunk
    skipped = [c for c in code if c.execution_count is None]
    if skipped:
        names = ", ".join(str(c.cell) for c in skipped[:8])
        ctx.add(
            "reproducibility/unexecuted-notebook",
            (unit.rel, skipped[0].cell, 1),
            f"{len(skipped)} code cell(s) were never run in the saved notebook (cells {names}).",
            related=[(unit.rel, c.cell, 1) for c in skipped[1:8]],
        )
    for chunk in counted:
        for output in chunk.outputs:
            count = output.get("execution_count")
            if (
                output.get("output_type") == "execute_result"
                and isinstance(count, int)
                and count != chunk.execution_count
            ):
                ctx.add(
                    "reproducibility/unexecuted-notebook",
                    (unit.rel, chunk.cell, 1),
                    f"Cell {chunk.cell} shows an output from run [{count}] but was last run as "
                    f"[{chunk.execution_count}]: the output is stale.",
                )
                break


def _long_cells(ctx: ReviewContext, unit: Unit) -> None:
    limit = ctx.options.long_cell_lines
    for chunk in unit.chunks:
        count = len(chunk.lines)
        if count > limit:
            ctx.add(
                "hygiene/long-cell",
                (unit.rel, chunk.cell, 1),
                f"Cell {chunk.cell} has {count} lines (more than {limit}).",
            )


# ----- unused code -----


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return False
    text = ast.unparse(handler.type)
    return "ImportError" in text or "ModuleNotFoundError" in text


def _guarded(chunk: Chunk) -> set[int]:
    """Imports inside `try: ... except ImportError`, which are optional on purpose."""
    guarded: set[int] = set()
    for node in chunk.nodes:
        if isinstance(node, ast.Try) and any(_catches_import_error(h) for h in node.handlers):
            for inner in node.body:
                for sub in ast.walk(inner):
                    guarded.add(id(sub))
    return guarded


def _used_names(unit: Unit) -> Counter[str]:
    used: Counter[str] = Counter()
    for chunk in unit.chunks:
        for magic in chunk.magics:
            used.update(re.findall(r"[A-Za-z_]\w*", magic))
        if chunk.tree is None:
            # a cell that does not parse may use anything: count its words as uses
            used.update(re.findall(r"[A-Za-z_]\w*", chunk.source))
            continue
        for node in chunk.nodes:
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
                used[node.id] += 1
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.isidentifier()
            ):
                used[node.value] += 1
    return used


def _unused_imports(ctx: ReviewContext, unit: Unit) -> None:
    if unit.path.name == "__init__.py":
        return
    used = _used_names(unit)
    for chunk in unit.chunks:
        if chunk.tree is None:
            continue
        guarded = _guarded(chunk)
        for node in chunk.nodes:
            if not isinstance(node, ast.Import | ast.ImportFrom) or id(node) in guarded:
                continue
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                continue
            for alias in node.names:
                if alias.name == "*":
                    continue
                bound = alias.asname or alias.name.split(".")[0]
                if used[bound] or bound == "_":
                    continue
                shown = (
                    alias.name
                    if isinstance(node, ast.Import)
                    else f"{alias.name} (from {node.module})"
                )
                if alias.asname:
                    shown += f" as {alias.asname}"
                ctx.add(
                    "hygiene/unused-import",
                    (unit.rel, chunk.cell, node.lineno),
                    f"`{shown}` is imported but never used.",
                )


def _unused_functions(ctx: ReviewContext) -> None:
    total: Counter[str] = Counter()
    for unit in ctx.units:
        for chunk in unit.chunks:
            if chunk.tree is None:
                total.update(re.findall(r"[A-Za-z_]\w*", chunk.source))
                continue
            total.update(_references(chunk.nodes))
    for unit in ctx.units:
        if unit.path.name.startswith("test_") or unit.path.name == "__init__.py":
            continue
        for chunk in unit.chunks:
            if chunk.tree is None:
                continue
            for node in chunk.tree.body:
                if (
                    not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                    or node.decorator_list
                ):
                    continue
                name = node.name
                if name.startswith("__") or name.startswith("test_"):
                    continue
                own = _references(ast.walk(node))
                if total[name] - own[name] > 0:
                    continue
                ctx.add(
                    "hygiene/unused-function",
                    (unit.rel, chunk.cell, node.lineno),
                    f"`{name}()` is defined but never called.",
                )


def _references(nodes: Iterable[ast.AST]) -> Counter[str]:
    found: Counter[str] = Counter()
    for node in nodes:
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
            found[node.id] += 1
        elif isinstance(node, ast.Attribute):
            found[node.attr] += 1
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.isidentifier()
        ):
            found[node.value] += 1
    return found


# ----- comments -----

_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "of",
        "and",
        "or",
        "for",
        "on",
        "in",
        "into",
        "with",
        "from",
        "by",
        "as",
        "at",
        "is",
        "are",
        "be",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "our",
        "we",
        "my",
        "i",
        "let",
        "lets",
        "let's",
        "now",
        "here",
        "then",
        "next",
        "first",
        "just",
        "all",
        "some",
        "new",
        "using",
        "use",
        "via",
        "also",
        "variable",
        "variables",
        "value",
        "values",
        "function",
        "method",
        "call",
        "calling",
        "object",
        "step",
    ]
)
_GENERIC = frozenset(
    [
        "create",
        "creating",
        "define",
        "defining",
        "initialize",
        "initialise",
        "initializing",
        "instantiate",
        "make",
        "set",
        "sets",
        "setting",
        "get",
        "getting",
        "data",
        "dataset",
        "dataframe",
        "df",
        "libraries",
        "library",
        "packages",
        "modules",
        "module",
        "necessary",
        "needed",
        "required",
        "model",
        "models",
        "classifier",
        "estimator",
    ]
)
# words a comment uses for what the code spells differently
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "importing": ("import",),
    "imports": ("import",),
    "printing": ("print",),
    "show": ("print", "show", "display"),
    "display": ("print", "display"),
    "displaying": ("print", "display"),
    "reading": ("read",),
    "load": ("read", "load"),
    "loading": ("read", "load"),
    "training": ("train", "fit"),
    "train": ("train", "fit"),
    "fitting": ("fit",),
    "predicting": ("predict",),
    "predictions": ("predict", "pred"),
    "prediction": ("predict", "pred"),
    "splitting": ("split",),
    "scaling": ("scale", "scaler"),
    "scaled": ("scale", "scaler"),
    "evaluate": ("score", "evaluate"),
}


def _stem(word: str) -> str:
    for suffix in ("ing", "es", "ed", "s", "er"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _forms(word: str) -> set[str]:
    return {_stem(word), *(_stem(w) for w in _SYNONYMS.get(word, ()))}


def _code_words(line: str) -> set[str]:
    words: set[str] = set()
    for token in re.findall(r"[A-Za-z][A-Za-z0-9]*", line):
        for part in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", token):
            words.add(_stem(part.lower()))
    if "read_csv" in line or "load" in line.lower():
        words.add("read")
    return words


def restates(comment: str, code: str) -> bool:
    """Whether a comment says no more than the line of code after it."""
    words = [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z']*", comment)]
    if not words or len(words) > 10:
        return False
    content = [w for w in words if w not in _STOPWORDS]
    meaningful = [w for w in content if w not in _GENERIC]
    if not meaningful:
        return bool(content) and code.lstrip().startswith(("import ", "from "))
    code_words = _code_words(code)
    for word in meaningful:
        forms = _forms(word)
        if forms & code_words:
            continue
        if any(
            len(form) >= 4
            and any(c.startswith(form) or form.startswith(c) for c in code_words if len(c) >= 4)
            for form in forms
        ):
            continue
        return False
    return True


_CODE_START = re.compile(
    r"^(import |from \w[\w.]* import |for .+ in .+:|if .+:|elif .+:|else:|while .+:|def \w+\(|class \w+|return\b|with .+:|try:|except\b|print\()"
)


def looks_like_code(text: str) -> bool:
    body = text.strip()
    if not body or len(body) > 200:
        return False
    if _CODE_START.match(body):
        return True
    candidates = [body, body + " pass"] if body.endswith(":") else [body]
    for candidate in candidates:
        try:
            tree = ast.parse(candidate)
        except SyntaxError:
            continue
        if not tree.body:
            return False
        statement = tree.body[0]
        if isinstance(statement, ast.Expr):
            return isinstance(
                statement.value, ast.Call | ast.Subscript | ast.Attribute
            ) and not re.match(r"^[A-Za-z]+ [a-z]", body)
        return not isinstance(statement, ast.Pass)
    return bool(re.match(r"^[\w.\[\]'\"]+\s*(=|\+=|-=)\s*\S", body)) or body in (
        ")",
        "]",
        "}",
        "),",
    )


def _comment_lines(chunk: Chunk) -> list[tuple[int, str, bool]]:
    """(line, comment text, whole-line?) for each comment of the chunk."""
    found: list[tuple[int, str, bool]] = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(chunk.code).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        for number, line in enumerate(chunk.code.splitlines(), start=1):
            if line.lstrip().startswith("#"):
                found.append((number, line.lstrip(), True))
        return found
    lines = chunk.code.splitlines()
    for token in tokens:
        if token.type == tokenize.COMMENT:
            row = token.start[0]
            whole = lines[row - 1][: token.start[1]].strip() == "" if row <= len(lines) else True
            found.append((row, token.string, whole))
    return found


def _comments(ctx: ReviewContext, unit: Unit, chunk: Chunk) -> None:
    comments = [(line, text) for line, text, whole in _comment_lines(chunk) if whole]
    lines = chunk.code.splitlines()
    # commented-out code: runs of 3+ consecutive comment lines that parse as code
    run: list[int] = []
    previous = -1
    for line, text in comments:
        body = re.sub(r"^#+\s?", "", text)
        if line == previous + 1 and looks_like_code(body):
            run.append(line)
        elif looks_like_code(body):
            _report_run(ctx, unit, chunk, run)
            run = [line]
        else:
            _report_run(ctx, unit, chunk, run)
            run = []
        previous = line
    _report_run(ctx, unit, chunk, run)
    # comments that restate the next line
    comment_lines = {line for line, _ in comments}
    for line, text in comments:
        body = re.sub(r"^#+\s?", "", text).strip()
        if not body or body.startswith(
            ("%%", "TODO", "FIXME", "noqa", "type:", "fmt:", "pylint", "-", "=", "!")
        ):
            continue
        if looks_like_code(body):
            continue
        following = line
        while following < len(lines) and (
            following + 1 in comment_lines or not lines[following].strip()
        ):
            following += 1
            if following + 1 in comment_lines:
                break
        if following >= len(lines) or following + 1 in comment_lines:
            continue
        code = lines[following]
        if code.strip() and restates(body, code):
            ctx.add(
                "hygiene/restating-comment",
                (unit.rel, chunk.cell, line),
                f"The comment {text.strip()!r} repeats what the next line says: {code.strip()[:80]!r}.",
            )


def _report_run(ctx: ReviewContext, unit: Unit, chunk: Chunk, run: list[int]) -> None:
    if len(run) >= 3:
        ctx.add(
            "hygiene/commented-out-code",
            (unit.rel, chunk.cell, run[0]),
            f"{len(run)} consecutive lines of commented-out code.",
        )
