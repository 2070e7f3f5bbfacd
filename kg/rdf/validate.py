"""SHACL validation of a built graph against ``ontology/shapes.ttl``."""
from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph
from rdflib.namespace import SH


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str | None
    message: str
    severity: str

    def one_line(self) -> str:
        where = f" {self.path}" if self.path else ""
        return f"{self.severity}: <{self.focus}>{where}: {self.message}"


def shacl_violations(data: Graph, shapes: Graph, ontology: Graph | None = None) -> list[Violation]:
    """All SHACL results of severity Violation or Warning, sorted for stable output."""
    import pyshacl

    _, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", advanced=True, allow_warnings=True
    )
    out = []
    for result in report.subjects(SH.resultSeverity, None):
        sev = report.value(result, SH.resultSeverity)
        path = report.value(result, SH.resultPath)
        out.append(
            Violation(
                focus=str(report.value(result, SH.focusNode)),
                path=data.namespace_manager.normalizeUri(path) if path is not None else None,
                message=str(report.value(result, SH.resultMessage) or "constraint violated"),
                severity=str(sev).rsplit("#", 1)[-1],
            )
        )
    return sorted(out, key=lambda v: (v.severity, v.focus, v.path or "", v.message))
