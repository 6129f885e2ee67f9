#!/usr/bin/env bash
# gridgov's two commands (see README.md):
#
#   ./dev.sh demo [gridgov demo options]   install the runtime into .venv, then run the demo
#                                          at http://127.0.0.1:8000 (e.g. --port 8080, --reset)
#   ./dev.sh test                          install runtime + dev tools, then run every check:
#                                          ruff, mypy, Django checks, migrations, translations,
#                                          pytest on SQLite (with browser journeys) and on a
#                                          throwaway PostgreSQL, and schemathesis over the
#                                          API against a live server (scripts/fuzz-api.sh),
#                                          side by side on two cores (see cmd_test)
#
# Needs Debian/Ubuntu with Python >= 3.11. As root, missing Debian packages are installed with
# apt-get (python3-venv; for the tests also postgresql, chromium, gettext, fonts-wqy-microhei).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT=$(pwd)
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
UV_VERSION=0.13.9

say() { printf '\n==> %s\n' "$*" >&2; }
die() {
  echo "dev.sh: $*" >&2
  exit 1
}

# --- system packages ------------------------------------------------------------------------

APT_UPDATED=0
apt_install() {
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    die "missing system packages: $* (install them, e.g. 'sudo apt-get install $*')"
  fi
  if [[ $APT_UPDATED -eq 0 ]]; then
    say "apt-get update"
    apt-get update -qq
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

have_postgres() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }
have_chromium() { command -v chromium >/dev/null || command -v chromium-browser >/dev/null; }

