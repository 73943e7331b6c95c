#!/usr/bin/env bash
# Installs wijkzicht on a fresh machine, from the repository folder:
#   the Python package with its development tools in .venv, the pinned browser assets from npm
#   (package-lock.json) copied into src/wijkzicht/web/static/vendor/, and with --browser (always when
#   CI=true) Debian's Chromium for the browser tests. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"

browser=false
[ "${CI:-}" = "true" ] && browser=true
for argument in "$@"; do
  case "$argument" in
    --browser) browser=true ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $argument (expected --browser)" >&2; exit 2 ;;
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

command -v npm >/dev/null || apt_install nodejs npm
# Exact versions from the lock file; no install scripts (one dependency of swagger-ui-dist only reports usage).
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
.venv/bin/python -m wijkzicht.web.assets node_modules

if [ "$browser" = "true" ] && [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi
echo "wijkzicht installed: .venv/bin/wijkzicht build, then .venv/bin/wijkzicht serve"
