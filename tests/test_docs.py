"""Every ``>>>`` example in the docstrings and in docs/*.md runs and shows what it says."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

import mallcore

SRC = Path(mallcore.__file__).parent
DOCS = Path(__file__).parent.parent / "docs"

MODULES = sorted(
    ".".join(("mallcore", *path.relative_to(SRC).with_suffix("").parts)).removesuffix(".__init__")
    for path in SRC.rglob("*.py")
    if path.name != "__main__.py" and "testing" not in path.relative_to(SRC).parts
)
PAGES = sorted(DOCS.glob("*.md"))


@pytest.mark.parametrize("name", MODULES)
def test_the_examples_in_each_modules_docstrings_hold(name: str) -> None:
    module = importlib.import_module(name)

    failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)

    assert failed == 0


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_the_examples_in_each_docs_page_hold(page: Path) -> None:
    failed, _ = doctest.testfile(
        str(page), module_relative=False, optionflags=doctest.ELLIPSIS, encoding="utf-8"
    )

    assert failed == 0
