"""Dependencies point one way: the core imports no chat SDK, no SQL, no scheduler."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[2]
FORBIDDEN_IN_CORE = {
    "slack_bolt",
    "slack_sdk",
    "discord",
    "sqlalchemy",
    "apscheduler",
    "alembic",
    "adapters",
    "storage",
}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_core_knows_nothing_of_platforms_sql_or_timers():
    # bot/runtime is the composition root: it is where everything is wired together.
    core_files = [p for p in (ROOT / "bot").rglob("*.py") if "runtime" not in p.parts]
    assert core_files
    offenders = {
        str(p.relative_to(ROOT)): imported_modules(p) & FORBIDDEN_IN_CORE for p in core_files
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def imported_paths(path: Path) -> set[str]:
    """Every module a file imports, dotted and whole (``bot.runtime.settings``)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def product_files(*folders: str) -> list[Path]:
    return [
        path
        for folder in folders
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
    ]


def test_storage_does_not_depend_on_adapters():
    for path in (ROOT / "storage").rglob("*.py"):
        assert "adapters" not in imported_modules(path), path


def test_adapters_depend_on_the_core_alone_never_on_storage_or_the_composition_root():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in imported_paths(path)
            if name.split(".")[0] == "storage" or name.startswith("bot.runtime")
        )
        for path in product_files("adapters")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_storage_speaks_sql():
    offenders = [
        str(path.relative_to(ROOT))
        for path in product_files("bot", "adapters")
        if "sqlalchemy" in imported_modules(path)
    ]
    assert offenders == []


def test_no_module_is_over_four_hundred_lines():
    long = {
        str(path.relative_to(ROOT)): lines
        for path in product_files("bot", "adapters", "storage", "benchmarks")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}


def test_each_repository_implements_the_port_of_its_aggregate():
    import inspect
    import types
    import typing

    from bot.ports.store import Transaction as Port
    from storage.store import MadeWhenUsed, Transaction

    def public(cls) -> dict[str, inspect.Signature]:
        return {
            name: inspect.signature(getattr(cls, name))
            for name in dir(cls)
            if not name.startswith("_") and callable(getattr(cls, name))
        }

    ports = typing.get_type_hints(Port)
    sqlite = types.SimpleNamespace(dialect=types.SimpleNamespace(name="sqlite"))
    made = Transaction(conn=sqlite)  # type: ignore[arg-type]  # only its repositories' classes
    repositories = {
        name for name, attribute in vars(Transaction).items() if isinstance(attribute, MadeWhenUsed)
    }
    assert set(ports) == repositories
    for name, port in ports.items():
        assert public(port) == public(type(getattr(made, name))), name
