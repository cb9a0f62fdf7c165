"""`make prodcheck`: the production configuration, built and exercised on this machine.

DEBUG off, PostgreSQL, Redis, collectstatic (whitenoise's hashed, compressed
files), gunicorn with deploy/gunicorn.conf.py on a local port, dummy SMTP and
Razorpay values, and every request sent with `X-Forwarded-Proto: https` as the
TLS proxy in front would. Then: `check --deploy`, the home, search, a doctor's
page and /healthz, the security headers, no private file reachable by URL, and
the restore drill (backup, restore into a fresh database, row counts and file
hashes compared). The server is stopped and the databases dropped however it ends.

Needs PostgreSQL (PRODCHECK_DATABASE_URL, default 127.0.0.1:5432 as postgres; the
database named there is dropped and made anew) and Redis (PRODCHECK_CACHE_URL).
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
DATABASE_URL = os.environ.get(
    "PRODCHECK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/medconsult_prodcheck"
)
CACHE_URL = os.environ.get("PRODCHECK_CACHE_URL", "redis://127.0.0.1:6379/12")
HOST = "medconsult.example.com"
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "Host": HOST, "Accept-Encoding": "identity"}
started = time.monotonic()
failures = []


def say(text):
    print(f"[{time.monotonic() - started:5.1f}s] {text}", flush=True)


def check(ok, what):
    say(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)
    return ok


def run(args, env, **kwargs):
    return subprocess.run(args, env=env, cwd=ROOT, check=True, **kwargs)  # noqa: S603


def production_env(work: Path, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        {
            "ENV_FILE": "",  # nothing from a developer's .env
            "DEBUG": "off",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": f"{HOST},127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
            "SITE_URL": f"https://{HOST}",
            "DATABASE_URL": DATABASE_URL,
            "CACHE_URL": CACHE_URL,
            # Dummy SMTP: nothing listens there, and nothing in this check sends mail.
            "EMAIL_URL": "smtp+tls://prodcheck:dummy-smtp-password@127.0.0.1:2525",
            "PAYMENT_GATEWAY": "razorpay",
            "RAZORPAY_KEY_ID": "rzp_test_prodcheck",
            "RAZORPAY_KEY_SECRET": "dummy-razorpay-key-secret-prodcheck",
            "RAZORPAY_WEBHOOK_SECRET": "dummy-razorpay-webhook-secret-prodcheck",
            "STATIC_ROOT": str(work / "staticfiles"),
            "MEDIA_ROOT": str(work / "media"),
            "PRIVATE_MEDIA_ROOT": str(work / "private_media"),
            "STORAGE_BACKEND": "local",
            "LOG_LEVEL": "INFO",
            "LOG_FORMAT": "json",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "2",
        }
    )
    # Every security switch is left at its production default (DEBUG off).
    for name in (
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
        "STATICFILES_STORAGE",
        "SERVE_MEDIA",
        "ALLOW_FAKE_GATEWAY",
        "SENTRY_DSN",
    ):
        env.pop(name, None)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def connect_kwargs(url, dbname=None) -> dict:
    parts = urlsplit(url)
    return {
        "dbname": dbname or parts.path.lstrip("/"),
        "user": parts.username,
        "password": parts.password,
        "host": parts.hostname,
        "port": parts.port or 5432,
    }


def recreate_database(url, drop_only=False):
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(**connect_kwargs(url, dbname="postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(f"{name}_restore_drill"))
        )
        if not drop_only:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return int(connection.execute("SHOW server_version_num").fetchone()[0]) // 10000


def ensure_debian_packages(major):
    """pg_dump / pg_restore of the server's major version (postgresql-client-<major>)."""
    if Path(f"/usr/lib/postgresql/{major}/bin/pg_dump").exists():
        return
    run(["scripts/ensure-debian-packages.sh", f"postgresql-client-{major}"], os.environ.copy())


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def fetch(base, path, headers=None, data=None):
    """(status, headers, body) for GET (or POST `data`) `path`, redirects not followed."""
    request = urllib.request.Request(  # noqa: S310
        base + path, headers=PROXY_HEADERS if headers is None else headers, data=data
    )
    try:
        with OPENER.open(request, timeout=20) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@contextmanager
