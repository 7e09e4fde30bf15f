"""Measure `nextbest train`: building the training set, fitting, and the peak memory.

    python benchmarks/train.py DATA_DIR [--config FILE] [--level accounts|leads] [--repeat 3]

For example, on the real exports beside the checkout:

    python benchmarks/train.py ../shared/data/x_education \
        --config examples/x_education.yaml --level leads
    python benchmarks/train.py ../shared/data/maven_crm --config examples/maven_crm.yaml

Reports, as the median of `--repeat` runs: the time to build the training set (for accounts,
one scoring pass per month), and the time to fit and evaluate the three models. The baseline in
the same run is the plain one-hot logistic regression alone, fitted on the same split. Peak
memory is the process's maximum resident set size.

`--busy` keeps one core spinning in a second process while fitting, as another job would, and
also times the fit with the default BLAS and OpenMP threads instead of the one thread `train`
uses, to show why it uses one.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import statistics
import time
from pathlib import Path


def _spin() -> None:
    while True:
        pass


def _cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--config", type=Path)
    parser.add_argument("--level", choices=("accounts", "leads"), default="accounts")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--busy", action="store_true", help="Fit beside a busy core.")
    options = parser.parse_args()
    spinner = None
    if options.busy:
        spinner = multiprocessing.Process(target=_spin, daemon=True)
        spinner.start()

    from nextbest.learning.datasets import account_training_set, lead_training_set
    from nextbest.learning.training import baseline_model, split, train
    from nextbest.scoring.config import load_config

    config = load_config(options.config)
    exclude = tuple(config.learning.exclude)
    building, fitting, baseline = [], [], []
    report: dict = {}
    for _ in range(options.repeat):
        started = time.perf_counter()
        if options.level == "leads":
            training = lead_training_set(options.data_dir, config, exclude=exclude)
        else:
            training = account_training_set(options.data_dir, config, exclude)
        building.append(time.perf_counter() - started)

        started = time.perf_counter()
        report = train(training, config).report
        fitting.append(time.perf_counter() - started)

        train_rows, _, _ = split(training, config.learning.test_fraction)
        rows = training.features.iloc[train_rows]
        started = time.perf_counter()
        baseline_model(rows).fit(rows, training.labels[train_rows])
        baseline.append(time.perf_counter() - started)

    threaded = []
    if options.busy:
        from nextbest.learning import training as training_module

        for _ in range(options.repeat):
            started = time.perf_counter()
            # The body of train() without its one-thread limit.
            training_module._train(training, config, 0, None, None)
            threaded.append(time.perf_counter() - started)
    if spinner is not None:
        spinner.terminate()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {_cpu()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"data: {options.data_dir.name}, level {options.level}, {report['n_train']:,} training "
        f"and {report['n_test']:,} held-out outcomes, {len(report['features'])} features"
    )
    print(f"training set:            {statistics.median(building):6.2f} s")
    print(f"fit and evaluate (all):  {statistics.median(fitting):6.2f} s")
    print(f"baseline fit alone:      {statistics.median(baseline):6.2f} s")
    if threaded:
        print(f"fit, default threads:    {statistics.median(threaded):6.2f} s (beside a busy core)")
    print(f"peak memory:             {peak:6.0f} MB")
    print(
        f"held-out AUC: chosen ({report['chosen']}) {report['auc']:.3f} ({report['auc_low']:.3f}-"
        f"{report['auc_high']:.3f}), boosted {report['models']['boosting']['auc']:.3f}, "
        f"logistic {report['models']['logistic']['auc']:.3f}, "
        f"baseline {report['baseline_auc']:.3f}"
    )


if __name__ == "__main__":
    main()
