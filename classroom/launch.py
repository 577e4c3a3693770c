"""`python3 run.py classroom [options]`: serve the course to a class with JupyterHub.

    --roster FILE       who may log in (default: classroom.toml)
    --state DIR         the hub's private state: its database, the hashed passwords, the cookie
                        secret (default: .classroom/state, mode 700)
    --host HOST         address to listen on (default: 127.0.0.1). Any other address serves the
                        class publicly, which needs --tls-cert and --tls-key
    --port N            port of the hub's public address (default: 8000)
    --tls-cert FILE, --tls-key FILE   certificate and private key for HTTPS (PEM)
    --idle-timeout S    stop a learner's server after S seconds without activity (default 3600)
    --memory-limit SIZE memory per learner, all their processes together (default 2G)
    --cpu-limit N       CPU time per learner, in cores (default 1)
    --tasks-limit N     processes and threads per learner (default 512)
    --subdomain-host URL  serve each person's server on their own subdomain of URL (e.g.
                        https://class.example.org, with DNS and a certificate for
                        *.class.example.org): required for any address but loopback, where
                        it is http://localhost:PORT (servers on NAME.localhost) by default
    --single-origin     on loopback, serve every server from the hub's own origin
                        (http://127.0.0.1:PORT/user/NAME/) instead of NAME.localhost: only for
                        browsers that cannot resolve *.localhost; read the README's warning
    --no-warm-up        do not start the learners' servers ahead of the class (by default the
                        hub starts them as soon as it is up, a few at a time, so that a class
                        logging in at once does not wait for them: classroom/warmup.py)
    --reset-password NAME  give NAME a new one-time password (printed, and written to
                        <state>/initial-passwords.txt), then exit; works while the hub runs

It must run as root: the hub creates one system account per learner (as The Littlest
JupyterHub does) and starts each learner's server under that account. The roster's options
(`[hub]` in classroom.toml) are defaults that the command line overrides.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

from classroom import limits, passwords
from classroom.limits import parse_size

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "classroom"
# The GECOS field of every account the classroom creates: how a later launch (and the tests'
# clean-up) tells its own accounts from the machine's other users.
MARKER = "jax course classroom"
NAME = re.compile(r"[a-z][a-z0-9-]{0,30}")
DEFAULTS = {"host": "127.0.0.1", "port": 8000, "idle_timeout": 3600, "tls_cert": None,
            "tls_key": None, "memory_limit": "2G", "cpu_limit": 1.0, "tasks_limit": 512,
            "subdomain_host": None, "teachers_open_servers": False, "single_origin": False,
            "warm_up": True}
WAIT_NOTICE = 10  # seconds before saying what the install waits for
ENVIRONMENT_TIMEOUT = 600
PROXY_VERSION_FILE = HERE / "node_modules" / "configurable-http-proxy" / "package.json"

# What a teacher may do in the hub, on one machine and on Kubernetes (deploy/roster.py): see
# the admin page's list of users and servers, start and stop servers, but not open a learner's
# server, where a page the learner controls would run in the teacher's browser with the
# teacher's login. `teachers_open_servers = true` in the roster adds "access:servers".
TEACHER_SCOPES = ["admin-ui", "list:users", "read:users", "read:servers", "servers"]


class Refused(Exception):
    """Something the teacher can fix: printed as one line, without a traceback."""


def read_roster(path: Path) -> dict:
    """Teachers, learners and [hub] options from a roster file, checked."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise Refused(f"no roster at {path}: copy classroom.toml and list your class in it, or "
                      "pass --roster FILE") from None
    except tomllib.TOMLDecodeError as e:
        raise Refused(f"{path} is not valid TOML ({e})") from None
    people = {}
    for role in ("teachers", "learners"):
        names = data.get(role, [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise Refused(f"{path}: `{role}` must be a list of account names, like "
                          f'{role} = ["ada", "alan"]')
        for name in names:
            if not NAME.fullmatch(name):
                raise Refused(f"{path}: {name!r} cannot be an account name: use 1 to 31 "
                              "lowercase letters, digits or '-', starting with a letter")
        people[role] = list(dict.fromkeys(names))
    if not people["teachers"]:
        raise Refused(f"{path}: name at least one teacher (teachers = [\"...\"]): teachers are "
                      "the hub's admins and the only ones who see the class's progress")
    both = sorted(set(people["teachers"]) & set(people["learners"]))
    if both:
        raise Refused(f"{path}: {', '.join(both)} listed as both teacher and learner")
    hub = data.get("hub", {})
    unknown = sorted(set(hub) - set(DEFAULTS))
    if unknown:
        raise Refused(f"{path}: unknown [hub] option {', '.join(unknown)} (known: "
                      f"{', '.join(sorted(DEFAULTS))})")
    return {**people, "hub": hub}


def options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python3 run.py classroom", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--roster", type=Path, default=ROOT / "classroom.toml")
    parser.add_argument("--state", type=Path, default=ROOT / ".classroom" / "state")
    for name in ("host", "tls_cert", "tls_key", "memory_limit", "subdomain_host"):
        parser.add_argument("--" + name.replace("_", "-"))
    parser.add_argument("--port", type=int)
    parser.add_argument("--idle-timeout", type=int)
    parser.add_argument("--cpu-limit", type=float)
    parser.add_argument("--tasks-limit", type=int)
    parser.add_argument("--reset-password", metavar="NAME")
    parser.add_argument("--single-origin", action="store_true", default=None)
    parser.add_argument("--no-warm-up", dest="warm_up", action="store_false", default=None)
    args = parser.parse_args(argv)
    args.teachers_open_servers = None  # only the roster's [hub] sets it: a deliberate step
    return args


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def settings_for(args: argparse.Namespace, roster: dict) -> dict:
    """Everything jupyterhub_config.py needs, with the command line over the roster's [hub]."""
    hub = {**DEFAULTS, **roster["hub"]}
    for key in DEFAULTS:
        if getattr(args, key) is not None:
            hub[key] = getattr(args, key)
    if bool(hub["tls_cert"]) != bool(hub["tls_key"]):
        raise Refused("HTTPS needs both --tls-cert FILE and --tls-key FILE (or tls_cert and "
                      "tls_key under [hub]), and only one was given")
    if not is_loopback(hub["host"]):
        if not (hub["tls_cert"] and hub["tls_key"]):
            raise Refused(f"serving on {hub['host']} makes the class reachable from other "
                          "machines, so it needs HTTPS: pass --tls-cert FILE and --tls-key FILE "
                          "(or tls_cert/tls_key under [hub]), or keep the default 127.0.0.1")
        if not hub["subdomain_host"]:
            raise Refused(f"serving on {hub['host']} needs each person's server on their own "
                          "subdomain, so that a page a learner's server sends cannot act in "
                          "anyone else's browser session: pass --subdomain-host "
                          "https://class.example.org (with DNS and a TLS certificate for both "
                          "class.example.org and *.class.example.org)")
    if (not hub["subdomain_host"] and is_loopback(hub["host"]) and not hub["single_origin"]
            and not hub["tls_cert"]):
        # Each person's server on <name>.localhost, which browsers resolve to this machine.
        hub["subdomain_host"] = f"http://localhost:{int(hub['port'])}"
    if hub["subdomain_host"] and not re.fullmatch(r"https?://[a-z0-9.-]+(:\d+)?",
                                                  hub["subdomain_host"]):
        raise Refused(f"--subdomain-host {hub['subdomain_host']!r} should be a URL like "
                      "https://class.example.org, without a path")
    for key in ("tls_cert", "tls_key"):
        if hub[key]:
            path = Path(hub[key]).expanduser().resolve()
            if not path.is_file():
                raise Refused(f"{key.replace('_', '-')} {path} is not a file")
            hub[key] = str(path)
    if hub["tls_key"] and Path(hub["tls_key"]).stat().st_mode & 0o077:
        raise Refused(f"the TLS private key {hub['tls_key']} is readable by other accounts, "
                      "learners included: `chmod 600` it (owned by root)")
    try:
        memory = parse_size(hub["memory_limit"])
    except ValueError as e:
        raise Refused(f"memory-limit: {e}") from None
    if memory < 256 * 2**20 or float(hub["cpu_limit"]) <= 0 or int(hub["tasks_limit"]) < 64:
        raise Refused("the limits are too small for a learner's server and kernel: at least "
                      "memory-limit 256M, cpu-limit above 0, tasks-limit 64")
    if not 0 < int(hub["port"]) < 65536:
        raise Refused(f"port {hub['port']} is not a TCP port")
    venv = ROOT / ".classroom" / "venv"
    return {
        "root": str(ROOT),
        "state": str(args.state.resolve()),
        "venv": str(venv),
        "python": str(venv / "bin" / "python"),
        "proxy": str(HERE / "node_modules" / ".bin" / "configurable-http-proxy"),
        "teachers": roster["teachers"],
        "learners": roster["learners"],
        "marker": MARKER,
        "host": hub["host"],
        "port": int(hub["port"]),
        "tls_cert": hub["tls_cert"],
        "tls_key": hub["tls_key"],
        "idle_timeout": int(hub["idle_timeout"]),
        "memory_limit": memory,
        "cpu_limit": float(hub["cpu_limit"]),
        "tasks_limit": int(hub["tasks_limit"]),
        "subdomain_host": hub["subdomain_host"],
        "teachers_open_servers": bool(hub["teachers_open_servers"]),
        "warm_up": bool(hub["warm_up"]),
        # Internal ports: the hub's API, the proxy's API and the teacher service, on loopback.
        "hub_port": free_port(),
        "proxy_api_port": free_port(),
        "service_port": free_port(),
        "workspace": "course",  # each learner's workspace, relative to their home
        "hub_log": str(args.state.resolve() / "hub.log"),
        "servers_log": str(args.state.resolve() / "servers.log"),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_accounts(names: list[str]) -> None:
    """Refuse a roster name that is an existing account the classroom did not create: the
    learner who claims it would log in as that user (root, a colleague, a service)."""
    for name in names:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        if entry.pw_gecos.split(",")[0] != MARKER:  # adduser appends ",,,"
            raise Refused(f"{name!r} is already an account on this machine, not one the "
                          "classroom created: choose another name in the roster")


def others_can_read(path: Path) -> Path | None:
    """The first directory on the way to `path` (or path itself) that other accounts cannot
    enter or read, or None."""
    for part in [*reversed(path.parents), path]:
        mode = part.stat().st_mode
        need = stat.S_IXOTH | (stat.S_IROTH if part == path else 0)
        if mode & need != need:
            return part
    return None


def classroom_python() -> str:
    """A Python >= 3.11 that every account can run: the one running this, when it is not
    inside a private home (pyenv under /root, say), else the system's."""
    candidates = [sys._base_executable, *(f"/usr/bin/python3.{minor}" for minor in
                                          range(14, 10, -1)), "/usr/bin/python3"]
    for exe in candidates:
        real = Path(exe).resolve()
        if not real.is_file() or others_can_read(real) is not None:
            continue
        version = subprocess.run([str(real), "-c", "import sys; print(sys.version_info >= "
                                  "(3, 11))"], capture_output=True, text=True)
        if version.stdout.strip() == "True":
            return str(real)
    raise Refused("the learners' accounts need a Python 3.11 or newer that they can run, "
                  f"outside any private home ({sys._base_executable} is not): install one, "
                  "e.g. `apt-get install python3.11`")


def uv() -> str:
    found = os.environ.get("UV") or shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    if not Path(found).exists():
        raise Refused("uv not found: run this through `python3 run.py classroom`")
    return found


def install_environment(venv: Path) -> None:
    """The course's locked environment, for the learners: owned by root, readable by all. uv's
    lock file in it is made root's alone: a learner who could open it could hold its lock and
    stall the next start of the class.

    With its bytecode compiled (once, about 11 s on 2 cores; a sync that changes nothing
    compiles nothing): a learner cannot write into it, so without the .pyc files every server
    and kernel of every learner compiled each module it imports from source, at every start
    (measured: +1.5 s of CPU per server start, +1.8 s per kernel's JAX import)."""
    command = [uv(), "sync", "--locked", "--no-default-groups", "--group", "classroom",
               "--python", classroom_python(), "--compile-bytecode", "--quiet"]
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)}
    lock = venv / ".lock"
    if lock.exists():
        lock.chmod(0o600)
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        code = process.wait(timeout=WAIT_NOTICE)
    except subprocess.TimeoutExpired:
        print(f"Waiting for the learners' environment {venv} (uv: installing, or waiting for "
              f"its lock {lock}) ...", flush=True)
        try:
            code = process.wait(timeout=ENVIRONMENT_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            raise Refused(f"installing the learners' environment into {venv} took over "
                          f"{ENVIRONMENT_TIMEOUT} s; if another process holds {lock}, "
                          f"`fuser -v {lock}` shows it") from None
    if code:
        raise Refused(f"installing the learners' environment into {venv} failed (uv's message "
                      "is above)")
    if lock.exists():
        lock.chmod(0o600)


def install_proxy() -> None:
    """configurable-http-proxy at the version and integrity classroom/package-lock.json pins."""
    lock = json.loads((HERE / "package-lock.json").read_text())
    wanted = lock["packages"]["node_modules/configurable-http-proxy"]["version"]
    if PROXY_VERSION_FILE.exists() and json.loads(
            PROXY_VERSION_FILE.read_text()).get("version") == wanted:
        return
    npm = shutil.which("npm")
    if not npm or not shutil.which("node"):
        raise Refused("the hub's proxy (configurable-http-proxy) runs on Node.js: install "
                      "Node.js and npm (Debian: `apt-get install npm`), then run this again")
    print(f"Installing configurable-http-proxy {wanted} (classroom/package-lock.json) ...",
          flush=True)
    result = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                            cwd=HERE, capture_output=True, text=True)
    if result.returncode:
        last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no message"]
        raise Refused(f"npm ci in {HERE} failed ({last[0]}): check the network or the npm "
                      "registry setting")


