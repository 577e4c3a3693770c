"""The classroom's passwords: who may log in, and with what.

Nobody claims an account by arriving first. The teacher's command gives every roster name
without a password a one-time password (`ensure_initial`), written for the teacher into
`<state>/initial-passwords.txt` (mode 600, root's). The first login with it leads to the page
where the person chooses their own password; until then the one-time password keeps working,
and it always leads back to that page. A name off the roster never gets a password stored
(the hub's authenticator checks the roster first), and a name that leaves the roster loses its
password at the next start (`prune`). `reset` gives one person a new one-time password, while
the hub runs or not.

The hashes are in the dbm file FirstUseAuthenticator reads (`passwords.dbm`): bcrypt for a
chosen password, salted SHA-256 with the prefix `INITIAL` for a one-time one (see `hashed`).
Every reader and writer holds an exclusive `flock` on `passwords.lock`, the hub's logins and
the teacher's command alike.
"""

from __future__ import annotations

import contextlib
import dbm
import fcntl
import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

import bcrypt

INITIAL = b"initial$"
# Words easy to read aloud and to type: no 0/O, 1/l/I.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def dbm_path(state: Path) -> str:
    return str(Path(state) / "passwords.dbm")


def initial_file(state: Path) -> Path:
    return Path(state) / "initial-passwords.txt"


@contextlib.contextmanager
def store(state: Path):
    """The password dbm, opened under the exclusive lock."""
    state = Path(state)
    fd = os.open(state / "passwords.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with dbm.open(dbm_path(state), "c", 0o600) as db:
            yield db
    finally:
        os.close(fd)


def new_password() -> str:
    """Three groups of four characters (about 59 bits): `k7mq-2xrt-hp4n`."""
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(3))


def hashed(password: str, initial: bool = False) -> bytes:
    """A chosen password: bcrypt (a person's choice may be guessable, so its hash must be slow
    to test). A one-time password: salted SHA-256, since it is 12 random characters (59 bits),
    which no speed of hashing makes guessable in its lifetime, while bcrypt cost 0.25 s of CPU
    per name at every start of a class and at every first login."""
    if initial:
        salt = secrets.token_hex(16)
        return INITIAL + b"sha256$" + salt.encode() + b"$" + _sha256(salt, password)
    return bcrypt.hashpw(password.encode("utf8"), bcrypt.gensalt())


def _sha256(salt: str, password: str) -> bytes:
    return hashlib.sha256((salt + password).encode("utf8")).hexdigest().encode()


def _matches(digest: bytes, password: str) -> bool:
    if digest.startswith(b"sha256$"):
        _, salt, expected = digest.split(b"$", 2)
        return hmac.compare_digest(_sha256(salt.decode(), password), expected)
    return bcrypt.checkpw(password.encode("utf8"), digest)  # chosen, or an older one-time one


def verify(state: Path, name: str, password: str) -> str | None:
    """"initial" or "chosen" when `password` is `name`'s, else None."""
    with store(state) as db:
        stored = db.get(name.encode("utf8"))
    if stored is None:
        return None
    initial = stored.startswith(INITIAL)
    digest = stored[len(INITIAL):] if initial else stored
    if not _matches(digest, password):
        return None
    return "initial" if initial else "chosen"


def unused_initial(state: Path) -> set[str]:
    """The names whose password is still the one-time one: they have not logged in since it
    was given."""
    with store(state) as db:
        return {key.decode("utf8") for key in db.keys() if db[key].startswith(INITIAL)}


def choose(state: Path, name: str, password: str) -> None:
    """`name`'s own password, replacing their one-time one."""
    digest = hashed(password)
    with store(state) as db:
        db[name.encode("utf8")] = digest


def _write_initial(state: Path, given: dict[str, str], drop: set[str] = frozenset()) -> None:
    """Record one-time passwords in the teacher's file (600), newest last; an older line for
    the same name is replaced, and the names in `drop` are left out."""
    path = initial_file(state)
    lines = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                name, _, password = line.partition(" ")
                lines[name] = password.strip()
    lines.update(given)
    lines = {n: p for n, p in lines.items() if n not in drop}
    text = ("# One-time passwords of the classroom: hand each person theirs. Their first login "
            "asks them to\n# choose their own. `python3 run.py classroom --reset-password "
            "NAME` makes a new one.\n"
            + "".join(f"{n} {p}\n" for n, p in lines.items()))
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def ensure_initial(state: Path, names: list[str]) -> dict[str, str]:
    """A one-time password for each name that has no password; return the new ones."""
    given = {}
    with store(state) as db:
        for name in names:
            if db.get(name.encode("utf8")) is None:
                given[name] = new_password()
                db[name.encode("utf8")] = hashed(given[name], initial=True)
    if given:
        _write_initial(state, given)
    return given


def reset(state: Path, name: str) -> str:
    """A new one-time password for `name` (their own one stops working)."""
    password = new_password()
    with store(state) as db:
        db[name.encode("utf8")] = hashed(password, initial=True)
    _write_initial(state, {name: password})
    return password


def prune(state: Path, roster: set[str]) -> list[str]:
    """Drop the password of every name not on the roster; return those names."""
    dropped = []
    with store(state) as db:
        for key in list(db.keys()):
            if key.decode("utf8") not in roster:
                del db[key]
                dropped.append(key.decode("utf8"))
    if dropped and initial_file(state).exists():
        _write_initial(state, {}, drop=set(dropped))
    return sorted(dropped)


class Throttle:
    """Failed logins per name: after `free` failures in a row, that name is refused without a
    password check for `first` seconds, doubling with every further failure up to `longest`.
    A successful login clears it. Per name, not per address: a class behind one address
    (a school's NAT) must not lock each other out, and a guesser who spreads over addresses
    still gets at most one try per lock period per name. The hub keeps it in memory: a restart
    clears it."""

    def __init__(self, free: int = 5, first: float = 30.0, longest: float = 900.0,
                 clock=None):
        self.free, self.first, self.longest = free, first, longest
        self.clock = clock or time.monotonic
        self.failures: dict[str, int] = {}
        self.until: dict[str, float] = {}

    def wait(self, name: str) -> float:
        """Seconds until `name` may try again (0: now)."""
        return max(0.0, self.until.get(name, 0.0) - self.clock())

    def failed(self, name: str) -> None:
        n = self.failures[name] = self.failures.get(name, 0) + 1
        if n >= self.free:
            self.until[name] = self.clock() + min(self.longest,
                                                  self.first * 2 ** (n - self.free))

    def succeeded(self, name: str) -> None:
        self.failures.pop(name, None)
        self.until.pop(name, None)
