"""Backups and the restore drill (PostgreSQL): a backup restores with the same rows and file hashes,
and the drill catches a backup that does not."""

import io
import json

import pytest
from django.core.files.base import ContentFile

from core.backups import DUMP, FILES, MANIFEST, backup, restore_drill
from core.storage import private_storage

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]


@pytest.fixture
def stored_file(settings):
    name = private_storage.save("doctor-documents/drill.pdf", ContentFile(b"%PDF-1.4 drill"))
    (settings.MEDIA_ROOT / "doctors").mkdir(parents=True)
    (settings.MEDIA_ROOT / "doctors" / "photo.jpg").write_bytes(b"jpeg")
    return name


def test_backup_restore_drill_matches_rows_and_hashes(tmp_path, stored_file):
    folder = backup(tmp_path / "backups")

    report = restore_drill(folder)

    manifest = json.loads((folder / MANIFEST).read_text())
    assert report.ok, report.problems
    assert report.tables == len(manifest["database"]) > 10
    assert set(manifest["files"]) == {f"private/{stored_file}", "public/doctors/photo.jpg"}
    assert report.files == 2
    assert report.sample_file == f"private/{stored_file}"


def test_restore_drill_tampered_backup_fails(tmp_path, stored_file):
    folder = backup(tmp_path / "backups")
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["database"]["accounts_user"] += 1
    manifest["files"][f"private/{stored_file}"] = "0" * 64
    (folder / MANIFEST).write_text(json.dumps(manifest))

    report = restore_drill(folder)

    assert not report.ok
    assert any(problem.startswith("table accounts_user:") for problem in report.problems)
    assert f"file private/{stored_file}: SHA-256 differs" in report.problems


def test_backup_s3_storage_keeps_no_file_archive(tmp_path, settings):
    settings.STORAGE_BACKEND = "s3"

    folder = backup(tmp_path / "backups")

    assert json.loads((folder / MANIFEST).read_text())["files"] == {}
    assert not (folder / FILES).exists()


def test_backup_upload_copies_the_folder_to_the_backup_bucket(tmp_path, settings, stored_file, monkeypatch):
    import boto3
    from django.core.management import call_command
    from moto import mock_aws

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    settings.BACKUP_BUCKET = "medconsult-backups"
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.AWS_ACCESS_KEY_ID = "test-access-key"
    settings.AWS_SECRET_ACCESS_KEY = "test-secret-key-not-real"
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="medconsult-backups")

        call_command("backup", "--dest", str(tmp_path / "backups"), "--upload", stdout=io.StringIO())

        keys = [item["Key"] for item in client.list_objects_v2(Bucket="medconsult-backups")["Contents"]]
    assert sorted(key.rsplit("/", 1)[1] for key in keys) == [DUMP, FILES, MANIFEST]
    assert list((tmp_path / "backups").iterdir()) == []


def test_restore_drill_refuses_the_live_database_as_target(tmp_path, stored_file):
    """`--target-db` is dropped and made anew: naming the live database must not wipe it."""
    from django.conf import settings

    from accounts.models import User
    from core.backups import BackupError

    folder = backup(tmp_path / "backups")
    live = settings.DATABASES["default"]["NAME"]

    with pytest.raises(BackupError, match="live database"):
        restore_drill(folder, target_db=live)

    assert User.objects.count() >= 0  # the live database is still there
