"""Slack HTTP mode as `entraide run` ships it, against bare slack-bolt apps, interleaved.

Two measures, each in rounds that alternate the two sides (bare, entraide, bare,
entraide, …), every round on fresh processes and a fresh database (SQLite, or
PostgreSQL with ``--postgres``):

1. **Acknowledgements.** Signed ``/ask`` requests (form-encoded, ``X-Slack-Signature``
   v0, signed before the clock starts) from ``--concurrency`` connections, each sent
   as soon as the connection's previous one was answered:

   * bare: a slack-bolt ``AsyncApp`` (signature check, dispatch, ack, answered as the
     listener returns) whose listener only acks;
   * entraide: ``entraide run`` itself (``python -m bot.runtime.cli run``), Slack in
     HTTP mode: each request kept in the database, acknowledged, then handled (the
     question stored, its card queued, delivered by the deliverer at Slack's pace,
     the asker told through ``response_url``).

   It prints requests/s, p50 and p99 of the acknowledgement and the server's CPU per
   request for every round, the spread, and the targets: at least 0.8x the bare rate
   and p99 under 100 ms.

2. **Stored and posted.** ``/ask`` sent at a fixed ``--rate`` (above what either side
   can finish), from ``--channels`` channels, for ``--seconds``:

   * bare: a bolt app that acks, inserts one row and calls ``chat.postMessage`` once;
   * entraide: ``entraide run`` again; with no help channel set, each card goes to the
     channel it was asked in, so that Slack's limit of about one post a second per
     channel is not what limits it. Its posts keep to ``slack.posts_per_second`` over
     the workspace, 50 as shipped (``--pace`` sets another); the bare app keeps to none.

   Counted are the cards Slack received during the window (each one stored first),
   on both sides; and the server's memory, sampled every half second. Targets:
   entraide at least 0.5x the bare rate in every round (a round where the bare app
   keeps up with the offered rate shows what it can do), and its memory bounded (the
   last quarter of the window no more than 10% above the second quarter). It also prints
   entraide's rate against the most the bare app could post at entraide's pace, and
   each server's CPU a card posted in the window took (accepting every request
   included).

3. **Below capacity.** The same ``/ask``, at ``--steady-rate`` (40 a second: what both
   sides finish, on this kind of machine) for 10 s: each server's CPU a card took. Above
   capacity, the bare app takes on every request at once, and its rate swings with how
   its backlog weighs on it (from 48 to 800 cards a second on the same machine); below
   it, each side's CPU a card is a steady measure of the work it does for one. Printed
   for information, with no target.

4. **Capacity.** The highest rate each side keeps up with: 90% of the cards sent in an
   8 s window posted within it, found by halving the range between ``--steady-rate``
   and ``--rate`` five times, each step on a fresh server and database, the sides
   taking turns round by round. What an operator sizes by, and the bare app's own
   measure, whatever its backlog does above it. Printed for information, with no target.

Slack is FakeSlack, the tests' local Slack, in its own process; so is each server
and the load, so that no side's CPU counts against the other on its own core. It is
a benchmark, not a test: the exit code is 0 whatever the figures.

    python benchmarks/slack_http.py [--rounds 2] [--requests 3000] [--concurrency 256]
                                    [--rate 800] [--seconds 20] [--channels 1000]
                                    [--pace N] [--steady-rate 40]
                                    [--only acks|posted|capacity] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import shutil
import signal
import statistics
import tempfile
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

from slack_load import E2E_WARM_UP, AckRound, PostedRound, closed_loop, open_loop
from slack_servers import Bare, Databases, EntraideRun, Server, serve_fake_slack

TARGET_ACK_RATIO = 0.8
TARGET_P99_MS = 100.0
TARGET_POSTED_RATIO = 0.5
MEMORY_GROWTH_MAX = 0.10
SHIPPED_PACE = 50.0  # slack.posts_per_second's default
STEADY_SECONDS = 10.0


CAPACITY_SECONDS = 8.0  # window of each step of the search for a side's capacity
CAPACITY_STEPS = 5  # halvings of the range after its top: (rate - steady rate) / 32 apart
KEPT_UP = 0.9  # posted at least this share of what was sent in the window


# -- the report ------------------------------------------------------------------


def spread(values: list[float], fmt: str) -> str:
    low, high = min(values), max(values)
    return format(low, fmt) if low == high else f"{format(low, fmt)}–{format(high, fmt)}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def acks(args, databases: Databases, api_url: str, hooks: str) -> list[str]:
    rounds: list[tuple[AckRound, AckRound]] = []
    sides: dict[str, Callable[[], Server]] = {
        "bare": lambda: Bare(databases, api_url, work=False),
        "entraide": lambda: EntraideRun(databases, api_url),
    }
    print(
        f"\n1. acknowledgements: /ask over HTTP, {args.requests} requests a round on "
        f"{args.concurrency} connections, {databases.kind}, {args.rounds} rounds interleaved"
    )
    print(
        f"{'round':8}{'side':10}{'requests/s':>12}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'CPU ms/req':>12}{'load CPU':>10}"
    )
    for number in range(1, args.rounds + 1):
        pair = []
        for side, make in sides.items():
            server = make()
            try:
                result = asyncio.run(
                    closed_loop(server, side, args.requests, args.concurrency, args.channels, hooks)
                )
            finally:
                server.stop()
            pair.append(result)
            print(
                f"{number:<8}{side:10}{result.rate:>12.0f}{result.percentile(50):>9.1f}"
                f"{result.percentile(99):>9.1f}{result.cpu_ms:>12.3f}{result.load_cpu_ms:>10.3f}"
            )
        rounds.append((pair[0], pair[1]))
    ratios = [ours.rate / bare.rate for bare, ours in rounds]
    p99s = [ours.percentile(99) for _, ours in rounds]
    bare_p99s = [bare.percentile(99) for bare, _ in rounds]
    cpu = [ours.cpu_ms / bare.cpu_ms for bare, ours in rounds]
    print(
        f"spread: ratio {spread(ratios, '.2f')}x; entraide p99 {spread(p99s, '.0f')} ms "
        f"(bare {spread(bare_p99s, '.0f')} ms); entraide CPU per request "
        f"{spread(cpu, '.2f')}x the bare app's"
    )
    ratio, p99 = statistics.median(ratios), statistics.median(p99s)
    return [
        f"{verdict(ratio >= TARGET_ACK_RATIO)} acks at {args.concurrency} connections: "
        f"{ratio:.2f}x the bare rate (median of {args.rounds}; target >= {TARGET_ACK_RATIO}x)",
        f"{verdict(p99 < TARGET_P99_MS)} acks at {args.concurrency} connections: "
        f"p99 {p99:.0f} ms (median of {args.rounds}; target < {TARGET_P99_MS:.0f} ms)",
    ]


def posting_sides(args, databases: Databases, api_url: str) -> dict[str, Callable[[], Server]]:
    """The sides that post: a bolt app that inserts one row and posts once, and entraide."""
    return {
        "bare": lambda: Bare(databases, api_url, work=True),
        "entraide": lambda: EntraideRun(databases, api_url, args.pace),
    }


def posted_round(
    make: Callable[[], Server],
    side: str,
    fake: Connection,
    rate: float,
    seconds: float,
    args,
    hooks: str,
) -> tuple[PostedRound, Server]:
    """A fresh server of ``side``, sent ``rate`` /ask a second for ``seconds``, then stopped."""
    server = make()
    try:
        result = asyncio.run(open_loop(server, side, fake, rate, seconds, args.channels, hooks))
    finally:
        server.stop()
    return result, server


def posted_rounds(
    args,
    databases: Databases,
    api_url: str,
    hooks: str,
    fake: Connection,
    rate: float,
    seconds: float,
    title: str,
) -> list[tuple[PostedRound, PostedRound]]:
    """``rounds`` of each side (bare, entraide, bare, …) at ``rate``; a line for each."""
    print(
        f"\n{title}: /ask at {rate:.0f}/s from {args.channels} channels, {databases.kind}, "
        f"{seconds:.0f} s windows, {args.rounds} rounds interleaved"
    )
    sides = posting_sides(args, databases, api_url)
    print(
        f"{'round':8}{'side':10}{'sent/s':>9}{'posted/s':>10}{'CPU ms/card':>13}"
        f"{'memory MB (window)':>26}{'failed':>8}"
    )
    rounds: list[tuple[PostedRound, PostedRound]] = []
    for number in range(1, args.rounds + 1):
        pair = []
        for side, make in sides.items():
            result, server = posted_round(make, side, fake, rate, seconds, args, hooks)
            pair.append(result)
            mem = result.memory
            print(
                f"{number:<8}{side:10}{result.offered:>9.0f}{result.rate:>10.1f}"
                f"{result.cpu_ms:>13.2f}"
                f"{f'{mem[0]:.0f} → {max(mem):.0f} max → {mem[-1]:.0f}':>26}"
                f"{server.failed if side == 'bare' else '-':>8}"
            )
        rounds.append((pair[0], pair[1]))
    return rounds


def stored_and_posted(
    args, databases: Databases, api_url: str, hooks: str, fake: Connection
) -> list[str]:
    title = f"2. stored and posted, after {E2E_WARM_UP:.0f} s at the rate"
    rounds = posted_rounds(args, databases, api_url, hooks, fake, args.rate, args.seconds, title)
    ratios = [ours.rate / max(bare.rate, 1e-9) for bare, ours in rounds]
    growth = max(ours.growth for _, ours in rounds)
    above = all(r.offered > r.rate * 1.05 for pair in rounds for r in pair)
    pace = args.pace or SHIPPED_PACE
    paced = [ours.rate / min(bare.rate, pace) for bare, ours in rounds]
    print(
        f"spread: ratio {spread(ratios, '.2f')}x; entraide "
        f"{spread([o.rate for _, o in rounds], '.0f')} posted/s, bare "
        f"{spread([b.rate for b, _ in rounds], '.0f')}; offered rate "
        f"{'above' if above else 'NOT above'} what each side posted"
    )
    print(
        f"entraide posts at most {pace:.0f}/s over a workspace (slack.posts_per_second"
        f"{'' if args.pace else ', as shipped'}); the bare app keeps to no pace: against the "
        f"most it could post at that pace, entraide is at {spread(paced, '.2f')}x"
    )
    # In every round, not the median: where the bare app keeps up with the offered rate, its
    # round shows what it can do; where it falls behind, its backlog slows it down.
    lowest = min(ratios)
    bare_kept_up = sum(bare.rate * 1.05 >= bare.offered for bare, _ in rounds)
    return [
        f"{verdict(lowest >= TARGET_POSTED_RATIO)} stored and posted: {lowest:.2f}x the bare "
        f"rate in the lowest of {args.rounds} rounds (median {statistics.median(ratios):.2f}x; "
        f"target >= {TARGET_POSTED_RATIO}x in every round; the bare app kept up with the "
        f"offered rate in {bare_kept_up}; entraide paced at {pace:.0f}/s, bare unpaced)",
        f"{verdict(growth <= MEMORY_GROWTH_MAX)} memory bounded under overload: entraide's grew "
        f"{growth:+.0%} at most from the second to the last quarter of a window "
        f"(target <= {MEMORY_GROWTH_MAX:+.0%})",
    ]


def capacities(args, databases: Databases, api_url: str, hooks: str, fake: Connection) -> list[str]:
    """Each side's capacity: the highest offered rate whose cards it posts as they come
    (``KEPT_UP`` of them within the window), found by halving the range between the steady
    rate and ``--rate``; each step on a fresh server and database, the sides taking turns
    round by round. Above capacity the bare app's rate depends on how its backlog weighs on
    it; its capacity does not."""
    print(
        f"\n4. capacity: the highest /ask rate each side keeps up with ({KEPT_UP:.0%} of the "
        f"cards posted within {CAPACITY_SECONDS:.0f} s windows), searched between "
        f"{args.steady_rate:.0f} and {args.rate:.0f}/s, {databases.kind}, {args.rounds} rounds "
        "interleaved"
    )
    print(f"{'round':8}{'side':10}{'capacity/s':>12}   steps (offered → posted/s)")
    sides = posting_sides(args, databases, api_url)

    def keeps_up(make: Callable[[], Server], side: str, rate: float, steps: list[str]) -> bool:
        result, _ = posted_round(make, side, fake, rate, CAPACITY_SECONDS, args, hooks)
        steps.append(f"{result.offered:.0f} → {result.rate:.0f}")
        return result.rate >= KEPT_UP * result.offered

    found: dict[str, list[float]] = {side: [] for side in sides}
    for number in range(1, args.rounds + 1):
        for side, make in sides.items():
            steps: list[str] = []
            low, high = args.steady_rate, args.rate
            if keeps_up(make, side, high, steps):
                low = high
            else:
                for _ in range(CAPACITY_STEPS):
                    middle = (low + high) / 2
                    if keeps_up(make, side, middle, steps):
                        low = middle
                    else:
                        high = middle
            found[side].append(low)
            at_top = "≥" if low == args.rate else ""
            print(f"{number:<8}{side:10}{at_top + format(low, '.0f'):>12}   {', '.join(steps)}")
    ratios = [ours / bare for bare, ours in zip(found["bare"], found["entraide"], strict=True)]
    return [
        f"INFO capacity: entraide keeps up with {spread(found['entraide'], '.0f')} /ask a "
        f"second, the bare app with {spread(found['bare'], '.0f')}: "
        f"{spread(ratios, '.2f')}x (rounds of {args.rounds})",
    ]


def below_capacity(
    args, databases: Databases, api_url: str, hooks: str, fake: Connection
) -> list[str]:
    rounds = posted_rounds(
        args, databases, api_url, hooks, fake, args.steady_rate, STEADY_SECONDS, "3. below capacity"
    )
    kept_up = all(r.rate >= r.offered * 0.9 for pair in rounds for r in pair)
    ours = statistics.median(o.cpu_ms for _, o in rounds)
    bare = statistics.median(b.cpu_ms for b, _ in rounds)
    return [
        f"INFO below capacity ({args.steady_rate:.0f}/s, both sides "
        f"{'keeping up' if kept_up else 'NOT keeping up'}): entraide {ours:.1f} ms of CPU a "
        f"card, bare {bare:.1f} ms (medians of {args.rounds}): entraide would post "
        f"{bare / ours:.2f}x the bare rate with the CPU as the only limit",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each side (A B A B …)")
    parser.add_argument("--requests", type=int, default=3000, help="acks measured per round")
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--rate", type=float, default=800, help="/ask offered per second")
    parser.add_argument("--seconds", type=float, default=20, help="window of a posted round")
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument(
        "--pace",
        type=float,
        help=f"entraide's slack.posts_per_second (default: as shipped, {SHIPPED_PACE:.0f})",
    )
    parser.add_argument(
        "--steady-rate", type=float, default=40, help="/ask per second below capacity"
    )
    parser.add_argument("--only", choices=["acks", "posted", "capacity"])
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="PostgreSQL server to use instead of SQLite (a database is created per server, "
        "then dropped), e.g. postgresql://postgres@127.0.0.1:5432/test",
    )
    args = parser.parse_args()
    multiprocessing.set_start_method("spawn")
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        os.environ.pop(name, None)  # everything here is local

    folder = Path(tempfile.mkdtemp(prefix="entraide-bench-"))
    databases = Databases(folder, args.postgres)
    ours, theirs = multiprocessing.Pipe()
    fake = multiprocessing.Process(target=serve_fake_slack, args=(theirs, args.channels))
    fake.start()
    hooks = f"http://127.0.0.1:{ours.recv()}"
    summary = []
    try:
        if args.only in (None, "acks"):
            summary += acks(args, databases, f"{hooks}/api/", hooks)
        if args.only in (None, "posted"):
            summary += stored_and_posted(args, databases, f"{hooks}/api/", hooks, ours)
            summary += below_capacity(args, databases, f"{hooks}/api/", hooks, ours)
        if args.only in (None, "capacity"):
            summary += capacities(args, databases, f"{hooks}/api/", hooks, ours)
    finally:
        ours.send("stop")
        fake.join(timeout=10)
        databases.drop_all()
        shutil.rmtree(folder, ignore_errors=True)
    load = os.getloadavg()[0]
    print(f"\nload average {load:.1f} on {os.cpu_count()} cores at the end")
    for line in summary:
        print(line)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    raise SystemExit(main())
