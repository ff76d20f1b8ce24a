"""benchmarks/bench_capture.py runs end to end at a tiny size: both rows, real counts.
(Speed is measured by the benchmark itself at 50,000 messages, not here.)"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_capture_benchmark_reads_everything_once_then_nothing(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("bench_capture", ROOT / "benchmarks" / "bench_capture.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    report = tmp_path / "capture.json"
    assert bench.main(["--messages", "300", "--contacts", "40", "--json", str(report)]) == 0
    table = capsys.readouterr().out
    assert "Capture: first scan of the Maildir" in table and "Capture: second scan, nothing changed" in table
    first, second = json.loads(report.read_text())["rows"]
    assert first["messages_read"] == 300 and first["new"] > 20
    assert second["messages_read"] == 0 and second["skipped_files"] == 300 and second["new"] == 0
    assert {first["status"], second["status"]} <= {"PASS", "MISS"}
