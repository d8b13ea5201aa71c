"""The examples in the docstrings run and give what they show (numpy-style docs that lie
are worse than none). Examples marked ``# doctest: +SKIP`` need a video or a model."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import runform

MODULES = sorted(info.name for info in pkgutil.walk_packages(runform.__path__, prefix="runform."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} fail"
