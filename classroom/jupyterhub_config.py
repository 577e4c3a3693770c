# JupyterHub's configuration for `python3 run.py classroom` (classroom/launch.py writes the
# settings this reads, then starts `jupyterhub -f` this file as root).
import asyncio
import json
import math
import os
import pwd
import subprocess
import sys

from firstuseauthenticator import FirstUseAuthenticator
from firstuseauthenticator.firstuseauthenticator import CustomLoginHandler, ResetPasswordHandler
from jupyterhub.app import JupyterHub
from jupyterhub.auth import LocalAuthenticator
from jupyterhub.spawner import LocalProcessSpawner, set_user_setuid
from jupyterhub.utils import url_path_join

S = json.load(open(os.environ["CLASSROOM_SETTINGS"]))
sys.path.insert(0, S["root"])
from classroom import limits, passwords, ports  # noqa: E402
from classroom.launch import TEACHER_SCOPES  # noqa: E402

c = get_config()  # noqa: F821 (JupyterHub defines it when it loads this file)
state = S["state"]
venv_bin = os.path.join(S["venv"], "bin")
ROSTER = frozenset(S["learners"]) | frozenset(S["teachers"])


class LoginHandler(CustomLoginHandler):
    """After a login with a one-time password, the page to choose one's own comes first."""

    def get_next_url(self, user=None, default=None):
        if user is not None and user.name in self.authenticator.must_choose:
            return url_path_join(self.hub.base_url, "auth/change-password")
        return super().get_next_url(user, default)


class ChoosePasswordHandler(ResetPasswordHandler):
    def render_template(self, name, sync=False, **ns):
        # Not async: JupyterHub renders error pages through here with sync=True.
        user = self.current_user
        if (name == "reset.html" and user is not None
                and user.name in self.authenticator.must_choose and not ns.get("result")):
            ns = {**ns, "result": True, "alert": "info", "result_message": (
                "You logged in with a one-time password. Choose your own password now (at "
                f"least {self.authenticator.min_password_length} characters): the one-time "
                "one keeps bringing you back here until you do.")}
        return super().render_template(name, sync=sync, **ns)


class ClassroomAuthenticator(FirstUseAuthenticator, LocalAuthenticator):
    """The roster is the only list of who may log in, and nobody claims an account by arriving
    first: every roster name gets a one-time password from the teacher's command
    (classroom/passwords.py), and the first login with it leads to choosing one's own. One
    system account per roster name, created by the hub (LocalAuthenticator). A name that left
    the roster is removed from the hub's database at start (with its tokens and sessions) and
    its account is never re-created; its files stay."""

    must_choose: set = set()
    throttle = passwords.Throttle()

    async def authenticate(self, handler, data):
        name = self.normalize_username(data.get("username", ""))
        password = data.get("password", "")
        if name not in ROSTER:
            return None  # never a stored password for a name off the roster
        wait = self.throttle.wait(name)
        if wait:
            # Refused before bcrypt: guessing costs neither a try nor the hub's CPU.
            handler.custom_login_error = (
                f"Too many failed logins for {name}: wait {math.ceil(wait)} s and try again. "
                "If you forgot your password, your teacher can give you a new one-time one.")
            self.log.warning("classroom: login for %s refused for %.0f s more (failed logins)",
                             name, wait)
            return None
        # bcrypt in a thread: 0.3 s a login alone, over 1.5 s on a busy machine, during which
        # the hub's loop would answer nobody.
        how = await asyncio.get_running_loop().run_in_executor(
            None, passwords.verify, state, name, password)
        if how is None:
            self.throttle.failed(name)
            return None
        self.throttle.succeeded(name)
        if how == "initial":
            self.must_choose.add(name)
        else:
            self.must_choose.discard(name)
        return name

    def reset_password(self, username, new_password):
        if not self._validate_password(new_password):
            return (f"Password too short! Please choose a password at least "
                    f"{self.min_password_length} characters long.")
        passwords.choose(state, username, new_password)
        self.must_choose.discard(username)
        return "Your password has been changed successfully!"

    def delete_user(self, user):
        """A user deleted on the admin page loses their password: the next start gives them
        a new one-time password if they are still on the roster."""
        passwords.prune(state, ROSTER - {user.name})

    def add_user(self, user):
        if user.name not in ROSTER:
            # JupyterHub then deletes them from its database (delete_invalid_users): a removed
            # learner's sessions and tokens go, and their system account is not re-created.
            raise ValueError(f"{user.name} is not on the roster")
        return super().add_user(user)

    def get_handlers(self, app):
        return [(r"/login", LoginHandler), (r"/auth/change-password", ChoosePasswordHandler)]


