"""Two app servers behind nginx, shown working (`.ci/probe-cluster`; docs/deploy.md).

Starts, on free loopback ports and as processes of its own: a Redis (the cache in database 0,
the task broker in database 1), an S3 server (moto), a database on the shared PostgreSQL, two
gunicorn app servers with production settings (node A and node B), one Celery worker, and nginx
terminating TLS with a throw-away certificate. nginx runs deploy/nginx.conf.example, addresses
and certificate replaced, plus one extra port pinned to each node so that a step can choose its
node. Then, over HTTPS through nginx:

1. a picture uploaded through node A is rendered by the worker and served through node B (its
   `srcset` names the renditions on the object store, and they answer);
2. an edit saved on A changes the page B serves at once (the page cache on the shared Redis);
3. one signed-in session works on both nodes;
4. while 8 clients load public pages through nginx, node A stopped (SIGTERM, an upgrade), then
   restarted and back in rotation, then killed (SIGKILL, the machine lost): no client gets an
   answer of 500 or more, or none at all. A stopped node cuts no answer off; a killed one may cut
   off the few it was sending (counted, never retried by any proxy). Measured with two nodes and
   with one.

The figures are written to docs/deploy.md between markers. A failed proof exits with status 1
and says which; everything started is stopped on the way out, whatever happened.
"""

import contextlib
import http.client
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import traceback
import uuid
from collections import Counter
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

from faults.services import (
    PYTHON,
    ROOT,
    LoadResult,
    free_port,
    moto_server_command,
    port_open,
    wait_until,
)

# One database per run, so that two probes on one machine (two CI jobs) do not drop each other's.
DATABASE = f"twinning_ci_cluster_{os.getpid()}"
POSTGRES = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
EXAMPLE = ROOT / "deploy" / "nginx.conf.example"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
BEGIN = "<!-- cluster-probe:begin (written by .ci/probe-cluster) -->"
END = "<!-- cluster-probe:end -->"
REGION = "eu-central-1"
ADMIN = "/admin/"
INHERITED = {"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR"}
# What core/page_cache.py puts in a cached page's ETag: content version, date, address.
PAGE_CACHE_ETAG = re.compile(r'"(\d+)-\d{4}-\d{2}-\d{2}-[0-9a-f]{12}"')
USER, PASSWORD = "cluster-probe", "probe-" + uuid.uuid4().hex
CITY = "dresden"
# Five pages mostly from the page cache, and one rendered afresh each time (a new address), so
# that a node killed under load is killed in the middle of requests too.
LOAD_PAGES = [
    "/en/",
    "/en/partnerships/",
    "/en/partnerships/berlin-beijing/",
    "/en/cities/dresden/",
    "/de/cities/",
    "/zh-hans/activities/?fresh={n}",
]
CLIENTS, LOAD_SECONDS, KILL_AFTER = 8, 10, 3
CUT_OFF = -1  # the status counted for an answer whose body was cut off
UNVERIFIED = ssl._create_unverified_context()  # noqa: S323 (our own throw-away certificate)


class ProofFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise ProofFailed(message)


def step(message):
    print(f"-- {message}", flush=True)


class Processes:
    """What the probe started, each in a session of its own, so that a node, its workers and
    its children go together when it is stopped or killed."""

    def __init__(self, directory):
        self.directory = directory
        self.started = {}

    def start(self, name, command, environment=None):
        with (self.directory / f"{name}.log").open("ab") as log:
            self.started[name] = subprocess.Popen(  # noqa: S603 (our own commands)
                command,
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self.started[name]

    def signal(self, name, number):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.started[name].pid, number)

    def kill(self, name):
        self.signal(name, signal.SIGKILL)
        self.started[name].wait(10)

    def stop_all(self):
        for name in reversed(self.started):
            if self.started[name].poll() is None:
                self.signal(name, signal.SIGTERM)
        for name, process in self.started.items():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(10)
            self.signal(name, signal.SIGKILL)  # what is left of the group (workers, children)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(5)

    def log(self, name, lines=30):
        path = self.directory / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def run(command, environment=None, timeout=300):
    result = subprocess.run(  # noqa: S603 (our own commands)
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr)[-3000:]
        raise RuntimeError(f"{' '.join(command)} failed:\n{output}")
    return result.stdout


