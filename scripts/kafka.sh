#!/usr/bin/env bash
# Runs a single-node KRaft Kafka broker (broker + controller in one JVM) for local use and tests.
#
#   scripts/kafka.sh start [RUN_DIR] [BROKER_PORT] [CONTROLLER_PORT]
#       Resolves the broker classpath with Maven (once per version, into .kafka/libs-<version>),
#       formats RUN_DIR/data if it is not formatted yet, starts the broker in the background and
#       waits until it is ready. Prints `pid=<pid>` and `brokers=127.0.0.1:<port>` on stdout;
#       progress goes to stderr. Exits non-zero, with the tail of the broker log, if the broker
#       is not ready within KAFKA_START_TIMEOUT_S.
#   scripts/kafka.sh stop [RUN_DIR]
#       SIGTERM (graceful shutdown), then SIGKILL after KAFKA_STOP_TIMEOUT_S. No-op if not running.
#   scripts/kafka.sh status [RUN_DIR]
#   scripts/kafka.sh fetch
#       Only resolves the classpath (e.g. to warm a CI machine).
#
# Defaults: RUN_DIR .kafka/run (under the repository root), ports 9092 and 9093.
# Environment:
#   KAFKA_VERSION          kafka_2.13 version, default 4.1.2 (fallback: 3.9.1)
#   KAFKA_START_TIMEOUT_S  readiness deadline, default 90
#   KAFKA_STOP_TIMEOUT_S   graceful-stop bound before SIGKILL, default 30
#   KAFKA_HEAP             -Xmx of the broker, default 512m
#   KAFKA_LOG_LEVEL        root log level of the broker, default WARN
#   KAFKA_CLUSTER_ID       cluster id used when formatting, default MkU3OEVBNTcwNTJENDM2Qk
#   KAFKA_WATCH_PID        if set, the broker is killed once that process is gone (test harness)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KAFKA_VERSION=${KAFKA_VERSION:-4.1.2}
LIBS="$ROOT/.kafka/libs-$KAFKA_VERSION"
START_TIMEOUT_S=${KAFKA_START_TIMEOUT_S:-90}
STOP_TIMEOUT_S=${KAFKA_STOP_TIMEOUT_S:-30}
CLUSTER_ID=${KAFKA_CLUSTER_ID:-MkU3OEVBNTcwNTJENDM2Qk}
STARTED_LINE='Kafka Server started'

