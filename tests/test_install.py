"""newsarchive installed from a wheel (not editable) into a fresh virtualenv and run from another
folder: nothing depends on where the source tree is.

Offline: the wheel is built without build isolation, installed without its dependencies and
without the package index, and the new virtualenv finds the dependencies in this one's
site-packages (a .pth file), after its own: `crawler` and the `newsarchive` distribution are the
wheel's."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED_URL, query


def run(*args, cwd, timeout=300):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    proc = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, timeout=timeout, env=env)
    out = subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())
    assert out.returncode == 0, f"{args} exited {out.returncode}:\n{out.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A wheel of the project installed into a new virtualenv."""
    tmp = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index", "--no-build-isolation",
        "-w", tmp / "dist", ROOT, cwd=tmp)
    wheel = next((tmp / "dist").glob("newsarchive-*.whl"))
    run(sys.executable, "-m", "venv", tmp / "venv", cwd=tmp)
    run(tmp / "venv" / "bin" / "pip", "install", "--quiet", "--no-deps", "--no-index", wheel, cwd=tmp)
    site = next((tmp / "venv" / "lib").glob("python3*/site-packages"))
    dependencies = next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    (site / "zz_dependencies.pth").write_text(dependencies + "\n")
    work = tmp / "elsewhere"
    work.mkdir()
    return tmp / "venv" / "bin", work


def test_the_wheel_is_imported_not_the_source_tree(installed):
    bin_dir, work = installed
    out = run(bin_dir / "python", "-c", "import crawler, crawler.seeds; print(crawler.__file__)", cwd=work)
    path = Path(out.stdout.strip())
    assert path.is_relative_to(bin_dir.parent) and not path.is_relative_to(ROOT)


def test_installed_crawl_replays_the_bundled_mirror_shipped_in_the_wheel(installed):
    bin_dir, work = installed
    result = run(bin_dir / "newsarchive", "crawl", "--db", "x.db", cwd=work)
    # Every site's mirror, in turn: the site packages and their pages are shipped.
    assert "apnews: crawl 1 finished: 3 pages, 2 new articles" in result.stderr
    assert "maghress: crawl 2 finished: 10 pages, 8 new articles" in result.stderr
    assert "physorg: crawl 3 finished: 3 pages, 2 new articles" in result.stderr
    assert len(query(work / "x.db", "SELECT url FROM articles")) == 12
    for (source,) in (row.values() for row in query(work / "x.db", "SELECT source FROM crawls")):
        assert source.startswith("replay:" + str(bin_dir.parent)) and source.endswith("crawler/seeds/site")
    # The expected parses beside the saved pages are shipped too, and still match.
    assert "16 pages, 0 expected file(s) differ" in run(bin_dir / "newsarchive", "expected", cwd=work).stderr


def test_installed_parse_prints_the_seed_page(installed):
    bin_dir, work = installed
    page = ROOT / "seeds" / "site" / "www.maghress.com" / "fr" / "marocdiplomatique" / "25429.txt"
    out = json.loads(run(bin_dir / "newsarchive", "parse", page, "--url", SEED_URL, cwd=work).stdout)
    assert out["article"]["publisher"] == "Maroc Diplomatique" and len(out["headlines"]) == 48
