"""The debuggees of tests/debuggees, built as the test kit builds them (crates/rdb-testkit/src/debuggees.rs): C by gcc
and C++ by g++ with -g -O0 -fno-omit-frame-pointer -pthread plus the flags a source's `rdb-build:` line names, Rust
by rustc -g -C opt-level=0, into a directory of this run's own."""

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ROOT / "tests" / "debuggees"


def build(source: Path, out_dir: Path) -> Path:
    text = source.read_text()
    extra = re.search(r"rdb-build:(.*?)(\*/|$)", text, re.M)
    output = re.search(r"rdb-output:\s*(\S+)", text)
    out = out_dir / (output.group(1) if output else source.stem)
    if source.suffix == ".rs":
        subprocess.run(["rustc", "-g", "-C", "opt-level=0", "--edition", "2021", "-o", str(out), str(source)], check=True)
        return out
    compiler = "g++" if source.suffix == ".cc" else "gcc"
    flags = ["-g", "-O0", "-fno-omit-frame-pointer", "-pthread"]
    extra_flags = extra.group(1).split() if extra else []
    subprocess.run([compiler, *flags, "-o", str(out), str(source), *extra_flags], check=True)
    return out


@pytest.fixture(scope="session")
def debuggee(tmp_path_factory):
    """debuggee("hello") is the path of hello built for this run (built once)."""
    out_dir = tmp_path_factory.mktemp("debuggees")
    built = {}

    def get(name: str) -> str:
        if name not in built:
            source = next(SOURCES / f"{name}.{ext}" for ext in ("c", "cc", "rs") if (SOURCES / f"{name}.{ext}").exists())
            built[name] = build(source, out_dir)
        return str(built[name])

    return get


def line_of(name: str, marker: str, ext: str = "c") -> int:
    """The line of `/* @marker */` (or `// @marker`) in tests/debuggees/<name>.<ext>."""
    for number, line in enumerate((SOURCES / f"{name}.{ext}").read_text().splitlines(), 1):
        if f"@{marker} " in line or line.rstrip().endswith((f"@{marker} */", f"@{marker}")):
            return number
    raise AssertionError(f"no @{marker} in {name}.{ext}")


def proc_state(pid: int):
    """The process's state letter and tracer from /proc, or None once it is gone (a zombie counts as gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return None
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    state = fields["State"].split()[0]
    if state in ("Z", "X"):
        return None
    return state, int(fields["TracerPid"].strip())


def wait_until(predicate, seconds=5.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
