"""The files a deployer copies: systemd units (checked by systemd-analyze where it is installed),
the nginx site (checked by nginx -t where nginx is installed) and what they must say."""

import configparser
import datetime
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings

from registers.forms_imports import IMPORT_MAX_MB

BASE_DIR = Path(settings.BASE_DIR)
SYSTEMD = BASE_DIR / "deploy" / "systemd"
NGINX_SITE = BASE_DIR / "deploy" / "nginx" / "sanlian.conf"
VENV_BIN = Path(settings.BASE_DIR) / ".venv" / "bin"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(SYSTEMD / name)
    return parser


def test_it_restarts_the_web_and_the_worker_always():
    for name in ("sanlian-web.service", "sanlian-worker@.service"):
        assert _unit(name)["Service"]["Restart"] == "always"


def test_it_lets_the_worker_finish_a_long_task_when_stopped():
    service = _unit("sanlian-worker@.service")["Service"]
    assert service["TimeoutStopSec"] == "30min" and service["KillSignal"] == "SIGTERM"
    assert "db_worker" in service["ExecStart"]


def test_it_serves_the_web_with_the_shipped_gunicorn_settings():
    assert "deploy/gunicorn.conf.py" in _unit("sanlian-web.service")["Service"]["ExecStart"]


def test_it_schedules_pruning_and_backups():
    for name in ("sanlian-prune", "sanlian-backup"):
        assert _unit(f"{name}.timer")["Timer"]["OnCalendar"]
        assert (SYSTEMD / f"{name}.service").exists()
    assert "sanlian backup" in (SYSTEMD / "sanlian-backup.service").read_text()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
def test_it_passes_systemd_analyze_verify(tmp_path):
    # The units name the guide's paths; point them at this checkout so the executables exist.
    for unit in SYSTEMD.iterdir():
        text = unit.read_text().replace("/opt/sanlian/venv/bin", str(VENV_BIN))
        text = text.replace("/opt/sanlian/app", str(BASE_DIR))
        (tmp_path / unit.name).write_text(text)
    instance = tmp_path / "sanlian-worker@1.service"
    shutil.copy(tmp_path / "sanlian-worker@.service", instance)
    units = [str(p) for p in sorted(tmp_path.iterdir()) if "@." not in p.name]
    completed = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stderr
    assert not completed.stderr.strip(), completed.stderr  # not even a warning


def _nginx_value(name: str) -> str:
    return re.search(rf"^\s*{name}\s+([^;]+);", NGINX_SITE.read_text(), re.M).group(1)


def test_it_lets_nginx_pass_imports_and_evidence_of_the_capped_size():
    body = _nginx_value("client_max_body_size")
    assert body.endswith("m")
    capped = max(IMPORT_MAX_MB, settings.EVIDENCE_MAX_BYTES // (1024 * 1024))
    assert int(body[:-1]) > capped


def test_it_forwards_the_client_address_scheme_and_request_id():
    site = NGINX_SITE.read_text()
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Request-ID", "Host"):
        assert f"proxy_set_header {header}" in site
    assert "ssl_certificate " in site and "return 301 https://" in site


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sanlian.example.gov.cn")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "sanlian.crt", tmp_path / "sanlian.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_it_passes_nginx_t(tmp_path):
    cert, key = _self_signed(tmp_path)
    site = NGINX_SITE.read_text()
    site = site.replace("/etc/sanlian/tls/sanlian.crt", str(cert))
    site = site.replace("/etc/sanlian/tls/sanlian.key", str(key))
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "sanlian.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{\n  access_log {tmp_path}/access.log;\n  include {tmp_path}/sanlian.conf;\n}}\n"
    )
    completed = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stderr
    assert "syntax is ok" in completed.stderr
