"""Six 40-megapixel picture uploads at once against a production-like gunicorn; prints Markdown.

    .venv/bin/python faults/uploads.py [--uploads 6] [--pixels 40000000]

The script sets everything up in a temporary folder and removes it at the end: SQLite, media and
static folders, `migrate`, `load_demo`, `collectstatic`, a superuser, and gunicorn with
gunicorn.conf.py (its default 2 workers × 4 threads) and the production settings of
.ci/probe-production (DEBUG off, SECRET_KEY, ALLOWED_HOSTS, TRUST_X_FORWARDED_PROTO). It signs
in through the admin like a browser (session and CSRF cookies, the form's token), then posts the
same picture to one city's change form from `--uploads` threads at once, while another thread
asks for public pages and times them. Memory is read from /proc: each worker's VmRSS before and
after, its VmHWM (the kernel's peak), and the peak of any process a worker starts. Orphans are
files in MEDIA_ROOT that no city's picture or rendition names, and files left in the workers'
TMPDIR. The report goes to stdout, the progress to stderr. Only 127.0.0.1 is contacted, and every
loop is bounded.
"""

import argparse
import contextlib
import html.parser
import json
import os
import secrets
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
PUBLIC_PAGES = ["/en/", "/en/cities/"]
MAX_SECONDS = 600  # everything stops by then, whatever the server does
USERNAME = "faults-admin"


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


# --- The picture --------------------------------------------------------------------------------


