#!/usr/bin/env bash
# Builds everything, then runs the main job end to end on the offline
# provider: a headless chat that creates a session, streams a reply, saves a
# component, iterates on it ("make it dark": a second version) and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
cmake --preset dev >/dev/null
cmake --build --preset dev
# The VS Code extension, packaged as a .vsix (the Neovim plugin needs no build).
(cd adapters/vscode && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run --silent package)

bin=build/dev/server/aieditor
db=build/demo/aieditor.db
mkdir -p build/demo
session="demo-$(date +%Y%m%d-%H%M%S)"
echo "== aieditor chat --session $session (database $db)"
"$bin" chat --db "$db" --session "$session" "A pricing card with three tiers and a subscribe button"
echo "== aieditor chat --session $session \"make it dark\" (version 2 of the same component)"
"$bin" chat --db "$db" --session "$session" "make it dark"
echo "== the saved component, read back from the database"
"$bin" show --db "$db" --session "$session"
echo
echo "== see it live in a browser (serves until Ctrl-C; follows new versions as they are saved):"
echo "   $bin preview --db $db --session $session"
