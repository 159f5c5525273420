#!/usr/bin/env python3
"""Abusive clients against a running newsdesk on 127.0.0.1 (run by bench/abuse.sh).

Scenarios, each bounded in connections and time:
  slowloris  300 connections trickle header lines; how many are still open after 30 s
  idle       10,000 idle connections: RSS before/during/after, how many the server closed
  login      300 concurrent wrong-password logins for a missing user, then for the admin
  preview    two 200 KB worst-case previews while a reader loads article pages
  full       a server started with `ulimit -n 1024` (by abuse.sh) with 1,100 silent
             connections: does /healthz still answer

Usage: abuse.py PORT PID SCENARIO [ADMIN_PASSWORD]
Only the standard library; only 127.0.0.1.
"""

import asyncio
import re
import statistics
import sys
import time
import urllib.parse

HOST = "127.0.0.1"


def mem(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0]) // 1024
    return f"VmRSS {out['VmRSS']} MiB, VmHWM {out['VmHWM']} MiB"


def open_fds(pid):
    import os
    return len(os.listdir(f"/proc/{pid}/fd"))


async def request(port, method, path, headers=None, body=b"", timeout=60):
    """One HTTP/1.1 request on its own connection: (status, headers, body)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
    try:
        head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close",
                "User-Agent: Mozilla/5.0 abuse-bench"]
        for k, v in (headers or {}).items():
            head.append(f"{k}: {v}")
        if body or method == "POST":
            head.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else 0
    hdrs = [tuple(x.split(": ", 1)) for x in lines[1:] if ": " in x]
    return status, hdrs, rest


def cookie(hdrs, name):
    for k, v in hdrs:
        if k.lower() == "set-cookie" and v.startswith(name + "="):
            return v.split(";")[0]
    return None


async def is_open(reader):
    """False once the server has closed the connection (after whatever it sent)."""
    try:
        while True:
            if not await asyncio.wait_for(reader.read(65536), 1):
                return False
    except asyncio.TimeoutError:
        return True
    except (ConnectionError, OSError):
        return False


async def still_open(conns):
    """How many of the (reader, writer) pairs the server has not closed."""
    return sum(await asyncio.gather(*(is_open(r) for r, _ in conns)))


async def connect_many(port, n):
    conns = []
    for i in range(n):
        try:
            conns.append(await asyncio.wait_for(asyncio.open_connection(HOST, port), 5))
        except (OSError, asyncio.TimeoutError) as e:
            print(f"  connection {i} failed: {e!r}")
            break
    return conns


def close_all(conns):
    for _, w in conns:
        w.close()


async def slowloris(port, pid):
    conns = await connect_many(port, 300)
    for _, w in conns:
        w.write(b"GET / HTTP/1.1\r\nHost: x\r\n")
    started = time.monotonic()
    # A header line every 5 s from each, as slowloris does.
    while time.monotonic() - started < 30:
        await asyncio.sleep(5)
        for _, w in conns:
            if not w.is_closing():
                try:
                    w.write(b"X-a: b\r\n")
                except (ConnectionError, OSError):
                    pass
    print(f"slowloris: {len(conns)} connections trickling headers; "
          f"still open after 30 s: {await still_open(conns)}; server {mem(pid)}")
    close_all(conns)


async def idle(port, pid):
    before = mem(pid)
    conns = await connect_many(port, 10000)
    await asyncio.sleep(2)
    during = mem(pid)
    fds = open_fds(pid)
    print(f"idle: {len(conns)} idle connections; before: {before}")
    print(f"idle: during: {during}, server fds {fds}")
    await asyncio.sleep(28)
    print(f"idle: after 30 s: {await still_open(conns)} still open; {mem(pid)}, "
          f"server fds {open_fds(pid)}")
    close_all(conns)
    await asyncio.sleep(2)
    print(f"idle: after the client closed them: {mem(pid)}")


async def login_burst(port, pid, name):
    status, hdrs, _ = await request(port, "GET", "/admin/login")
    csrf = cookie(hdrs, "newsdesk_login_csrf")
    token = csrf.split("=", 1)[1]
    form = urllib.parse.urlencode({"name": name, "password": "wrong-guess", "_csrf": token,
                                   "next": ""}).encode()
    headers = {"Cookie": csrf, "Content-Type": "application/x-www-form-urlencoded"}

    async def one():
        try:
            s, _, _ = await request(port, "POST", "/admin/login", headers, form, timeout=120)
            return s
        except (OSError, asyncio.TimeoutError) as e:
            return type(e).__name__

    started = time.monotonic()
    results = await asyncio.gather(*(one() for _ in range(300)))
    took = time.monotonic() - started
    counts = {}
    for r in results:
        counts[r] = counts.get(r, 0) + 1
    print(f"login burst ({name}): 300 guesses in {took:.1f} s, answers {dict(sorted(counts.items(), key=str))}; "
          f"server {mem(pid)}")


async def sign_in(port, password):
    _, hdrs, _ = await request(port, "GET", "/admin/login")
    csrf = cookie(hdrs, "newsdesk_login_csrf")
    form = urllib.parse.urlencode({"name": "admin", "password": password,
                                   "_csrf": csrf.split("=", 1)[1], "next": ""}).encode()
    status, hdrs, _ = await request(port, "POST", "/admin/login",
                                    {"Cookie": csrf,
                                     "Content-Type": "application/x-www-form-urlencoded"}, form)
    session = cookie(hdrs, "newsdesk_session")
    if status != 303 or not session:
        raise SystemExit(f"sign-in failed: {status}")
    _, _, page = await request(port, "GET", "/admin/articles", {"Cookie": session})
    token = re.search(rb'name="csrf-token" content="([^"]+)"', page).group(1).decode()
    return session, token


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


async def reader(port, paths, seconds):
    lat = []
    errors = 0
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        t = time.monotonic()
        try:
            s, _, _ = await request(port, "GET", paths[i % len(paths)], timeout=60)
            if s != 200:
                errors += 1
        except (OSError, asyncio.TimeoutError):
            errors += 1
        lat.append((time.monotonic() - t) * 1000)
        i += 1
    return lat, errors


async def preview(port, pid, password):
    _, _, home = await request(port, "GET", "/")
    paths = sorted(set(m.decode() for m in re.findall(rb'href="(/articles/[^"]+)"', home)))
    lat, err = await reader(port, paths, 10)
    print(f"preview: reader alone: {len(lat)} pages, p50 {statistics.median(lat):.1f} ms, "
          f"p99 {pct(lat, 99):.1f} ms, errors {err}")
    session, token = await sign_in(port, password)
    headers = {"Cookie": session, "X-CSRF-Token": token,
               "Content-Type": "application/x-www-form-urlencoded"}
    # Two worst cases of 200 KB: lists nested as deep as the bytes allow ("- - - … x", refused by
    # the structure limits), and the costliest body the limits let through (lines of lists nested
    # 47 deep, the deepest allowed).
    bodies = {
        "nested as deep as 200 KB allows": "- " * (100 * 1024 - 1) + "x",
        # 2,100 lines: just under the 100,000 list markers a body may hold (render::limits).
        "47-deep list lines (deepest allowed)": ("* " * 47 + "x\n") * 2100,
    }
    for label, body in bodies.items():
        form = urllib.parse.urlencode({"body": body, "format": "markdown"}).encode()
        await preview_pair(port, pid, paths, headers, form, label)


async def preview_pair(port, pid, paths, headers, form, label):
    previews = []

    async def previewer():
        t = time.monotonic()
        try:
            s, _, out = await request(port, "POST", "/admin/preview", headers, form, timeout=600)
        except (OSError, asyncio.TimeoutError) as e:
            s, out = type(e).__name__, b""
        previews.append((s, (time.monotonic() - t) * 1000, len(out)))

    # One preview each; the reader reads until both are answered (at least 5 s, at most 120 s).
    workers = asyncio.gather(*(previewer() for _ in range(2)))
    lat, err = [], 0
    start = time.monotonic()
    while (len(previews) < 2 or time.monotonic() - start < 5) and time.monotonic() - start < 120:
        more, e = await reader(port, paths, 1)
        lat += more
        err += e
    print(f"preview ({label}): reader during the previews: {len(lat)} pages, "
          f"p50 {statistics.median(lat) if lat else float('nan'):.1f} ms, "
          f"p99 {pct(lat, 99) if lat else float('nan'):.1f} ms, "
          f"max {max(lat, default=0):.0f} ms, errors {err}; server {mem(pid)}")
    try:
        await asyncio.wait_for(workers, 600)
    except asyncio.TimeoutError:
        pass
    answers = ", ".join(f"{s} in {ms / 1000:.1f} s ({n // 1024} KB)" for s, ms, n in previews)
    print(f"preview ({label}): two previews of a {len(form) // 1024} KB form: "
          f"{answers or 'none answered'}{'' if len(previews) == 2 else ' (gave up waiting)'}")


def big_png(side):
    """A side × side RGBA PNG of one colour: 190 KB on disk, side² × 4 bytes decoded."""
    import struct
    import zlib

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    row = b"\x00" + b"\x30\x60\x90\xff" * side
    raw = zlib.compress(row * side, 9)
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


async def image(port, pid, password):
    session, token = await sign_in(port, password)
    png = big_png(7000)
    boundary = "newsdeskabuse"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"big.png\"\r\nContent-Type: image/png\r\n\r\n").encode()
    body += png + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Cookie": session, "X-CSRF-Token": token, "Accept": "application/json",
               "Content-Type": f"multipart/form-data; boundary={boundary}"}
    print(f"image: before: server {mem(pid)}")
    t = time.monotonic()
    answers = await asyncio.gather(*(
        request(port, "POST", "/admin/images", headers, body, timeout=300) for _ in range(4)))
    print(f"image: four 7000 x 7000 PNG uploads ({len(png) // 1024} KB each) at once: "
          f"{[a[0] for a in answers]} in {time.monotonic() - t:.1f} s; server {mem(pid)}")


async def full(port, pid):
    conns = await connect_many(port, 1100)
    await asyncio.sleep(1)
    t = time.monotonic()
    try:
        s, _, _ = await request(port, "GET", "/healthz", timeout=30)
    except (OSError, asyncio.TimeoutError) as e:
        s = type(e).__name__
    took = (time.monotonic() - t) * 1000
    print(f"full: ulimit -n 1024, {len(conns)} silent connections: /healthz -> {s} in {took:.0f} ms; "
          f"{await still_open(conns)} silent still open; server fds {open_fds(pid)}")
    close_all(conns)


def main():
    port, pid, scenario = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    if scenario == "slowloris":
        asyncio.run(slowloris(port, pid))
    elif scenario == "idle":
        asyncio.run(idle(port, pid))
    elif scenario == "login":
        asyncio.run(login_burst(port, pid, "nobody-here"))
        asyncio.run(login_burst(port, pid, "admin"))
    elif scenario == "preview":
        asyncio.run(preview(port, pid, sys.argv[4]))
    elif scenario == "image":
        asyncio.run(image(port, pid, sys.argv[4]))
    elif scenario == "full":
        asyncio.run(full(port, pid))
    else:
        raise SystemExit(f"unknown scenario {scenario}")


if __name__ == "__main__":
    main()
