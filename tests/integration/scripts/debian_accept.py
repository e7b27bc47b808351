"""Acceptance script for a Debian root (run as /root/accept.py by test_debian_root.py, on
pykerla and natively in a chroot): threads with a lock and a condition, a process pool,
a subprocess, json, sqlite3 and epoll. Every line it prints is deterministic."""

import json
import multiprocessing
import os
import select
import sqlite3
import subprocess
import sys
import threading


def threads_with_lock_and_condition() -> None:
    lock = threading.Lock()
    ready = threading.Condition()
    state = {"total": 0, "arrived": 0, "go": False}

    def worker(n: int) -> None:
        with ready:
            state["arrived"] += 1
            ready.notify_all()
            ready.wait_for(lambda: state["go"])
        for _ in range(1000):
            with lock:
                state["total"] += n

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(1, 9)]
    for thread in threads:
        thread.start()
    with ready:
        ready.wait_for(lambda: state["arrived"] == len(threads))
        state["go"] = True
        ready.notify_all()
    for thread in threads:
        thread.join()
    print("threads", state["arrived"], state["total"])


def square(n: int) -> int:
    return n * n


def process_pool() -> None:
    with multiprocessing.Pool(4) as pool:
        print("pool", pool.map(square, range(10)))


def child_process() -> None:
    result = subprocess.run(["ls", "/"], capture_output=True, text=True, check=True)
    print("subprocess", result.returncode, " ".join(sorted(result.stdout.split())))


def json_round_trip() -> None:
    value = {"name": "pykerla", "list": [1, 2.5, None, True], "nested": {"x": "é"}}
    text = json.dumps(value, sort_keys=True)
    print("json", text, json.loads(text) == value)


def sqlite_in_memory() -> None:
    db = sqlite3.connect(":memory:")
    db.execute("create table t (grp text, x integer)")
    db.executemany("insert into t values (?, ?)", [("ab"[i % 2], i) for i in range(20)])
    rows = db.execute("select grp, count(*), sum(x), max(x) from t group by grp order by grp").fetchall()
    print("sqlite", rows)


def epoll_on_a_pipe() -> None:
    r, w = os.pipe()
    ep = select.epoll()
    ep.register(r, select.EPOLLIN)
    before = ep.poll(0)
    os.write(w, b"ping")
    after = [(fd == r, events) for fd, events in ep.poll(1)]
    print("epoll", before, after, os.read(r, 16))
    ep.close()
    os.close(r)
    os.close(w)


def main() -> int:
    steps = sys.argv[1:] or ["threads", "pool", "subprocess", "json", "sqlite", "epoll"]
    actions = {"threads": threads_with_lock_and_condition, "pool": process_pool, "subprocess": child_process,
               "json": json_round_trip, "sqlite": sqlite_in_memory, "epoll": epoll_on_a_pipe}
    for step in steps:
        actions[step]()
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
