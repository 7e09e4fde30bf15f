"""Measure rule-based brief latency, next to the account lookup it is built on.

    python benchmarks/briefs.py [--accounts 2000] [--briefs 200]

Generates and scores the sample into a temporary folder, indexes its content library, then:

1. times loading the bundled embedding model (all-MiniLM-L6-v2 on the CPU) and the first brief;
2. times `rules_brief` for the top `--briefs` accounts once warm, and reports p50 and p95.
   The baseline in the same run is the `account_score` tool alone for the same accounts, the
   store read that every brief starts with.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

AS_OF = date(2026, 12, 1)


def _cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--briefs", type=int, default=200)
    options = parser.parse_args()

    from nextbest.agent.rules import rules_brief
    from nextbest.content import ContentLibrary, LocalEmbedder
    from nextbest.samples.generator import generate_sample
    from nextbest.scoring.config import load_config
    from nextbest.scoring.runs import score_folder
    from nextbest.scoring.store import RunStore
    from nextbest.tools import AccountRef, ToolDeps, account_score

    print(f"machine: {os.cpu_count()} cores, {_cpu()}, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="nextbest-briefs-") as folder:
        root = Path(folder)
        generate_sample(root / "data", accounts=options.accounts, seed=11, end_date=AS_OF)
        store = RunStore(f"sqlite:///{root / 'runs.db'}")
        store.save(score_folder(root / "data", load_config(), as_of=AS_OF))

        embedder = LocalEmbedder()
        started = time.perf_counter()
        embedder.embed(["warm up"])
        model_load = time.perf_counter() - started
        library = ContentLibrary(root / "chroma", "content", embedder)
        started = time.perf_counter()
        report = library.index(root / "data" / "content")
        index_time = time.perf_counter() - started

        deps = ToolDeps.latest(store, library)
        accounts = [row["account_id"] for row in store.accounts(deps.run.run_id)]
        targets = accounts[: options.briefs]
        started = time.perf_counter()
        rules_brief(deps, targets[0])
        first = time.perf_counter() - started

        lookups, briefs = [], []
        for account_id in targets:
            started = time.perf_counter()
            account_score(deps, AccountRef(account_id=account_id))
            lookups.append(time.perf_counter() - started)
            started = time.perf_counter()
            rules_brief(deps, account_id)
            briefs.append(time.perf_counter() - started)

    lookup_p50, lookup_p95 = _percentiles(lookups)
    brief_p50, brief_p95 = _percentiles(briefs)
    print(f"accounts scored: {len(accounts):,}; briefs timed: {len(targets)}")
    print(f"embedding model load: {model_load:.2f} s")
    print(
        f"content index: {report.assets} assets, {report.chunks_written} chunks in "
        f"{index_time:.1f} s"
    )
    print(f"first brief (cold caches): {first * 1000:.0f} ms")
    print(
        f"baseline account_score:  p50 {lookup_p50 * 1000:.1f} ms, p95 {lookup_p95 * 1000:.1f} ms"
    )
    print(f"rules_brief (warm):      p50 {brief_p50 * 1000:.1f} ms, p95 {brief_p95 * 1000:.1f} ms")


if __name__ == "__main__":
    main()
