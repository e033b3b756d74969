"""Stand-in for Backend.AI's `backend.ai mgr ...` commands, in backendai-infra's tests.

Backend.AI's wheels cannot be downloaded on the test machine, so this module plays the
manager CLI's database and file commands the way the real ones behave: `schema oneshot`
creates the schema and stamps alembic's head on an empty database and leaves an
existing one alone; `generate-rpc-keypair` writes a keypair; `image rescan` and
`image alias` check for the manager's config and write down what they were asked. psql does what
SQLAlchemy does in the real package, with the URL from alembic.ini.
"""
import os
import secrets
import sys
from pathlib import Path

from ai.backend.manager import standin_db


def record(*what: str) -> None:
    """Writes down an image command, in place of the image table it would change."""
    if not Path("manager.toml").is_file():
        sys.exit(f"stand-in: no manager.toml in {os.getcwd()}")
    with open("standin-images.log", "a") as log:
        log.write(" ".join(what) + "\n")


def main() -> None:
    args = sys.argv[1:]
    if args[:3] == ["mgr", "schema", "oneshot"]:
        db = standin_db.from_alembic_ini("alembic.ini")
        if standin_db.revision(db):
            print("Detected an existing database. Use 'alembic upgrade head' to migrate it.")
            return
        sql = (Path(standin_db.__file__).parent / "standin_schema.sql").read_text()
        standin_db.psql(db, sql)
        standin_db.psql(db, "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);"
                        f"INSERT INTO alembic_version VALUES ('{standin_db.HEAD}');")
        print(f"stand-in: created the schema and stamped {standin_db.HEAD}")
    elif args[:2] == ["mgr", "generate-rpc-keypair"] and len(args) == 4:
        directory, name = Path(args[2]), args[3]
        directory.mkdir(parents=True, exist_ok=True)
        public = secrets.token_hex(20)
        (directory / f"{name}.key").write_text(f"public-key = \"{public}\"\n")
        secret_file = directory / f"{name}.key_secret"
        secret_file.write_text(f"public-key = \"{public}\"\nsecret-key = \"{secrets.token_hex(20)}\"\n")
        secret_file.chmod(0o600)
        print(f"stand-in: generated {secret_file}")
    elif args[:3] == ["mgr", "image", "rescan"] and len(args) == 4:
        record("rescan", args[3])
        print(f"stand-in: rescanned {args[3]}")
    elif args[:3] == ["mgr", "image", "alias"] and len(args) == 6:
        record("alias", *args[3:])
        print(f"stand-in: aliased {args[4]} ({args[5]}) as {args[3]}")
    else:
        sys.exit(f"stand-in backend.ai: unsupported command: {' '.join(args)}")


if __name__ == "__main__":
    main()