class ClassroomSpawner(LocalProcessSpawner):
    """A learner's server as their own account, inside their control group (classroom/
    limits.py): memory, CPU and process limits, and nothing of theirs left running after their
    server stops."""

    def make_preexec_fn(self, name):
        drop_root = set_user_setuid(name)
        quota = LIMITS

        def preexec():
            limits.enter(name, quota)
            drop_root()

        return preexec

    async def start(self):
        limits.prepare(self.user.name, LIMITS)
        # The server's output goes to <state>/servers.log (set here: traitlets would deep-copy
        # an open file given as configuration).
        self.popen_kwargs = {"stdout": SERVERS_LOG, "stderr": subprocess.STDOUT}
        # A port no other server of the hub has, and nothing is routed to it before it is
        # seen listening as this learner (classroom/ports.py).
        self.port = ports.pick(set(PORTS.values()))
        PORTS[self.user.name] = self.port
        try:
            address = await super().start()
        except BaseException:
            PORTS.pop(self.user.name, None)
            raise
        try:
            await ports.claim(self.port, pwd.getpwnam(self.user.name).pw_uid,
                              alive=lambda: self.proc.poll() is None,
                              timeout=self.start_timeout)
        except ports.PortTaken as e:
            self.log.error("classroom: %s's server not started: %s", self.user.name, e)
            await self.stop(now=True)
            raise RuntimeError(f"your server's port was taken by another account ({e}); "
                               "start it again") from None
        return address

    async def stop(self, now=False):
        PORTS.pop(self.user.name, None)
        try:
            await super().stop(now=now)
        finally:
            killed = limits.kill(self.user.name)
            limits.remove(self.user.name)
            if killed:
                self.log.info("classroom: ended %d leftover process(es) of %s", len(killed),
                              self.user.name)


