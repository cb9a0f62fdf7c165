"""Print the database URL the test suite should use, and say which it is.

DATABASE_URL wins when set. Otherwise PostgreSQL on 127.0.0.1:5432 (user
postgres) is used whenever it answers; failing that, nothing is printed and
the suite runs on SQLite with the PostgreSQL-only tests skipped.
"""

import os
import sys

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/medconsult"


def postgres_answers() -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    try:
        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def main() -> None:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url and postgres_answers():
        url = LOCAL_POSTGRES
    if url.startswith(("postgres://", "postgresql://", "pgsql://")):
        print(f"Tests run on PostgreSQL ({url.rsplit('@', 1)[-1]}).", file=sys.stderr)
    elif not url:
        print(
            "PostgreSQL does not answer on 127.0.0.1:5432: tests run on SQLite "
            "and the PostgreSQL-only tests are skipped.",
            file=sys.stderr,
        )
    print(url)


if __name__ == "__main__":
    main()