say() { printf 'kafka: %s\n' "$*" >&2; }
die() {
  say "ERROR: $*"
  exit 1
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

# Absolute path without requiring it to exist.
abs_path() {
  case $1 in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$PWD" "$1" ;;
  esac
}

now_ms() { date +%s%3N; }

# Seconds since a now_ms timestamp, one decimal.
seconds_since() {
  local ms=$(($(now_ms) - $1))
  printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}

fetch_libs() {
  [[ -f "$LIBS/.complete" ]] && return 0
  command -v mvn >/dev/null || die "mvn not found: Maven resolves the broker classpath (see docs/kafka.md)"
  mkdir -p "$ROOT/.kafka"
  # Concurrent starts (tests, a user) must not resolve into the same directory at once.
  if command -v flock >/dev/null; then
    (
      flock 9
      [[ -f "$LIBS/.complete" ]] || resolve_libs
    ) 9>"$ROOT/.kafka/libs-$KAFKA_VERSION.lock"
  else
    resolve_libs
  fi
}

resolve_libs() {
  local profile=() tmp="$LIBS.tmp.$$" mvn_log="$ROOT/.kafka/mvn-$KAFKA_VERSION.log" started
  [[ $KAFKA_VERSION == 3.* ]] && profile=(-Pkafka3)
  started=$(now_ms)
  say "resolving Kafka $KAFKA_VERSION with Maven into ${LIBS#"$ROOT/"} (first run only)"
  rm -rf "$tmp"
  if ! mvn -B -q -f "$ROOT/kafka/pom.xml" "${profile[@]}" -Dkafka.version="$KAFKA_VERSION" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >"$mvn_log" 2>&1; then
    tail -n 40 "$mvn_log" >&2
    rm -rf "$tmp"
    die "Maven could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION (log: $mvn_log)"
  fi
  [[ -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "kafka_2.13-$KAFKA_VERSION.jar missing after resolution"
  if ! compgen -G "$tmp/log4j-slf4j-impl-*.jar" >/dev/null &&
    ! compgen -G "$tmp/slf4j-reload4j-*.jar" >/dev/null; then
    say "WARN: no SLF4J binding resolved: the broker log stays empty and readiness cannot be seen"
  fi
  touch "$tmp/.complete"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  say "resolved in $(seconds_since "$started") s"
}

java_opts() {
  local run=$1
  JAVA_OPTS=(
    "-Xms256m" "-Xmx${KAFKA_HEAP:-512m}"
    # C1 only and the serial collector: fewer JIT and GC threads on a 2-core machine.
    -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError
    -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true
    "-Dkafka.logs.dir=$run/logs"
    "-Dkafka.log.level=${KAFKA_LOG_LEVEL:-WARN}"
    # Kafka 4.x reads the first, 3.9 (reload4j) the second.
    "-Dlog4j2.configurationFile=$ROOT/kafka/log4j2.properties"
    "-Dlog4j.configuration=file:$ROOT/kafka/log4j.properties"
  )
}

# True if something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# True if $1 is a live broker started from run dir $2 (guards against a recycled pid).
is_our_broker() {
  local pid=$1 run=$2
  kill -0 "$pid" 2>/dev/null || return 1
  [[ -r /proc/$pid/cmdline ]] || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "kafka.Kafka $run/server.properties"
}

log_tail() {
  local log=$1
  [[ -s $log ]] || {
    say "(broker log $log is empty)"
    return 0
  }
  say "last lines of $log:"
  tail -n 60 "$log" >&2
}

render_config() {
  local run=$1 bport=$2 cport=$3 text
  text=$(<"$ROOT/kafka/server.properties.tmpl")
  text=${text//@BROKER_PORT@/$bport}
  text=${text//@CONTROLLER_PORT@/$cport}
  text=${text//@DATA_DIR@/$run/data}
  printf '%s\n' "$text" >"$run/server.properties"
}

start_watchdog() {
  local watched=$1 pid=$2 run=$3
  # Detached from our stdio so whoever waits for this script's output is not held up.
  (
    while kill -0 "$watched" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 1; done
    if is_our_broker "$pid" "$run"; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 "$STOP_TIMEOUT_S"); do
        kill -0 "$pid" 2>/dev/null || exit 0
        sleep 1
      done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  ) </dev/null >/dev/null 2>&1 &
  disown
}

cmd_start() {
  local run bport=${2:-9092} cport=${3:-9093}
  run=$(abs_path "${1:-$ROOT/.kafka/run}")
  [[ $bport =~ ^[0-9]+$ && $cport =~ ^[0-9]+$ ]] || die "ports must be numbers, got '$bport' and '$cport'"
  [[ $bport != "$cport" ]] || die "broker and controller port must differ, got $bport twice"
  command -v java >/dev/null || die "java not found: the broker needs Java 17+"

  local pidfile="$run/kafka.pid" log="$run/logs/broker.log"
  if [[ -f $pidfile ]] && is_our_broker "$(<"$pidfile")" "$run"; then
    die "a broker is already running from $run (pid $(<"$pidfile")); stop it with: scripts/kafka.sh stop $run"
  fi
  local port
  for port in "$bport" "$cport"; do
    ! port_open "$port" || die "port $port on 127.0.0.1 is already in use"
  done

  fetch_libs
  local started
  started=$(now_ms)
  mkdir -p "$run/data" "$run/logs"
  render_config "$run" "$bport" "$cport"
  java_opts "$run"
  local cp="$LIBS/*"

  if [[ ! -f $run/data/meta.properties ]]; then
    if ! java "${JAVA_OPTS[@]}" -cp "$cp" kafka.tools.StorageTool format \
      -t "$CLUSTER_ID" -c "$run/server.properties" >"$run/logs/format.log" 2>&1; then
      cat "$run/logs/format.log" >&2
      die "formatting $run/data failed"
    fi
  fi

  : >"$log"
  # setsid: the broker outlives this script and ignores the terminal's Ctrl-C; stop it by pid.
  setsid java "${JAVA_OPTS[@]}" -cp "$cp" kafka.Kafka "$run/server.properties" \
    </dev/null >>"$log" 2>&1 &
  local pid=$!
  printf '%s\n' "$pid" >"$pidfile"
  [[ -n ${KAFKA_WATCH_PID:-} ]] && start_watchdog "$KAFKA_WATCH_PID" "$pid" "$run"

  local deadline=$((started + START_TIMEOUT_S * 1000))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null || true
      rm -f "$pidfile"
      log_tail "$log"
      die "broker exited during startup (log: $log)"
    fi
    if grep -qF "$STARTED_LINE" "$log" && port_open "$bport"; then
      break
    fi
    if (($(now_ms) > deadline)); then
      log_tail "$log"
      stop_pid "$pid" "$run"
      rm -f "$pidfile"
      die "broker not ready within ${START_TIMEOUT_S} s (log: $log)"
    fi
    sleep 0.2
  done
  say "Kafka $KAFKA_VERSION ready at 127.0.0.1:$bport in $(seconds_since "$started") s" \
    "(pid $pid, controller port $cport, log $log)"
  printf 'pid=%s\nbrokers=127.0.0.1:%s\n' "$pid" "$bport"
}

stop_pid() {
  local pid=$1 run=$2
  is_our_broker "$pid" "$run" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  local deadline=$(($(now_ms) + STOP_TIMEOUT_S * 1000))
  while kill -0 "$pid" 2>/dev/null; do
    if (($(now_ms) > deadline)); then
      say "broker (pid $pid) still running ${STOP_TIMEOUT_S} s after SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

cmd_stop() {
  local run
  run=$(abs_path "${1:-$ROOT/.kafka/run}")
  local pidfile="$run/kafka.pid"
  if [[ ! -f $pidfile ]]; then
    say "no broker running from $run"
    return 0
  fi
  local pid
  pid=$(<"$pidfile")
  if is_our_broker "$pid" "$run"; then
    stop_pid "$pid" "$run"
    say "stopped broker (pid $pid)"
  else
    say "broker (pid $pid) from $run was not running"
  fi
  rm -f "$pidfile"
}

cmd_status() {
  local run
  run=$(abs_path "${1:-$ROOT/.kafka/run}")
  local pidfile="$run/kafka.pid"
  if [[ -f $pidfile ]] && is_our_broker "$(<"$pidfile")" "$run"; then
    local bport
    bport=$(sed -n 's/^advertised.listeners=PLAINTEXT:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$run/server.properties")
    printf 'pid=%s\nbrokers=127.0.0.1:%s\n' "$(<"$pidfile")" "$bport"
  else
    say "no broker running from $run"
    return 3
  fi
}

case ${1:-} in
  start) cmd_start "${@:2}" ;;
  stop) cmd_stop "${@:2}" ;;
  status) cmd_status "${@:2}" ;;
  fetch) fetch_libs ;;
  *) usage ;;
esac
