#!/usr/bin/env bash
# Regenerates control-plane/api/protobuf/gen/ from the .proto files beside this script.
# buf compiles locally (no registry, no network); protoc-gen-es writes TypeScript with .ts imports,
# and buf.gen.yaml's `clean` empties gen/ first so deleted messages do not linger.
set -euo pipefail
cd "$(dirname "$0")"
../node_modules/.bin/buf generate
