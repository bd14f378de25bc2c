#!/usr/bin/env bash
# The test command: set-up, build (including the native bridge) and every test, from a fresh clone.
# Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Rewards").
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
rm -f "$log"
exit $status
