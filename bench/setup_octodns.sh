#!/usr/bin/env bash
# Install the octoDNS peer into bench/_work/venv (its own venv: octoDNS is never a reportsync dependency).
# Usage: bench/setup_octodns.sh   (idempotent; exits non-zero if PyPI cannot be reached)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/_work/venv"
python="${PYTHON:-python3}"
if [ -x "$here/../.venv/bin/python" ]; then python="$here/../.venv/bin/python"; fi
mkdir -p "$here/_work"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "octodns>=1.10"
"$venv/bin/python" -c "import octodns; print('octodns', octodns.__version__)"
