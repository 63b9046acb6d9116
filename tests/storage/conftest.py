"""An S3-compatible server of the tests' own (moto in server mode, on a free loopback port),
and settings that put media on it, read from twinning/settings.py as a site would set them."""

import os
import runpy
import signal
import subprocess
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest

from faults.services import free_port, moto_server_command, wait_until

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "twinning" / "settings.py"
KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
REGION = "eu-central-1"


class S3Server:
    """moto_server on a free loopback port: started, stopped (its contents are lost) and hung."""

    def __init__(self, log_path):
        self.port = free_port()
        self.log_path = log_path
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def answers(self):
        try:
            with urllib.request.urlopen(self.url + "/", timeout=1):  # noqa: S310 (our loopback)
                return True
        except OSError:
            return False

    def start(self):
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (moto, from this environment)
                moto_server_command(self.port), stdout=log, stderr=subprocess.STDOUT
            )
        wait_until(self.answers, 30, f"moto_server on port {self.port} answering")
        return self

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a hung server must be able to exit
            self.process.terminate()
            self.process.wait(10)

    def hang(self):
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"],
        )

    def create_bucket(self):
        name = f"twinning-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        return name

    def keys(self, bucket):
        answer = self.client().list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in answer.get("Contents", []))


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    server = S3Server(tmp_path_factory.mktemp("moto") / "moto.log").start()
    yield server
    server.stop()


def site_settings(environment):
    """The settings twinning/settings.py makes of `environment` (added to this process's)."""
    previous = dict(os.environ)
    os.environ.update(environment)
    try:
        return runpy.run_path(str(SETTINGS_FILE))
    finally:
        os.environ.clear()
        os.environ.update(previous)


def use_store(settings, server, bucket, **environment):
    """Point this test's settings at `bucket` on `server`, configured as a site would be."""
    made = site_settings(
        {
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": server.url,
            "AWS_S3_REGION_NAME": REGION,
            # Timeouts as short as a test can afford: an outage costs seconds, not minutes.
            "AWS_S3_CONNECT_TIMEOUT": "1",
            "AWS_S3_READ_TIMEOUT": "2",
            **KEYS,
            **environment,
        }
    )
    for name, value in made.items():
        if name.startswith("AWS_"):
            setattr(settings, name, value)
    settings.STORAGES = {**settings.STORAGES, "default": made["STORAGES"]["default"]}
    settings.CONTENT_SECURITY_POLICY = made["CONTENT_SECURITY_POLICY"]
    return made


@pytest.fixture
def bucket(settings, s3_server):
    """A bucket of this test's own on the shared server, holding the media."""
    name = s3_server.create_bucket()
    use_store(settings, s3_server, name)
    return name
