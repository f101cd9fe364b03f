"""The README documents every command and option of the command line, and the two commands."""

import re

import pytest

from crawler.cli import main
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_has_a_section_with_an_example(name):
    assert re.search(rf"^### `newsarchive {name}\b", README, re.M), name
    assert re.search(rf"^newsarchive {name}\b", README, re.M), f"no example of {name}"


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_option_is_documented(name):
    for param in main.commands[name].params:
        for opt in param.opts:
            if opt.startswith("--") and opt != "--help":
                assert opt in README, f"{name} {opt}"


def test_the_two_commands_and_ci():
    assert "make run" in README and "make test" in README
    assert "make test" in CI
