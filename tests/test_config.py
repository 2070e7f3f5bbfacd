"""Every setting is documented: a help line naming its environment variable, and the README."""
from __future__ import annotations

import re
from dataclasses import fields

from kg.config import ROOT, Settings, describe


def test_every_setting_has_help_naming_its_variable_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    helps = describe()
    assert set(helps) == {f.name for f in fields(Settings)}
    for name, text in helps.items():
        variables = re.findall(r"KG_[A-Z_]+", text)
        assert len(text) > 30 and variables, f"{name}: {text!r}"
        assert all(v in readme for v in variables), f"{name}: {variables} not in README.md"


def test_defaults_hold_without_any_variable(monkeypatch):
    import os

    for key in list(os.environ):
        if key.startswith("KG_"):
            monkeypatch.delenv(key)
    s = Settings()
    assert s.sparql_timeout == 5.0 and s.sparql_max_rows == 10_000 and s.sparql_worker_memory_mb == 2048
    assert s.app_max_timeout == 30.0 and s.max_source_mb == 10.0 and s.max_document_chars == 500_000
    assert s.source_limits().max_bytes == 10_000_000
