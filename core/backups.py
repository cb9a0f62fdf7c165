"""Backups of the database and the uploaded files, and the drill that proves one restores.

A backup is a folder `medconsult-<UTC time>/` holding:
- `db.dump`: `pg_dump --format=custom` of the whole database;
- `files.tar.gz`: the private files (PRIVATE_MEDIA_ROOT, as `private/...`) and the
  public photos (MEDIA_ROOT, as `public/...`) when they are on local disk;
- `manifest.json`: the row count of every table and the SHA-256 of every file,
  both taken from the very snapshot the dump was made from (pg_export_snapshot),
  so they match the dump exactly even while the site is busy.

The drill restores `db.dump` into a database made for it, counts every table
there, unpacks the files and hashes them, and compares all of it with the
manifest; then drops what it made. Any difference fails it.

PostgreSQL only: the production database. pg_dump and pg_restore must be at
least the server's major version (Debian: postgresql-client-<major>).
"""

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from django.conf import settings
from psycopg import sql

MANIFEST = "manifest.json"
DUMP = "db.dump"
FILES = "files.tar.gz"


class BackupError(Exception):
    pass


def _database() -> dict:
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError("Backups and the restore drill need PostgreSQL (DATABASE_URL=postgres://...).")
    return database


def _connect_kwargs(dbname=None) -> dict:
    database = _database()
    return {
        "dbname": dbname or database["NAME"],
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
    }


def _client_env(dbname=None) -> dict:
    """libpq's variables for pg_dump / pg_restore: the password never on a command line."""
    kwargs = _connect_kwargs(dbname)
    env = dict(os.environ)
    for name, value in (
        ("PGDATABASE", kwargs["dbname"]),
        ("PGUSER", kwargs["user"]),
        ("PGPASSWORD", kwargs["password"]),
        ("PGHOST", kwargs["host"]),
        ("PGPORT", kwargs["port"]),
    ):
        if value:
            env[name] = str(value)
    return env


def server_major(connection) -> int:
    return int(connection.execute("SHOW server_version_num").fetchone()[0]) // 10000


def client_tool(name: str, major: int) -> str:
    """pg_dump or pg_restore of the server's major version (or newer)."""
    candidates = [f"/usr/lib/postgresql/{major}/bin/{name}", shutil.which(name)]
    for candidate in candidates:
        if not candidate or not Path(candidate).exists():
            continue
        output = subprocess.run(  # noqa: S603
            [candidate, "--version"], capture_output=True, text=True, check=True
        ).stdout
        version = output.split()[-1] if output else "0"
        tool_major = int(version.split(".")[0])
        if tool_major >= major:
            return candidate
    raise BackupError(
        f"{name} {major} or newer is needed for this PostgreSQL {major} server; on Debian: "
        f"scripts/ensure-debian-packages.sh postgresql-client-{major}"
    )


def table_counts(connection) -> dict[str, int]:
    """Exact row counts of every table in the public schema."""
    tables = [
        row[0]
        for row in connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
    ]
    return {
        table: connection.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("public", table))
        ).fetchone()[0]
        for table in tables
    }


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _file_roots() -> dict[str, Path]:
    if settings.STORAGE_BACKEND != "local":
        return {}
    return {"private": Path(settings.PRIVATE_MEDIA_ROOT), "public": Path(settings.MEDIA_ROOT)}


