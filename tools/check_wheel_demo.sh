#!/usr/bin/env bash
# The shipped package on its own: builds the wheel, installs it (not editable) into a fresh
# venv and starts `financebot demo` from an empty directory, then checks that /healthz answers
# "ok", that /flex-hours is answered through the emulated Slack, that the emulated workspace page
# and one of its scripts load, and that Ctrl-C stops it with exit status 0. An editable install from a checkout would hide a file missing from the wheel
# (templates, static files, migrations, the emulators, the demo company); this does not.
# Ends with one line: "check_wheel_demo: PASS" or "check_wheel_demo: FAIL: <why>".
#
# Environment: PYTHON (default python3), READY_TIMEOUT (seconds, default 120).
# Needs the package index for the dependencies (pip's cache is used).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
python=${PYTHON:-python3}
ready_timeout=${READY_TIMEOUT:-120}
stop_timeout=30
packages=(core bot handlers sync models web migrations) # what pyproject.toml ships

work=$(mktemp -d "${TMPDIR:-/tmp}/financebot-wheel.XXXXXX")
demo_pid=""
verdict=""

cleanup() {
  local status=$?
  if [ -n "$demo_pid" ] && kill -0 "$demo_pid" 2>/dev/null; then
    kill -KILL "$demo_pid" 2>/dev/null || true
    wait "$demo_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  if [ $status -eq 0 ]; then
    echo "check_wheel_demo: PASS${verdict:+ ($verdict)}"
  else
    echo "check_wheel_demo: FAIL: ${verdict:-exit status $status}"
  fi
  exit $status
}
trap cleanup EXIT
trap 'verdict="interrupted"; exit 130' INT TERM

fail() {
  verdict=$1
  for stream in out err; do
    if [ -s "$work/demo.$stream" ]; then
      echo "--- demo std$stream (last 40 lines)"
      tail -n 40 "$work/demo.$stream"
    fi
  done
  exit 1
}

step() { echo "check_wheel_demo: $*"; }

# GET a URL with the venv's Python (no curl needed); prints "<status> <body>".
http_get() {
  "$work/venv/bin/python" - "$1" <<'PY'
import sys
import urllib.error
import urllib.request

try:
    with urllib.request.urlopen(sys.argv[1], timeout=30) as response:
        print(response.status, response.read().decode())
except urllib.error.HTTPError as exc:
    print(exc.code, exc.read().decode())
except OSError as exc:
    print(0, exc)
PY
}

# 1. The source as committed plus uncommitted changes, without build/ leftovers (setuptools
#    packs a stale build/lib into the wheel, which would hide a deleted module).
step "copying the source"
mkdir -p "$work/src"
if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$repo" ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' path; do [ -e "$path" ] && printf '%s\0' "$path"; done \
    | tar --null -T - -cf - | tar -xf - -C "$work/src"
else
  tar --exclude=./.venv --exclude=./build --exclude='*.egg-info' --exclude=./.git \
    -cf - . | tar -xf - -C "$work/src"
fi

# 2. A fresh venv, the wheel built in it, and every shipped file checked inside the wheel.
step "building the wheel"
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip wheel -q --no-deps -w "$work/dist" "$work/src" \
  || fail "pip wheel failed"
wheel=$(find "$work/dist" -name 'financebot-*.whl' | head -n 1)
[ -n "$wheel" ] || fail "no financebot wheel was built"

(cd "$work/src" && find "${packages[@]}" -type f ! -name '*.pyc' ! -path '*/__pycache__/*') \
  | sort >"$work/wanted.txt"
"$work/venv/bin/python" - "$wheel" "$work/wanted.txt" <<'PY' || fail "the wheel lacks files"
import sys
import zipfile

shipped = set(zipfile.ZipFile(sys.argv[1]).namelist())
wanted = open(sys.argv[2]).read().split()
missing = [name for name in wanted if name not in shipped]
for name in missing:
    print(f"not in the wheel: {name}")
sys.exit(1 if missing else 0)
PY

