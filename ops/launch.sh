#!/usr/bin/env bash
# The one-command entry points (npm run demo|bench|chaos|stack:up):
#   bash ops/launch.sh [--stack] ENTRY.ts [ARGS...]
# installs what is missing (ops/bootstrap.sh, a fast no-op once done), brings the embedded stack up
# with --stack, then runs ENTRY.ts with ARGS. Asked for help (-h/--help), it answers at once: no
# install check and no stack, unless the dependencies are not installed yet (a fresh machine needs
# them to print the help at all).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

usage() { sed -n '2,7s/^# \{0,1\}//p' ops/launch.sh; }

stack=false
if [ "${1:-}" = "--stack" ]; then stack=true; shift; fi
case "${1:-}" in
  -h | --help) usage; exit 0 ;;
  '') usage >&2; exit 2 ;;
esac
entry=$1
shift

wants_help() {
  local arg
  for arg in "$@"; do
    case "$arg" in
      -h | --help) return 0 ;;
      --) return 1 ;; # what follows is not an option
    esac
  done
  return 1
}

if wants_help "$@"; then
  [ -x node_modules/.bin/tsx ] || bash ops/bootstrap.sh
  exec tsx "$entry" "$@"
fi
bash ops/bootstrap.sh
if $stack; then tsx ops/stack/cli.ts up; fi
exec tsx "$entry" "$@"
