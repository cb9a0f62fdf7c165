"""`python manage.py backup --dest DIR`: the database and the uploaded files, with a manifest.

Run it daily from cron or a scheduled job, then copy the folder off the machine
(docs/deploy.md, "Backups").
"""

import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backups import BackupError, backup
from core.backups import upload as upload_backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump) and the uploaded files into a new folder under --dest."

    def add_arguments(self, parser):
        parser.add_argument("--dest", required=True, help="folder to create the backup in")
        parser.add_argument(
            "--upload", action="store_true", help="then copy it to BACKUP_BUCKET and delete the local copy"
        )

    def handle(self, *args, dest, upload=False, **options):
        try:
            folder = backup(Path(dest))
            if upload:
                where = upload_backup(folder)
                shutil.rmtree(folder)
                self.stdout.write(where)
                return
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(folder))
