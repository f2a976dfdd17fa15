"""The README's command-line walkthrough runs as written, on a fresh database, with times
relative to now: a newcomer who pastes it sees every command succeed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def walkthrough() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## The command line") :]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "the README's command-line section has no sh block"
    return match.group(1)


def test_the_readme_walkthrough_runs_as_written(tmp_path: Path) -> None:
    script = walkthrough()
    assert script.startswith(". .venv/bin/activate\n")
    (tmp_path / "main.py").symlink_to(ROOT / "main.py")
    # `.venv` here is whichever environment runs the tests.
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "activate").write_text(
        f'PATH="{Path(sys.executable).parent}:$PATH"\n', encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANGAN_")}
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-x", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert (tmp_path / "fangan.db").exists()
    assert (tmp_path / "notice.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "report.docx").read_bytes().startswith(b"PK")
    assert '"state": "active"' in proc.stdout
    assert '"kind": "overdue"' in proc.stdout  # the two-hour tick fired the owed alerts
