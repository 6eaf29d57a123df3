"""Compiling a program under the sandbox's language policy (RestrictedPython, adjusted).

RestrictedPython's transformer refuses names starting with "_", `exec`/`eval`, async code,
`match`, `except*`, and routes item, iteration, unpacking, call and class operations through
guards (`guards.py`); attribute names are checked here (no attribute starting with "_" and
no frame, code or class-hierarchy attribute, in any context), so a load `a.b` stays native.
Its stock policy also refuses or changes everyday Python, which this subclass puts back as
CPython has it:

- augmented assignment to items and attributes (`totals[k] += x`, `self.n += 1`) compiles
  to CPython's own in-place operation on the write-guarded container (`_write_(totals)[k] += x`),
  evaluating each part once; on plain names (`n += 1`) it is left as it is;
- `print` is an ordinary name bound to the sandbox's capped print, and `printed` an ordinary
  variable (RestrictedPython rewrites both);
- annotated assignments (`total: float = 0.0`) and `nonlocal` are allowed, and classes may
  define the common data-model methods.

It adds: imports only of the allowed modules and names, checked here so the refusal is
immediate, and `.format` / `.format_map` routed through the checking getattr.
"""

from __future__ import annotations

import ast
import types
from typing import Any, Final

from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations

from sandbox.guards import FORMAT_METHODS, attribute_allowed
from sandbox.modules import FUTURE, FUTURE_NAMES, PUBLIC_NAMES, import_refusal
from sandbox.program_errors import private_name_refusal

PROGRAM_FILENAME: Final = "<program>"
CHECKED_GETATTR: Final = "_getattr_checked_"
WRITE_GUARD: Final = "_write_"
INIT_HINT: Final = "; set the attributes in the subclass's own __init__ instead of calling super()"

# Data-model methods a small class may define; each body is restricted code like any other.
MAGIC_METHODS: Final = frozenset(
    {
        *("__init__", "__repr__", "__str__", "__eq__", "__ne__", "__lt__", "__le__"),
        *("__gt__", "__ge__", "__hash__", "__len__", "__bool__", "__contains__"),
        *("__iter__", "__next__", "__getitem__", "__setitem__", "__delitem__"),
        *("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__"),
        *("__truediv__", "__floordiv__", "__mod__", "__neg__", "__abs__"),
        *("__enter__", "__exit__", "__call__"),
    }
)


