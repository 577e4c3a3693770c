"""Read one learner's progress store, AS THAT LEARNER: `python -I read_progress.py WORKSPACE`,
started by the teachers' progress service (classroom/teacher.py) with the learner's uid and
gid, prints their check records as JSON on stdout.

Running as the learner means the store can only be what the learner may read anyway: a
symlink to another learner's store fails with a permission error. The store must also be a
regular file, not a link, and at most MAX_BYTES (a link to /dev/zero or a huge file is
refused). It is copied into a private temporary folder first and read there, so nothing is
written in the learner's workspace (not even SQLite's shared-memory file).

Standard library only; one line on stderr and exit 1 when the store cannot be read.
"""

import json
import os
import sqlite3
import stat
import sys
import tempfile

STORE = os.path.join(".course", "progress.sqlite")
MAX_BYTES = 64 * 2**20


def copy_regular(source: str, target: str) -> bool:
    """Copy `source` to `target` if it is a regular file (not a link) of at most MAX_BYTES;
    False if it does not exist."""
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return False
    except OSError as e:
        name = os.path.basename(source)
        raise SystemExit(f"{name}: {e.strerror} (a link, or not readable)") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise SystemExit(f"{os.path.basename(source)} is not a regular file")
        if info.st_size > MAX_BYTES:
            raise SystemExit(f"{os.path.basename(source)} is {info.st_size} bytes, over the "
                             f"{MAX_BYTES} limit")
        with open(target, "wb") as out:
            copied = 0
            while chunk := f.read(2**20):
                copied += len(chunk)
                if copied > MAX_BYTES:
                    raise SystemExit(f"{os.path.basename(source)} grew past {MAX_BYTES} bytes")
                out.write(chunk)
    return True


def main(workspace: str) -> None:
    store = os.path.join(workspace, STORE)
    with tempfile.TemporaryDirectory() as private:
        copy = os.path.join(private, "progress.sqlite")
        if not copy_regular(store, copy):
            print("[]")
            return
        copy_regular(store + "-wal", copy + "-wal")  # the write-ahead log holds recent checks
        try:
            con = sqlite3.connect(copy)
            try:
                tables = {r[0] for r in con.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'")}
                columns = {r[1] for r in con.execute("PRAGMA table_info(checks)")}
                said = "feedback" if "feedback" in columns else "NULL"  # older stores
                rows = con.execute(f"SELECT exercise, passed, at, {said} FROM checks ORDER BY "
                                   "rowid").fetchmany(200_000) if "checks" in tables else []
            finally:
                con.close()
        except sqlite3.Error as e:
            raise SystemExit(f"progress.sqlite cannot be read as a progress store ({e})") from None
    def text(value):
        return value if isinstance(value, str) else None

    print(json.dumps([[text(e), p, text(a), text(f)] for e, p, a, f in rows]))


if __name__ == "__main__":
    main(sys.argv[1])