def psql(sql, database="postgres"):
    return run(["psql", "-qAt", *POSTGRES, "-c", sql, database]).strip()


def nginx_configuration(directory, ports, nodes):
    """deploy/nginx.conf.example with the probe's addresses and certificate, inside an nginx.conf
    of the probe's own (its files in `directory`), plus a TLS port pinned to each node."""
    example = EXAMPLE.read_text()
    replacements = {
        "10.0.0.11:8000": f"127.0.0.1:{nodes['A']}",
        "10.0.0.12:8000": f"127.0.0.1:{nodes['B']}",
        "listen 80;": f"listen 127.0.0.1:{ports['http']};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{ports['https']} ssl http2;",
        "/etc/ssl/twinning/fullchain.pem": str(directory / "cert.pem"),
        "/etc/ssl/twinning/privkey.pem": str(directory / "key.pem"),
    }
    for old, new in replacements.items():
        check(old in example, f"deploy/nginx.conf.example no longer contains {old!r}")
        example = example.replace(old, new)
    # The TLS server block (the example's last), copied for the ports pinned to one node.
    tls_listen = example.index(f"listen 127.0.0.1:{ports['https']}")
    tls_server = example[example.rindex("server {", 0, tls_listen) :]
    pinned = []
    for node in ("A", "B"):
        pinned.append(f"upstream node_{node} {{ server 127.0.0.1:{nodes[node]}; }}")
        pinned.append(
            tls_server.replace(
                f"listen 127.0.0.1:{ports['https']}", f"listen 127.0.0.1:{ports[node]}"
            ).replace("proxy_pass http://twinning_app;", f"proxy_pass http://node_{node};")
        )
    temporary = directory / "temp"
    temporary.mkdir()
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the probe's files
    return f"""{user}worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 512; }}
http {{
    log_format probe '$msec|$status|$upstream_addr|$upstream_status|$server_port|$request_uri';
    access_log {directory}/access.log probe;
    client_body_temp_path {temporary}/body;
    proxy_temp_path {temporary}/proxy;
    fastcgi_temp_path {temporary}/fastcgi;
    uwsgi_temp_path {temporary}/uwsgi;
    scgi_temp_path {temporary}/scgi;
{example}
{chr(10).join(pinned)}
}}
"""


class Browser:
    """One visitor over HTTPS to one nginx port: keeps its cookies, sends what a browser sends."""

    def __init__(self, port, cookies=None):
        self.port = port
        self.cookies = dict(cookies or {})

    @property
    def origin(self):
        return f"https://127.0.0.1:{self.port}"

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPSConnection(
            "127.0.0.1", self.port, context=UNVERIFIED, timeout=60
        )
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _sep, value = cookie.split(";", 1)[0].partition("=")
            if value and value != '""':
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        return response.status, response.headers, content.decode("utf-8", "replace")

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields, files=()):
        """A form POST as a browser sends it from `path` itself (Origin, Referer)."""
        boundary = uuid.uuid4().hex
        body = BytesIO()
        for name, value in fields:
            body.write(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            )
            body.write(str(value).encode() + b"\r\n")
        for name, filename, content_type, data in files:
            body.write(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
            )
            body.write(data + b"\r\n")
        body.write(f"--{boundary}--\r\n".encode())
        return self.request(
            "POST",
            path,
            body=body.getvalue(),
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Origin": self.origin,
                "Referer": self.origin + path,
            },
        )


