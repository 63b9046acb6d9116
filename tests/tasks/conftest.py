"""What the real-worker tests share: a site (environment, SQLite file, media folder, a Redis
broker of its own) per test module, Celery workers as subprocesses, and the site's side run by
tests/tasks/driver.py in processes of its own. A module adds settings to the site's environment
with SITE_ENVIRONMENT = {...}.
"""

import json
import os
import shutil
import signal
import subprocess

import pytest

from faults.services import (
    PYTHON,
    ROOT,
    RedisServer,
    site_environment,
    temporary_directory,
    wait_until,
)


class Worker:
    """`celery -A twinning worker`, one process doing one task at a time, in a session of its
    own so that it can be killed with its pool and its picture process at once."""

    def __init__(self, environment, log_path):
        self.environment, self.log_path, self.process = environment, log_path, None

    def start(self):
        self.offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our interpreter, our arguments)
                [PYTHON, "-m", "celery", "--app", "twinning", "worker", "--concurrency", "1"]
                + ["--without-gossip", "--without-mingle", "--loglevel", "INFO"],
                cwd=ROOT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(lambda: " ready." in self.log() or self.process.poll() is not None, 30, "ready")
        assert self.process.poll() is None, self.log()
        return self

    def log(self):
        """What this run of the worker has logged."""
        with self.log_path.open("rb") as log:
            log.seek(self.offset)
            return log.read().decode(errors="replace")

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.process = None

    def stop(self):
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(20)
            self.process = None


@pytest.fixture(scope="module")
def site(request):
    """The environment every process shares, the database migrated, the broker running."""
    directory = temporary_directory("twinning-tasks-")
    broker = RedisServer().start()
    environment = site_environment(
        directory,
        ALLOWED_HOSTS="testserver",
        CELERY_BROKER_URL=broker.url,
        # A task taken by a worker that vanished goes to another after 2 s (production: 1 h).
        CELERY_VISIBILITY_TIMEOUT=2,
        LOG_LEVEL="INFO",
        LOG_FORMAT="plain",
        **getattr(request.module, "SITE_ENVIRONMENT", {}),
    )
    subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
    )
    yield environment, broker, directory
    broker.stop()
    shutil.rmtree(directory, ignore_errors=True)


def run(site, *command):
    environment, _broker, _directory = site
    completed = subprocess.run(  # noqa: S603
        [PYTHON, "-m", "tests.tasks.driver", *command],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.splitlines()[-1]), completed.stdout


@pytest.fixture
def worker(site):
    environment, broker, directory = site
    if broker.process is None:
        broker.start()
    started = Worker(environment, directory / "worker.log").start()
    yield started
    started.stop()
