#!/usr/bin/env bash
# Installs wijkzicht on a fresh machine, from the repository folder:
#   the Python package with its development tools in .venv, the pinned browser assets from npm
#   (package-lock.json) copied into src/wijkzicht/web/static/vendor/, the Debian libraries WeasyPrint
#   needs for PDF reports, and with --tests (always when CI=true) what the tests use: Debian's Chromium,
#   PostgreSQL (the tests start a throw-away cluster) and poppler-utils. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"

tests=false
[ "${CI:-}" = "true" ] && tests=true
for argument in "$@"; do
  case "$argument" in
    --tests|--browser) tests=true ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $argument (expected --tests)" >&2; exit 2 ;;
  esac
done

apt_install() {
  # Another apt run on the machine holds the lock for a while: wait for it instead of failing.
  if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: need root to install Debian packages: $*" >&2
    exit 1
  fi
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq "$@"
}

python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e ".[dev]"
# An editable install leaves the package's bytecode to its first import, and where PYTHONDONTWRITEBYTECODE is
# set (containers, CI) it is compiled again by every command: a tenth of a second of each report's CPU.
# Compile it once now, as pip does for an installed package; Python still recompiles a changed file.
.venv/bin/python -m compileall -q src/wijkzicht

command -v npm >/dev/null || apt_install nodejs npm
# Exact versions from the lock file; no install scripts (one dependency of swagger-ui-dist only reports usage).
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
.venv/bin/python -m wijkzicht.web.assets node_modules

# WeasyPrint lays out the governance reports with pango (a run-time need, not only for tests).
if ! ldconfig -p | grep -q libpangoft2-1.0; then
  apt_install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
fi

if [ "$tests" = "true" ]; then
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  command -v pdftoppm >/dev/null || missing+=(poppler-utils)
  [ "${#missing[@]}" -eq 0 ] || apt_install "${missing[@]}"
fi
echo "wijkzicht installed: .venv/bin/wijkzicht build, then .venv/bin/wijkzicht serve"
