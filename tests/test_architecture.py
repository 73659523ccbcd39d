"""The engine imports no Qt: the command line and scripts use it bare. The command line
starts without the engine and has no import cycle. The use cases, which the console, the
command line and the self-test share, import no Qt; the views reach the cache only through
them and the engine's modules."""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

import csconsole

#: Not engine: the Qt layer, the window's entry point, and Alembic's scripts (run by Alembic).
NOT_ENGINE = ("csconsole.views", "csconsole.__main__", "csconsole.migrations")


def _modules(path: Sequence[str], prefix: str) -> list[str]:
    """Every module below ``path``, packages' modules included, without importing any."""
    found = []
    for module in pkgutil.iter_modules(path, prefix):
        if module.name in NOT_ENGINE:
            continue
        found.append(module.name)
        if module.ispkg:
            folder = f"{path[0]}/{module.name.rsplit('.', 1)[-1]}"
            found += _modules([folder], module.name + ".")
    return found


ENGINE = sorted(_modules(csconsole.__path__, "csconsole."))


def test_engine_modules_import_no_qt() -> None:
    code = (
        f"import sys\nfor name in {ENGINE!r}:\n    __import__(name)\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph')))\n"
        "print(bad)\nsys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(ENGINE) > 10


#: Modules the console's start must not pay for: each is imported where it is used.
HEAVY = ("pandas", "numpy", "pyqtgraph", "alembic", "reportlab", "openpyxl", "jinja2", "keyring")


def test_start_up_to_the_portfolio_loads_no_heavy_module(
    synced_demo_file: Path, tmp_path: Path
) -> None:
    """The main window's module and the portfolio it shows first import none of HEAVY, so
    the console opens fast (bench/bench_gui.py measures it); charts, ROI, reports, imports
    and emails load theirs when first used."""
    import shutil

    path = tmp_path / "cache.sqlite"
    shutil.copy(synced_demo_file, path)
    code = (
        "import sys\nfrom pathlib import Path\n"
        "import csconsole.views.main_window\n"
        "from csconsole.cache import Cache\nfrom csconsole.catalog import default_catalog\n"
        "from csconsole.portfolio import build_portfolio\n"
        f"cache = Cache.open(Path({str(path)!r}))\n"
        "rows = build_portfolio(cache, default_catalog()).rows\n"
        "assert len(rows) > 10 and any(r.rating is not None for r in rows)\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


#: What the command line's start must not pay for: ``--version`` and every ``--help``
#: print without opening the cache, so they load no database layer, no Qt, no engine.
CLI_HEAVY = ("sqlalchemy", "PySide6", *HEAVY)

#: Runs ``python -m csconsole ARGS`` in this process, then prints the heavy packages loaded.
RUN_AS_MAIN = (
    "import json, runpy, sys\n"
    "sys.argv = ['csconsole', *json.loads(sys.argv[1])]\n"
    "try:\n"
    "    runpy.run_module('csconsole', run_name='__main__', alter_sys=True)\n"
    "except SystemExit:\n"
    "    pass\n"
    f"heavy = sorted({{m.partition('.')[0] for m in sys.modules}} & set({CLI_HEAVY!r}))\n"
    "print(json.dumps(heavy), file=sys.stderr)\n"
)


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["status", "--help"]])
def test_version_and_help_load_no_heavy_module(argv: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", RUN_AS_MAIN, json.dumps(argv)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("csconsole 0." if argv == ["--version"] else "usage: ")
    assert json.loads(result.stderr.splitlines()[-1]) == []


def test_every_commands_help_loads_no_heavy_module() -> None:
    """Each command and action's ``--help``, in one process: none of them loads CLI_HEAVY."""
    code = (
        "import argparse, contextlib, io, sys\n"
        "from csconsole.cli import build_parser\n"
        "def paths(parser, path):\n"
        "    yield path\n"
        "    for action in parser._actions:\n"
        "        if isinstance(action, argparse._SubParsersAction):\n"
        "            for name, sub in action.choices.items():\n"
        "                yield from paths(sub, [*path, name])\n"
        "seen = list(paths(build_parser(), []))\n"
        "for path in seen:\n"
        "    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "        build_parser().parse_args([*path, '--help'])\n"
        f"heavy = sorted({{m.partition('.')[0] for m in sys.modules}} & set({CLI_HEAVY!r}))\n"
        "print(len(seen), heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    count, heavy = result.stdout.split(" ", 1)
    assert int(count) > 25  # every command and action was asked for its help
    assert heavy.strip() == "[]"


def _imports(path: Path) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Each import statement of a module, anywhere in it: (module, names imported from it)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ()
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: relative import"
            yield node.module or "", tuple(alias.name for alias in node.names)


def test_no_command_module_imports_the_cli_package_or_another_command() -> None:
    """The command line has no import cycle: ``csconsole.cli`` (its ``__init__``) builds the
    parser from the command modules; they import ``csconsole.cli.common`` and the engine,
    never the package's ``__init__`` nor one another (``common`` imports none of them)."""
    import csconsole.cli

    folder = Path(csconsole.cli.__file__).parent
    modules = sorted(p for p in folder.glob("*.py") if p.name != "__init__.py")
    assert {p.stem for p in modules} >= {"common", "health", "opportunities", "cache"}
    bad = []
    for path in modules:
        allowed = set() if path.stem == "common" else {"csconsole.cli.common"}
        for module, names in _imports(path):
            targets = {f"{module}.{n}" for n in names} if module == "csconsole.cli" else {module}
            bad += [
                f"{path.name} imports {target}"
                for target in targets
                if (target == "csconsole.cli" or target.startswith("csconsole.cli."))
                and target not in allowed
            ]
    assert bad == []


def test_only_the_factory_builds_a_health_engine() -> None:
    """Every screen and command gets its engine from ``open_engine`` (the user's bands, the
    application's catalog), never by building one with its own choices."""
    root = Path(csconsole.__file__).parent
    factory = root / "health" / "engine.py"
    bad = []
    for path in sorted(root.rglob("*.py")):
        if path == factory:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name == "HealthEngine":
                    bad.append(f"{path.relative_to(root)}:{node.lineno}")
    assert bad == []


def _source_files(package: str) -> list[Path]:
    folder = Path(csconsole.__file__).parent / package
    return sorted(folder.rglob("*.py"))


def test_use_cases_import_no_qt_and_no_view() -> None:
    """The use cases (csconsole.usecases) are what the console, the command line and the
    self-test share: they import neither Qt nor pyqtgraph nor anything of the views, so the
    command line runs them without a display."""
    files = _source_files("usecases")
    assert {p.stem for p in files} >= {"demo", "sync", "imports", "health", "alerts", "reviews"}
    bad = [
        f"{path.name} imports {module}"
        for path in files
        for module, _names in _imports(path)
        if module.partition(".")[0] in ("PySide6", "pyqtgraph")
        or module == "csconsole.views"
        or module.startswith("csconsole.views.")
    ]
    assert bad == []
    code = (
        "import sys\n"
        + "".join(f"import csconsole.usecases.{p.stem}\n" for p in files if p.stem != "__init__")
        + "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def _database_uses(path: Path) -> Iterator[str]:
    """What in a module reaches the database directly: an SQLAlchemy import, a call of
    ``.session()``, a use of ``.engine``."""
    for module, _names in _imports(path):
        if module.partition(".")[0] == "sqlalchemy":
            yield f"imports {module}"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in ("engine", "session"):
            yield f"line {node.lineno}: .{node.attr}"


def test_views_reach_the_cache_only_through_use_cases_and_engine_modules() -> None:
    """No widget holds SQL or a session: the views call the use cases and the engine's
    functions, which own the transactions (short, and off the GUI thread)."""
    folder = Path(csconsole.__file__).parent
    files = _source_files("views")
    assert len(files) > 20
    assert list(_database_uses(folder / "alerts.py"))  # the check sees an engine module's
    bad = [f"{path.relative_to(folder)}: {use}" for path in files for use in _database_uses(path)]
    assert bad == []


def _module_files() -> dict[str, Path]:
    """Every csconsole module outside the migrations (run by Alembic), by dotted name."""
    root = Path(csconsole.__file__).parent
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if not name.startswith("csconsole.migrations"):
            found[name] = path
    return found


def _import_graph() -> dict[str, set[str]]:
    """Which csconsole modules each one imports, anywhere in it (inside functions too).

    ``from csconsole.x import y`` is an edge to ``csconsole.x.y`` when that is a module and
    to ``csconsole.x`` always; the package a module sits in is not counted as imported."""
    files = _module_files()
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        targets: set[str] = set()
        for module, names in _imports(path):
            targets.add(module)
            targets.update(f"{module}.{n}" for n in names)
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            part = []
            while True:
                top = stack.pop()
                part.append(top)
                if top == node:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_sees_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycle_among_csconsole_modules() -> None:
    """No two modules need each other, not even through an import inside a function: each
    layer can be read, tested and moved without the one above it."""
    graph = _import_graph()
    assert {"csconsole.cache", "csconsole.ingest.sync"} <= set(graph)
    assert "csconsole.ingest.sync" in graph["csconsole.usecases.sync"]
    assert _cycles(graph) == []


#: A module past this is usually two (STYLE.md, "Packages by subsystem, modules by part").
MAX_MODULE_LINES = 600


def test_no_module_is_longer_than_600_lines() -> None:
    long = {
        name: lines
        for name, path in _module_files().items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}