test_packages() {
  local missing=()
  have_postgres || missing+=(postgresql)
  have_chromium || missing+=(chromium)
  command -v msgfmt >/dev/null || missing+=(gettext)
  # A CJK font, so that the journeys' screenshots (docs/screenshots) show Chinese, not boxes.
  [[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]] || missing+=(fonts-wqy-microhei)
  if [[ ${#missing[@]} -gt 0 ]]; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
      apt_install "${missing[@]}"
    else
      echo "dev.sh: note: missing ${missing[*]}; the checks that need them are skipped" >&2
    fi
  fi
}

# --- Python and the virtual environment -------------------------------------------------------

find_python() {
  local candidate
  for candidate in ${PYTHON:-} python3 python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return
    fi
  done
  die "Python >= 3.11 not found (on Debian: apt-get install python3; or set PYTHON=/path/to/python3.11)"
}

ensure_venv() {
  if [[ -x "$PY" ]] && "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    return
  fi
  local python
  python=$(find_python)
  if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
    apt_install python3-venv
  fi
  say "creating .venv with $("$python" --version)"
  rm -rf "$VENV"
  "$python" -m venv "$VENV"
}

# install LOCK MODE: MODE is 'sync' (exactly the lock) or 'add' (the lock, keeping extras).
install() {
  local lock=$1 mode=$2 stamp="$VENV/.dev-sh-$2" want
  want=$(cat "$lock" pyproject.toml | sha256sum | cut -d' ' -f1)
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && "$PY" -c 'import gridgov' 2>/dev/null; then
    return
  fi
  say "installing $lock into .venv"
  if [[ ! -x "$VENV/bin/uv" ]]; then
    "$PY" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  fi
  if [[ $mode == sync ]]; then
    "$VENV/bin/uv" pip sync --quiet --python "$PY" "$lock"
  else
    "$VENV/bin/uv" pip install --quiet --python "$PY" -r "$lock"
  fi
  "$VENV/bin/uv" pip install --quiet --python "$PY" --no-deps -e .
  rm -f "$VENV"/.dev-sh-*
  echo "$want" >"$stamp"
}

# --- demo -----------------------------------------------------------------------------------

cmd_demo() {
  ensure_venv
  install requirements.lock add
  exec "$VENV/bin/gridgov" demo "$@"
}

# --- test -----------------------------------------------------------------------------------

step() {
  say "$1"
}

cleanup() {
  local pid
  for pid in ${BACKGROUND_PIDS:-}; do # a background job: its children first, then itself
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
  done
  if [[ -n "${PG_TEST_DIR:-}" ]]; then
    scripts/pg-test.sh stop "$PG_TEST_DIR" || true
  fi
  if [[ -n "${TEST_DATA_DIR:-}" ]]; then
    rm -rf "$TEST_DATA_DIR"
  fi
}

# The slowest tests of each pytest pass are listed at its end, so that the next person who
# wants CI faster knows where to look.
PYTEST_ARGS=(-ra --durations=25)

cmd_test() {
  local started=$SECONDS
  test_packages
  ensure_venv
  install requirements-dev.lock sync
  TEST_DATA_DIR=$(mktemp -d -t gridgov-test.XXXXXX)
  BACKGROUND_PIDS=""
  trap cleanup EXIT
  export GRIDGOV_DATA_DIR="$TEST_DATA_DIR"
  mkdir -p "$GRIDGOV_DATA_DIR/static"
  unset DATABASE_URL
  local manage=("$PY" -m gridgov.manage)

  # Two cores, four long jobs: the PostgreSQL pass (background, one core) starts as soon as
  # the catalogues are checked (that check rewrites the .mo files the tests read); the other
  # checks and then the SQLite pass (foreground) share the second core; the API fuzzing starts
  # as soon as the first of the two pytest passes ends. Each background job's log is printed
  # when it has ended.
  step "ruff check"
  "$VENV/bin/ruff" check src tests bench
  step "ruff format --check"
  "$VENV/bin/ruff" format --check src tests bench
  if [[ -f scripts/check-translations.sh ]]; then
    if command -v msgfmt >/dev/null; then
      step "translations"
      bash scripts/check-translations.sh
    else
      echo "dev.sh: gettext missing: translations check skipped" >&2
    fi
  fi

  local marker=()
  if ! have_chromium; then
    echo "dev.sh: chromium missing: browser journeys skipped" >&2
    marker=(-m "not browser")
  fi
  local pg_pid="" pg_log="$TEST_DATA_DIR/pytest-postgresql.log" pg_rc_file="$TEST_DATA_DIR/pg.rc"
  local sqlite_done="$TEST_DATA_DIR/sqlite.done"
  if have_postgres; then
    step "pytest (PostgreSQL) started in the background"
    local out
    if ! out=$(scripts/pg-test.sh start); then
      eval "$out" 2>/dev/null || true
      die "could not start a throwaway PostgreSQL"
    fi
    eval "$out"
    mkdir -p "$TEST_DATA_DIR/pg/static"
    (
      rc=0
      GRIDGOV_DATA_DIR="$TEST_DATA_DIR/pg" DATABASE_URL="$DATABASE_URL" \
        "$VENV/bin/pytest" "${PYTEST_ARGS[@]}" -m "not browser" >"$pg_log" 2>&1 || rc=$?
      echo "$rc" >"$pg_rc_file"
    ) &
    pg_pid=$!
    BACKGROUND_PIDS+=" $pg_pid"
    unset DATABASE_URL
  else
    echo "dev.sh: PostgreSQL missing: the PostgreSQL pass is skipped" >&2
    echo 0 >"$pg_rc_file"
  fi

  # The API against a live server (its own data folder, SQLite), as an administrator and a
  # grid worker: any 5xx or answer that does not match the OpenAPI document fails. It waits
  # for the first pytest pass to end (then a core is free).
  local fuzz_log="$TEST_DATA_DIR/fuzz.log" fuzz_rc_file="$TEST_DATA_DIR/fuzz.rc" fuzz_pid
  (
    while [[ ! -f "$pg_rc_file" && ! -f "$sqlite_done" ]]; do
      sleep 2
    done
    rc=0
    PY="$PY" scripts/fuzz-api.sh >"$fuzz_log" 2>&1 || rc=$?
    echo "$rc" >"$fuzz_rc_file"
  ) &
  fuzz_pid=$!
  BACKGROUND_PIDS+=" $fuzz_pid"

  step "mypy"
  "$VENV/bin/mypy"
  step "manage.py check"
  "${manage[@]}" check --fail-level WARNING
  step "manage.py check --deploy (production settings)"
  GRIDGOV_SECURE=1 GRIDGOV_DEBUG=0 \
    GRIDGOV_SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    GRIDGOV_ALLOWED_HOSTS=gridgov.example.org \
    "${manage[@]}" check --deploy --fail-level WARNING
  step "makemigrations --check"
  "${manage[@]}" makemigrations --check --dry-run

  step "pytest (SQLite)"
  local sqlite_rc=0 pg_rc=0 fuzz_rc=0
  "$VENV/bin/pytest" "${PYTEST_ARGS[@]}" "${marker[@]}" || sqlite_rc=$?
  touch "$sqlite_done"
  say "pytest (SQLite) ended after $((SECONDS - started)) s"
  if [[ -n "$pg_pid" ]]; then
    wait "$pg_pid" || true
    pg_rc=$(cat "$pg_rc_file" 2>/dev/null || echo 1)
    step "pytest (PostgreSQL)"
    cat "$pg_log"
  fi
  wait "$fuzz_pid" || true
  fuzz_rc=$(cat "$fuzz_rc_file" 2>/dev/null || echo 1)
  step "API fuzzing (schemathesis, scripts/fuzz-api.sh)"
  cat "$fuzz_log"
  BACKGROUND_PIDS=""
  [[ $sqlite_rc -eq 0 ]] || die "pytest on SQLite failed"
  [[ $pg_rc -eq 0 ]] || die "pytest on PostgreSQL failed"
  [[ $fuzz_rc -eq 0 ]] || die "API fuzzing failed (scripts/fuzz-api.sh)"
  say "all checks passed in $((SECONDS - started)) s"
}

case "${1:-}" in
  demo)
    shift
    cmd_demo "$@"
    ;;
  test)
    shift
    [[ $# -eq 0 ]] || die "'test' takes no arguments"
    cmd_test
    ;;
  *)
    echo "usage: ./dev.sh demo [--port 8000] [--host 127.0.0.1] [--reset] | ./dev.sh test" >&2
    exit 2
    ;;
esac
