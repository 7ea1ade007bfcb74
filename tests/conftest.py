"""Shared fixtures: the real-world corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def corpus_path() -> Path | None:
    """The shared corpus folder, or None where this clone has none."""
    from storage.config import load_config

    configured = load_config().corpus_dir
    folder = Path(configured) if configured else ROOT.parent / "shared" / "corpus"
    return folder if (folder / "MANIFEST.tsv").is_file() else None


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The corpus folder; tests that use it skip where it is absent."""
    folder = corpus_path()
    if folder is None:
        pytest.skip("the shared corpus (../shared/corpus or CORPUS_DIR) is not present in this clone")
    return folder


# -- a real Redis for the whole session, a clean database for every test -----------


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory):
    """A private redis-server on a free port, started by the tests themselves."""
    from storage.redis_server import EmbeddedRedis

    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), persistent=False).start()
    yield server
    server.stop()


@pytest.fixture
def app_env(redis_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Settings for one test: its own DATA_DIR, the test Redis (flushed), fast sweeps."""
    import redis

    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("DATA_DIR", str(data))
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    monkeypatch.setenv("QUEUE_NAME", "tp-test")
    monkeypatch.setenv("WORKER_LOST_AFTER", "3")
    monkeypatch.setenv("SWEEP_INTERVAL", "1")
    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    yield data
    client.flushdb()
    client.close()


@pytest.fixture
def config(app_env):
    from storage.config import load_config

    return load_config()


@pytest.fixture
def jobs(config):
    from services.control import Jobs

    return Jobs(config)


def run_worker_burst(config) -> None:
    """Run every queued step in this process, as a real RQ worker does, until the queue is empty."""
    from storage.redis_conn import get_redis
    from worker.tasks import make_worker

    worker = make_worker(config, get_redis(config), inline=True)
    worker.work(burst=True, logging_level="WARNING", with_scheduler=False)


@pytest.fixture
def burst(config):
    return lambda: run_worker_burst(config)


def stop_worker(process, timeout: float = 60) -> None:
    """Stop a worker process the tests started: SIGTERM (RQ's warm stop), then SIGKILL if it is
    still there after `timeout`, so that a worker slow to stop on a loaded machine never lives on
    into the next tests (it would put back its jobs' records into their Redis)."""
    import subprocess
    import warnings

    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        warnings.warn(
            f"worker {process.pid} did not stop within {timeout:.0f} s of SIGTERM; killed", stacklevel=2
        )
        process.kill()
        process.wait(timeout=30)
