"""Open-file limit: every WebSocket is a file descriptor.

Linux starts processes with a soft RLIMIT_NOFILE of 1024 although the hard limit is usually
far higher (here 1,048,576); at 10,000 subscribers issue 13 saw 'Too many open files'. The
API (and the fan-out benchmark's client) raise the soft limit to the hard one at start-up,
which needs no privilege. Beyond the hard limit, raise it in the service manager
(`LimitNOFILE=` for systemd, `ulimit -Hn` in the container).
"""

from __future__ import annotations

import resource


def raise_open_file_limit() -> int:
    """Raise this process's soft RLIMIT_NOFILE to its hard limit; return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            return target
        except (ValueError, OSError):  # some sandboxes refuse; keep what we have
            return soft
    return soft
