#!/usr/bin/env bash
# Installs the system programs the tests start for real: nats-server (e2e fleet tests) and Debian's
# chromium (the report test). Called by `pnpm test`, so README's test command works on a fresh machine.
set -euo pipefail

missing=()
command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  as_root=(none)
fi
if [ "${as_root[0]:-}" = none ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "the tests need ${missing[*]} on PATH: install it (Debian/Ubuntu: sudo apt-get install -y ${missing[*]}) and run the tests again" >&2
  exit 1
fi

echo "installing ${missing[*]} with apt-get (the tests start them)" >&2
log=$(mktemp)
if ! { "${as_root[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  echo "could not install ${missing[*]} with apt-get (log above): install it and run the tests again" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
