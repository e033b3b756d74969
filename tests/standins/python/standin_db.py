"""The stand-in manager's database access, in backendai-infra's tests: the URL from
alembic.ini (configparser, as alembic reads it), psql with the password in its
environment, never on its command line."""
import configparser
import os
import subprocess
import sys
from urllib.parse import unquote, urlsplit

HEAD = "standin0head"


def from_alembic_ini(path: str) -> dict:
    cp = configparser.ConfigParser()
    if not cp.read(path):
        sys.exit(f"stand-in: {path} not found in {os.getcwd()}")
    url = urlsplit(cp["alembic"]["sqlalchemy.url"])
    if url.scheme != "postgresql+asyncpg":
        sys.exit(f"stand-in: sqlalchemy.url has the scheme {url.scheme!r}, not postgresql+asyncpg")
    return {"PGHOST": url.hostname, "PGPORT": str(url.port), "PGUSER": unquote(url.username),
            "PGPASSWORD": unquote(url.password or ""), "PGDATABASE": url.path.lstrip("/")}


def psql(db: dict, sql: str) -> str:
    r = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"], input=sql,
                       capture_output=True, text=True, env={**os.environ, **db})
    if r.returncode != 0:
        sys.exit("stand-in: psql: " + r.stderr.strip())
    return r.stdout.strip()


def revision(db: dict) -> str:
    if psql(db, "SELECT to_regclass('alembic_version') IS NOT NULL") != "t":
        return ""
    return psql(db, "SELECT coalesce(max(version_num), '') FROM alembic_version")
