#!/usr/bin/env bash
# The test command: set-up, build (including the native bridge) and every test, from a fresh clone.
# Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Rewards").
# Two suites, one command: the core suite needs only the repository; the reference suite compares against
# external data (published reward vectors, rlla, BFCL, ...) in the folder TOOLRL_REFERENCE_DATA names, and is
# reported as skipped when that variable is unset (see data/README.md).
set -euo pipefail
cd "$(dirname "$0")"
eng/setup.sh
dotnet build ToolRL.sln -c Release -nologo -clp:ErrorsOnly
log=$(mktemp)
status=0
dotnet test ToolRL.sln -c Release --no-build -nologo "$@" 2>&1 | tee "$log" || status=$?
# One closing line over all test assemblies, in the plain 'N passed, N failed' form.
awk '/(Passed|Failed)!/ {
       gsub(",", "");
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:")  f += $(i+1);
         if ($i == "Passed:")  p += $(i+1);
         if ($i == "Skipped:") s += $(i+1);
       }
     }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
if [ -z "${TOOLRL_REFERENCE_DATA:-}" ]; then
  echo "reference suite skipped: TOOLRL_REFERENCE_DATA is not set (it names the reference-data folder; see data/README.md)"
fi
rm -f "$log"
exit $status
