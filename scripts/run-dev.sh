#!/usr/bin/env bash
# `make run`: the task worker in the background beside the development server. The worker runs in
# its own process group and is stopped (with its autoreloader child) whenever this script ends:
# runserver stopped by Ctrl+C, or failed to start (say, the port is taken by another `make run`).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
ADDRESS=${SANLIAN_RUN_ADDRESS:-127.0.0.1:8000}

worker=""
stop_worker() {
  if [ -n "$worker" ] && kill -0 "$worker" 2>/dev/null; then
    kill -TERM -- "-$worker" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$worker" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$worker" 2>/dev/null || true
  fi
}
trap stop_worker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

setsid "$BIN/sanlian" db_worker --interval 1 &
worker=$!
echo "Task worker started (process group $worker); it stops with the server." >&2
"$BIN/sanlian" runserver "$ADDRESS"
