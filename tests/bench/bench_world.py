"""What building the sandbox's world costs, and that it is the same for the same seed.

    python -m tests.bench.bench_world [--sizes 1000,10000,100000] [--rounds 3] [--quick]

For each world size: the time to build the world (what `tgtui sandbox` and every test pay
before listening), its peak memory (tracemalloc), the time to make every dialog's entity
(names, avatars, Saved Messages) and the newest message of each, once; then a fingerprint
of what a client would see (every entity and top message as TL bytes, file references
aside: they record when they were handed out) built twice from the same seed: it must match,
and differ for another seed. Times are the best of ``--rounds``.
"""

from __future__ import annotations

import argparse
import hashlib
import time
import tracemalloc

from tests.bench.common import check_figures, parse_args
from tgtui.sandbox.history import History
from tgtui.sandbox.world import World, WorldOptions

QUICK = {"sizes": "300,1000", "rounds": 1}


def _fingerprint(seed: int, dialogs: int) -> str:
    world = World(WorldOptions(seed=seed, dialogs=dialogs))
    history = History(world)
    history.file_reference_clock = lambda: 0.0  # references record when they were handed out
    digest = hashlib.sha256()
    for index in range(len(world)):
        chat = world.chat(index)
        digest.update(bytes(world.entity(chat)))
        digest.update(bytes(history.top_message(chat)))
    return digest.hexdigest()


def _measure(dialogs: int, rounds: int) -> tuple[float, float, float]:
    builds, walks = [], []
    tracemalloc.start()  # slows the build down: measured apart from the timing
    World(WorldOptions(seed=1, dialogs=dialogs))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    for _ in range(rounds):
        started = time.perf_counter()
        world = World(WorldOptions(seed=1, dialogs=dialogs))
        builds.append(time.perf_counter() - started)
        history = History(world)
        started = time.perf_counter()
        for index in range(len(world)):
            chat = world.chat(index)
            world.entity(chat)
            history.top_message(chat)
        walks.append(time.perf_counter() - started)
    return min(builds), peak / 2**20, min(walks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--rounds", type=int, default=3)
    args = parse_args(parser, QUICK)
    figures: dict[str, float] = {}
    sizes = [int(x) for x in args.sizes.split(",")]
    print("| dialogs | build | peak memory | every entity and top message |")
    print("|---:|---:|---:|---:|")
    for size in sizes:
        build, peak, walk = _measure(size, args.rounds)
        print(f"| {size:,} | {build:.2f} s | {peak:.1f} MB | {walk:.2f} s |")
        figures.update({f"{size} build": build, f"{size} peak": peak, f"{size} walk": walk})
    size = min(sizes)
    same = _fingerprint(7, size) == _fingerprint(7, size)
    other = _fingerprint(7, size) != _fingerprint(8, size)
    print(f"\nSame seed, same world ({size:,} dialogs): {same}; another seed, another: {other}")
    if not (same and other):
        raise SystemExit("the world is not deterministic per seed")
    check_figures(figures)


if __name__ == "__main__":
    main()
