"""Past one machine, checked without a cluster: the image repo2docker builds (Binder, and the
Kubernetes image) and the Zero to JupyterHub values in deploy/.

- binder/requirements.txt is what uv.lock exports today, so the image installs the locked set;
- repo2docker picks its Python build pack with Python 3.11 and installs exactly that file, then
  runs binder/postBuild, which stops the build unless each locked version is the installed one
  (both scripts run here too, on a venv that stands in for the image's Python);
- the image gets every tracked file and nothing git ignores (no local .venv);
- binder/start serves the learner's workspace;
- deploy/values.yaml (with the roster's values) fits the chart's schema, and each JupyterHub
  setting under hub.config is a real trait of the class it names.
"""

import copy
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
DEPLOY = ROOT / "deploy"
SCHEMA = DEPLOY / "z2jh-4.4.0.values.schema.json"
VENV_BIN = Path(sys.executable).parent


def load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


export = load("course_export_requirements", ROOT / "tools" / "export_requirements.py")
roster = load("course_deploy_roster", DEPLOY / "roster.py")
REQUIREMENTS = (BINDER / "requirements.txt").read_text()


# --- binder/requirements.txt and uv.lock -------------------------------------------------------

def test_requirements_are_the_export_of_the_lock():
    difference = export.drift(export.exported(), REQUIREMENTS)
    assert not difference, ("binder/requirements.txt drifted from uv.lock; run `uv run python "
                            "tools/export_requirements.py` and commit it:\n" + difference)


def test_drift_is_reported_with_the_changed_pin(tmp_path, monkeypatch, capsys):
    changed = REQUIREMENTS.replace("jax==0.10.2", "jax==0.10.1")
    assert changed != REQUIREMENTS
    assert "-jax==0.10.2" in export.drift(REQUIREMENTS, changed)
    monkeypatch.setattr(export, "TARGET", tmp_path / "binder" / "requirements.txt")
    export.TARGET.parent.mkdir()
    export.TARGET.write_text(changed)
    monkeypatch.setattr(export, "ROOT", tmp_path)
    monkeypatch.setattr(export, "exported", lambda: REQUIREMENTS)
    assert export.main(["--check"]) == 1
    out, err = capsys.readouterr()
    assert "+jax==0.10.1" in out and "does not match uv.lock" in err


def locked_versions() -> dict[str, set[str]]:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    versions: dict[str, set[str]] = {}
    for package in lock["package"]:
        if "version" in package:
            versions.setdefault(package["name"], set()).add(package["version"])
    return versions


def test_every_pin_is_a_locked_version_with_hashes():
    locked = locked_versions()
    found = export.PIN.findall(REQUIREMENTS)
    assert len(found) > 50  # the pattern really reads the file
    wrong = [f"{name}=={version}" for name, version, _ in found
             if version not in locked.get(export_name(name), set())]
    assert not wrong, f"pinned at versions uv.lock does not hold: {wrong}"
    blocks = re.split(r"\n(?=[A-Za-z0-9])", REQUIREMENTS.split("\n", 2)[2].strip())
    unhashed = [block.split()[0] for block in blocks
                if not block.startswith("#") and "--hash=sha256:" not in block]
    assert not unhashed, f"pins without hashes (pip would not check their files): {unhashed}"


def export_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_course_dependency_is_pinned():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {export_name(re.match(r"[A-Za-z0-9._-]+", spec).group())
              for spec in project["dependencies"]}
    pinned = {export_name(name) for name, _, _ in export.PIN.findall(REQUIREMENTS)}
    assert wanted <= pinned, f"course dependencies missing from the image: {wanted - pinned}"
    assert "pytest" not in pinned and "jupyterhub" not in pinned  # no test or classroom group


def test_this_environment_is_the_locked_one():
    # .venv comes from `uv sync --locked`: the check the image build runs passes on it ...
    assert export.not_installed(REQUIREMENTS) == []
    # ... and names what differs when a pin is not what is installed.
    changed = REQUIREMENTS.replace("jax==0.10.2", "jax==0.0.1")
    assert export.not_installed(changed) == ["jax==0.0.1 (installed: 0.10.2)"]


def test_a_pin_for_another_platform_is_not_required():
    text = "pywin32==312 ; sys_platform == 'win32' \\\n    --hash=sha256:00\n"
    assert export.pins(text) == {} and export.not_installed(text) == []


# --- what repo2docker does with the repository -------------------------------------------------

