"""``python -m scripts.bench [NAME...]`` (``make bench``): each benchmark prints its ratios against a
baseline measured in the same run."""

from __future__ import annotations

import argparse
import importlib

BENCHMARKS = {
    "packaging": "scripts.bench.packaging",
    "flow": "scripts.bench.flow_runner",
    "pipeline": "scripts.bench.pipeline",
    "upload": "scripts.bench.upload",
    "demo": "scripts.bench.demo",
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default: all)")
    names = parser.parse_args().names or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"no benchmark named {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    for name in names:
        print(f"== {name}")
        importlib.import_module(BENCHMARKS[name]).main()


if __name__ == "__main__":
    main()
