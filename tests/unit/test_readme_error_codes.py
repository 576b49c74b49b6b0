"""The README's error-code table lists exactly the codes the service can answer with, each with its status.

The codes are read from the source of ``chalicelib/`` with ``ast`` (nothing is imported):

* ``code="..."`` keyword arguments (``InvalidInput("...", code="sessions_overlap")``);
* ``code = "..."`` class attributes of ``DomainError`` subclasses (``WorkshopNotFound``, ``InvalidLink``, and the
  kinds themselves: ``Conflict`` says ``conflict`` when raised without a code of its own);
* ``HttpError(status, "code", ...)`` and ``GatewayResponse(status, "code", ...)`` calls;
* codes passed through a variable from a mapping this test knows (``INDIRECT``: the token messages);
* the middleware's ``_CHALICE_CODES`` values (Chalice's own 400/404/405/415 errors), and ``internal_error``.

Each code's status comes from the code too: the class raised, mapped by ``_STATUS_BY_CLASS`` in
``chalicelib/core/http/errors.py`` (through its bases, so ``WorkshopNotFound`` is a 404), or the status given to
``HttpError``/``GatewayResponse``, or Chalice's for its own errors.

How to update: when this test fails, edit the table under "## Errors" in README.md (one row per code:
``| `code` | status | meaning |``). Add a row for a code the service now raises; delete the row of a code nothing
raises any more; fix the status when it differs. If a new error class passes its code through a variable, name the
mapping in ``INDIRECT`` (or pass a literal), because this test cannot see which codes a variable holds.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
CHALICELIB = ROOT / "chalicelib"
ERRORS_MODULE = CHALICELIB / "core" / "http" / "errors.py"
MIDDLEWARE_MODULE = CHALICELIB / "core" / "http" / "middleware.py"

# Codes that reach ``code=`` through a variable: module -> (the mapping whose values are (code, message) tuples,
# the error class they are raised with).
INDIRECT = {"core/http/endpoint.py": ("_TOKEN_MESSAGES", "NotAuthenticated")}
# The status Chalice gives each of its own errors (``chalice.app``: the ``*Error`` classes' STATUS_CODE, and the
# ``error_response`` calls of its REST handler for ``UnsupportedMediaType`` and ``BadRequest``).
CHALICE_STATUS = {"MethodNotAllowedError": 405, "UnsupportedMediaType": 415, "BadRequest": 400,
                  "BadRequestError": 400, "NotFoundError": 404}
ROW = re.compile(r"^\|\s*`(?P<code>[a-z0-9_]+)`\s*\|\s*(?P<status>\d{3})\s*\|(?P<meaning>.*)\|\s*$")


@dataclass(frozen=True)
class Found:
    """A code the service can answer with, the status it comes with, and where it was seen."""

    code: str
    status: int | None
    where: str


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(CHALICELIB.rglob("*.py")):
        yield path.relative_to(CHALICELIB).as_posix(), ast.parse(path.read_text(encoding="utf-8"), str(path))


def _name(node: ast.expr) -> str | None:
    """``Conflict`` for ``Conflict`` and ``errors.Conflict``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _text(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _number(node: ast.expr | None) -> int | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, int) else None


def _status_by_class() -> dict[str, int]:
    """``_STATUS_BY_CLASS`` of the errors module: the kinds of ``DomainError`` and their statuses."""
    for node in ast.walk(ast.parse(ERRORS_MODULE.read_text(encoding="utf-8"))):
        if isinstance(node, ast.AnnAssign | ast.Assign) and isinstance(node.value, ast.Dict):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(_name(t) == "_STATUS_BY_CLASS" for t in targets):
                found: dict[str, int] = {}
                for key, value in zip(node.value.keys, node.value.values, strict=True):
                    name, status = _name(key) if key is not None else None, _number(value)
                    assert name and status, "_STATUS_BY_CLASS maps class names to literal statuses"
                    found[name] = status
                return found
    raise AssertionError("_STATUS_BY_CLASS not found in chalicelib/core/http/errors.py")


def _error_classes(modules: list[tuple[str, ast.Module]]) -> dict[str, list[str]]:
    """Every class of chalicelib by name, with the names of its bases."""
    bases: dict[str, list[str]] = {}
    for _, tree in modules:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = [n for n in (_name(b) for b in node.bases) if n]
    return bases


def _ancestry(name: str, bases: dict[str, list[str]]) -> list[str]:
    """``name`` and its bases, nearest first (by name, inside chalicelib)."""
    seen: list[str] = []
    todo = [name]
    while todo:
        current = todo.pop(0)
        if current not in seen:
            seen.append(current)
            todo.extend(bases.get(current, []))
    return seen