step "installing $(basename "$wheel") (not editable)"
"$work/venv/bin/python" -m pip install -q "$wheel" || fail "pip install of the wheel failed"
where=$(cd "$work" && "$work/venv/bin/python" -c 'import bot; print(bot.__file__)')
case "$where" in
  "$work/venv/"*) ;;
  *) fail "bot is imported from $where, not from the venv" ;;
esac

# 3. The demo from an empty directory, with none of the project's settings in its environment.
mkdir "$work/empty"
unset_vars=()
for name in $(compgen -e); do
  case "$name" in
    SLACK_* | DATABASE_* | WEB_* | TENKFEET_* | PUBLIC_URL | PYTHONPATH | VIRTUAL_ENV)
      unset_vars+=(-u "$name")
      ;;
  esac
done
step "starting financebot demo in an empty directory"
started=$SECONDS
(cd "$work/empty" && exec env "${unset_vars[@]}" WEB_PORT=0 PYTHONUNBUFFERED=1 \
  "$work/venv/bin/financebot" demo >"$work/demo.out" 2>"$work/demo.err") &
demo_pid=$!

until grep -q "Stop with Ctrl-C." "$work/demo.out" 2>/dev/null; do
  kill -0 "$demo_pid" 2>/dev/null || fail "the demo ended before it was ready"
  [ $((SECONDS - started)) -lt "$ready_timeout" ] \
    || fail "the demo was not ready within ${ready_timeout}s"
  sleep 1
done
ready_in=$((SECONDS - started))

# 4. What the ready text points at must answer.
health_url=$(sed -n 's|.*Health:[[:space:]]*\(http://[^[:space:]]*/healthz\).*|\1|p' "$work/demo.out")
flex_url=$(grep -m 1 '/flex-hours as' "$work/demo.out" | sed -n "s|.*curl '\([^']*\)'.*|\1|p")
[ -n "$health_url" ] || fail "the ready text names no /healthz URL"
[ -n "$flex_url" ] || fail "the ready text names no /try/flex-hours URL"

health=$(http_get "$health_url")
[ "$health" = "200 ok" ] || fail "GET $health_url answered: ${health:0:200}"
step "$health_url answered 200 ok"

flex=$(http_get "$flex_url")
case "$flex" in
  "200 "*"Flex saldo for"*) ;;
  *) fail "GET $flex_url answered without a saldo: ${flex:0:300}" ;;
esac
step "/flex-hours was answered through the emulated Slack"

# The emulated workspace page and its files are package data: the page and a script must load.
workspace_url=$(grep -o 'http://[^[:space:]]*/workspace\b' "$work/demo.out" | head -n 1 || true)
if [ -z "$workspace_url" ]; then
  slack_url=$(sed -n 's|.*Emulated Slack:[[:space:]]*\(http://[^[:space:]]*\).*|\1|p' "$work/demo.out")
  [ -n "$slack_url" ] || fail "the ready text names neither the workspace nor the emulated Slack"
  workspace_url="$slack_url/workspace"
fi
page=$(http_get "$workspace_url")
case "$page" in
  "200 "*'/workspace/static/app.js'*) ;;
  *) fail "GET $workspace_url answered without the workspace page: ${page:0:300}" ;;
esac
script=$(http_get "${workspace_url%/workspace}/workspace/static/blocks.js")
case "$script" in
  "200 "*"renderBlocks"*) ;;
  *) fail "the workspace's blocks.js did not load: ${script:0:300}" ;;
esac
step "$workspace_url and its scripts answered"

# 5. Ctrl-C stops it cleanly within the time limit.
kill -INT "$demo_pid"
stopping=$SECONDS
while kill -0 "$demo_pid" 2>/dev/null; do
  [ $((SECONDS - stopping)) -lt "$stop_timeout" ] \
    || fail "the demo did not stop within ${stop_timeout}s of SIGINT"
  sleep 1
done
if wait "$demo_pid"; then status=0; else status=$?; fi
demo_pid=""
[ "$status" -eq 0 ] || fail "the demo exited with status $status after SIGINT"

verdict="$(basename "$wheel") installed, demo ready in ${ready_in}s, stopped cleanly"
