"""The open-file limit is raised to the hard limit (in a child: the test runner keeps its own)."""

from __future__ import annotations

import subprocess
import sys

from core.settings import ROOT

CHILD = """
import resource
from core.rlimits import raise_open_file_limit
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(256, hard), hard))
new = raise_open_file_limit()
print(new, resource.getrlimit(resource.RLIMIT_NOFILE)[0], hard)
"""


def test_the_soft_limit_is_raised_to_the_hard_one() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    new, soft, hard = (int(value) for value in out)
    assert new == soft == hard