def gunicorn(env, port, log_path):
    log = log_path.open("w")
    server = subprocess.Popen(  # noqa: S603
        [GUNICORN, "medconsult.wsgi", "-c", "deploy/gunicorn.conf.py"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if fetch(base, "/healthz", {})[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not answer /healthz:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        say(f"gunicorn (pid {server.pid}, deploy/gunicorn.conf.py) answers on {base}")
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        say(f"gunicorn stopped (exit {server.returncode})")


SECURITY_HEADERS = {
    "Strict-Transport-Security": lambda v: v == "max-age=31536000; includeSubDomains; preload",
    "Content-Security-Policy": lambda v: "default-src 'self'" in v and "script-src 'self'" in v,
    "X-Content-Type-Options": lambda v: v == "nosniff",
    "X-Frame-Options": lambda v: v == "DENY",
    "Referrer-Policy": lambda v: v == "same-origin",
    "Cross-Origin-Opener-Policy": lambda v: v == "same-origin",
    "X-Request-ID": lambda v: bool(re.fullmatch(r"[0-9a-f]{32}", v or "")),
}


def check_page(base, path, name):
    status, headers, body = fetch(base, path)
    if not check(status == 200, f"{name} {path} answers 200 over https (got {status})"):
        return ""
    bad = [h for h, ok in SECURITY_HEADERS.items() if not ok(headers.get(h))]
    check(not bad, f"{name}: security headers {'all present' if not bad else 'wrong: ' + ', '.join(bad)}")
    for cookie in headers.get_all("Set-Cookie") or []:
        check("Secure" in cookie and "SameSite" in cookie, f"{name}: cookie {cookie.split('=')[0]} is Secure")
    return body.decode()


def check_site(base, env, work):
    status, headers, _ = fetch(base, "/", {"Host": HOST})
    check(
        status == 301 and headers.get("Location", "").startswith(f"https://{HOST}/"),
        f"plain http is redirected to https (got {status} {headers.get('Location')})",
    )
    status, _, body = fetch(base, "/healthz", {"Host": HOST})
    check(status == 200 and body == b"ok", "/healthz answers 200 'ok' to the load balancer's plain http")
    home = check_page(base, "/", "home")
    check_page(base, "/healthz", "healthz")
    search = check_page(base, "/doctors/?q=", "search")
    slugs = re.findall(r'href="/doctors/([a-z0-9-]+)/"', search + home)
    if check(bool(slugs), "search lists at least one doctor"):
        check_page(base, f"/doctors/{slugs[0]}/", "doctor page")
    # Static files: whitenoise, hashed names, compressed, cached for ever.
    css = re.findall(r'href="(/static/[^"]+\.css)"', home)
    if check(bool(css), "home links its CSS"):
        check(re.search(r"\.[0-9a-f]{12}\.css$", css[0]) is not None, f"CSS has a hashed name ({css[0]})")
        status, headers, _ = fetch(base, css[0], {**PROXY_HEADERS, "Accept-Encoding": "gzip"})
        check(
            status == 200
            and headers.get("Content-Encoding") in ("gzip", "br")
            and "immutable" in headers.get("Cache-Control", ""),
            f"CSS served compressed and immutable by whitenoise ({headers.get('Content-Encoding')}, "
            f"{headers.get('Cache-Control')})",
        )
    check_private_files(base, work)
    check_login(base)


def cookies_of(headers) -> dict:
    return {
        cookie.split("=", 1)[0]: cookie.split("=", 1)[1].split(";", 1)[0]
        for cookie in headers.get_all("Set-Cookie") or []
    }


def check_login(base):
    """A demo patient logs in over "https"; the session cookie is Secure and HttpOnly, and
    the dashboard request's access line names the user."""
    status, headers, body = fetch(base, "/accounts/login/")
    jar = cookies_of(headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if not check(status == 200 and token and "csrftoken" in jar, "the login page gives a CSRF token"):
        return
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "username": "patient@medconsult.local",
            "password": "demo-pass-2026",
        }
    ).encode()
    post_headers = {
        **PROXY_HEADERS,
        "Cookie": f"csrftoken={jar['csrftoken']}",
        "Origin": f"https://{HOST}",
        "Referer": f"https://{HOST}/accounts/login/",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    status, headers, _ = fetch(base, "/accounts/login/", post_headers, data=form)
    session = [c for c in headers.get_all("Set-Cookie") or [] if c.startswith("sessionid=")]
    if not check(status == 302 and session, f"the demo patient logs in (got {status})"):
        return
    check("Secure" in session[0] and "HttpOnly" in session[0], "the session cookie is Secure and HttpOnly")
    cookie = f"sessionid={cookies_of(headers)['sessionid']}"
    status, _, _ = fetch(base, "/patient/", {**PROXY_HEADERS, "Cookie": cookie})
    check(status == 200, f"the patient's dashboard answers 200 (got {status})")


def check_private_files(base, work):
    private = work / "private_media"
    files = sorted(p for p in private.rglob("*") if p.is_file())
    if not check(bool(files), f"the demo data stored private files ({len(files)})"):
        return
    sample = files[0]
    relative = sample.relative_to(private).as_posix()
    content = sample.read_bytes()
    tries = [
        f"/media/{relative}",
        f"/private_media/{relative}",
        f"/static/{relative}",
        f"/{relative}",
        f"/media/..%2Fprivate_media/{relative}",
        f"/static/..%2F..%2Fprivate_media/{relative}",
    ]
    leaks = []
    for path in tries:
        status, _, body = fetch(base, path)
        if status == 200 or content[:64] in body:
            leaks.append(f"{path} ({status})")
    check(
        not leaks,
        f"no private file reachable by URL ({len(tries)} paths tried)" + (f": {leaks}" if leaks else ""),
    )
    document_id = first_document_id()
    status, headers, body = fetch(base, f"/documents/doctor/{document_id}/")
    check(
        status in (302, 404) and content[:64] not in body,
        f"document {document_id}'s download view refuses an anonymous visitor "
        f"({status} {headers.get('Location', '')})",
    )


def first_document_id() -> int:
    import psycopg

    with psycopg.connect(**connect_kwargs(DATABASE_URL)) as connection:
        return connection.execute("SELECT min(id) FROM profiles_doctordocument").fetchone()[0]


def restore_drill(env, work):
    backup_dir = work / "backups"
    folder = run(
        [PYTHON, "manage.py", "backup", "--dest", str(backup_dir)], env, capture_output=True, text=True
    ).stdout.strip()
    manifest = json.loads((Path(folder) / "manifest.json").read_text())
    rows = sum(manifest["database"].values())
    say(
        f"backup: {Path(folder).name}: {len(manifest['database'])} tables, {rows} rows, {len(manifest['files'])} files"
    )
    check(rows > 0 and manifest["files"], "the backup holds rows and files")
    result = subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", "restore_drill", folder], env=env, cwd=ROOT, capture_output=True, text=True
    )
    print(result.stdout + result.stderr, end="", flush=True)
    check(result.returncode == 0, "restore drill: fresh database and files match the backup")


def answers(url) -> bool:
    parts = urlsplit(url)
    default_port = 6379 if parts.scheme.startswith("redis") else 5432
    try:
        with socket.create_connection((parts.hostname, parts.port or default_port), timeout=1) as conn:
            if parts.scheme.startswith("redis"):
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
            return True
    except OSError:
        return False


@contextmanager
def redis_for_the_run():
    """Redis at PRODCHECK_CACHE_URL, or a private redis-server for this run when none answers there."""
    global CACHE_URL
    if answers(CACHE_URL):
        yield
        return
    run(["scripts/ensure-debian-packages.sh", "redis-server"], os.environ.copy())
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            shutil.which("redis-server") or "/usr/bin/redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    CACHE_URL = f"redis://127.0.0.1:{port}/0"
    try:
        for _ in range(50):
            if answers(CACHE_URL):
                break
            time.sleep(0.1)
        say(f"started a private redis-server for this run on port {port}")
        yield
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> int:
    if not answers(DATABASE_URL):
        parts = urlsplit(DATABASE_URL)
        print(
            f"PostgreSQL does not answer on {parts.hostname}:{parts.port or 5432} (PRODCHECK_DATABASE_URL)."
        )
        return 1
    with tempfile.TemporaryDirectory(prefix="medconsult-prodcheck-") as scratch, redis_for_the_run():
        work = Path(scratch)
        port = free_port()
        env = production_env(work, port)
        major = recreate_database(DATABASE_URL)
        ensure_debian_packages(major)
        say(
            f"PostgreSQL {major}: fresh database {urlsplit(DATABASE_URL).path.lstrip('/')}; Redis {CACHE_URL}"
        )
        try:
            run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
            # The demo data, with no mail sent while it is loaded.
            run(
                [PYTHON, "manage.py", "seed_demo", "--force"],
                {**env, "EMAIL_URL": "dummymail://"},
                stdout=subprocess.DEVNULL,
            )
            say("migrated and loaded the demo data")
            run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env)
            say("collectstatic: hashed and compressed files in STATIC_ROOT")
            deploy = subprocess.run(  # noqa: S603
                [PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            check(
                deploy.returncode == 0, "manage.py check --deploy: " + (deploy.stdout + deploy.stderr).strip()
            )
            with gunicorn(env, port, work / "gunicorn.log") as base:
                check_site(base, env, work)
            log = (work / "gunicorn.log").read_text().splitlines()
            access = [json.loads(line) for line in log if '"gunicorn.access"' in line]
            if access:
                say("access log line: " + json.dumps(access[-1]))
            check(
                bool(access) and all(line.get("request_id") and line.get("status_code") for line in access),
                f"gunicorn's access log: {len(access)} JSON lines with request ids",
            )
            dashboard = [line for line in access if line.get("path") == "/patient/"]
            check(
                bool(dashboard) and isinstance(dashboard[-1].get("user_id"), int),
                f"the dashboard's access line names the user (user_id {dashboard[-1].get('user_id') if dashboard else None})",
            )
            restore_drill(env, work)
        finally:
            recreate_database(DATABASE_URL, drop_only=True)
    say(f"prodcheck {'FAILED: ' + str(len(failures)) + ' check(s)' if failures else 'passed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
