#!/usr/bin/env bash
# Runs every test of the project on a fresh Debian/Ubuntu machine: installs what the tests need (Debian packages as
# root, npm packages), type-checks, runs the unit and integration suites (which start their own Redis, Postgres and
# Alertmanager), checks the planned stacks against the policy pack, then runs the end-to-end deployment.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
# Every mocha run's output is also kept here, to print one total at the end.
results=$(mktemp)
trap 'rm -f "$results"' EXIT

step "system packages"
bash scripts/install-system-deps.sh

step "npm packages"
npm ci --no-audit --no-fund --loglevel=error

step "type check"
npm run -s typecheck

step "lint and format (eslint + prettier, zero warnings)"
npm run -s lint

step "unit and integration tests"
npm test 2>&1 | tee -a "$results"

step "policy check of the prod and dev plans"
npm run -s policy:check:plans

step "the real Pulumi CLI, built from source, against the offline plan's config handling and the main command"
npm run -s test:engine 2>&1 | tee -a "$results"

step "end-to-end deployment on a private Docker Swarm"
npm run -s test:e2e 2>&1 | tee -a "$results"

step "end-to-end deployment of the prod stack on a private multi-node Docker Swarm"
npm run -s test:e2e:cluster 2>&1 | tee -a "$results"

# grep finds no "failing" line on a green run; that must not end the script.
count() { { grep -Eo "^ +[0-9]+ $1" "$results" || true; } | awk '{s += $1} END {print s + 0}'; }
passed=$(count passing)
failed=$(count failing)
printf '\n%s passed, %s failed\n' "$passed" "$failed"
