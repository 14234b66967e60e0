"""Every package the running app imports is installed by requirements.txt alone.

`./fleet run` and production install only requirements.txt, while the tests run in a venv
with requirements-dev.txt, so an import of a dev-only package (pypdf once) passes every
test and fails for users. This test reads the runtime code statically (ast: imports at
module level and inside functions), maps each imported top-level module to the
distribution that provides it in this venv, and checks requirements.txt names it.
`.ci/smoke` checks the same from the other side: a venv from requirements.txt alone.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import re
import sys
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_PACKAGES = ("app", "reports")
RUNTIME_SCRIPTS = ("worker.py", "wsgi.py")
OWN_MODULES = {"app", "reports", "worker", "wsgi"}

# Imported directly, installed as a hard dependency of a listed distribution whose public
# API they are (Flask's request/CLI/templates are Werkzeug, Click and Jinja2; Flask-WTF's
# forms are WTForms). Each entry is checked below against the listed distribution's
# metadata; anything else imported must be listed in requirements.txt.
COMES_WITH = {
    "click": "flask",
    "jinja2": "flask",
    "markupsafe": "flask",
    "werkzeug": "flask",
    "wtforms": "flask-wtf",
}

# Test hooks in runtime code: (file, module) imported only inside a function, on a path
# only the tests take.
TEST_HOOKS: set[tuple[str, str]] = set()  # none: the fake Redis lives in tests/conftest.py


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(path: Path) -> set[str]:
    """Distribution names in a requirements file ("psycopg[binary]==3.2" -> "psycopg")."""
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        names.add(normalise(Requirement(line).name))
    return names


def runtime_files() -> list[Path]:
    files = [p for package in RUNTIME_PACKAGES for p in sorted((ROOT / package).rglob("*.py"))]
    return files + [ROOT / script for script in RUNTIME_SCRIPTS]


def imports(path: Path) -> list[tuple[str, int, bool]]:
    """(top-level module, line, at module level) of every absolute import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    module_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            found.append((name.split(".")[0], node.lineno, id(node) in module_level))
    return found


def third_party_imports() -> list[tuple[str, str, int, bool]]:
    """(file relative to the root, top-level module, line, at module level)."""
    found = []
    for path in runtime_files():
        for module, line, top in imports(path):
            if module in sys.stdlib_module_names or module in OWN_MODULES:
                continue
            found.append((path.relative_to(ROOT).as_posix(), module, line, top))
    return found


@functools.cache
def module_distributions() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


def distributions_of(module: str) -> set[str]:
    return {normalise(d) for d in module_distributions().get(module, [])}


def is_test_hook(file: str, module: str, at_module_level: bool) -> bool:
    return (file, module) in TEST_HOOKS and not at_module_level


def test_the_walk_sees_the_runtime_code():
    files = {p.relative_to(ROOT).as_posix() for p in runtime_files()}
    assert {"app/__init__.py", "reports/builder.py", "worker.py", "wsgi.py"} <= files
    modules = {module for _file, module, _line, _top in third_party_imports()}
    # Module level and inside functions (weasyprint is imported lazily in reports/builder.py).
    assert {"flask", "rq", "pyomo", "highspy", "weasyprint", "openpyxl"} <= modules


def test_every_runtime_import_is_in_requirements_txt():
    listed = requirement_names(ROOT / "requirements.txt")
    missing = []
    for file, module, line, top in third_party_imports():
        if is_test_hook(file, module, top):
            continue
        distributions = distributions_of(module)
        if not distributions:
            missing.append(f"{file}:{line} imports {module}: no installed distribution has it")
        elif not distributions & (listed | set(COMES_WITH)):
            names = ", ".join(sorted(distributions))
            missing.append(f"{file}:{line} imports {module} ({names}): not in requirements.txt")
    assert not missing, "\n".join(missing)


def test_dev_only_packages_are_not_imported_by_runtime_code():
    dev_only = requirement_names(ROOT / "requirements-dev.txt") - requirement_names(
        ROOT / "requirements.txt"
    )
    expected = {"pytest", "hypothesis", "fakeredis", "playwright", "pypdf", "pdfplumber", "psutil"}
    assert expected <= dev_only
    offenders = []
    for file, module, line, top in third_party_imports():
        if not distributions_of(module) & dev_only:
            continue
        if is_test_hook(file, module, top):
            continue
        offenders.append(f"{file}:{line} imports {module} (requirements-dev.txt only)")
    assert not offenders, "\n".join(offenders)


def test_packages_that_come_with_a_listed_one_really_do():
    listed = requirement_names(ROOT / "requirements.txt")
    for distribution, parent in COMES_WITH.items():
        assert parent in listed, f"{parent} (which brings {distribution}) is not listed"
        required = [Requirement(text) for text in importlib.metadata.requires(parent) or []]
        names = {  # hard dependencies: no extra, and on this Python and platform
            normalise(r.name)
            for r in required
            if r.marker is None or r.marker.evaluate({"extra": ""})
        }
        assert distribution in names, f"{parent} does not require {distribution}"


def test_test_hooks_are_still_there():
    """A hook that is gone must leave TEST_HOOKS too, so the exception cannot outlive it."""
    found = {(file, module) for file, module, _line, _top in third_party_imports()}
    assert found >= TEST_HOOKS
