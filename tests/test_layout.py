"""The layout of CONTRIBUTING.md, checked: every package shipped, what may import what, and that
nothing outside a site's folder names the site."""

import ast
import re
import tomllib
from pathlib import Path

import pytest

from crawler.crawl.settings import NEWSARCHIVE_SITE
from crawler.sites import registry
from tests.conftest import ROOT

CRAWLER = ROOT / "crawler"
SHIPPED = sorted(p for p in [*CRAWLER.rglob("*.py"), *(ROOT / "pipelines").rglob("*.py")])

# package -> the modules it must not import (CONTRIBUTING.md, "What may import what").
# "crawler." alone: no other package of the project.
NO_IO = ["sqlite3", "sqlite_utils", "crawler.archive", "crawler.warc", "crawler.ops", "crawler.publish",
         "crawler.crawl"]
FORBIDDEN = {
    "crawler.core": ["crawler.", "scrapy", "sqlite3", "sqlite_utils", "datasette"],
    "crawler.sites": ["scrapy", "crawler.processing", "crawler.grouping", *NO_IO],
    "crawler.frontier": ["scrapy", "crawler.processing", "crawler.grouping", *NO_IO],
    "crawler.grouping": ["scrapy", "crawler.sites", "crawler.processing", "crawler.frontier", *NO_IO],
    "crawler.processing": ["scrapy", *NO_IO],
    "crawler.archive": ["scrapy", "crawler.crawl", "crawler.sites", "crawler.processing", "crawler.publish",
                        "crawler.warc", "crawler.ops", "crawler.frontier", "crawler.grouping"],
    "crawler.warc": ["scrapy", "sqlite3", "sqlite_utils", "crawler.archive", "crawler.crawl", "crawler.sites",
                     "crawler.grouping", "crawler.processing", "crawler.publish", "crawler.ops"],
    "crawler.publish": ["scrapy", "crawler.crawl", "crawler.processing", "crawler.ops", "crawler.warc",
                        "crawler.grouping", "crawler.frontier"],
    "crawler.ops": ["scrapy", "crawler.crawl", "crawler.publish", "crawler.grouping"],
    "crawler.crawl": ["crawler.publish", "crawler.ops"],
    "pipelines": ["crawler.archive", "crawler.sites", "crawler.frontier", "crawler.grouping", "crawler.warc",
                  "crawler.publish", "crawler.ops", "sqlite3", "sqlite_utils"],
    # The spider never opens the archive: items go to the pipelines, marks to the extension.
    "crawler.crawl.spiders": ["crawler.archive"],
}
# Exceptions, with their reason: Scrapy's sitemap parser is a pure function (lxml underneath).
# The reader page finds an article by any form of its URL through the crawl's own canonicaliser
# (a pure function): one canonical form, not a second one in the plugin.
ALLOWED = {"crawler.frontier.sitemaps": ["scrapy.utils.sitemap"], "crawler.publish.lookup": ["crawler.frontier.urls"]}


def violates(imported: str, rule: str, package: str) -> bool:
    if imported == package or imported.startswith(package + "."):
        return False  # within its own package
    if rule.endswith("."):
        return imported.startswith(rule)
    return imported == rule or imported.startswith(rule + ".")


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_every_package_is_shipped():
    """pyproject.toml lists the packages (it maps crawler.seeds to seeds/): a new folder must be added."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {module_name(p) for p in [*CRAWLER.rglob("__init__.py"), ROOT / "pipelines" / "__init__.py"]}
    assert listed == on_disk | {"crawler.seeds"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_imports_follow_the_layout(path):
    name = module_name(path)
    wrong = sorted(
        imported
        for package, rules in FORBIDDEN.items() if name == package or name.startswith(package + ".")
        for imported in imports(path) if imported not in ALLOWED.get(name, [])
        for rule in rules if violates(imported, rule, package)
    )
    assert not wrong, f"{name} imports {wrong}"


def test_pure_cores_have_no_module_level_loops():
    for package in ("core", "sites", "frontier", "grouping", "processing"):
        for path in (CRAWLER / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            loops = [n.lineno for n in tree.body if isinstance(n, (ast.For, ast.While, ast.AsyncFor))]
            assert not loops, f"{path.relative_to(ROOT)}: loop at module level, line {loops}"


def code_strings(path: Path) -> list[tuple[int, str]]:
    """(line, text) of what a module says in code: names and string constants, docstrings and
    comments left out (documentation may name a site)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.Name):
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute):
            found.append((node.lineno, node.attr))
    return found


def test_only_a_site_folder_names_its_site():
    """Outside crawler/sites/<name>/, a site's name may appear only as the default site in the
    settings (NEWSARCHIVE_SITE) and in documentation (docstrings, comments, descriptions)."""
    import yaml

    settings = CRAWLER / "crawl" / "settings.py"
    for site in registry.sites():
        pattern = re.compile(re.escape(site.name), re.IGNORECASE)
        own = CRAWLER / "sites" / site.name
        found = []
        for path in SHIPPED:
            if not path.is_relative_to(own):
                found += [(path, n, text) for n, text in code_strings(path) if pattern.search(text)]
        for path in CRAWLER.rglob("*.html"):
            found += [(path, n, line) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                      if pattern.search(line)]
        for path in CRAWLER.rglob("*.yaml"):
            queries = yaml.safe_load(path.read_text(encoding="utf-8"))
            found += [(path, 0, f"{name}: {sql}") for name, sql in sql_of(queries) if pattern.search(sql)]
        default = [("crawler/crawl/settings.py", site.name)] if site.name == NEWSARCHIVE_SITE else []
        assert [(p.relative_to(ROOT).as_posix(), f"line {n}: {text}") for p, n, text in found
                if (p.relative_to(ROOT).as_posix(), text) not in default] == []
        assert any(p == settings for p, n, text in found) == bool(default)


def sql_of(node, name=""):
    """(name, sql) of every `sql:` value in a YAML document (canned queries)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "sql" and isinstance(value, str):
                yield name, value
            else:
                yield from sql_of(value, str(key))
    elif isinstance(node, list):
        for value in node:
            yield from sql_of(value, name)
