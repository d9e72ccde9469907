"""The package's layers: no import cycle, no import pointing up the layers, every module in a layer.

The layers and the graph are those of scripts/import_graph.py (imports inside functions count)."""

from __future__ import annotations

import importlib.util

from conftest import ROOT

_spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
import_graph = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(import_graph)

GRAPH = import_graph.graph()


def test_no_import_cycles() -> None:
    assert import_graph.cycles(GRAPH) == []


def test_no_import_points_up_the_layers() -> None:
    assert import_graph.upward(GRAPH) == []


def test_every_module_has_a_layer() -> None:
    assert import_graph.unlayered(GRAPH) == []


def test_the_checker_sees_a_cycle_and_an_upward_import() -> None:
    """The checks above can fail: a made-up graph with both is caught."""
    fake = {"her2var.vcf.reader": {"her2var.classify.pipeline"}, "her2var.classify.pipeline": {"her2var.vcf.reader"}}
    assert import_graph.cycles(fake) == [["her2var.classify.pipeline", "her2var.vcf.reader"]]
    assert import_graph.upward(fake) == [("her2var.vcf.reader", "her2var.classify.pipeline")]


def test_graph_reads_deferred_and_relative_imports() -> None:
    """Imports inside functions and relative ones are edges (classify reads BAM evidence lazily)."""
    assert "her2var.bam.evidence" in GRAPH["her2var.classify.pipeline"]
    assert "her2var.errors" in GRAPH["her2var.vcf.reader"]
