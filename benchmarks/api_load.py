"""Drive `nextbest serve` from a second process on 127.0.0.1 and report throughput and latency.

    python benchmarks/api_load.py [--accounts 2000] [--seconds 5] [--concurrency 1,4,16,64]

Generates and scores the sample into a temporary folder, starts `nextbest serve` on a free port
of 127.0.0.1 as its own process, creates a read key, then for each concurrency level runs that
many keep-alive connections for `--seconds` against:

- `GET /healthz`: no key, no database; the baseline of the framework and the client;
- `GET /v1/accounts?limit=50`: a page of the ranked list;
- `GET /v1/accounts/{id}`: one account with components, reasons and history, random accounts.

and prints requests per second and p50/p99 latency. Target on 2 cores: at least 500 lookups/s
with p99 under 50 ms.

The load comes from `wrk` (Debian's package `wrk`) when it is installed, else from an asyncio
client in this process (`--client python`), which costs several times more CPU per request than
wrk. Client and server share the machine's cores either way, so the figures include the
client's cost.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx

AS_OF = date(2026, 12, 1)


def _cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _load(
    base_url: str, paths: list[str], headers: dict[str, str], concurrency: int, seconds: float
) -> tuple[float, float, float, int]:
    """Return requests per second, p50 and p99 in milliseconds, and the count of errors."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits) as client:

        async def worker(seed: int) -> None:
            nonlocal errors
            chooser = random.Random(seed)
            while time.perf_counter() < deadline:
                path = chooser.choice(paths)
                started = time.perf_counter()
                response = await client.get(path)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(seed) for seed in range(concurrency)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return (
        len(ordered) / elapsed,
        _percentile(ordered, 0.50) * 1000,
        _percentile(ordered, 0.99) * 1000,
        errors,
    )


WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("NEXTBEST_PATHS")) do paths[#paths + 1] = line end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk(
    base_url: str, paths: list[str], headers: dict[str, str], concurrency: int, seconds: float
) -> tuple[float, float, float, int]:
    """Run wrk with one thread and `concurrency` connections; same figures as `_load`."""
    with tempfile.TemporaryDirectory(prefix="nextbest-wrk-") as folder:
        script = Path(folder) / "paths.lua"
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        listing = Path(folder) / "paths.txt"
        listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
        command = [
            "wrk",
            "-t1",
            f"-c{concurrency}",
            f"-d{seconds:g}s",
            "--latency",
            "-s",
            str(script),
        ]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        output = subprocess.run(
            [*command, base_url],
            env=os.environ | {"NEXTBEST_PATHS": str(listing)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def latency(share: str) -> float:
        found = re.search(rf"^\s*{share}%\s+([\d.]+)(us|ms|s)$", output, re.MULTILINE)
        return float(found.group(1)) * _UNITS[found.group(2)] if found else float("nan")

    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = int(failed.group(1)) if failed else 0
    if socket_errors:
        errors += sum(int(count) for count in socket_errors.groups())
    return float(rate.group(1)) if rate else 0.0, latency("50"), latency("99"), errors


def _wait_until_up(base_url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with status {server.returncode}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not become ready within 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", default="1,4,16,64")
    parser.add_argument(
        "--client",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="wrk when installed (auto), or the asyncio client.",
    )
    options = parser.parse_args()
    client = options.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
    levels = [int(level) for level in options.concurrency.split(",")]

    from nextbest.api.keys import KeyStore
    from nextbest.samples.generator import generate_sample
    from nextbest.scoring.config import load_config
    from nextbest.scoring.runs import score_folder
    from nextbest.scoring.store import RunStore

    print(f"machine: {os.cpu_count()} cores, {_cpu()}, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="nextbest-load-") as folder:
        root = Path(folder)
        generate_sample(root / "data", accounts=options.accounts, seed=11, end_date=AS_OF)
        url = f"sqlite:///{root / 'runs.db'}"
        store = RunStore(url)
        info = store.save(score_folder(root / "data", load_config(), as_of=AS_OF))
        ids = [row["account_id"] for row in store.accounts(info.run_id)]
        token = KeyStore(store).create("read", "load test")[1]
        store.engine.dispose()

        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        environment = os.environ | {"NEXTBEST_HOME": str(root / "home")}
        command = [sys.executable, "-m", "nextbest.api.cli", "serve", "--port", str(port)]
        server = subprocess.Popen(
            [*command, "--db", url],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_until_up(base_url, server)
            headers = {"Authorization": f"Bearer {token}"}
            targets = {
                "healthz (baseline)": ["/healthz"],
                "account list": ["/v1/accounts?limit=50"],
                "account lookup": [f"/v1/accounts/{account_id}" for account_id in ids],
            }
            print(
                f"{options.accounts:,} accounts, {options.seconds:g} s per level, client {client}"
            )
            print(f"{'target':<20} {'conc.':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} errors")
            for name, paths in targets.items():
                asyncio.run(_load(base_url, paths, headers, 4, 1.0))  # warm-up
                for level in levels:
                    if client == "wrk":
                        rate, p50, p99, errors = _wrk(
                            base_url, paths, headers, level, options.seconds
                        )
                    else:
                        rate, p50, p99, errors = asyncio.run(
                            _load(base_url, paths, headers, level, options.seconds)
                        )
                    print(f"{name:<20} {level:>5} {rate:>8.0f} {p50:>8.1f} {p99:>8.1f} {errors}")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
