"""The load of the Slack HTTP benchmark (``slack_http.py``): signed ``/ask`` requests,
sent closed-loop for the acknowledgements (``closed_loop``, ``AckRound``) or at a fixed
rate for stored and posted (``open_loop``, ``PostedRound``).
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from urllib.parse import urlencode

import aiohttp
from slack_servers import ASKER, Server, channel

WARM_UP = 200  # requests before measuring: connections, caches, first queries
E2E_WARM_UP = 3.0  # seconds at the offered rate before the window opens


# -- the load --------------------------------------------------------------------


def signed_asks(count: int, first: int, channels: int, hooks: str) -> list[tuple[bytes, dict]]:
    """Signed ``/ask`` requests (body, headers), valid for Slack's 5 minutes from now."""
    from tests.adapters.slack.payloads import signature, slash_command

    timestamp = str(int(time.time()))
    asks = []
    for number in range(first, first + count):
        fields = slash_command(
            "/ask",
            f"How do I keep group {number} engaged in long sessions?",
            ASKER,
            channel(number % channels),
            f"{hooks}/hooks/{number}",
        )
        body = urlencode(fields)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature(body, timestamp),
        }
        asks.append((body.encode(), headers))
    return asks


@dataclass
class AckRound:
    side: str
    seconds: float
    latencies: list[float]
    cpu: float  # the server's CPU seconds during the measured requests
    load_cpu: float  # the load's own

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    @property
    def cpu_ms(self) -> float:
        return self.cpu / len(self.latencies) * 1000

    @property
    def load_cpu_ms(self) -> float:
        return self.load_cpu / len(self.latencies) * 1000


def http_request(port: int, body: bytes, headers: dict) -> bytes:
    """One HTTP/1.1 request on a kept-alive connection, as bytes ready to send."""
    lines = ["POST /slack/events HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Client(asyncio.Protocol):
    """A client connection that sends its next request as soon as the last one is answered.

    Requests are built and signed before the clock starts, and answers are read with
    no more parsing than their length needs: the load costs less CPU than the servers,
    so that what is measured is the servers, on a 2-core machine too.
    """

    def __init__(self) -> None:
        self.buffer = b""
        self.began = 0.0
        self.requests = iter(())
        self.latencies: list[float] = []
        self.done: asyncio.Future | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def start(self, requests, latencies: list[float], done: asyncio.Future) -> None:
        """Send from ``requests`` (shared by the connections: each is sent once) until none is left."""
        self.requests, self.latencies, self.done = requests, latencies, done
        self.send()

    def send(self) -> None:
        request = next(self.requests, None)
        if request is None:
            if not self.done.done():
                self.done.set_result(None)
            return
        self.began = time.perf_counter()
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buffer[:end].lower()
        length = int(re.search(rb"content-length: *(\d+)", head).group(1))
        if len(self.buffer) < end + 4 + length:
            return
        answered = time.perf_counter()
        if not head.startswith(b"http/1.1 200"):
            self.done.set_exception(RuntimeError(head.split(b"\r\n")[0].decode()))
            return
        self.buffer = self.buffer[end + 4 + length :]
        self.latencies.append(answered - self.began)
        self.send()

    def connection_lost(self, exc) -> None:
        if self.done is not None and not self.done.done():
            self.done.set_exception(exc or ConnectionError("closed by the server"))


async def closed_loop(
    server: Server, side: str, requests: int, concurrency: int, channels: int, hooks: str
) -> AckRound:
    """Every connection opened and used first (its set-up is not measured), then the
    measured requests, each connection sending its next one when answered."""
    loop = asyncio.get_running_loop()
    clients = []
    for _ in range(concurrency):
        _, client = await loop.create_connection(Client, "127.0.0.1", server.port)
        clients.append(client)

    async def run(asks: list[tuple[bytes, dict]]) -> list[float]:
        queue = iter([http_request(server.port, body, headers) for body, headers in asks])
        latencies: list[float] = []
        finished = [loop.create_future() for _ in clients]
        for client, done in zip(clients, finished, strict=True):
            client.start(queue, latencies, done)
        await asyncio.gather(*finished)
        return latencies

    warm_up = max(WARM_UP, 2 * concurrency)
    await run(signed_asks(warm_up, 0, channels, hooks))
    asks = signed_asks(requests, warm_up, channels, hooks)
    load_cpu, cpu = time.process_time(), server.cpu_seconds()
    began = time.perf_counter()
    latencies = await run(asks)
    seconds = time.perf_counter() - began
    cpu, load_cpu = server.cpu_seconds() - cpu, time.process_time() - load_cpu
    for client in clients:
        client.transport.close()
    return AckRound(side, seconds, latencies, cpu, load_cpu)


@dataclass
class PostedRound:
    side: str
    offered: float  # requests sent per second in the window
    posted: int  # cards Slack received in the window
    seconds: float
    memory: list[float] = field(default_factory=list)  # MB, every half second of the window
    cpu: float = 0.0  # the server's CPU seconds in the window

    @property
    def rate(self) -> float:
        return self.posted / self.seconds

    @property
    def cpu_ms(self) -> float:
        """The server's CPU a card posted in the window took, everything it did included."""
        return self.cpu / max(self.posted, 1) * 1000

    @property
    def growth(self) -> float:
        """Memory of the last quarter of the window against the second quarter."""
        quarter = max(1, len(self.memory) // 4)
        second, last = self.memory[quarter : 2 * quarter], self.memory[-quarter:]
        return max(last) / max(second) - 1


async def open_loop(
    server: Server,
    side: str,
    fake: Connection,
    rate: float,
    seconds: float,
    channels: int,
    hooks: str,
) -> PostedRound:
    """``rate`` requests a second, whatever the answers, for the warm-up and the window."""
    url = f"http://127.0.0.1:{server.port}/slack/events"
    total = int(rate * (E2E_WARM_UP + seconds))
    asks = signed_asks(total, 0, channels, hooks)
    memory: list[float] = []
    sent_in_window = 0

    async def send(session: aiohttp.ClientSession, body: bytes, headers: dict) -> None:
        try:
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
        except aiohttp.ClientError:
            pass  # counted as not posted

    def posts() -> int:
        fake.send("posts")
        return fake.recv()

    connector = aiohttp.TCPConnector(limit=1024)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = set()
        began = time.perf_counter()
        window_opens, window_closes = began + E2E_WARM_UP, began + E2E_WARM_UP + seconds
        before = after = None
        cpu = 0.0
        next_sample = window_opens
        for number, (body, headers) in enumerate(asks):
            at = began + number / rate
            now = time.perf_counter()
            if before is None and now >= window_opens:
                before, cpu = await asyncio.to_thread(posts), server.cpu_seconds()
            if before is not None and now >= next_sample:
                memory.append(server.rss_mb())
                next_sample += 0.5
            if before is not None:
                sent_in_window += 1
            if at > now:
                await asyncio.sleep(at - now)
            task = asyncio.create_task(send(session, body, headers))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.sleep(max(0.0, window_closes - time.perf_counter()))
        after, cpu = await asyncio.to_thread(posts), server.cpu_seconds() - cpu
        elapsed = time.perf_counter() - window_opens
        for task in tasks:
            task.cancel()
    return PostedRound(side, sent_in_window / elapsed, after - before, elapsed, memory, cpu)