class CompileFailure(Exception):
    """The program was not compiled: `kind` is "syntax" or "policy", `message` says why."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class ProgramTransformer(RestrictingNodeTransformer):
    """RestrictedPython's transformer with everyday Python restored (see the module doc)."""

    def error(self, node: ast.AST, info: str) -> None:
        self.errors.append(f"line {getattr(node, 'lineno', '?')}: {info}")

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        """RestrictedPython's, with the class statement's own place: it builds the statement
        anew from a template (to add metaclass=__metaclass__), whose nodes say line 1, so an
        error raised while making the class (a bad base) named the program's first line."""
        made = super().visit_ClassDef(node)
        if isinstance(made, ast.ClassDef) and made is not node:
            ast.copy_location(made, node)
            for keyword in made.keywords:
                for part in ast.walk(keyword):
                    ast.copy_location(part, node)
        return made

    def visit_comprehension(self, node: ast.comprehension) -> Any:
        """`async for` in a comprehension, refused like every other async statement (inside
        a generator expression it compiles, and makes it an async generator)."""
        if node.is_async:  # the comprehension node has no line of its own; its target has
            self.error(node.target, '"async for" is not allowed: programs are not async')
        return super().visit_comprehension(node)

    def check_name(self, node: Any, name: str | None, allow_magic_methods: bool = False) -> None:
        if name is None or not name.startswith("_") or name == "_":
            return
        if allow_magic_methods and name in MAGIC_METHODS and node.col_offset != 0:
            return
        self.error(node, private_name_refusal(name))

    def visit_Name(self, node: ast.Name) -> ast.AST:
        self.check_name(node, node.id)
        return node

    def visit_keyword(self, node: ast.keyword) -> ast.AST:
        """`f(_w=...)` would reach a library function's private parameters."""
        self.check_name(node, node.arg)
        return self.node_contents_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        """`total: float = 0.0`; target, annotation and value are checked like any other."""
        return self.node_contents_visit(node)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> ast.AST:
        for name in node.names:
            self.check_name(node, name)
        return node

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        """`a.b = c` to `_write_(a).b = c`, `a.format` to `_getattr_checked_(a, "format")`.

        The name of `a.b` is written in the program, so it is checked here, once, and the load
        stays CPython's own (as fast as Python goes); names that come from data at run time go
        through the checking getattr/hasattr/setattr/delattr and `_getattr_`.
        """
        self._check_attribute(node, node.attr)
        node = self.node_contents_visit(node)
        if not isinstance(node.ctx, ast.Load):
            node.value = self._call(WRITE_GUARD, node.value, node.value)
            return node
        if node.attr in FORMAT_METHODS:
            return self._call(CHECKED_GETATTR, node, node.value, ast.Constant(node.attr))
        return node

    def _check_attribute(self, node: ast.AST, attr: str) -> None:
        if attr.startswith("_"):
            hint = INIT_HINT if attr == "__init__" else ""
            self.error(
                node, f'".{attr}" is not allowed: attributes starting with "_" are off limits{hint}'
            )
        elif not attribute_allowed(attr):
            self.error(
                node,
                f'".{attr}" is not allowed: frame, code and class-hierarchy attributes '
                "are off limits",
            )

    @staticmethod
    def _call(name: str, location: ast.expr, *args: ast.expr) -> ast.Call:
        call = ast.Call(func=ast.Name(name, ast.Load()), args=list(args), keywords=[])
        copy_locations(call, location)
        return call

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        target = node.target
        if isinstance(target, ast.Name):
            self.check_name(target, target.id)
        elif isinstance(target, ast.Attribute | ast.Subscript):
            self._guard_augmented_target(target)
        node.value = self.visit(node.value)
        return node

    def _guard_augmented_target(self, target: ast.Attribute | ast.Subscript) -> None:
        if isinstance(target, ast.Attribute):
            self._check_attribute(target, target.attr)
        else:
            target.slice = self.visit(target.slice)
        target.value = self._call(WRITE_GUARD, target.value, self.visit(target.value))

    def visit_Import(self, node: ast.Import) -> Any:
        for alias in node.names:
            if alias.name not in PUBLIC_NAMES:
                self.error(node, import_refusal(alias.name))
        return super().visit_Import(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        module = node.module or ""
        allowed = FUTURE_NAMES if module == FUTURE else PUBLIC_NAMES.get(module)
        if node.level or allowed is None:
            self.error(node, import_refusal("." * node.level + module))
            return node
        for alias in node.names:
            if alias.name != "*" and alias.name not in allowed:
                self.error(node, f"{module}.{alias.name} is not available in the sandbox")
        return super().visit_ImportFrom(node)


def compile_program(source: str, *, max_chars: int) -> types.CodeType:
    """Parse, check and compile a program; CompileFailure says why it was refused."""
    if len(source) > max_chars:
        raise CompileFailure(
            "policy", f"the program is {len(source)} characters; the limit is {max_chars}"
        )
    try:
        tree = ast.parse(source, PROGRAM_FILENAME, "exec")
        errors = _restrict(tree)
        if errors:
            raise CompileFailure("policy", "\n".join(errors[:5]))
        return compile(tree, PROGRAM_FILENAME, "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise CompileFailure("syntax", _describe_syntax_error(exc)) from None
    except (RecursionError, MemoryError):
        raise CompileFailure(
            "syntax", "the program is nested too deeply to compile; flatten it"
        ) from None
    except ValueError as exc:
        raise CompileFailure("syntax", f"SyntaxError: {exc}") from None


def _restrict(tree: ast.Module) -> list[str]:
    errors: list[str] = []
    ProgramTransformer(errors=errors).visit(tree)
    return errors


def _describe_syntax_error(exc: SyntaxError) -> str:
    text = f"{type(exc).__name__}: {exc.msg}"
    if exc.lineno is not None:  # None for the source as a whole (a null byte in it, say)
        text = f"line {exc.lineno}: {text}"
    if exc.text and exc.text.strip():
        text += f"\n    {exc.text.strip()}"
    return text
