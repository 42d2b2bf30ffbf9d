"""The command that runs a submission's notebook kernel: resource limits first, then ipykernel.

Started by `execute` as ``python -m mlcoach.review.kernel --memory-mb N --cpu-seconds S -f FILE``,
inside bubblewrap when it is available.
"""

from __future__ import annotations

import argparse
import resource
import sys


def _limit(which: int, value: int) -> None:
    _soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value if hard == resource.RLIM_INFINITY else hard))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--cpu-seconds", type=int, required=True)
    parser.add_argument("--file-mb", type=int, default=512)
    limits, rest = parser.parse_known_args(argv)
    _limit(resource.RLIMIT_AS, limits.memory_mb * 1024 * 1024)
    _limit(resource.RLIMIT_CPU, limits.cpu_seconds)
    _limit(resource.RLIMIT_FSIZE, limits.file_mb * 1024 * 1024)
    _limit(resource.RLIMIT_CORE, 0)
    sys.argv = ["ipykernel_launcher", *rest]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main(sys.argv[1:])
