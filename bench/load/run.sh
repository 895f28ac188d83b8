#!/usr/bin/env bash
# `make load`: the load test of docs/operations.md, bounded in time.
#
# Seeds the demo school scaled to LOAD_STUDENTS students into its own database
# (var/load/load.sqlite3, or LOAD_DATABASE_URL), serves it with gunicorn in
# production mode on 127.0.0.1:LOAD_PORT, runs Locust headless twice with the
# same users and pacing (the app's pages and API, then a bare view) and prints
# the comparison. The servers it starts are stopped on any exit.
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=${BIN:-.venv/bin}
PORT=${LOAD_PORT:-8765}
USERS=${LOAD_USERS:-50}
SPAWN_RATE=${LOAD_SPAWN_RATE:-10}
DURATION=${LOAD_TIME:-60s}
STUDENTS=${LOAD_STUDENTS:-10000}
WORKERS=${LOAD_WORKERS:-4}
OUT=${LOAD_DIR:-var/load}

if [ "$PORT" = 8000 ]; then
	echo "make load never uses port 8000 (the demo server's); pick another LOAD_PORT." >&2
	exit 2
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
	echo "Something already listens on 127.0.0.1:$PORT; set LOAD_PORT to a free port." >&2
	exit 2
fi

mkdir -p "$OUT"
export PEERPATH_DATA_DIR="$PWD/$OUT"
export DATABASE_URL="${LOAD_DATABASE_URL:-sqlite:///$PEERPATH_DATA_DIR/load.sqlite3}"
# Production mode, as a server would run it, but plain HTTP on the loopback;
# load.settings only adds the bare view and drops the Secure cookie flag.
export PEERPATH_ENV=production
PEERPATH_SECRET_KEY="$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(50))')"
export PEERPATH_SECRET_KEY
export PEERPATH_ALLOWED_HOSTS=127.0.0.1
export PEERPATH_SSL_REDIRECT=0
export PEERPATH_DB_CONN_MAX_AGE="${PEERPATH_DB_CONN_MAX_AGE:-60}"
export PEERPATH_LOG_LEVEL="${PEERPATH_LOG_LEVEL:-WARNING}"
# Staff log in with a password only: the load test measures pages, not TOTP.
export PEERPATH_REQUIRE_2FA=0
export DJANGO_SETTINGS_MODULE=load.settings
export PYTHONPATH="$PWD/bench${PYTHONPATH:+:$PYTHONPATH}"

server=""
stop_server() {
	if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
		kill -TERM "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
	fi
	server=""
}
trap stop_server EXIT
trap 'exit 130' INT TERM

if [ -n "${LOAD_DATABASE_URL:-}" ]; then
	echo "== Database: LOAD_DATABASE_URL (${DATABASE_URL%%://*})"
else
	echo "== Database: $OUT/load.sqlite3"
fi
"$BIN/peerpath" migrate --noinput -v0
reset=()
if [ -n "${LOAD_RESEED:-}" ]; then reset=(--reset); fi
echo "== Seeding the demo school with $STUDENTS students (skipped if it is there; LOAD_RESEED=1 seeds it afresh)"
started=$(date +%s)
"$BIN/peerpath" seed-demo --students "$STUDENTS" "${reset[@]}" >"$OUT/seed.log"
head -n 1 "$OUT/seed.log"
echo "   seed-demo took $(($(date +%s) - started)) s"
"$BIN/peerpath" collectstatic --noinput -v0
"$BIN/python" bench/load/prepare.py "$OUT/fixture.json"

echo "== gunicorn: $WORKERS workers on 127.0.0.1:$PORT (production settings, DEBUG off)"
"$BIN/gunicorn" peerpath.config.wsgi:application \
	--bind "127.0.0.1:$PORT" --workers "$WORKERS" \
	--error-logfile "$OUT/gunicorn.log" &
server=$!
for _ in $(seq 60); do
	if curl -fs -o /dev/null "http://127.0.0.1:$PORT/_load/ok"; then break; fi
	kill -0 "$server" 2>/dev/null || { echo "gunicorn did not start; see $OUT/gunicorn.log" >&2; exit 1; }
	sleep 1
done
"$BIN/python" bench/load/login.py "http://127.0.0.1:$PORT" "$OUT/fixture.json"
"$BIN/python" bench/load/probe.py "http://127.0.0.1:$PORT" "$OUT/fixture.json" "$OUT/alone.json"

status=0
run_locust() {
	local csv=$1
	shift
	# Ctrl+C stops gunicorn and Locust, which exits on its own: bash then goes
	# on (its INT trap does not fire), so stop here once the server is gone.
	if ! curl -fs --max-time 10 -o /dev/null "http://127.0.0.1:$PORT/_load/ok"; then
		echo "gunicorn does not answer (interrupted?); see $OUT/gunicorn.log" >&2
		exit 1
	fi
	timeout --foreground 300 "$BIN/locust" -f bench/load/locustfile.py --headless --only-summary \
		--loglevel WARNING -u "$USERS" -r "$SPAWN_RATE" -t "$DURATION" \
		--host "http://127.0.0.1:$PORT" --csv "$OUT/$csv" "$@" >"$OUT/$csv.log" 2>&1 || status=1
}
echo "== Locust: $USERS users for $DURATION against the app (coordinators, mentors, API clients)"
LOAD_FIXTURE="$OUT/fixture.json" run_locust app CoordinatorUser MentorUser ApiUser
echo "== Locust: $USERS users for $DURATION against the bare view"
LOAD_FIXTURE="$OUT/fixture.json" run_locust bare BareUser
if ! curl -fs --max-time 10 -o /dev/null "http://127.0.0.1:$PORT/_load/ok"; then
	echo "gunicorn stopped during the run (interrupted?); see $OUT/gunicorn.log" >&2
	exit 1
fi
stop_server

"$BIN/python" bench/load/report.py "$OUT/app_stats.csv" "$OUT/bare_stats.csv" "$OUT/alone.json"
if [ "$status" -ne 0 ]; then
	echo "Some requests failed: see $OUT/app.log, $OUT/bare.log, $OUT/*_failures.csv and $OUT/gunicorn.log." >&2
fi
exit "$status"
