#!/usr/bin/env bash
# Starts, stops or reports the pinned local Azurite (blob + queue) on loopback.
#
#   Infra/scripts/azurite.sh start [--blob-port N] [--queue-port N] [--location DIR] [--state DIR]
#   Infra/scripts/azurite.sh stop  [--state DIR]
#   Infra/scripts/azurite.sh status [--state DIR]
#
# Defaults: ports 10000 (blob) and 10001 (queue), in-memory persistence, state (pid + log) under
# <repo>/.azurite/ (git-ignored). --location DIR keeps the data on disk instead (restart tests).
# Azurite runs in its own process group (setsid) so `stop` ends it and its children together.
# --disableTelemetry matters: without it Azurite tries to reach an outside host and ignores SIGTERM.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$root/Infra/azurite/node_modules/.bin/azurite"

cmd="${1:-}"; shift || true
blob_port=10000; queue_port=10001; location=""; state="$root/.azurite"
while (($#)); do
  case "$1" in
    --blob-port) blob_port="$2"; shift 2 ;;
    --queue-port) queue_port="$2"; shift 2 ;;
    --location) location="$2"; shift 2 ;;
    --state) state="$2"; shift 2 ;;
    *) echo "azurite.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
pid_file="$state/azurite.pid"
log_file="$state/azurite.log"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running_pid() {
  [[ -f "$pid_file" ]] || return 1
  local pid; pid="$(cat "$pid_file")"
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

case "$cmd" in
  start)
    if pid="$(running_pid)"; then
      echo "azurite: already running (pid $pid, blob $blob_port, queue $queue_port)"; exit 0
    fi
    if port_open "$blob_port" || port_open "$queue_port"; then
      echo "azurite: port $blob_port or $queue_port is already in use by another process" >&2; exit 1
    fi
    [[ -x "$bin" ]] || { echo "azurite: $bin is missing; run Infra/scripts/setup.sh (npm ci in Infra/azurite)" >&2; exit 1; }
    mkdir -p "$state"
    persistence=(--inMemoryPersistence)
    if [[ -n "$location" ]]; then mkdir -p "$location"; persistence=(--location "$location"); fi
    setsid "$bin" --blobHost 127.0.0.1 --blobPort "$blob_port" --queueHost 127.0.0.1 --queuePort "$queue_port" \
      --tableHost 127.0.0.1 --tablePort 0 "${persistence[@]}" \
      --silent --skipApiVersionCheck --disableTelemetry --loose >"$log_file" 2>&1 </dev/null &
    echo $! >"$pid_file"
    for _ in $(seq 1 150); do
      if port_open "$blob_port" && port_open "$queue_port"; then
        echo "azurite: running (pid $(cat "$pid_file"), blob 127.0.0.1:$blob_port, queue 127.0.0.1:$queue_port)"; exit 0
      fi
      kill -0 "$(cat "$pid_file")" 2>/dev/null || break
      sleep 0.2
    done
    echo "azurite: did not start; log follows" >&2; cat "$log_file" >&2 || true
    "$0" stop --state "$state" >/dev/null 2>&1 || true
    exit 1
    ;;
  stop)
    if pid="$(running_pid)"; then
      kill -TERM -- "-$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null || true
      echo "azurite: stopped (pid $pid)"
    else
      echo "azurite: not running"
    fi
    rm -f "$pid_file"
    ;;
  status)
    if pid="$(running_pid)"; then echo "azurite: running (pid $pid)"; else echo "azurite: not running"; exit 3; fi
    ;;
  *)
    echo "usage: azurite.sh start|stop|status [--blob-port N] [--queue-port N] [--location DIR] [--state DIR]" >&2; exit 2 ;;
esac