def prepare_state(settings: dict) -> dict[str, str]:
    """The hub's private state folder, with a password for every roster name: the names that
    left the roster lose theirs; the ones without get a one-time password (returned)."""
    state = Path(settings["state"])
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o700)  # the hub's database and the password hashes: root's alone
    roster = settings["teachers"] + settings["learners"]
    passwords.prune(state, set(roster))
    return passwords.ensure_initial(state, roster)


def prepare(argv: list[str]) -> dict:
    """Check everything, install what is missing, write the settings; return them."""
    args = options(argv)
    roster = read_roster(args.roster)
    settings = settings_for(args, roster)
    if sys.platform != "linux" or os.geteuid() != 0:
        raise Refused("the classroom must run as root on Linux (`sudo python3 run.py "
                      "classroom`): the hub creates one system account per learner and starts "
                      "each learner's server as that account")
    check_accounts(settings["teachers"] + settings["learners"])
    if args.reset_password:
        settings["reset"] = args.reset_password
        return settings
    closed = others_can_read(ROOT)
    if closed is not None:
        raise Refused(f"the learners' accounts cannot read the course: {closed} is private. "
                      "Clone the course somewhere everyone can read (e.g. /opt/course)")
    os.umask(0o022)
    development_lock = ROOT / ".venv" / ".lock"  # run.py's uv takes it; no learner may hold it
    if development_lock.exists():
        development_lock.chmod(0o600)
    install_environment(Path(settings["venv"]))
    install_proxy()
    settings["new_passwords"] = prepare_state(settings)
    path = Path(settings["state"]) / "settings.json"
    hub_settings = {k: v for k, v in settings.items() if k != "new_passwords"}
    path.write_text(json.dumps(hub_settings, indent=2) + "\n")
    return settings


