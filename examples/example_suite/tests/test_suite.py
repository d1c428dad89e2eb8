"""A vendor's own tests: the declaration loads as Laurel would load it."""

from __future__ import annotations

import pytest

from laurel.plugins.manager import PluginError
from laurel.plugins.registry import check_plugin
from laurel_example_suite import plugin


def test_declaration_loads() -> None:
    [suite] = check_plugin(plugin, "example_suite")
    assert suite.key == "food_safety_basics"
    assert [unit.key for unit in suite.units] == ["hygiene_check", "storage_lesson"]
    assert suite.pricing.subscription is None


def test_credential_needs_both_areas() -> None:
    [suite] = check_plugin(plugin, "example_suite")
    assert not suite.credential_earned({"hygiene_check"})
    assert suite.credential_earned({"hygiene_check", "storage_lesson"})


def test_invalid_declaration_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    unit = {**plugin.SUITE["units"][0], "draw": 9}
    monkeypatch.setitem(plugin.SUITE, "units", [unit])
    with pytest.raises(PluginError, match=r"units\[0\]\.draw: draws 9 questions"):
        check_plugin(plugin, "example_suite")