def backup(dest: Path, *, now=None) -> Path:
    """Write one backup folder under `dest`; returns its path."""
    now = now or datetime.now(UTC)
    folder = Path(dest) / f"medconsult-{now:%Y%m%dT%H%M%SZ}"
    folder.mkdir(parents=True, exist_ok=False)
    with psycopg.connect(**_connect_kwargs()) as connection:
        major = server_major(connection)
        pg_dump = client_tool("pg_dump", major)
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
        counts = table_counts(connection)
        # The transaction stays open while pg_dump reads the same snapshot.
        subprocess.run(  # noqa: S603
            [
                pg_dump,
                "--format=custom",
                "--no-owner",
                "--no-acl",
                f"--snapshot={snapshot}",
                "--file",
                str(folder / DUMP),
            ],
            env=_client_env(),
            check=True,
        )
        connection.execute("COMMIT")
    files = {}
    roots = _file_roots()
    if roots:
        with tarfile.open(folder / FILES, "w:gz") as archive:
            for prefix, root in roots.items():
                if not root.is_dir():
                    continue
                for path in sorted(p for p in root.rglob("*") if p.is_file()):
                    name = f"{prefix}/{path.relative_to(root).as_posix()}"
                    files[name] = sha256_of(path)
                    archive.add(path, arcname=name, recursive=False)
    manifest = {
        "created_at": now.isoformat(),
        "postgres_major": major,
        "database": counts,
        "files": files,
        "storage_backend": settings.STORAGE_BACKEND,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return folder


def upload(folder: Path) -> str:
    """Copy a backup folder to BACKUP_BUCKET (another bucket than the files', ideally
    another account and region, with versioning and a retention lock); returns its prefix."""
    import boto3

    if not settings.BACKUP_BUCKET:
        raise BackupError("BACKUP_BUCKET is not set: nowhere to upload the backup to.")
    client = boto3.client(
        "s3",
        endpoint_url=settings.AWS_S3_ENDPOINT_URL or None,
        region_name=settings.AWS_S3_REGION_NAME or None,
        aws_access_key_id=settings.AWS_ACCESS_KEY_ID or None,
        aws_secret_access_key=settings.AWS_SECRET_ACCESS_KEY or None,
    )
    prefix = f"backups/{Path(folder).name}"
    for path in sorted(Path(folder).iterdir()):
        client.upload_file(str(path), settings.BACKUP_BUCKET, f"{prefix}/{path.name}")
    return f"s3://{settings.BACKUP_BUCKET}/{prefix}/"


@dataclass
class DrillReport:
    tables: int = 0
    rows: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)
    sample_file: str = ""
    sample_sha256: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def restore_drill(folder: Path, *, target_db=None, keep=False) -> DrillReport:
    """Restore `folder` into a fresh database and compare it with its manifest."""
    folder = Path(folder)
    live_db = _database()["NAME"]
    target_db = target_db or f"{live_db}_restore_drill"
    if target_db in (live_db, "postgres", "template0", "template1"):
        # The target is dropped WITH (FORCE) and made anew: never the live database.
        raise BackupError(
            f"The drill restores into a database of its own: {target_db!r} is the live database or a system one."
        )
    manifest = json.loads((folder / MANIFEST).read_text())
    report = DrillReport()
    admin_kwargs = _connect_kwargs("postgres")
    with psycopg.connect(**admin_kwargs, autocommit=True) as admin:
        major = server_major(admin)
        pg_restore = client_tool("pg_restore", major)
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target_db)))
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(target_db)))
    try:
        subprocess.run(  # noqa: S603
            [
                pg_restore,
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                "--dbname",
                target_db,
                str(folder / DUMP),
            ],
            env=_client_env(target_db),
            check=True,
        )
        with psycopg.connect(**_connect_kwargs(target_db)) as restored:
            counts = table_counts(restored)
        expected = manifest["database"]
        report.tables = len(counts)
        report.rows = sum(counts.values())
        for table in sorted(set(expected) | set(counts)):
            if expected.get(table) != counts.get(table):
                report.problems.append(
                    f"table {table}: {expected.get(table, 'absent')} rows backed up, "
                    f"{counts.get(table, 'absent')} restored"
                )
        _check_files(folder, manifest["files"], report)
    finally:
        if not keep:
            with psycopg.connect(**admin_kwargs, autocommit=True) as admin:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target_db))
                )
    return report


def _check_files(folder: Path, expected: dict, report: DrillReport):
    if not expected:
        return
    with tempfile.TemporaryDirectory() as scratch:
        with tarfile.open(folder / FILES, "r:gz") as archive:
            archive.extractall(scratch, filter="data")
        root = Path(scratch)
        found = {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}
        for name, digest in sorted(expected.items()):
            path = found.get(name)
            if path is None:
                report.problems.append(f"file {name}: missing from the archive")
            elif sha256_of(path) != digest:
                report.problems.append(f"file {name}: SHA-256 differs")
            else:
                report.files += 1
                if not report.sample_file and name.startswith("private/"):
                    report.sample_file, report.sample_sha256 = name, digest
                    _compare_with_live(name, digest, report)
        for name in sorted(set(found) - set(expected)):
            report.problems.append(f"file {name}: in the archive but not in the manifest")


def _compare_with_live(name: str, digest: str, report: DrillReport):
    """Stored names are never reused for other content, so a live file of the same
    name must have the same bytes (it may have been deleted since: not a fault)."""
    prefix, _, relative = name.partition("/")
    root = _file_roots().get(prefix)
    live = root / relative if root else None
    if live is not None and live.is_file() and sha256_of(live) != digest:
        report.problems.append(f"file {name}: the live file's SHA-256 differs from the backup's")
