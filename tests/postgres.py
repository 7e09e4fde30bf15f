"""A PostgreSQL server for the store and API tests: a throwaway cluster, or an existing server.

The throwaway cluster lives in a temporary folder, listens on 127.0.0.1 on a free port and on a
Unix socket in that folder, runs without fsync, and is removed at the end of the session. Each
test gets an empty schema of its own.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

URL_VARIABLE = "NEXTBEST_TEST_POSTGRES_URL"
# initdb rejects root, so a root test run starts the server as this user, which Debian's
# postgresql package creates.
SERVER_USER = "postgres"
ROLE = "nextbest"
START_ATTEMPTS = 3
START_TIMEOUT_SECONDS = 30
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}


class PostgresUnavailableError(Exception):
    """No PostgreSQL server can be used; the message gives the reason and how to get one."""


def find_bin_dir() -> Path | None:
    """Return the folder of initdb and pg_ctl: from PATH, else Debian's newest installed version."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    installed = [path.parent for path in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    versions = [folder for folder in installed if folder.parent.name.isdigit()]
    if not versions:
        return None
    return max(versions, key=lambda folder: int(folder.parent.name))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThrowawayCluster:
    """A cluster that `start` creates in a temporary folder and `remove` stops and deletes."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.password = secrets.token_hex(16)
        self.run_as: list[str] = []
        self.owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                self.owner = pwd.getpwnam(SERVER_USER)
            except KeyError:
                raise PostgresUnavailableError(
                    f"initdb does not run as root and there is no {SERVER_USER!r} user to run it; "
                    f"install Debian's postgresql package, which creates that user, or set "
                    f"{URL_VARIABLE}"
                ) from None
            runuser = shutil.which("runuser")
            if runuser is None:
                raise PostgresUnavailableError(
                    f"runuser not found, so initdb cannot run as {SERVER_USER!r}; "
                    f"install util-linux or set {URL_VARIABLE}"
                )
            self.run_as = [runuser, "-u", SERVER_USER, "--"]
        self.folder = Path(tempfile.mkdtemp(prefix="nextbest-pg-"))
        self.data = self.folder / "data"
        self.port = 0

    @property
    def url(self) -> str:
        return f"postgresql://{ROLE}:{self.password}@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        # Run in the cluster's folder, because the server user may have no access to the
        # current one.
        return subprocess.run(
            [*self.run_as, *args],
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_SECONDS * 2,
            check=False,
        )

    def start(self) -> None:
        """Create the cluster with a password for its one role, then start it."""
        password_file = self.folder / "password"
        password_file.write_text(self.password)
        if self.owner is not None:
            for path in (self.folder, password_file):
                os.chown(path, self.owner.pw_uid, self.owner.pw_gid)
        created = self._run(
            str(self.bin_dir / "initdb"),
            f"--pgdata={self.data}",
            f"--username={ROLE}",
            f"--pwfile={password_file}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        password_file.unlink()
        if created.returncode != 0:
            raise PostgresUnavailableError(f"initdb failed: {created.stderr.strip()}")

        for _ in range(START_ATTEMPTS):
            # Another process can take the free port before the server binds it, so a failed
            # start is tried again on a new port.
            self.port = _free_port()
            self._configure()
            started = self._run(
                str(self.bin_dir / "pg_ctl"),
                f"--pgdata={self.data}",
                f"--log={self.folder / 'server.log'}",
                f"--timeout={START_TIMEOUT_SECONDS}",
                "--wait",
                "--silent",
                "start",
            )
            if started.returncode == 0:
                return
        log_file = self.folder / "server.log"
        log = log_file.read_text(errors="replace").splitlines() if log_file.exists() else []
        detail = " / ".join([*started.stderr.strip().splitlines(), *log[-3:]])
        raise PostgresUnavailableError(f"pg_ctl start failed: {detail}")

    def _configure(self) -> None:
        settings = SETTINGS | {
            "port": str(self.port),
            "unix_socket_directories": f"'{self.folder}'",
        }
        lines = [f"{name} = {value}" for name, value in settings.items()]
        # PostgreSQL takes the last value of a setting, so appending overrides initdb's.
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n".join(lines) + "\n")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(
                str(self.bin_dir / "pg_ctl"), f"--pgdata={self.data}", "--mode=immediate", "stop"
            )
        shutil.rmtree(self.folder, ignore_errors=True)


class PostgresServer:
    """A server reached through an admin URL, handing out one empty schema per test."""

    def __init__(self, url: str, cluster: ThrowawayCluster | None = None) -> None:
        self.cluster = cluster
        self.url = sa.make_url(url)
        if self.url.drivername == "postgresql":
            self.url = self.url.set(drivername="postgresql+psycopg")
        self.engine = sa.create_engine(self.url, poolclass=sa.NullPool)
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        except sa.exc.SQLAlchemyError as error:
            masked_url = self.url.render_as_string(hide_password=True)
            reason = str(getattr(error, "orig", None) or error).splitlines()[0]
            raise PostgresUnavailableError(f"cannot connect to {masked_url}: {reason}") from None

    @contextmanager
    def schema(self) -> Iterator[str]:
        """Create an empty schema and yield a store URL whose search path starts there."""
        name = f"test_{secrets.token_hex(6)}"
        with self.engine.begin() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {name}")
        options = f"-csearch_path={name}"
        if self.url.query.get("options"):
            options = f"{self.url.query['options']} {options}"
        url = self.url.set(drivername="postgresql").update_query_dict({"options": options})
        try:
            yield url.render_as_string(hide_password=False)
        finally:
            with self.engine.begin() as connection:
                connection.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
                connection.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")

    def close(self) -> None:
        """Close the admin connections, and stop and delete the throwaway cluster if any."""
        self.engine.dispose()
        if self.cluster is not None:
            self.cluster.remove()


def start_postgres() -> PostgresServer:
    """Connect to the server that URL_VARIABLE names, else start a throwaway cluster.

    Raises PostgresUnavailableError, with the reason, when neither can be had.
    """
    existing = os.environ.get(URL_VARIABLE)
    if existing:
        return PostgresServer(existing)

    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise PostgresUnavailableError(
            "no initdb on PATH or under /usr/lib/postgresql; install the PostgreSQL server "
            f"(scripts/ensure-postgres.sh does on Debian, as root) or set {URL_VARIABLE}"
        )
    cluster = ThrowawayCluster(bin_dir)
    try:
        cluster.start()
        return PostgresServer(cluster.url, cluster)
    except BaseException:
        cluster.remove()
        raise
