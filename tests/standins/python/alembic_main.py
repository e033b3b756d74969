"""Stand-in for `python -m alembic -c alembic.ini current|upgrade head`, in
backendai-infra's tests (see ai.backend.cli.__main__): reads the same alembic.ini."""
import sys

from ai.backend.manager import standin_db


def main() -> None:
    args = sys.argv[1:]
    ini = "alembic.ini"
    if args[:1] == ["-c"]:
        ini, args = args[1], args[2:]
    db = standin_db.from_alembic_ini(ini)
    rev = standin_db.revision(db)
    if args == ["current"]:
        if rev:
            print(f"{rev} (head)")
    elif args == ["upgrade", "head"]:
        if not rev:
            sys.exit("stand-in alembic: the database has no alembic_version; run `backend.ai mgr schema oneshot` first")
    else:
        sys.exit(f"stand-in alembic: unsupported command: {' '.join(args)}")


main()