class FormFields(HTMLParser):
    """The fields a browser would submit from the form `form_id`, as they are on the page."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields = []
        self.select = None  # (name, multiple, chosen, first)
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if tag == "option" and self.inside:
            self.handle_option(attrs)
            return
        if not self.inside or "disabled" in attrs or not attrs.get("name"):
            return
        name = attrs["name"]
        kind = attrs.get("type", "text").lower()
        if tag == "input" and kind in {"checkbox", "radio"}:
            if "checked" in attrs:
                self.fields.append((name, attrs.get("value", "on")))
        elif tag == "input" and kind not in {"file", "submit", "button", "image", "reset"}:
            self.fields.append((name, attrs.get("value", "")))
        elif tag == "select":
            self.select = [name, "multiple" in attrs, [], None]
        elif tag == "textarea":
            self.textarea = [name, ""]

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea is not None:
            # A browser drops the one newline that follows <textarea>.
            self.fields.append((self.textarea[0], self.textarea[1].removeprefix("\n")))
            self.textarea = None
        elif tag == "select" and self.select is not None:
            name, multiple, chosen, first = self.select
            if not chosen and not multiple and first is not None:
                chosen = [first]
            self.fields.extend((name, value) for value in chosen)
            self.select = None

    def handle_option(self, attrs):
        if self.select is None:
            return
        value = attrs.get("value", "")
        if self.select[3] is None:
            self.select[3] = value
        if "selected" in attrs:
            self.select[2].append(value)

    @classmethod
    def of(cls, page, form_id):
        parser = cls(form_id)
        parser.feed(page)
        return parser.fields


def csrf_token(page):
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    check(found, "no CSRF token in the form")
    return found.group(1)


def sign_in(browser):
    status, _headers, page = browser.get(f"{ADMIN}login/?next={ADMIN}")
    check(status == 200, f"the sign-in page answered {status}")
    fields = [
        ("csrfmiddlewaretoken", csrf_token(page)),
        ("username", USER),
        ("password", PASSWORD),
        ("next", ADMIN),
    ]
    status, headers, page = browser.post(f"{ADMIN}login/?next={ADMIN}", fields)
    check(
        status == 302 and headers["Location"] == ADMIN,
        f"signing in answered {status} to {headers.get('Location')}: {page[:300]}",
    )


def save_city(browser, city_id, changes, files=()):
    """Open the city's change form, change `changes`, save: as staff would in a browser."""
    path = f"{ADMIN}cities/city/{city_id}/change/"
    status, _headers, page = browser.get(path)
    check(status == 200, f"the city's change form answered {status}")
    fields = FormFields.of(page, "city_form")
    check(any(name == "name_en" for name, _ in fields), "the change form has no name_en field")
    fields = [(name, value) for name, value in fields if name not in changes]
    fields += list(changes.items()) + [("_continue", "Save and continue editing")]
    status, headers, page = browser.post(path, fields, files)
    if status != 302:
        errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.DOTALL)
        raise ProofFailed(f"saving the city answered {status}: {errors or page[:500]}")
    return page


def picture_bytes(size=(2000, 1200)):
    """A JPEG of `size` with detail in it (gradients and stripes), as a photo would have."""
    from PIL import Image, ImageDraw

    picture = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(picture)
    for x in range(0, size[0], 40):
        draw.line([(x, 0), (size[0] - x, size[1])], fill=(x % 255, 90, 200), width=6)
    buffer = BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def image_tag(page):
    found = re.search(r'<img src="([^"]*)"(?: srcset="([^"]*)")?[^>]*alt="Probe picture', page)
    return (found.group(1), found.group(2) or "") if found else (None, None)


def fetch(url):
    """(status, content type, body) of a GET without credentials, as a visitor's browser."""
    match = re.fullmatch(r"http://127\.0\.0\.1:(\d+)(/.*)", url)
    check(match, f"a picture's address {url} is not the object store's")
    connection = http.client.HTTPConnection("127.0.0.1", int(match.group(1)), timeout=10)
    try:
        connection.request("GET", match.group(2))
        response = connection.getresponse()
        return response.status, response.headers["Content-Type"], response.read()
    finally:
        connection.close()


def etag_of(headers):
    return headers.get("ETag", "")