def reset_password(settings: dict) -> int:
    name = settings["reset"]
    if name not in settings["teachers"] + settings["learners"]:
        raise Refused(f"{name} is not on the roster")
    state = Path(settings["state"])
    if not state.is_dir():
        raise Refused(f"no classroom state at {state}: start the classroom once first")
    password = passwords.reset(state, name)
    print(f"{name}'s new one-time password: {password}\n(also in "
          f"{passwords.initial_file(state)}; their old password no longer works, and their "
          "next login asks them to choose their own)")
    return 0


def banner(settings: dict) -> str:
    scheme = "https" if settings["tls_cert"] else "http"
    where = settings["subdomain_host"] or f"{scheme}://{settings['host']}:{settings['port']}"
    new = settings["new_passwords"]
    given = (f"{len(new)} new one-time password(s) ({', '.join(sorted(new))}) are in "
             f"{passwords.initial_file(Path(settings['state']))} (root's alone): hand each "
             "person theirs; their first login asks them to choose their own."
             if new else "Everyone on the roster has a password.")
    kind = limits.mechanism()
    limit = limits.Limits(settings["memory_limit"], settings["cpu_limit"],
                          settings["tasks_limit"])
    enforced = (f"Limits ({kind}): {limit.describe()}; a stopped server leaves no process."
                if kind != "none" else
                f"No control groups here: only {limit.tasks} processes per learner are "
                "enforced (RLIMIT_NPROC); memory and CPU are not limited.")
    warm = (f"The hub starts the {len(settings['learners'])} learners' servers as soon as it "
            "is up, a few at a time (a line here says when they are ready): start it a few "
            "minutes before the class arrives." if settings["warm_up"] and settings["learners"]
            else "Each learner's server starts at their login.")
    return (f"\nThe classroom will be at {where}/ (teachers: {', '.join(settings['teachers'])}; "
            f"{len(settings['learners'])} learners). {given}\n{enforced}\n{warm}\n"
            "This terminal shows "
            f"warnings and errors; the hub's log is {settings['hub_log']}, the learners' "
            f"servers' is {settings['servers_log']}. Stop it with Ctrl-C.\n")


def main(argv: list[str]) -> int:
    try:
        settings = prepare(argv)
        if "reset" in settings:
            return reset_password(settings)
    except Refused as problem:
        print(f"run.py classroom: {problem}.", file=sys.stderr)
        return 1
    print(banner(settings), flush=True)
    env = {**os.environ, "CLASSROOM_SETTINGS": str(Path(settings["state"]) / "settings.json"),
           "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(32)}
    for leak in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):  # the teacher's, not the hub's
        env.pop(leak, None)
    hub = [str(Path(settings["venv"]) / "bin" / "jupyterhub"), "-f",
           str(HERE / "jupyterhub_config.py")]
    os.chdir(settings["state"])
    # A shell starts background jobs with SIGINT ignored, and the hub's services would inherit
    # that: the hub stops them with SIGINT first, so each stop would wait for its timeouts.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.execve(hub[0], hub, env)
