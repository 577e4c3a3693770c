# JupyterHub's configuration for `python3 run.py classroom` (classroom/launch.py writes the
# settings this reads, then starts `jupyterhub -f` this file as root).
import asyncio
import json
import os
import threading

from firstuseauthenticator import FirstUseAuthenticator
from jupyterhub.auth import LocalAuthenticator

S = json.load(open(os.environ["CLASSROOM_SETTINGS"]))
c = get_config()  # noqa: F821 (JupyterHub defines it when it loads this file)
state = S["state"]
venv_bin = os.path.join(S["venv"], "bin")


class ClassroomAuthenticator(FirstUseAuthenticator, LocalAuthenticator):
    """Passwords chosen at first login and stored as bcrypt hashes (FirstUseAuthenticator),
    and one system account per roster name, created by the hub (LocalAuthenticator). Neither
    authenticator alone does both: without the mix-in, create_system_users is ignored."""

    _one_at_a_time = threading.Lock()  # the password file (dbm) takes one writer at a time

    async def authenticate(self, handler, data):
        # FirstUseAuthenticator hashes with bcrypt inside the hub's event loop: 0.3 s a login
        # alone, over 1.5 s on a busy machine, during which the hub answers nobody. In a
        # thread the hub keeps serving while a class logs in.
        def check():
            with self._one_at_a_time:
                return asyncio.run(FirstUseAuthenticator.authenticate(self, handler, data))

        return await asyncio.get_running_loop().run_in_executor(None, check)


# Who: the roster. Teachers are the hub's admins; nobody else may log in.
c.JupyterHub.authenticator_class = ClassroomAuthenticator
c.Authenticator.allowed_users = set(S["learners"]) | set(S["teachers"])
c.Authenticator.admin_users = set(S["teachers"])
c.LocalAuthenticator.create_system_users = True
# Debian's adduser makes a 700 home. The GECOS marker tells the classroom's accounts apart.
c.LocalAuthenticator.add_user_cmd = ["adduser", "-q", "--gecos", S["marker"],
                                     "--disabled-password"]  # then the name
c.FirstUseAuthenticator.dbm_path = os.path.join(state, "passwords.dbm")
c.FirstUseAuthenticator.min_password_length = 8

# Where: the public address (HTTPS when certificates are given), the rest on loopback.
c.JupyterHub.ip = S["host"]
c.JupyterHub.port = S["port"]
if S["tls_cert"]:
    c.JupyterHub.ssl_cert = S["tls_cert"]
    c.JupyterHub.ssl_key = S["tls_key"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = S["hub_port"]
c.ConfigurableHTTPProxy.command = [S["proxy"]]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{S['proxy_api_port']}"
c.ConfigurableHTTPProxy.pid_file = os.path.join(state, "proxy.pid")
# The hub's state in its 700 directory: the database holds every API token.
c.JupyterHub.db_url = "sqlite:///" + os.path.join(state, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(state, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(state, "jupyterhub.pid")

# Each learner's server: their own process, as their own account, on the shared read-only
# environment; classroom/singleuser.py prepares the workspace, then becomes the server.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [S["python"], os.path.join(S["root"], "classroom", "singleuser.py")]
c.Spawner.default_url = "/lab/tree/00_start_here.ipynb"  # course.workspace writes it
c.Spawner.environment = {
    "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
    "CLASSROOM_WORKSPACE_NAME": S["workspace"],
    # JAX looks for CPU only (no probing for accelerator plugins), and each kernel's XLA
    # computations use one thread: 40 learners on 2 cores share them by kernel, not by
    # oversubscribed thread pools (benchmarks/classroom.py measures it).
    "JAX_PLATFORMS": "cpu",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
}
# A class logging in at once: on 2 cores, 40 servers starting together took 130-140 s each
# and some hit the start timeout (benchmarks/classroom.py). A few at a time start faster and
# keep the hub responsive; the others are told to retry (HTTP 429) and the client retries.
c.JupyterHub.concurrent_spawn_limit = max(4, 2 * (os.cpu_count() or 2))
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 300
# Inside a server, a kernel idle for 20 minutes is shut down (its memory returns), while the
# learner's files and open tabs stay; the hub culls whole servers after idle_timeout.
c.Spawner.args = ["--MappingKernelManager.cull_idle_timeout=1200",
                  "--MappingKernelManager.cull_interval=120"]
# The quiet lab of `python3 run.py lab` (lab/overrides.json: no news or update prompts).
if os.path.isdir(os.path.join(S["root"], "lab")):
    c.Spawner.args.append("--LabApp.app_settings_dir=" + os.path.join(S["root"], "lab"))

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
c.JupyterHub.load_roles = [
    {"name": "idle-culler", "services": ["idle-culler"],
     "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]},
]