def striped_png(width, height):
    """An RGB PNG of width × height pixels, written row by row (the raster never in memory).

    Horizontal gradients in eight coloured bands: a real picture Pillow must decode in full,
    yet it deflates to a few hundred kilobytes, like the 155 kB one from the report.
    """

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    bands = [(200, 40, 40), (40, 160, 60), (30, 60, 200), (220, 180, 30)]
    bands += [(r // 2, g // 2, b // 2) for r, g, b in bands]
    rows = []
    for red, green, blue in bands:
        row = bytearray(b"\x00")
        for x in range(width):
            shade = x * 255 // max(1, width - 1)
            row += bytes(((red + shade) // 2, (green + shade) // 2, (blue + shade) // 2))
        rows.append(bytes(row))
    compressor = zlib.compressobj(6)
    parts = [compressor.compress(rows[y * len(rows) // height]) for y in range(height)]
    data = b"".join(parts) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


# --- HTTP as a browser behind the TLS proxy ----------------------------------------------------


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Keeps cookies itself: they are Secure, and urllib's jar would not send them over http."""

    def __init__(self, base):
        self.base = base
        self.cookies = {}
        self.lock = threading.Lock()
        self.opener = urllib.request.build_opener(NoRedirects)

    def request(self, path, data=None, content_type=None, timeout=300):
        headers = {
            "X-Forwarded-Proto": "https",
            "Origin": "https://" + self.base.split("//", 1)[1],
            "Referer": "https://" + self.base.split("//", 1)[1] + path,
        }
        with self.lock:
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        # S310: the base is always http://127.0.0.1 (set in main).
        request = urllib.request.Request(self.base + path, data=data, headers=headers)  # noqa: S310
        try:
            response = self.opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            response = error
        body = response.read()
        with self.lock:
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.headers, body


class FormReader(html.parser.HTMLParser):
    """The fields a browser would submit with the form that contains `name="image"`."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.fields, self.select, self.textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.fields = []
            self.forms.append(self.fields)
        elif self.fields is None or "name" not in attrs and tag != "option":
            return
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind not in ("submit", "button", "file", "image", "reset"):
                self.fields.append(
                    [
                        attrs["name"],
                        attrs.get("value", "on" if kind in ("checkbox", "radio") else ""),
                    ]
                )
            elif kind == "file":
                self.fields.append([attrs["name"], None])
        elif tag == "select":
            self.select = [attrs["name"], None, None]
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            if self.select[1] is None:
                self.select[1] = value
            if "selected" in attrs:
                self.select[2] = value
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]

    def handle_endtag(self, tag):
        if tag == "select" and self.select is not None:
            name, first, chosen = self.select
            if chosen is not None or first is not None:
                self.fields.append([name, chosen if chosen is not None else first])
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.fields.append(self.textarea)
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data


def form_fields(page):
    reader = FormReader()
    reader.feed(page.decode())
    return next(form for form in reader.forms if any(name == "image" for name, _ in form))


def multipart(fields, filename, data):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields:
        if name == "image":
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="image"; '
                f'filename="{filename}"\r\nContent-Type: image/png\r\n\r\n'.encode()
                + data
                + b"\r\n"
            )
        else:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def csrf_token(page):
    marker = b'name="csrfmiddlewaretoken" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index(b'"', start)].decode()


# --- Processes ----------------------------------------------------------------------------------


def proc_status(pid):
    """VmRSS and VmHWM in MB, or None once the process is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    values = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values if len(values) == 2 else None


def children(pid):
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):  # the thread or process is gone
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


class Sampler(threading.Thread):
    """Samples the workers' and their own children's memory every 20 ms until stopped."""

    def __init__(self, master):
        super().__init__(daemon=True)
        self.master, self.stop, self.helpers = master, threading.Event(), {}

    def run(self):
        deadline = time.monotonic() + MAX_SECONDS
        while not self.stop.is_set() and time.monotonic() < deadline:
            for worker in children(self.master):
                for helper in children(worker):
                    status = proc_status(helper)
                    if status:
                        self.helpers[helper] = max(self.helpers.get(helper, 0), status["VmHWM"])
            self.stop.wait(0.02)


# --- The run ------------------------------------------------------------------------------------


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else 0


def time_pages(browser, count=None, until=None):
    latencies, failures = [], 0
    deadline = time.monotonic() + MAX_SECONDS
    index = 0
    while time.monotonic() < deadline:
        if count is not None and index >= count or until is not None and until.is_set():
            break
        started = time.monotonic()
        status, _, _ = browser.request(PUBLIC_PAGES[index % len(PUBLIC_PAGES)], timeout=120)
        latencies.append((time.monotonic() - started) * 1000)
        failures += status != 200
        index += 1
    return latencies, failures


def orphans(database, media_root):
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT image, image_renditions FROM cities_city").fetchall()
    named = set()
    for image, renditions in rows:
        if image:
            named.add(image)
            root, ext = os.path.splitext(image)
            named.update(f"{root}-{width}w{ext}" for width in json.loads(renditions or "[]"))
    files = {str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file()}
    return sorted(files - named), len(files)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=6)
    parser.add_argument("--pixels", type=int, default=40_000_000)
    parser.add_argument("--port", type=int, default=8797)
    args = parser.parse_args()
    command = "python faults/uploads.py" + "".join(
        f" --{k} {v}" for k, v in vars(args).items() if v != parser.get_default(k)
    )

    width = int((args.pixels * 8 / 5) ** 0.5)
    width, height = width, args.pixels // width  # 8 : 5, at most --pixels
    png = striped_png(width, height)
    log(f"picture: {width} × {height} PNG, {len(png) / 1000:.0f} kB")

    folder = Path(tempfile.mkdtemp(prefix="twinning-faults-uploads-"))
    database, media, tmp = folder / "db.sqlite3", folder / "media", folder / "tmp"
    media.mkdir()
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "REDIS_URL", "DATABASE_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        SECRET_KEY="faults-" + secrets.token_hex(32),
        ALLOWED_HOSTS="127.0.0.1",
        TRUST_X_FORWARDED_PROTO="1",
        STATIC_ROOT=str(folder / "static"),
        MEDIA_ROOT=str(media),
        TMPDIR=str(tmp),
        BIND=f"127.0.0.1:{args.port}",
        DJANGO_SUPERUSER_PASSWORD=secrets.token_urlsafe(16),
        # The probe signs in with the password only (no authenticator app to give a code).
        TWO_FACTOR_REQUIRED="0",
    )
    manage = [str(PYTHON), "manage.py"]
    for step in (
        ["migrate", "--noinput"],
        ["load_demo"],
        ["collectstatic", "--noinput"],
        ["createsuperuser", "--noinput", "--username", USERNAME, "--email", "f@example.org"],
    ):
        subprocess.run([*manage, *step, "--verbosity", "0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    with sqlite3.connect(database) as connection:
        city_id, city_slug = connection.execute(
            "SELECT id, slug FROM cities_city ORDER BY id LIMIT 1"
        ).fetchone()

    server_log = (folder / "gunicorn.log").open("w")
    server = subprocess.Popen(  # noqa: S603 (the venv's gunicorn, fixed arguments)
        [str(GUNICORN), "--config", "gunicorn.conf.py", "twinning.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    try:
        browser = Browser(f"http://127.0.0.1:{args.port}")
        for _ in range(100):
            try:
                if browser.request("/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        report = run(args, browser, server.pid, env, png, (width, height), city_id, city_slug)
        left, total = orphans(database, media)
        report["tmp_left"] = [str(p.relative_to(tmp)) for p in tmp.rglob("*")]
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        server_log.close()
        report_errors = server_errors(folder / "gunicorn.log")
        shutil.rmtree(folder, ignore_errors=True)
    report["server_errors"] = report_errors
    print(markdown(command, args, report, png, (width, height), left, total))


def server_errors(path):
    """How often each exception ended a request with a 500, from Django's JSON error log."""
    counts = {}
    for line in path.read_text().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("status_code") == 500:
            cause = (entry.get("exc_info") or "unknown").strip().splitlines()[-1]
            counts[cause] = counts.get(cause, 0) + 1
    return counts


def run(args, browser, master, env, png, size, city_id, city_slug):
    admin = "/" + env.get("ADMIN_URL", "admin/")
    status, _, page = browser.request(admin + "login/")
    token = csrf_token(page)
    body = (
        f"csrfmiddlewaretoken={token}&username={USERNAME}"
        f"&password={env['DJANGO_SUPERUSER_PASSWORD']}&next={admin}"
    ).encode()
    status, _, _ = browser.request(admin + "login/", body, "application/x-www-form-urlencoded")
    if status != 302:
        raise SystemExit(f"signing in answered {status}")
    change = f"{admin}cities/city/{city_id}/change/"

    # Warm every worker (each thread's first request imports and connects), then the idle figures.
    time_pages(browser, count=20)
    idle, _ = time_pages(browser, count=40)
    workers = children(master)
    before = {pid: proc_status(pid) for pid in workers}

    forms = []
    for _ in range(args.uploads):
        status, _, page = browser.request(change)
        fields = form_fields(page)
        for field in fields:
            if field[0] == "image_alt_en":
                field[1] = "A picture of many megapixels"
        forms.append(multipart(fields, "big.png", png))

    sampler = Sampler(master)
    sampler.start()
    done = threading.Event()
    loaded = {}
    pages = threading.Thread(
        target=lambda: loaded.update(
            zip(("latencies", "failures"), time_pages(browser, until=done), strict=True)
        )
    )
    start = threading.Barrier(args.uploads)
    results = [None] * args.uploads

    def upload(index):
        start.wait()
        started = time.monotonic()
        try:
            status, headers, body = browser.request(change, *forms[index])
            if status == 200 and b"errornote" in body:
                status = "200 (form error)"
        except OSError as error:
            status = f"error: {error}"
        results[index] = (status, time.monotonic() - started)

    uploads = [threading.Thread(target=upload, args=(i,)) for i in range(args.uploads)]
    pages.start()
    for thread in uploads:
        thread.start()
    for thread in uploads:
        thread.join(MAX_SECONDS)
    done.set()
    pages.join(MAX_SECONDS)
    time.sleep(2)  # let the workers settle
    sampler.stop.set()
    sampler.join()
    after = {pid: proc_status(pid) for pid in workers}
    status, _, page = browser.request(f"/en/cities/{city_slug}/")
    return {
        "idle": idle,
        "loaded": loaded.get("latencies", []),
        "page_failures": loaded.get("failures", 0),
        "uploads": results,
        "workers": [(pid, before[pid], after[pid]) for pid in workers],
        "helpers": sampler.helpers,
        "city_page": (status, b"srcset=" in page),
    }


def markdown(command, args, report, png, size, left, total):
    ms = lambda values, f: f"{percentile(values, f):.0f} ms"  # noqa: E731
    lines = [
        "## Uploads",
        "",
        f"Command: `{command}` (under a minute; it starts its own gunicorn on "
        f"127.0.0.1:{args.port}).",
        "",
        f"{args.uploads} concurrent uploads of one {size[0]} × {size[1]} RGB PNG "
        f"({size[0] * size[1] / 1e6:.1f} megapixels, {len(png) / 1000:.0f} kB) to one city's "
        "admin change form, against gunicorn.conf.py's 2 gthread workers × 4 threads, SQLite, "
        f"{os.cpu_count()} cores; meanwhile one client asks for {' and '.join(PUBLIC_PAGES)} "
        "in turn.",
        "",
        "| upload | answer | seconds |",
        "| --- | --- | --- |",
    ]
    for index, (status, seconds) in enumerate(report["uploads"], 1):
        lines.append(f"| {index} | {status} | {seconds:.1f} |")
    lines += [
        "",
        "| worker | RSS before | peak (VmHWM) | RSS after | peak − before |",
        "| --- | --- | --- | --- | --- |",
    ]
    worst = 0
    for pid, before, after in report["workers"]:
        if before is None or after is None:
            lines.append(f"| {pid} | {before} | – | gone | – |")
            continue
        added = after["VmHWM"] - before["VmRSS"]
        worst = max(worst, added)
        lines.append(
            f"| {pid} | {before['VmRSS']:.0f} MB | {after['VmHWM']:.0f} MB | "
            f"{after['VmRSS']:.0f} MB | {added:.0f} MB |"
        )
    helpers = report["helpers"]
    lines += [
        "",
        "| public pages | requests | p50 | p99 | failed |",
        "| --- | --- | --- | --- | --- |",
        f"| idle, before | {len(report['idle'])} | {ms(report['idle'], 0.5)} | "
        f"{ms(report['idle'], 0.99)} | 0 |",
        f"| during the uploads | {len(report['loaded'])} | {ms(report['loaded'], 0.5)} | "
        f"{ms(report['loaded'], 0.99)} | {report['page_failures']} |",
        "",
        f"- Processes started by the workers for the pictures: {len(helpers)}"
        + (
            f", each at most {max(helpers.values()):.0f} MB resident (sampled every 20 ms), "
            "gone when done."
            if helpers
            else "; everything ran inside the workers."
        ),
        f"- Largest memory a worker added (its peak minus its RSS before): {worst:.0f} MB, "
        f"{'within' if worst <= 300 else 'over'} the 300 MB bound.",
        f"- Files in MEDIA_ROOT afterwards: {total}; orphans (named by no city): {len(left)}"
        + (f" ({', '.join(left[:8])}{', …' if len(left) > 8 else ''})." if left else "."),
        f"- Files left in the workers' TMPDIR: {len(report['tmp_left'])}.",
        "- Server errors (500): "
        + (
            "; ".join(f"{n} × `{cause}`" for cause, n in report["server_errors"].items())
            if report["server_errors"]
            else "none."
        ),
        f"- The city's page afterwards: {report['city_page'][0]}, "
        f"{'with' if report['city_page'][1] else 'without'} a srcset.",
        "",
        "What it means: the worker columns show what an upload costs the process that also serves "
        "the public pages, and whether the memory is given back (RSS after close to before); the "
        "page latencies show what visitors feel meanwhile; with six uploads to one city, the last "
        "one saved wins and every other picture set must be gone (no orphans).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