# Root's alone (0600): every server inherits a write-only descriptor, and a learner could reopen
# a readable file through /proc/self/fd and read the other servers' lines.
SERVERS_LOG = os.fdopen(os.open(S["servers_log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600),
                        "a")
os.chmod(S["servers_log"], 0o600)
PORTS: dict[str, int] = {}  # learner -> the port of their running or starting server
LIMITS = limits.Limits(memory=S["memory_limit"], cpu=S["cpu_limit"], tasks=S["tasks_limit"])

# Who: the roster, and nobody else. Teachers are not the hub's admins: their role reads the
# class (users, servers, the progress page) and may start or stop servers, but cannot open a
# learner's server, where a learner's page would run in the teacher's browser
# (README, "Teaching with it"). `teachers_open_servers` is the explicit step that grants it.
c.JupyterHub.authenticator_class = ClassroomAuthenticator
c.Authenticator.allowed_users = set(ROSTER)
c.Authenticator.allow_existing_users = False
c.Authenticator.delete_invalid_users = True
c.Authenticator.admin_users = set()
c.LocalAuthenticator.create_system_users = True
# Debian's adduser makes a 700 home. The GECOS marker tells the classroom's accounts apart.
c.LocalAuthenticator.add_user_cmd = ["adduser", "-q", "--gecos", S["marker"],
                                     "--disabled-password"]  # then the name
c.FirstUseAuthenticator.dbm_path = passwords.dbm_path(state)
c.FirstUseAuthenticator.min_password_length = 8
c.FirstUseAuthenticator.check_passwords_on_startup = False  # the dbm is ours (passwords.py)
teacher_scopes = [*TEACHER_SCOPES,  # and the progress page, a service of this hub only
                  "list:services", "read:services", "access:services!service=progress"]
if S.get("teachers_open_servers"):
    teacher_scopes.append("access:servers")
c.JupyterHub.template_vars = {"announcement_login": (
    "First time here? Log in with the one-time password your teacher gave you; you will then "
    "choose your own.")}

# Where: the public address (HTTPS when certificates are given), the rest on loopback.
c.JupyterHub.ip = S["host"]
c.JupyterHub.port = S["port"]
if S["tls_cert"]:
    c.JupyterHub.ssl_cert = S["tls_cert"]
    c.JupyterHub.ssl_key = S["tls_key"]
if S["subdomain_host"]:
    # Each server on its own origin: a learner's page cannot read the hub's or another
    # server's pages, cookies or tokens (JupyterHub's docs, "Security Overview").
    c.JupyterHub.subdomain_host = S["subdomain_host"]
if S["tls_cert"]:
    # Browsers keep to HTTPS for this host, and the XSRF cookie never travels in clear text.
    c.JupyterHub.tornado_settings = {
        "headers": {"Strict-Transport-Security": "max-age=31536000"},
        "xsrf_cookie_kwargs": {"secure": True},
    }
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = S["hub_port"]
c.ConfigurableHTTPProxy.command = [S["proxy"]]
# Warnings and errors only on the teacher's terminal (JupyterHub appends its own --log-level,
# so a flag in the command is overridden): not a line per route added.
c.ConfigurableHTTPProxy.log_level = "warn"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{S['proxy_api_port']}"
c.ConfigurableHTTPProxy.pid_file = os.path.join(state, "proxy.pid")
# The hub's state in its 700 directory: the database holds every API token.
c.JupyterHub.db_url = "sqlite:///" + os.path.join(state, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(state, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(state, "jupyterhub.pid")

# Each learner's server: their own process, as their own account, on the shared read-only
# environment; classroom/singleuser.py prepares the workspace, then becomes the server.
c.JupyterHub.spawner_class = ClassroomSpawner
c.Spawner.cmd = [S["python"], os.path.join(S["root"], "classroom", "singleuser.py")]
c.Spawner.default_url = "/lab/tree/00_start_here.ipynb"  # course.workspace writes it
# A learner's own files configure nothing the server does (~/.jupyter, user site-packages):
# what their server sends to a browser is the course's, not theirs.
c.Spawner.disable_user_config = True
# Nothing of the teacher's environment (their development .venv, PYTHONPATH) reaches learners.
c.Spawner.env_keep = ["LANG", "LC_ALL"]
c.Spawner.environment = {
    "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
    "PYTHONNOUSERSITE": "1",
    "CLASSROOM_WORKSPACE_NAME": S["workspace"],
    # JAX looks for CPU only (no probing for accelerator plugins), and each kernel's XLA
    # computations use one thread: 40 learners on 2 cores share them by kernel, not by
    # oversubscribed thread pools (benchmarks/classroom.py measures it).
    "JAX_PLATFORMS": "cpu",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
}
if S.get("warm_up") and S["learners"]:
    # Each server, started ahead of the class, starts a spare kernel with JAX imported for the
    # learner's first notebook (lab/spare_kernel.py): a class opening its first lesson at once
    # waits for no kernel. Without the warm-up the learner is there as their server starts,
    # and their notebook starts its kernel then, as before.
    c.Spawner.environment["COURSE_SPARE_KERNEL"] = "1"
# A class logging in at once (benchmarks/classroom.py). A server's start costs about 1.5 s of
# CPU now (its workspace sync imports no JAX; no rfc3987-syntax grammar), so many can start
# together. Past the limit, the hub answers 429 with a wait drawn from the retry range, and a
# learner's browser shows "try again in N seconds": JupyterHub's default range, 30-60 s, made a
# class of 40 wait minutes for servers that start in seconds. The range's low end is about a
# start's median time here.
c.JupyterHub.concurrent_spawn_limit = max(8, 10 * (os.cpu_count() or 2))
# Not a configurable trait in JupyterHub 6.1 (no .tag(config=True): `c.JupyterHub.` would be
# ignored, as a benchmark run showed, still suggesting 30-60 s), so it is set on the hub itself,
# which is loading this file; its web settings are made after this file is read.
JupyterHub.instance().spawn_throttle_retry_range = (3, 8)
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 300
# Inside a server, a kernel idle for 20 minutes is shut down (its memory returns), while the
# learner's files and open tabs stay; the hub culls whole servers after idle_timeout.
c.Spawner.args = ["--MappingKernelManager.cull_idle_timeout=1200",
                  "--MappingKernelManager.cull_interval=120",
                  # Kernels talk to their server over Unix sockets in the learner's runtime
                  # folder (0700), not TCP ports on 127.0.0.1 that every account can reach
                  # (a kernel's IOPub socket publishes its code and outputs to any subscriber).
                  "--KernelManager.transport=ipc"]
# The lab of `python3 run.py lab`: quiet (lab/overrides.json: no news or update prompts), and
# its server settings (lab/jupyter_server_config.py: the start page's progress is current when
# opened; a save from a tab older than a reset is refused). Both are the course's files, outside
# the learner's home, so disable_user_config keeps them.
if os.path.isdir(os.path.join(S["root"], "lab")):
    c.Spawner.args.append("--LabApp.app_settings_dir=" + os.path.join(S["root"], "lab"))
    c.Spawner.environment["JUPYTER_CONFIG_PATH"] = os.path.join(S["root"], "lab")

# Logs: the teacher's terminal keeps the banner, warnings and errors; the hub's log at INFO
# goes to <state>/hub.log, and the learners' servers' output to <state>/servers.log.
c.JupyterHub.logging_config = {
    "handlers": {
        "console": {"level": "WARNING"},
        "file": {"class": "logging.FileHandler", "filename": S["hub_log"],
                 "formatter": "console", "level": "INFO"},
    },
    "loggers": {"JupyterHub": {"level": "INFO", "handlers": ["console", "file"]}},
}

# Services: the idle culler, and the teachers' progress page.
python = S["python"]
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [python, "-m", "jupyterhub_idle_culler",
                    f"--timeout={S['idle_timeout']}",
                    f"--cull-every={max(10, min(300, S['idle_timeout'] // 4))}"],
    },
    {
        "name": "progress",
        "display": True,  # a link in the hub's Services menu, for those allowed to open it
        "url": f"http://127.0.0.1:{S['service_port']}",
        "command": [python, "-m", "classroom.teacher"],
        "cwd": S["root"],
        "environment": {"CLASSROOM_SETTINGS": os.environ["CLASSROOM_SETTINGS"]},
        "oauth_no_confirm": True,
    },
]
warm_up = S.get("warm_up") and S["learners"]
if warm_up:
    # The learners' servers, started as soon as the hub is up (classroom/warmup.py), so that a
    # class logging in at once finds them running.
    c.JupyterHub.services.append({
        "name": "warm-up",
        "command": [python, "-m", "classroom.warmup"],
        "cwd": S["root"],
        "environment": {"CLASSROOM_WARM_UP": json.dumps(S["learners"])},
    })
c.JupyterHub.load_roles = [
    {"name": "teacher", "description": "reads the class's progress; cannot open learners' "
     "servers", "scopes": teacher_scopes, "users": sorted(S["teachers"])},
    {"name": "idle-culler", "services": ["idle-culler"],
     "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]},
]
if warm_up:  # see and start the learners' servers only: never a teacher's, never a stop
    c.JupyterHub.load_roles.append({"name": "warm-up", "services": ["warm-up"], "scopes": [
        f"{scope}!user={n}" for n in S["learners"] for scope in ("read:servers",
                                                                 "start:servers")]})
