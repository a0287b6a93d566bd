#!/usr/bin/env bash
# `npm run test:engine`: the tests that hold the program's offline tooling to the real Pulumi CLI, built from source
# (once per machine) by build-cli.sh. Mocha arguments pass through.
set -euo pipefail
cd "$(dirname "$0")/../.."
cli="$(bash scripts/pulumi/build-cli.sh)"
echo "engine tests: Pulumi CLI $("$cli" version) at $cli"
bash scripts/pulumi/engine-pieces.sh "$cli" || echo "engine tests: the pieces marked MISSING keep \`pulumi preview\` from running the program here (docs/engine.md)"
SOPHIA_PULUMI_CLI="$cli" npx mocha --config test/engine/.mocharc.json "$@"
