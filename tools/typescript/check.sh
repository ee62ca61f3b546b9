#!/usr/bin/env bash
# Compiles the TypeScript client generated from openapi.yaml (target/generated-clients/typescript)
# together with usage.ts under tsc --strict. Run by the Maven build in the test phase; without
# Node.js the check is skipped and says so.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "TypeScript client check SKIPPED: node/npm not found on PATH (install Node.js 18+ to run it)"
  exit 0
fi
if [ ! -d ../../target/generated-clients/typescript ]; then
  echo "no generated TypeScript client in target/generated-clients/typescript (run the build's generate-test-sources)" >&2
  exit 1
fi
npm ci --no-audit --no-fund --prefer-offline --loglevel=error
node node_modules/typescript/bin/tsc -p tsconfig.json
echo "TypeScript client compiles under tsc --strict"
