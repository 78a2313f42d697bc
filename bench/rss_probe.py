"""Run one command and report its peak RSS: ``python -m bench.rss_probe -- CMD …``.

The probe has no other children, so ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` after the
command exits is exactly that command's peak. Prints ``{"maxrss_kib", "returncode",
"stdout"}`` as JSON (Linux reports ru_maxrss in KiB).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys


def main() -> None:
    cmd = sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else sys.argv[1:]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
    print(json.dumps({"maxrss_kib": peak, "returncode": proc.returncode, "stdout": proc.stdout}))


if __name__ == "__main__":
    main()
