#!/usr/bin/env bash
# Long fuzzing run of every parser of outside bytes (SHM metadata, sync message, AMF0, RTMP chunks,
# FLV tags and files, packet-ring header, MCAP recovery) and of the control requests: the jqwik
# properties of the default suite with TRIES generated cases each instead of 10,000.
#   scripts/fuzz.sh            # 1,000,000 each (tens of minutes on 2 cores)
#   TRIES=100000 scripts/fuzz.sh
# Prints jqwik's statistics per property and a last line "fuzz: N properties, TRIES tries each, ok".
# Exit non-zero when a property fails (jqwik prints the shrunk counterexample and its seed).
set -euo pipefail
cd "$(dirname "$0")/.."
tries=${TRIES:-1000000}
out=target/fuzz
mkdir -p "$out"
mvn -B -ntp -q test -Dtest='OutsideBytesPropertiesTest,ControlRequestPropertiesTest' -Dsurefire.failIfNoSpecifiedTests=false \
  -Djqwik.tries.default="$tries" -Djqwik.reporting.onlyfailures=false -Dexec.skip=true >"$out/mvn.log" 2>&1 || {
  tail -60 "$out/mvn.log"
  echo "fuzz: FAILED (see $out/mvn.log and target/surefire-reports)"
  exit 1
}
cat target/surefire-reports/*OutsideBytesPropertiesTest-output.txt target/surefire-reports/*ControlRequestPropertiesTest-output.txt \
  | grep -E "^timestamp|tries|checks|seed|generation" >"$out/stats.txt" || true
grep -c "tries = $tries " "$out/stats.txt" | { read -r n; echo "fuzz: $n properties, $tries tries each, ok (stats in $out/stats.txt)"; }
