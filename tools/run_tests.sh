#!/usr/bin/env bash
# The whole test suite: lint, types, then pytest on SQLite and (when reachable) PostgreSQL.
# Tortoise 1.1 caches SQL per model regardless of dialect, so each backend gets its own run.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
step() { echo; echo "=== $*"; "$@" || status=1; }

step ruff check .
step ruff format --check .
step mypy
step env FINANCEBOT_TEST_DB=sqlite python -m pytest "$@"
if python - <<'PY'
import asyncio, os, sys
import asyncpg
url = os.environ.get("FINANCEBOT_TEST_PG", "postgres://postgres@127.0.0.1:5432/test")
async def main() -> None:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1), timeout=5)
    await conn.close()
try:
    asyncio.run(main())
except Exception as exc:
    print(f"PostgreSQL not reachable ({exc}); skipping the PostgreSQL run", file=sys.stderr)
    sys.exit(1)
PY
then
  step env FINANCEBOT_TEST_DB=postgres python -m pytest "$@"
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL must be reachable in CI"; status=1
fi
echo
if [ $status -eq 0 ]; then echo "all checks passed"; else echo "SOME CHECKS FAILED"; fi
exit $status
