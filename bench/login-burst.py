#!/usr/bin/env python3
"""Memory of a server under a burst of concurrent login guesses (loopback only).

For each scenario a fresh release server starts over a temporary data folder; CONCURRENCY login
POSTs are sent at once (one connection each), then the server's VmRSS before, VmHWM (peak) and
VmRSS after are printed with the answers' status codes and the load average.

    cargo build --release --bin newsdesk && python3 bench/login-burst.py
    CONCURRENCY=300 BIN=path/to/newsdesk python3 bench/login-burst.py

Scenarios: guesses for a name that does not exist, and for `admin`, from 127.0.0.1; and guesses
for distinct unknown names spread over 150 loopback addresses (127.0.0.2-151), which no throttle
rule stops, so every one needs a password hash and only the hash slots bound the memory.
Python 3 standard library only.
"""

import asyncio
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

CONCURRENCY = int(os.environ.get("CONCURRENCY", "300"))
PORT = int(os.environ.get("PORT", "18191"))
HOST = "127.0.0.1"


def default_bin():
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "target"
    )
    return os.path.join(target, "release", "newsdesk")


BIN = os.environ.get("BIN") or default_bin()


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


async def request(raw, source=HOST):
    reader, writer = await asyncio.open_connection(HOST, PORT, local_addr=(source, 0))
    writer.write(raw)
    await writer.drain()
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, head.decode("latin-1"), body


async def login_form():
    raw = f"GET /admin/login HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode()
    _, head, _ = await request(raw)
    match = re.search(r"newsdesk_login_csrf=([0-9a-f]{64})", head)
    return match.group(1)


def login_post(csrf, name, password):
    body = urllib.parse.urlencode(
        {"name": name, "password": password, "_csrf": csrf, "next": ""}
    ).encode()
    return (
        f"POST /admin/login HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n"
        f"Cookie: newsdesk_login_csrf={csrf}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def burst(csrf, scenario):
    async def one(i):
        if scenario == "spread":
            source = f"127.0.0.{2 + i % 150}"
            name = f"nobody{i}"
        else:
            source = HOST
            name = "admin" if scenario == "admin" else "nobody"
        try:
            status, _, _ = await request(login_post(csrf, name, f"guess number {i}"), source)
            return status
        except OSError as e:
            return f"error {e.__class__.__name__}"

    return await asyncio.gather(*(one(i) for i in range(CONCURRENCY)))


def run(scenario):
    data = tempfile.mkdtemp(prefix="newsdesk-login-burst-")
    env = dict(os.environ, RUST_LOG="warn")
    server = subprocess.Popen(
        [BIN, "serve", "--no-demo", "--data", data, "--addr", f"{HOST}:{PORT}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                asyncio.run(login_form())
                break
            except OSError:
                time.sleep(0.05)
        csrf = asyncio.run(login_form())
        before = status_kib(server.pid, "VmRSS")
        started = time.monotonic()
        statuses = asyncio.run(burst(csrf, scenario))
        elapsed = time.monotonic() - started
        peak = status_kib(server.pid, "VmHWM")
        time.sleep(2)
        after = status_kib(server.pid, "VmRSS")
        alive = asyncio.run(login_form()) is not None
        with open("/proc/loadavg") as f:
            load = " ".join(f.read().split()[:3])
        counts = dict(sorted(collections.Counter(map(str, statuses)).items()))
        print(
            f"{scenario:8} n={CONCURRENCY} statuses={counts} burst={elapsed:.1f}s "
            f"rss_before={before / 1024:.1f}MiB peak={peak / 1024:.1f}MiB "
            f"rss_after={after / 1024:.1f}MiB alive={alive} load={load}",
            flush=True,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)


def main():
    if not os.path.exists(BIN):
        sys.exit(f"no binary at {BIN}: cargo build --release --bin newsdesk, or set BIN")
    for scenario in sys.argv[1:] or ["nobody", "admin", "spread"]:
        run(scenario)


if __name__ == "__main__":
    main()