def collect() -> list[Found]:
    """Every code chalicelib can put in an error body (see the module docstring)."""
    modules = list(_modules())
    statuses = _status_by_class()
    bases = _error_classes(modules)

    def is_error(cls: str | None) -> bool:
        return cls is not None and "DomainError" in _ancestry(cls, bases)

    def status_of(cls: str | None) -> int | None:
        for ancestor in _ancestry(cls, bases) if cls else []:
            if ancestor in statuses:
                return statuses[ancestor]
        return None

    found: list[Found] = []
    unresolved: list[str] = []
    for module, tree in modules:
        enclosing: dict[int, str] = {}  # node -> the class it is written in (for ``super().__init__`` calls)
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            for inner in ast.walk(cls):
                enclosing[id(inner)] = cls.name  # inner classes are walked later and win
            if cls.name != "DomainError" and is_error(cls.name):  # class attributes ``code = "..."``
                for stmt in cls.body:
                    if isinstance(stmt, ast.Assign) and any(_name(t) == "code" for t in stmt.targets):
                        code = _text(stmt.value)
                        if code:
                            found.append(Found(code, status_of(cls.name), f"{module}: class {cls.name}"))
        mapping, raised_as = INDIRECT.get(module, (None, None))
        for node in ast.walk(tree):
            if mapping and isinstance(node, ast.Assign) and any(_name(t) == mapping for t in node.targets):
                assert isinstance(node.value, ast.Dict), f"{module}: {mapping} is no longer a dict literal"
                for value in node.value.values:
                    assert isinstance(value, ast.Tuple), f"{module}: {mapping} values are (code, message) tuples"
                    found.append(Found(_text(value.elts[0]) or "?", status_of(raised_as), f"{module}: {mapping}"))
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            is_super = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call) \
                and _name(func.value.func) == "super"
            callee = enclosing.get(id(node)) if is_super else _name(func)
            if mapping and callee == "get" and isinstance(func, ast.Attribute) and _name(func.value) == mapping \
                    and len(node.args) > 1 and isinstance(node.args[1], ast.Tuple):  # mapping.get(key, (code, msg))
                found.append(Found(_text(node.args[1].elts[0]) or "?", status_of(raised_as),
                                   f"{module}: {mapping}.get default"))
            if callee in ("HttpError", "GatewayResponse") and not is_super:
                args = dict(zip(("status", "code"), node.args, strict=False))
                args.update({k.arg: k.value for k in node.keywords if k.arg})
                code, status = _text(args.get("code")), _number(args.get("status"))
                if code is None or status is None:
                    unresolved.append(f"{module}:{node.lineno} {callee}(...) without a literal status and code")
                else:
                    found.append(Found(code, status, f"{module}:{node.lineno} {callee}"))
                continue
            for keyword in node.keywords:
                if keyword.arg != "code" or not is_error(callee):
                    continue  # not an error: an organisation's code, an SES error code...
                code = _text(keyword.value)
                if code is not None:
                    found.append(Found(code, status_of(callee), f"{module}:{node.lineno} {callee}"))
                elif not is_super and callee != raised_as:  # super() forwards its own parameter
                    unresolved.append(f"{module}:{node.lineno} {callee}(code=<expression>)")
    assert not unresolved, ("these raise a code this test cannot read; pass a literal or extend INDIRECT:\n"
                            + "\n".join(unresolved))
    found += _chalice_codes()
    assert '"internal_error"' in ERRORS_MODULE.read_text(encoding="utf-8"), "internal_error_response changed"
    found.append(Found("internal_error", 500, "core/http/errors.py: internal_error_response (middleware, endpoint)"))
    return found


def _chalice_codes() -> list[Found]:
    """The middleware's codes for the errors Chalice answers by itself."""
    tree = ast.parse(MIDDLEWARE_MODULE.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(_name(t) == "_CHALICE_CODES" for t in node.targets):
            assert isinstance(node.value, ast.Dict)
            out = []
            for key, value in zip(node.value.keys, node.value.values, strict=True):
                chalice_name, code = _text(key), _text(value)
                assert chalice_name in CHALICE_STATUS, f"add Chalice's status for {chalice_name} to CHALICE_STATUS"
                assert code is not None
                out.append(Found(code, CHALICE_STATUS[chalice_name], f"core/http/middleware.py: {chalice_name}"))
            return out
    raise AssertionError("_CHALICE_CODES not found in chalicelib/core/http/middleware.py")


def readme_table() -> dict[str, list[int]]:
    """The rows of the error-code table under "## Errors": code -> the statuses given (once, if all is well)."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Errors", 1)
    assert len(section) == 2, "README.md has no '## Errors' section"
    body = section[1].split("\n## ", 1)[0]
    rows: dict[str, list[int]] = defaultdict(list)
    for line in body.splitlines():
        match = ROW.match(line.strip())
        if match:
            assert match["meaning"].strip(), f"the row of {match['code']} says nothing about what it means"
            rows[match["code"]].append(int(match["status"]))
    assert rows, "no '| `code` | status | meaning |' rows under '## Errors' in README.md"
    return dict(rows)


def test_every_code_the_service_raises_is_in_the_readme_table() -> None:
    listed = readme_table()
    missing = sorted({f"{f.code} ({f.where})" for f in collect() if f.code not in listed})
    assert not missing, "codes raised in chalicelib but missing from the README's error table:\n" + "\n".join(missing)


def test_the_readme_table_lists_no_code_that_nothing_raises() -> None:
    raised = {f.code for f in collect()}
    stale = sorted(set(readme_table()) - raised)
    assert not stale, "codes in the README's error table that nothing in chalicelib raises:\n" + "\n".join(stale)


def test_each_code_is_listed_once_with_the_status_it_is_raised_with() -> None:
    listed = readme_table()
    twice = sorted(code for code, statuses in listed.items() if len(statuses) > 1)
    assert not twice, f"listed more than once: {twice}"
    wrong = sorted({f"{f.code}: README says {listed[f.code][0]}, {f.where} gives {f.status}"
                    for f in collect() if f.code in listed and f.status is not None and f.status != listed[f.code][0]})
    assert not wrong, "statuses that differ from the code:\n" + "\n".join(wrong)


def test_every_code_has_a_status() -> None:
    unknown = sorted({f"{f.code} ({f.where})" for f in collect() if f.status is None})
    assert not unknown, "codes whose status this test could not work out:\n" + "\n".join(unknown)