class Load:
    """CLIENTS visitors over HTTPS (one kept-alive connection each, as browsers) requesting the
    public pages in turn for `seconds`. A request that gets no answer counts as status 0."""

    def __init__(self, port):
        self.port = port
        self.runs = 0

    def run(self, seconds, during=None):
        self.runs += 1
        statuses, times, lock, stop = Counter(), [], threading.Lock(), threading.Event()
        errors = Counter()

        def client(offset):
            connection, n = None, offset
            while not stop.is_set():
                # An address no run and no client has asked for before, where it has {n}.
                unique = f"{self.runs}-{offset}-{n}"
                path = LOAD_PAGES[n % len(LOAD_PAGES)].format(n=unique)
                n += 1
                started = time.perf_counter()
                response = None
                try:
                    if connection is None:
                        connection = http.client.HTTPSConnection(
                            "127.0.0.1", self.port, context=UNVERIFIED, timeout=30
                        )
                    connection.request("GET", path)
                    response = connection.getresponse()
                    response.read()
                    status = response.status
                    if response.will_close:
                        connection.close()
                        connection = None
                except (OSError, http.client.HTTPException) as error:
                    # The status line and headers came, the rest did not: cut off. Otherwise
                    # no answer at all.
                    status = CUT_OFF if response is not None else 0
                    with lock:
                        errors[f"{path}: {type(error).__name__} {error}"] += 1
                    if connection is not None:
                        connection.close()
                    connection = None
                took = time.perf_counter() - started
                with lock:
                    statuses[status] += 1
                    times.append(took)
            if connection is not None:
                connection.close()

        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
        started_at = time.time()
        began = time.monotonic()
        for thread in threads:
            thread.start()
        while (elapsed := time.monotonic() - began) < seconds:
            if during is not None:
                during(elapsed)
            time.sleep(0.05)
        stop.set()
        for thread in threads:
            thread.join(60)
        figures = Figures(statuses, times, started_at, time.time())
        figures.client_errors = errors
        return figures


class Figures(LoadResult):
    """A load run through the proxy: LoadResult's counts and times, when it ran, and which node
    answered each request (read from nginx's log)."""

    def __init__(self, statuses, seconds, started, ended):
        super().__init__(statuses, seconds)
        self.started, self.ended = started, ended
        self.upstreams = Counter()
        self.retried = 0
        self.client_errors = Counter()  # what the client got instead of an answer

    @property
    def cut_off(self):
        """Answers whose headers came but not all their body: nginx had begun passing on the
        node's answer when the node died, and cannot take it back to ask another."""
        return self.statuses[CUT_OFF]

    def statuses_text(self):
        label = {0: "no answer", CUT_OFF: "cut off after the headers"}
        return ", ".join(f"{n} × {label.get(s, s)}" for s, n in sorted(self.statuses.items()) if n)

    def describe(self):
        statuses = self.statuses_text()
        seconds = self.ended - self.started
        return (
            f"{self.requests} requests in {seconds:.0f} s ({self.requests / seconds:.0f}/s): "
            f"{statuses}; p50 {self.p50 * 1000:.0f} ms, p99 {self.p99 * 1000:.0f} ms"
            + "".join(f"\n     {n} × {error}" for error, n in self.client_errors.most_common(5))
        )

    def read_proxy_log(self, path, port, names):
        """Which node answered each request of this run, and how many nginx retried."""
        time.sleep(1)  # nginx writes a request's line after the client has had the answer
        for line in path.read_text().splitlines():
            parts = line.split("|", 5)
            if len(parts) < 6 or parts[4] != str(port):
                continue
            if not self.started <= float(parts[0]) <= self.ended:
                continue
            addresses = parts[2].split(", ")
            if len(addresses) > 1:
                self.retried += 1
            self.upstreams[names.get(addresses[-1], addresses[-1])] += 1

    def by_node(self):
        return ", ".join(f"{name} {n}" for name, n in sorted(self.upstreams.items()))


