"""`python manage.py restore_drill BACKUP_FOLDER`: prove a backup restores.

Restores the dump into a fresh database, compares every table's row count and
every file's SHA-256 with the backup's manifest, then drops the database (unless
--keep). Exits non-zero on any difference.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backups import BackupError, restore_drill


class Command(BaseCommand):
    help = "Restore a backup into a fresh database and compare row counts and file hashes."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="a folder written by `manage.py backup`")
        parser.add_argument(
            "--target-db", default=None, help="database to create (default: <name>_restore_drill)"
        )
        parser.add_argument("--keep", action="store_true", help="keep the restored database")

    def handle(self, *args, folder, target_db, keep, **options):
        try:
            report = restore_drill(Path(folder), target_db=target_db, keep=keep)
        except BackupError as error:
            raise CommandError(str(error)) from error
        for problem in report.problems:
            self.stderr.write(problem)
        if not report.ok:
            raise CommandError(f"Restore drill failed: {len(report.problems)} difference(s).")
        self.stdout.write(
            f"Restore drill passed: {report.tables} tables, {report.rows} rows and "
            f"{report.files} files match the manifest"
            + (f"; {report.sample_file} sha256 {report.sample_sha256[:16]}…" if report.sample_file else ".")
        )
