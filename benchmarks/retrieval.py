"""Measure how well content search finds the assets that a rep or the agent requests.

    .venv/bin/python benchmarks/retrieval.py            # --show-misses, --runs N

Generates the sample content library (66 assets) into a temporary folder, indexes it with the
bundled all-MiniLM-L6-v2 on the CPU, and runs the labelled queries below. Each query lists the
assets that answer it, labelled by reading the assets, not by looking at search output. Reports
recall@5 (share of a query's relevant assets in its top 5, averaged over queries), mean
reciprocal rank of the first relevant asset in the top 10, query latency, model load time and
index time, and the machine it ran on.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from nextbest.content import ContentLibrary, LocalEmbedder
from nextbest.samples.generator import generate_sample

SEED = 11
ACCOUNTS = 50
RECALL_TARGET = 0.9


@dataclass(frozen=True)
class LabelledQuery:
    text: str
    relevant: frozenset[str]
    # Search filters, as the agent passes them: persona, stage, topic or type.
    filters: dict[str, str] = field(default_factory=dict)


def _query(text: str, *relevant: str, **filters: str) -> LabelledQuery:
    return LabelledQuery(text, frozenset(relevant), filters)


QUERIES: tuple[LabelledQuery, ...] = (
    # The library has no ransomware story from a bank, so the ransomware stories are relevant.
    _query(
        "case study for a bank worried about ransomware",
        "cs-ransomware-carrier",
        "cs-ransomware-retailer",
    ),
    _query("pricing for the cloud product", "pricing-sentinel-cloud"),
    _query("something for a CFO about ROI", "roi-sentinel-access", "roi-sentinel-detect"),
    _query("how much does Sentinel Detect cost per endpoint", "pricing-sentinel-detect"),
    _query(
        "is there a free trial of the data loss prevention product",
        "pricing-sentinel-data",
        "ds-data-loss-prevention",
    ),
    _query(
        "customer that retired its VPN",
        "cs-zero-trust-bank",
        "cs-zero-trust-retailer",
        "webinar-zero-trust",
    ),
    _query("first read on SIEM for a security leader", "wp-siem", "blog-siem"),
    _query(
        "webinar about identity and access management", "webinar-identity-and-access-management"
    ),
    _query(
        "hospital that brought its multi-cloud accounts under one policy",
        "cs-cloud-security-hospital",
    ),
    _query("logistics company that stopped invoice fraud", "cs-email-security-carrier"),
    _query("datasheet for ransomware protection", "ds-ransomware"),
    _query(
        "technical specs for the vulnerability management product", "ds-vulnerability-management"
    ),
    _query("90 day plan for rolling out EDR", "pb-endpoint-detection-and-response"),
    _query("step by step plan to get audit ready for SOC 2", "pb-security-compliance"),
    _query(
        "university that segmented its network",
        "cs-network-security-university",
        "webinar-network-security",
    ),
    _query(
        "how did a manufacturer speed up endpoint investigations",
        "cs-endpoint-detection-and-response-manufacturer",
    ),
    _query(
        "government agency using threat intelligence in its SOC", "cs-threat-intelligence-agency"
    ),
    _query("replacing a legacy SIEM to cut alert volume", "cs-siem-broadcaster", "cs-siem-telco"),
    _query("signs our phishing defences are falling behind", "blog-email-security"),
    _query("is my ransomware defence programme falling behind", "blog-ransomware"),
    _query("guide for security leaders on data loss prevention", "wp-data-loss-prevention"),
    _query(
        "how to stop staff pasting customer data into AI assistants",
        "blog-data-loss-prevention",
        "wp-data-loss-prevention",
        "cs-data-loss-prevention-insurer",
        "cs-data-loss-prevention-utility",
    ),
    _query(
        "insurance company protecting claims data from leaks", "cs-data-loss-prevention-insurer"
    ),
    _query("energy utility automating compliance audits", "cs-security-compliance-utility"),
    _query(
        "joiner mover leaver automation at a software company",
        "cs-identity-and-access-management-saas",
        "webinar-identity-and-access-management",
    ),
    _query("Zero Trust webinar with a bank", "webinar-zero-trust"),
    _query("price per user for Zero Trust access", "pricing-sentinel-access"),
    _query(
        "business case for replacing our SIEM with numbers for the finance team",
        "roi-sentinel-detect",
        "pricing-sentinel-detect",
    ),
    _query("mobile operator with hundreds of cloud accounts", "cs-cloud-security-telco"),
    _query("telecom operator SIEM story", "cs-siem-telco", "webinar-siem"),
    _query(
        "media company fixing the vulnerabilities that matter",
        "cs-vulnerability-management-broadcaster",
    ),
    _query(
        "cleaning up firewall rules without outages",
        "cs-network-security-insurer",
        "cs-network-security-university",
    ),
    _query("what the first 90 days of an email security rollout look like", "pb-email-security"),
    _query(
        "college that cut endpoint investigation time",
        "cs-endpoint-detection-and-response-university",
    ),
    _query("maturity model for threat intelligence programmes", "wp-threat-intelligence"),
    _query("retailer protecting card data against ransomware", "cs-ransomware-retailer"),
    # Filtered the way the agent calls the search tool.
    _query(
        "zero trust access",
        "pricing-sentinel-access",
        "roi-sentinel-access",
        persona="finance",
    ),
    _query("ransomware", "wp-ransomware", "blog-ransomware", stage="awareness"),
    _query(
        "data loss prevention",
        "cs-data-loss-prevention-insurer",
        "cs-data-loss-prevention-utility",
        "pricing-sentinel-data",
        persona="executive",
        stage="decision",
    ),
    _query(
        "customer story with fewer alerts",
        "cs-siem-broadcaster",
        "cs-siem-telco",
        topic="siem",
        type="case_study",
    ),
)


@dataclass
class QueryResult:
    query: LabelledQuery
    ranked: list[str]
    seconds: list[float]

    @property
    def recall_at_5(self) -> float:
        return len(self.query.relevant & set(self.ranked[:5])) / len(self.query.relevant)

    @property
    def reciprocal_rank(self) -> float:
        for rank, asset_id in enumerate(self.ranked[:10], start=1):
            if asset_id in self.query.relevant:
                return 1 / rank
        return 0.0


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    packages = ", ".join(
        f"{name} {version(name)}" for name in ("chromadb", "sentence-transformers", "torch")
    )
    return (
        f"{os.cpu_count()} cores, {cpu}, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, {packages}"
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    position = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[position]


def run(runs: int, show_misses: bool) -> float:
    print(f"Machine: {machine()}")
    with tempfile.TemporaryDirectory() as temp:
        sample = Path(temp) / "sample"
        generate_sample(sample, accounts=ACCOUNTS, seed=SEED)
        embedder = LocalEmbedder()
        load_seconds = embedder.load()
        library = ContentLibrary(Path(temp) / "chroma", "content", embedder)

        started = time.perf_counter()
        report = library.index(sample / "content")
        index_seconds = time.perf_counter() - started
        started = time.perf_counter()
        library.index(sample / "content")
        reindex_seconds = time.perf_counter() - started

        library.search("warm-up query")
        results = []
        for query in QUERIES:
            ranked = [hit.id for hit in library.search(query.text, limit=10, **query.filters)]
            seconds = []
            for _ in range(runs):
                started = time.perf_counter()
                library.search(query.text, limit=5, **query.filters)
                seconds.append(time.perf_counter() - started)
            results.append(QueryResult(query, ranked, seconds))

    recall = statistics.mean(result.recall_at_5 for result in results)
    mrr = statistics.mean(result.reciprocal_rank for result in results)
    latencies = [second * 1000 for result in results for second in result.seconds]
    print(
        f"Model load (imports and weights): {load_seconds:.1f} s\n"
        f"Index: {report.assets} assets, {report.chunks_written} chunks in {index_seconds:.1f} s; "
        f"re-index with nothing changed {reindex_seconds:.2f} s\n"
        f"Queries: {len(results)}, each timed {runs} times at limit 5\n"
        f"recall@5 {recall:.3f} (target {RECALL_TARGET}), MRR@10 {mrr:.3f}\n"
        f"latency p50 {percentile(latencies, 0.5):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms"
    )
    misses = [result for result in results if result.recall_at_5 < 1]
    print(f"Queries with a relevant asset outside the top 5: {len(misses)}")
    if show_misses:
        for result in misses:
            missing = sorted(result.query.relevant - set(result.ranked[:5]))
            print(f"  {result.query.text!r} {result.query.filters or ''}")
            print(f"    missing {', '.join(missing)}; top 5: {', '.join(result.ranked[:5])}")
    return recall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="Timed searches per query.")
    parser.add_argument(
        "--show-misses", action="store_true", help="List the queries that miss a relevant asset."
    )
    arguments = parser.parse_args()
    recall = run(arguments.runs, arguments.show_misses)
    sys.exit(0 if recall >= RECALL_TARGET else 1)


if __name__ == "__main__":
    main()