class Cluster:
    def __init__(self, directory):
        self.directory = directory
        self.processes = Processes(directory)
        self.ports = {name: free_port() for name in ("redis", "s3", "http", "https", "A", "B")}
        self.nodes = {"A": free_port(), "B": free_port()}
        self.bucket = f"twinning-{uuid.uuid4().hex[:12]}"
        s3 = f"http://127.0.0.1:{self.ports['s3']}"
        self.s3_url = s3
        origins = [f"https://127.0.0.1:{self.ports[p]}" for p in ("https", "A", "B")]
        self.environment = {
            # Nothing of the caller's site settings (DEBUG, PAGE_CACHE_SECONDS, …) leaks in.
            **{k: v for k, v in os.environ.items() if k in INHERITED},
            "ADMIN_URL": ADMIN.lstrip("/"),
            "SECRET_KEY": "cluster-probe-" + uuid.uuid4().hex + uuid.uuid4().hex,
            "ALLOWED_HOSTS": "127.0.0.1",
            # The proxy listens on ports other than 443 here, so browsers' Origin names them.
            "CSRF_TRUSTED_ORIGINS": ",".join(origins),
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
            "CONN_MAX_AGE": "60",
            "REDIS_URL": f"redis://127.0.0.1:{self.ports['redis']}/0",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.ports['redis']}/1",
            "TRUST_X_FORWARDED_PROTO": "1",
            "TRUSTED_PROXY_COUNT": "1",
            "FORWARDED_ALLOW_IPS": "127.0.0.1",
            "STATIC_ROOT": str(directory / "static"),
            "MEDIA_ROOT": str(directory / "media"),
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_S3_ENDPOINT_URL": s3,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_ACCESS_KEY_ID": "probe",
            "AWS_SECRET_ACCESS_KEY": "probe",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SUPERUSER_USERNAME": USER,
            "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
            "DJANGO_SUPERUSER_EMAIL": "probe@example.org",
            # The probe signs in with the password only (no authenticator app to give a code).
            "TWO_FACTOR_REQUIRED": "0",
        }

    def manage(self, *args):
        return run([PYTHON, "manage.py", *args], self.environment)

    def start(self):
        step("Redis, the S3 server and a database of the probe's own")
        redis = ["redis-server", "--port", str(self.ports["redis"]), "--bind", "127.0.0.1"]
        self.processes.start("redis", [*redis, "--save", "", "--appendonly", "no"])
        self.processes.start("s3", moto_server_command(self.ports["s3"]))
        psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        psql(f"CREATE DATABASE {DATABASE}")
        wait_until(lambda: port_open(self.ports["redis"]), 20, "Redis answering")
        wait_until(lambda: port_open(self.ports["s3"]), 60, "the S3 server answering")
        self.create_bucket()

        step("migrate, load_demo, collectstatic, a superuser")
        collect = subprocess.Popen(  # noqa: S603 (no database: beside migrate)
            [PYTHON, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=ROOT,
            env=self.environment,
            stdout=subprocess.DEVNULL,
        )
        self.manage("migrate", "--noinput", "--verbosity", "0")
        self.manage("load_demo", "--verbosity", "0")
        # Planner statistics, as a database in service has them (autovacuum would take a
        # minute to gather them, and the first runs would be slower for it).
        psql("ANALYZE", DATABASE)
        self.manage("createsuperuser", "--noinput", "--verbosity", "0")
        check(collect.wait(300) == 0, "collectstatic failed")

        step("node A, node B, a worker and nginx")
        for name in self.nodes:
            self.start_node(name)
        worker = [PYTHON, "-m", "celery", "--app", "twinning", "worker", "--concurrency", "1"]
        worker += ["--without-gossip", "--without-mingle", "--loglevel", "INFO"]
        self.processes.start("worker", worker, self.environment)
        self.start_nginx()
        for name in self.nodes:
            wait_until(lambda name=name: self.health(name) == 200, 90, f"node {name} healthy")
        wait_until(lambda: port_open(self.ports["https"]), 20, "nginx listening")

    def create_bucket(self):
        import boto3

        client = boto3.client(
            "s3",
            endpoint_url=self.s3_url,
            region_name=REGION,
            aws_access_key_id="probe",
            aws_secret_access_key="probe",  # noqa: S106 (moto takes any key)
        )
        client.create_bucket(
            Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        # docs/deploy.md's policy: anyone may read the pictures.
        section = DEPLOY_DOC.read_text().split("## Object storage", 1)[1]
        policy = re.search(r"```json\n(.*?)```", section, re.DOTALL).group(1)
        client.put_bucket_policy(Bucket=self.bucket, Policy=policy.replace("BUCKET", self.bucket))

    def start_nginx(self):
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
            + ["-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
            + ["-keyout", str(self.directory / "key.pem"), "-out", str(self.directory / "cert.pem")]
        )
        configuration = self.directory / "nginx.conf"
        configuration.write_text(nginx_configuration(self.directory, self.ports, self.nodes))
        command = [nginx, "-p", str(self.directory), "-c", str(configuration)]
        command += ["-e", str(self.directory / "error.log")]
        run([*command, "-t"])
        self.processes.start("nginx", [*command, "-g", "daemon off;"])

    def health(self, node):
        connection = http.client.HTTPConnection("127.0.0.1", self.nodes[node], timeout=5)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status
        except OSError:
            return 0
        finally:
            connection.close()

    def city(self):
        query = f"SELECT id, image FROM cities_city WHERE slug = '{CITY}'"  # noqa: S608 (ours)
        row = psql(query, DATABASE)
        city_id, _sep, image = row.partition("|")
        check(city_id, f"the demo has no city {CITY}")
        return int(city_id), image

    # --- the proofs -------------------------------------------------------------------------

    def prove_session(self):
        step("3. one signed-in session on both nodes")
        on_a = Browser(self.ports["A"])
        sign_in(on_a)
        check("sessionid" in on_a.cookies, "signing in on node A set no session cookie")
        for node in ("A", "B"):
            visitor = Browser(self.ports[node], {"sessionid": on_a.cookies["sessionid"]})
            status, _headers, page = visitor.get(ADMIN)
            check(
                status == 200 and USER in page,
                f"node {node} answered {status} to the admin index with the session from A",
            )
        anonymous_status = Browser(self.ports["B"]).get(ADMIN)[0]
        check(
            anonymous_status == 302,
            f"node B let a visitor without a session in ({anonymous_status})",
        )
        print("   ok: the session cookie set by node A opens the admin on node A and on node B")
        return on_a

    def prove_picture(self, staff):
        step("1. a picture uploaded through node A, rendered by the worker, served through B")
        city_id, old_image = self.city()
        page_path = f"/en/cities/{CITY}/"
        save_city(
            staff,
            city_id,
            {"image_alt_en": "Probe picture, uploaded through node A"},
            files=[("image", "probe.jpg", "image/jpeg", picture_bytes())],
        )
        _city_id, image = self.city()
        check(image and image != old_image, f"the upload through A was not stored ({image!r})")
        print(f"   uploaded through A: {image}")
        visitor = Browser(self.ports["B"])
        started = time.monotonic()
        srcset = ""
        while time.monotonic() - started < 120:
            status, _headers, page = visitor.get(page_path)
            check(status == 200, f"node B answered {status} for {page_path}")
            src, srcset = image_tag(page)
            if srcset:
                break
            time.sleep(0.5)
        check(
            srcset,
            f"no srcset on node B's page 120 s after the upload: {self.processes.log('worker')}",
        )
        waited = time.monotonic() - started
        root, extension = os.path.splitext(image)
        base = f"{self.s3_url}/{self.bucket}/"
        expected = {f"{base}{root}-{w}w{extension}" for w in (480, 960, 1600)}
        urls = {entry.split()[0] for entry in srcset.split(",")}
        check(expected <= urls, f"node B's srcset {srcset!r} lacks some of {sorted(expected)}")
        from PIL import Image

        for url in sorted(urls | {src}):
            status, content_type, body = fetch(url)
            check(status == 200, f"{url} answered {status}")
            check(content_type == "image/jpeg", f"{url} is {content_type}")
            width = Image.open(BytesIO(body)).width
            named = re.search(r"-(\d+)w\.jpg$", url)
            check(not named or int(named.group(1)) == width, f"{url} is {width} pixels wide")
        query = f"SELECT image_renditions_state FROM cities_city WHERE id = {city_id}"  # noqa: S608
        state = psql(query, DATABASE)
        check(state == "ready", f"the city's renditions state is {state!r}")
        _status, _headers, form = staff.get(f"{ADMIN}cities/city/{city_id}/change/")
        check("renditions ready" in form, "node A's change form does not say 'renditions ready'")
        print(
            f"   ok: node B's page showed the srcset {waited:.1f} s after the upload; "
            f"{len(urls | {src})} addresses on the object store answer 200 (widths checked)"
        )
        return waited

    def prove_edit(self, staff):
        step("2. an edit saved on A changes the page B serves at once")
        city_id, _image = self.city()
        page_path = f"/en/cities/{CITY}/"
        on_b = Browser(self.ports["B"])
        first = on_b.get(page_path)
        second = on_b.get(page_path)
        check(first[0] == second[0] == 200, "node B does not serve the city page")
        cached = PAGE_CACHE_ETAG.fullmatch(etag_of(second[1]))
        check(
            cached and etag_of(first[1]) == etag_of(second[1]),
            f"node B's page is not from the page cache (ETag {etag_of(second[1])!r})",
        )
        summary = f"Edited on node A, {uuid.uuid4().hex[:8]}."
        check(summary not in second[2], "the summary is there before the edit")
        save_city(staff, city_id, {"summary_en": summary})
        status, headers, page = on_b.get(page_path)
        check(
            status == 200 and summary in page, "node B still served the page from before the edit"
        )
        edited = PAGE_CACHE_ETAG.fullmatch(etag_of(headers))
        check(
            edited and int(edited.group(1)) > int(cached.group(1)),
            f"node B's ETag {etag_of(headers)!r} is not of a newer content version",
        )
        print("   ok: node B's cached page was replaced by the next request after the save on A")

    def start_node(self, name):
        node = {**self.environment, "BIND": f"127.0.0.1:{self.nodes[name]}"}
        command = [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
        self.processes.start(f"node-{name}", [*command, "twinning.wsgi:application"], node)

    def wait_in_rotation(self, node, log):
        """Seconds until nginx passes a request to `node` again (passive health: after its
        fail_timeout), with requests going through nginx meanwhile."""
        since, browser = time.time(), Browser(self.ports["https"])
        address = f"127.0.0.1:{self.nodes[node]}"
        while time.time() - since < 60:
            browser.get("/en/")
            for line in log.read_text().splitlines()[-50:]:
                parts = line.split("|", 5)
                if float(parts[0]) >= since and parts[2].split(", ")[-1] == address:
                    return time.time() - since
            time.sleep(0.3)
        raise ProofFailed(f"nginx sent node {node} no request within 60 s of its restart")

    def prove_failover(self):
        step(f"4. load through nginx ({CLIENTS} clients, {LOAD_SECONDS} s each run)")
        names = {f"127.0.0.1:{port}": f"node {name}" for name, port in self.nodes.items()}
        load = Load(self.ports["https"])
        log = self.directory / "access.log"
        for path in LOAD_PAGES:  # warm: each page rendered once and in the cache
            path = path.format(n=0)
            load_status = Browser(self.ports["https"]).get(path)[0]
            check(load_status == 200, f"{path} answered {load_status} through nginx")

        def measured(title, during=None):
            figures = load.run(LOAD_SECONDS, during)
            figures.read_proxy_log(log, self.ports["https"], names)
            print(
                f"   {title}: {figures.describe()}; answered by {figures.by_node()}; "
                f"{figures.retried} retried by nginx on the other node"
            )
            check(
                figures.errors == 0,
                f"{figures.errors} requests got an answer ≥ 500 or none ({title})",
            )
            return title, figures

        def at(seconds, action):
            done = []

            def during(elapsed):
                if elapsed >= seconds and not done:
                    done.append(time.time())
                    action()

            return during

        # Every gunicorn worker process past its first requests (templates compiled,
        # connections open), so that the first measured run is not the slower for it.
        load.run(3)
        runs = [measured("two nodes")]
        check(len(runs[0][1].upstreams) == 2, f"nginx used one node: {runs[0][1].by_node()}")

        # A node stopped as for an upgrade: gunicorn finishes what it has, refuses the rest.
        node_a = self.processes.started["node-A"]
        runs.append(
            measured(
                f"node A stopped (SIGTERM) after {KILL_AFTER} s",
                at(KILL_AFTER, lambda: node_a.send_signal(signal.SIGTERM)),
            )
        )
        check(node_a.wait(60) is not None, "node A did not stop on SIGTERM")
        check(
            runs[-1][1].cut_off == 0, f"a stopping node cut answers off: {runs[-1][1].describe()}"
        )

        self.start_node("A")
        wait_until(lambda: self.health("A") == 200, 90, "node A healthy again")
        back = self.wait_in_rotation("A", log)
        print(f"   node A restarted: nginx sent it requests again {back:.1f} s after it was up")

        # The machine lost: whatever node A was doing is gone.
        runs.append(
            measured(
                f"node A killed (SIGKILL) after {KILL_AFTER} s",
                at(KILL_AFTER, lambda: self.processes.kill("node-A")),
            )
        )
        check(not port_open(self.nodes["A"]), "node A still listens after SIGKILL")
        # Only an answer under way when A died can be cut off: at most one per client.
        check(
            runs[-1][1].cut_off <= CLIENTS,
            f"more answers cut off than were under way: {runs[-1][1].describe()}",
        )

        runs.append(measured("one node (B)"))
        return runs, back


def write_figures(runs, back_seconds, picture_seconds, total_seconds, load_average):
    def row(title, figures):
        seconds = figures.ended - figures.started
        return (
            f"| {title} | {figures.requests} ({figures.requests / seconds:.0f}/s) "
            f"| {figures.statuses_text()} "
            f"| {figures.p50 * 1000:.0f} ms "
            f"| {figures.p99 * 1000:.0f} ms | {figures.by_node()} "
            f"| {figures.retried} |"
        )

    setting = textwrap.fill(
        f"Measured by `.ci/probe-cluster` on {time.strftime('%Y-%m-%d')}, everything on one "
        f"machine with {os.cpu_count()} cores (load average {load_average:.1f} when the runs "
        "began): nginx, both nodes (2 gunicorn workers × 4 threads each), the worker, "
        f"PostgreSQL, Redis, the S3 server and the {CLIENTS} clients share those cores, so a "
        "second node brings no capacity here, only more processes competing for them: the "
        "runs show that failover works, not how throughput grows (on separate machines each "
        f"node brings its own cores). The clients request six public pages in turn for "
        f"{LOAD_SECONDS} s per run over HTTPS, one kept-alive connection each: five pages "
        "mostly from the page cache, one rendered afresh each time (a new address). "
        '"Retried" counts the requests nginx sent to the other node after one failed; the '
        "client saw only the second answer. Node A was restarted between the SIGTERM and the "
        f"SIGKILL runs; nginx sent it requests again {back_seconds:.0f} s after it was up "
        "(passive health checks: `fail_timeout`).",
        width=100,
    )
    cut_off = sum(figures.cut_off for _title, figures in runs)
    cut_off_note = cut_off and textwrap.fill(
        f'{cut_off} × "cut off after the headers": answers node A had begun to send when it '
        "was killed. nginx had passed their status line on to the client and cannot take it "
        "back to ask another node; no proxy can. A graceful stop (SIGTERM, as for an upgrade) "
        "cuts none off.",
        width=100,
    )
    summary = textwrap.fill(
        f"The picture uploaded through node A was on node B's page with its renditions "
        f"{picture_seconds:.1f} s after the upload. The whole probe took {total_seconds:.0f} s.",
        width=100,
    )
    text = "\n".join(
        [
            BEGIN,
            "",
            setting,
            "",
            "| Run | Requests | Statuses at the client | p50 | p99 | Answered by | Retried |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            *(row(title, figures) for title, figures in runs),
            "",
            *([cut_off_note, ""] if cut_off_note else []),
            summary,
            "",
            END,
        ]
    )
    document = DEPLOY_DOC.read_text()
    if BEGIN in document and END in document:
        before, rest = document.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        document = before + text + after
    else:
        document = (
            document.rstrip("\n") + "\n\n## Several app servers (scale-out)\n\n" + text + "\n"
        )
    DEPLOY_DOC.write_text(document)


def main():
    began = time.monotonic()
    directory = Path(tempfile.mkdtemp(prefix="twinning-cluster-"))
    cluster = Cluster(directory)
    # A CI timeout or Ctrl-C stops what was started too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    status = 1
    try:
        cluster.start()
        staff = cluster.prove_session()
        picture_seconds = cluster.prove_picture(staff)
        cluster.prove_edit(staff)
        load_average = os.getloadavg()[0]
        runs, back_seconds = cluster.prove_failover()
        total = time.monotonic() - began
        write_figures(runs, back_seconds, picture_seconds, total, load_average)
        print(f"ok: all four proofs hold ({total:.0f} s); figures written to docs/deploy.md")
        status = 0
    except Exception as failure:  # a proof, or a service that did not start: say which
        if not isinstance(failure, ProofFailed | RuntimeError):
            traceback.print_exc()
        print(f"cluster probe FAILED: {failure}", file=sys.stderr)
        for name in ("node-A", "node-B", "worker", "nginx"):
            print(
                f"--- last lines of {name}'s log:\n{cluster.processes.log(name, 15)}",
                file=sys.stderr,
            )
        error_log = directory / "error.log"
        if error_log.exists():
            print(f"--- nginx error.log:\n{error_log.read_text()[-3000:]}", file=sys.stderr)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second TERM must not cut this short
        cluster.processes.stop_all()
        with contextlib.suppress(Exception):
            psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        if status == 0 or not os.environ.get("KEEP_CLUSTER_LOGS"):
            shutil.rmtree(directory, ignore_errors=True)
        else:
            print(f"logs kept in {directory}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
