#!/usr/bin/env bash
# Regenerates migrations/0001_initial.py from the models. Only while nothing has shipped:
# once a release is out, add migrations with `tortoise -c core.db.TORTOISE_ORM makemigrations`.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f migrations/0*.py
tmp=$(mktemp -d)
DATABASE_URL="sqlite://$tmp/regen.sqlite3" tortoise -c core.db.TORTOISE_ORM makemigrations --name initial
rm -rf "$tmp"