def repo2docker(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "repo2docker"), *args], capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def dry_run() -> subprocess.CompletedProcess:
    # --no-build prints the Dockerfile and needs no container engine.
    result = repo2docker("--no-build", "--user-id", "1000", "--user-name", "jovyan", str(ROOT))
    assert result.returncode == 0, result.stderr
    return result


# Run apart: importing repo2docker warns (DeprecationWarning), which pytest turns into errors.
PROBE = """
import json, os, sys
from repo2docker.app import Repo2Docker
from repo2docker.buildpacks.base import exclude_paths
app = Repo2Docker()
os.chdir(sys.argv[1])
for buildpack in app.buildpacks:  # as Repo2Docker.build picks one
    pack = buildpack(base_image=app.base_image)
    if pack.detect():
        break
# the files the build pack puts in the image: all but what its .dockerignore excludes
with open(pack.binder_path(".dockerignore")) as f:
    lines = [line.strip() for line in f.read().splitlines()]
context = exclude_paths(".", [line for line in lines if line and line[0] != "#"])
print(json.dumps({"buildpack": type(pack).__name__, "python": pack.python_version,
                  "context": sorted(p for p in context if os.path.isfile(p))}))
"""


@pytest.fixture(scope="module")
def probe() -> dict:
    result = subprocess.run([sys.executable, "-c", PROBE, str(ROOT)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_repo2docker_picks_the_python_buildpack_with_python_3_11(probe):
    assert (probe["buildpack"], probe["python"]) == ("PythonBuildPack", "3.11")


def test_the_dockerfile_installs_the_locked_requirements_and_nothing_else(dry_run):
    assert "Building conda environment for python=3.11" in dry_run.stderr
    dockerfile = dry_run.stdout
    installs = [line for line in dockerfile.splitlines() if "pip install" in line]
    assert installs == ['RUN ${KERNEL_PYTHON_PREFIX}/bin/pip install --no-cache-dir -r '
                        '"binder/requirements.txt"'], installs
    run_post_build = dockerfile.index("RUN ./binder/postBuild")
    assert dockerfile.index("COPY --chown=1000:1000 src/ ${REPO_DIR}/") < run_post_build
    assert 'R2D_ENTRYPOINT="${REPO_DIR}/binder/start"' in dockerfile


def git_lines(*args: str) -> list[str]:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.splitlines()


def test_the_image_gets_the_tracked_files_and_nothing_git_ignores(probe):
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: no tracked files to compare with")
    context = set(probe["context"])
    tracked = {p for p in git_lines("ls-files") if (ROOT / p).is_file()}
    assert tracked - context == set(), "tracked files left out of the image"
    ignored = subprocess.run(["git", "check-ignore", "--stdin"], cwd=ROOT, text=True,
                             input="\n".join(sorted(context)), capture_output=True).stdout
    assert not ignored, f"git-ignored files would go into the image: {ignored.split()[:10]}"
    assert not any(p.startswith((".venv/", ".git/")) for p in context)


# --- binder/postBuild and binder/start, run here ----------------------------------------------

def venv_over_this_one(tmp_path: Path) -> Path:
    """A fresh venv that sees this environment's packages (as the image's Python sees pip's)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")],
                   check=True)
    purelib = next((tmp_path / "venv" / "lib").glob("python3*/site-packages"))
    (purelib / "this_environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return tmp_path / "venv"


def image_env(venv: Path, tmp_path: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env.update(PATH=f"{venv / 'bin'}:{VENV_BIN}:/usr/bin:/bin", REPO_DIR=str(ROOT),
               HOME=str(tmp_path / "home"), JUPYTER_DATA_DIR=str(tmp_path / "jupyter"), **extra)
    return env


def test_post_build_links_the_course_quiets_the_lab_and_verifies_the_lock(tmp_path):
    venv = venv_over_this_one(tmp_path)
    result = subprocess.run([str(BINDER / "postBuild")], cwd=ROOT, capture_output=True,
                            text=True, env=image_env(venv, tmp_path), timeout=300)
    assert result.returncode == 0, result.stderr
    assert "locked packages installed at their locked versions" in result.stdout
    pth = next(venv.glob("lib/python3*/site-packages/jax_custom_rules_course.pth"))
    assert pth.read_text() == f"{ROOT}\n"
    overrides = venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert json.loads(overrides.read_text()) == json.loads((ROOT / "lab" / "overrides.json")
                                                           .read_text())


def test_post_build_stops_when_the_environment_is_not_the_locked_one(tmp_path):
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "bare")],
                   check=True)
    # packaging (to read the markers) and none of the course's packages: the check must refuse.
    purelib = next((tmp_path / "bare" / "lib").glob("python3*/site-packages"))
    shutil.copytree(Path(importlib.util.find_spec("packaging").origin).parent,
                    purelib / "packaging")
    result = subprocess.run([str(BINDER / "postBuild")], cwd=ROOT, capture_output=True,
                            text=True, env=image_env(tmp_path / "bare", tmp_path), timeout=120)
    assert result.returncode != 0
    assert "not the locked environment: " in result.stderr
    assert "jax==0.10.2 (installed: nothing)" in result.stderr


def run_start(tmp_path: Path, venv: Path, command: list[str], **extra: str):
    return subprocess.run([str(BINDER / "start"), *command], cwd=ROOT, capture_output=True,
                          text=True, env=image_env(venv, tmp_path, **extra), timeout=120)


WHERE = ["python", "-c", "import os; print(os.getcwd()); print(os.environ['COURSE_WORKSPACE'])"]


def test_start_serves_the_learners_workspace(tmp_path):
    (tmp_path / "home").mkdir()
    result = run_start(tmp_path, venv_over_this_one(tmp_path), WHERE)
    assert result.returncode == 0, result.stderr
    workspace = tmp_path / "home" / "workspace"
    assert result.stdout.splitlines()[-2:] == [str(workspace), str(workspace)]
    from course.workspace import START_PAGE

    assert (workspace / START_PAGE).is_file() and (workspace / "01_tldr.ipynb").is_file()


def test_start_falls_back_to_the_lessons_when_the_workspace_cannot_be_made(tmp_path):
    (tmp_path / "home").mkdir()
    blocked = tmp_path / "home" / "workspace"
    blocked.write_text("a file where the workspace folder should be")
    result = run_start(tmp_path, venv_over_this_one(tmp_path), WHERE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == [str(ROOT / "notebooks"), str(blocked)]
    assert "could not prepare the workspace" in result.stderr
    assert blocked.read_text().startswith("a file")  # nothing of the learner's is touched


# --- deploy/values.yaml ------------------------------------------------------------------------

def merged(base: dict, overlay: dict) -> dict:
    """Helm's merge of two values files: maps merge key by key, anything else is replaced."""
    out = copy.deepcopy(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def without_required(schema):
    """The chart's schema minus `required`: Helm checks it on values merged with the chart's
    defaults, which deploy/values.yaml only overrides."""
    if isinstance(schema, dict):
        return {k: without_required(v) for k, v in schema.items() if k != "required"}
    if isinstance(schema, list):
        return [without_required(v) for v in schema]
    return schema


@pytest.fixture(scope="module")
def validator():
    schema = without_required(json.loads(SCHEMA.read_text()))
    return jsonschema.Draft7Validator(schema)


@pytest.fixture(scope="module")
def values() -> dict:
    result = subprocess.run([sys.executable, str(DEPLOY / "roster.py"), "--roster",
                             str(ROOT / "classroom.toml")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return merged(yaml.safe_load((DEPLOY / "values.yaml").read_text()),
                  yaml.safe_load(result.stdout))


def schema_errors(validator, values: dict) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(values)]


def test_values_fit_the_charts_schema(validator, values):
    assert schema_errors(validator, values) == []


def test_the_schema_rejects_a_key_the_chart_does_not_know(validator, values):
    wrong = merged(values, {"singleuser": {"memory": {"guarantees": "1G"}}, "culler": {}})
    errors = schema_errors(validator, wrong)
    assert any(e.startswith("singleuser.memory:") and "'guarantees'" in e for e in errors)
    assert any("'culler'" in e for e in errors)


def configurable(name: str):
    """The class a hub.config (or a server argument) section configures, as installed here."""
    from firstuseauthenticator import FirstUseAuthenticator
    from jupyter_server.services.kernels.kernelmanager import MappingKernelManager
    from jupyterhub.app import JupyterHub
    from jupyterhub.auth import Authenticator
    from jupyterhub.spawner import Spawner

    classes = [JupyterHub, Authenticator, Spawner, FirstUseAuthenticator, MappingKernelManager]
    return {cls.__name__: cls for cls in classes}.get(name)


def unknown_settings(config: dict) -> list[str]:
    unknown = []
    for section, settings in config.items():
        cls = configurable(section)
        for trait in settings:
            if cls is None or trait not in cls.class_traits(config=True):
                unknown.append(f"{section}.{trait}")
    for argument in config.get("Spawner", {}).get("args", []):
        section, _, trait = argument.removeprefix("--").partition("=")[0].partition(".")
        cls = configurable(section)
        if cls is None or trait not in cls.class_traits(config=True):
            unknown.append(argument)
    return unknown


def test_every_hub_setting_is_a_trait_of_its_class(values):
    config = values["hub"]["config"]
    assert {"JupyterHub", "Authenticator", "FirstUseAuthenticator"} <= set(config)
    assert unknown_settings(config) == []
    assert unknown_settings({"Authenticator": {"allowed_user": []},
                             "Spawner": {"args": ["--MappingKernelManager.cull_idle=1"]}}) == [
        "Authenticator.allowed_user", "--MappingKernelManager.cull_idle=1"]


def test_the_authenticator_is_firstuse_and_the_roster_decides_who_logs_in(values):
    from importlib.metadata import entry_points

    name = values["hub"]["config"]["JupyterHub"]["authenticator_class"]
    (entry,) = entry_points(group="jupyterhub.authenticators", name=name)
    assert entry.load().__name__ == "FirstUseAuthenticator"  # bcrypt-hashed passwords
    people = tomllib.loads((ROOT / "classroom.toml").read_text())
    auth = values["hub"]["config"]["Authenticator"]
    assert set(auth["allowed_users"]) == set(people["teachers"]) | set(people["learners"])
    assert auth["allow_existing_users"] is False  # the roster alone says who logs in


def test_teachers_are_not_admins_and_cannot_open_a_learners_server(values):
    """Issue 25, finding 1, on Kubernetes too: an admin (or anyone with access:servers) who
    opens a learner's server runs the learner's page with their own login. And a learner's
    ~/.jupyter configures nothing their server sends."""
    people = tomllib.loads((ROOT / "classroom.toml").read_text())
    assert "admin_users" not in values["hub"]["config"]["Authenticator"]
    teacher = values["hub"]["loadRoles"]["teacher"]
    assert teacher["users"] == people["teachers"]
    assert not any(s == "admin:users" or s.startswith("access:servers") or s == "admin:servers"
                   for s in teacher["scopes"]), teacher["scopes"]
    assert {"admin-ui", "list:users", "servers"} <= set(teacher["scopes"])
    assert values["hub"]["config"]["Spawner"]["disable_user_config"] is True


def test_the_workspace_is_on_the_learners_volume_and_learners_land_on_its_start_page(values):
    from course.workspace import START_PAGE

    single = values["singleuser"]
    assert single["extraEnv"]["COURSE_WORKSPACE"] == single["storage"]["homeMountPath"]
    assert single["defaultUrl"] == f"/lab/tree/{START_PAGE}"  # relative to the workspace
    assert single["storage"]["type"] == "dynamic"  # one volume per learner
    assert values["cull"]["enabled"] and not values["cull"]["users"]


def quantity(text: str) -> float:
    """A Kubernetes memory quantity in bytes (512M, 1G, 1Gi)."""
    number, unit = re.fullmatch(r"([0-9.]+)([KMGT]i?)?", str(text)).groups()
    powers = {"K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30,
              "Ti": 2**40}
    return float(number) * powers.get(unit or "", 1)


def test_memory_covers_a_learner_as_measured(values):
    memory = values["singleuser"]["memory"]
    server, kernel = 147e6, 255e6  # measured: idle server, kernel after `import jax`
    assert quantity(memory["guarantee"]) >= server + kernel
    assert quantity(memory["limit"]) >= server + 3 * kernel


def test_the_roster_values_follow_the_roster(tmp_path):
    path = tmp_path / "class.toml"
    path.write_text('teachers = ["tea"]\nlearners = ["ann", "bob"]\n[hub]\nidle_timeout = 900\n')
    given = roster.roster_values(roster.read_roster(path))
    assert given["hub"]["config"] == {"Authenticator": {"allowed_users": ["tea", "ann", "bob"]}}
    assert given["hub"]["loadRoles"]["teacher"]["users"] == ["tea"]
    assert "access:servers" not in given["hub"]["loadRoles"]["teacher"]["scopes"]
    assert given["cull"] == {"timeout": 900}
    path.write_text('teachers = ["tea"]\nlearners = ["ann"]\n[hub]\nteachers_open_servers = true\n')
    opened = roster.roster_values(roster.read_roster(path))["hub"]["loadRoles"]["teacher"]
    assert "access:servers" in opened["scopes"]  # the roster's explicit, documented step


def test_a_bad_roster_gets_one_line(tmp_path):
    path = tmp_path / "class.toml"
    path.write_text('teachers = []\nlearners = ["ann"]\n')
    result = subprocess.run([sys.executable, str(DEPLOY / "roster.py"), "--roster", str(path)],
                            capture_output=True, text=True)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("roster: ") and len(result.stderr.splitlines()) == 1
