"""Throw-away services for the fault scenarios (tests/faults, `make faults`): a Redis, a
PostgreSQL cluster and the site under gunicorn, each started on a free loopback port, and a
bounded load of public pages whose every answer is counted.

Nothing here touches the machine's shared PostgreSQL or Redis: the scenarios stop, hang and
restart what they started themselves.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not happen within {seconds} s")


def port_open(port):
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def missing_tools():
    """Why the fault scenarios cannot run here, or "" when they can."""
    if shutil.which("redis-server") is None:
        return "redis-server is not installed (Debian: apt-get install redis-server)"
    return ""


def moto_server_command(port):
    """An S3-compatible server (moto) on a loopback port, from this environment."""
    executable = shutil.which("moto_server", path=str(Path(PYTHON).parent))
    if executable is None:
        return [PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    return [executable, "-H", "127.0.0.1", "-p", str(port)]


class RedisServer:
    """A redis-server of our own: keeps nothing on disk, can be stopped, hung and restarted."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
        )
        wait_until(lambda: port_open(self.port), 10, f"Redis on port {self.port} starting")
        return self

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a hung server must be able to exit
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def hang(self):
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def command(self, *args):
        """What redis-cli prints for one command, as lines."""
        result = subprocess.run(
            ["redis-cli", "-p", str(self.port), "--raw", *args],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
        return [line for line in result.stdout.splitlines() if line]

    def keys(self, pattern="*"):
        return self.command("keys", pattern)


class PostgresCluster:
    """A PostgreSQL 15 cluster of our own (initdb into a temporary folder), to restart at will."""

    def __init__(self, directory, port=None):
        self.directory = Path(directory)
        self.data = self.directory / "data"
        self.port = port or free_port()

    @staticmethod
    def missing():
        if not (POSTGRES_BIN / "initdb").exists():
            return f"{POSTGRES_BIN}/initdb not found (Debian: apt-get install postgresql-15)"
        return ""

    def run(self, *args, **kwargs):
        command = [str(POSTGRES_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)

    def init(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        return self

    def start(self):
        self.run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.directory / "log"), "-w", "start",
            "-o", f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1",
        )  # fmt: skip
        return self

    def stop(self, mode="fast"):
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self):
        # Not `pg_ctl restart`: without -l the new server would write to our pipe and
        # subprocess.run would wait for it to close.
        self.stop()
        self.start()

    def url(self, database="twinning"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def client_options(self):
        """How psql, pg_dump and pg_restore reach this cluster."""
        return ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]

    def create_database(self, name):
        subprocess.run(
            ["psql", "-q", *self.client_options(), "-c", f"CREATE DATABASE {name}", "postgres"],
            check=True,
            capture_output=True,
        )


def site_environment(directory, **overrides):
    """Production settings for a site in `directory` (SQLite there unless DATABASE_URL is given)."""
    directory = Path(directory)
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "DATABASE_URL", "REDIS_URL", "PAGE_CACHE_SECONDS"}
    }
    environment.update(
        SECRET_KEY="faults-only-" + os.urandom(16).hex(),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"sqlite:///{directory / 'db.sqlite3'}",
        STATIC_ROOT=str(directory / "static"),
        MEDIA_ROOT=str(directory / "media"),
        LOG_LEVEL="WARNING",
    )
    environment.update({key: str(value) for key, value in overrides.items()})
    return environment


def prepare_site(environment):
    """Migrate, load the demo and collect static files, as `make serve` would find them."""
    for command in (
        ["migrate", "--noinput"],
        ["load_demo"],
        ["collectstatic", "--noinput"],
    ):
        subprocess.run(
            [PYTHON, "manage.py", *command, "--verbosity", "0"],
            cwd=ROOT,
            env=environment,
            check=True,
            capture_output=True,
        )


class Gunicorn:
    """The site under gunicorn with the project's gunicorn.conf.py (2 workers × 4 threads)."""

    def __init__(self, environment, log_path, port=None):
        self.port = port or free_port()
        self.environment = {**environment, "BIND": f"127.0.0.1:{self.port}"}
        self.log_path = Path(log_path)
        self.process = None

    def start(self):
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
            + ["twinning.wsgi:application"],
            cwd=ROOT,
            env=self.environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_until(
            lambda: get(self.port, "/healthz", timeout=2)[0] in (200, 503),
            30,
            "gunicorn answering",
        )
        return self

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
            self.log.close()
        self.process = None

    def log_text(self):
        return self.log_path.read_text(errors="replace")

    def health(self):
        """(status, what /healthz says): {} when it did not answer in JSON."""
        status, _seconds, body = get(self.port, "/healthz")
        try:
            return status, json.loads(body)
        except ValueError:
            return status, {}

    def cache_warnings(self):
        """How many times the workers have logged the cache as unavailable."""
        return self.log_text().count("is unavailable")


def get(port, path, timeout=10, headers=None):
    """(status, seconds, body) of one GET; status 0 when no answer came."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1", **(headers or {})})
        response = connection.getresponse()
        body = response.read()
        return response.status, time.perf_counter() - started, body
    except OSError:
        return 0, time.perf_counter() - started, b""
    finally:
        connection.close()


PAGES = [
    "/en/",
    "/en/partnerships/",
    "/en/partnerships/berlin-beijing/",
    "/de/cities/",
    "/en/cities/dresden/",
    "/zh-hans/activities/",
    "/en/search/?q=judges",
    "/en/feed/",
    "/de/calendar.ics",
]


@dataclass
class LoadResult:
    """Every answer of a load run: status → count, and each request's time."""

    statuses: Counter = field(default_factory=Counter)
    seconds: list = field(default_factory=list)

    @property
    def requests(self):
        return sum(self.statuses.values())

    @property
    def errors(self):
        """Answers of 500 and above, and requests that got no answer at all (status 0)."""
        return sum(count for status, count in self.statuses.items() if status >= 500 or not status)

    def percentile(self, share):
        if not self.seconds:
            return 0.0
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    @property
    def p50(self):
        return statistics.median(self.seconds) if self.seconds else 0.0

    @property
    def p99(self):
        return self.percentile(0.99)

    def describe(self):
        statuses = ", ".join(
            f"{count} × {status}" for status, count in sorted(self.statuses.items())
        )
        return (
            f"{self.requests} requests ({statuses}); "
            f"p50 {self.p50 * 1000:.0f} ms, p99 {self.p99 * 1000:.0f} ms"
        )


def load(port, seconds, connections=8, pages=PAGES, during=None):
    """`connections` clients requesting `pages` in turn for `seconds`; `during(elapsed)` is
    called by the conductor every 0.1 s (to break a service mid-run). Bounded and loopback only."""
    result = LoadResult()
    lock = threading.Lock()
    stop = threading.Event()

    def client(offset):
        n = offset
        while not stop.is_set():
            status, took, _body = get(port, pages[n % len(pages)])
            n += 1
            with lock:
                result.statuses[status] += 1
                result.seconds.append(took)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    while (elapsed := time.monotonic() - started) < seconds:
        if during is not None:
            during(elapsed)
        time.sleep(0.1)
    stop.set()
    for thread in threads:
        thread.join(30)
    return result


def temporary_directory(prefix):
    return Path(tempfile.mkdtemp(prefix=prefix))
