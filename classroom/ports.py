"""The port of each learner's server: chosen by the hub, and checked to be the learner's own
before the hub routes anything to it.

JupyterHub's LocalProcessSpawner picks a port by binding port 0 and closing the socket, then
starts the server, which binds that port seconds later (25 s under a class's load was seen).
Between the two, the port is free for anyone:
- another learner's server starting at the same moment: seen in benchmarks/classroom.py, two
  servers were given the same port; the hub checked that "something" answered there and sent
  the second learner's address to the first learner's server, which refused them, while their
  own server died on the taken port;
- any process of any learner, who may listen on any free port: the hub would then send
  another learner's address, on that learner's own origin, to a server the first learner
  controls.

So the hub never gives a port to two servers it runs (`pick`), and before it routes, it waits
until something accepts connections on the port and checks, in /proc/net/tcp and tcp6 (every
account's sockets, with their owner), that every socket listening on it belongs to the learner
(`claim`). A port
held by another account fails that start with a message; nothing is routed to it.

Runs as root, in the hub's process.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

LISTEN = "0A"  # the TCP state in /proc/net/tcp


class PortTaken(Exception):
    pass


def listeners(port: int) -> set[int]:
    """The uids of the sockets listening on TCP `port`, on any address."""
    uids = set()
    local = f":{port:04X} "  # the local address's port, as the tables print it
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            text = Path(table).read_text()
        except FileNotFoundError:
            continue
        for line in text.splitlines()[1:]:
            if local not in line:
                continue
            fields = line.split()
            if len(fields) > 7 and fields[3] == LISTEN and fields[1].endswith(local[:-1]):
                uids.add(int(fields[7]))
    return uids


async def answers(port: int) -> bool:
    """Does anything accept a connection on 127.0.0.1:`port`? (Cheap: the tables are read
    only once something does.)"""
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 2)
    except (OSError, TimeoutError):
        return False
    writer.close()
    return True


def free_port() -> int:
    """A port nothing listens on now (the kernel's choice for port 0, as JupyterHub's)."""
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


def pick(given: set[int], attempts: int = 100) -> int:
    """A free port that is not one of `given` (the ports of the hub's other servers)."""
    for _ in range(attempts):
        port = free_port()
        if port not in given:
            return port
    raise RuntimeError(f"no free port outside the {len(given)} given in {attempts} tries")


async def claim(port: int, uid: int, alive, timeout: float, interval: float = 0.2) -> bool:
    """Wait until `port` is listening; raise PortTaken if any socket listening on it belongs
    to another uid than `uid`. Returns True once the learner's own socket listens, False if
    `alive()` turns false (the server died: the hub reports it) or after `timeout` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        # Once something accepts on 127.0.0.1 (where the proxy will connect), read who
        # listens on the port, on any address: only the learner may.
        if await answers(port):
            owners = listeners(port)
            strangers = owners - {uid}
            if strangers:
                raise PortTaken(f"port {port}, given to the server, is held by another "
                                f"account (uid {', '.join(map(str, sorted(strangers)))})")
            if uid in owners:
                return True
        if not alive():
            return False
        await asyncio.sleep(interval)
    return False
