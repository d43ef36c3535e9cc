#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: the Swift unit tests beside the Python checks
# against SymPy and the notebook (which drive the built CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
# The Swift tests and the Python checks each take about 28 minutes of one core (the learning tests and
# the bridge notebook most); they share nothing, so they run side by side and CI takes the longer one
# instead of the sum (measured on 2 cores: 17 min for both, 28 with a training run beside them, against
# 55 one after the other).
swift test --skip-build > .build/swift-test.log 2>&1 &
swift_tests=$!
# A one-node Slurm for the sweep's Slurm test (root and a package mirror needed; without them the test
# is skipped and says why).
if [ "$(id -u)" = 0 ]; then
    scripts/slurm/setup-single-node.sh > .build/slurm-setup.log 2>&1 \
        || echo "test: no one-node Slurm here (.build/slurm-setup.log); the Slurm test will be skipped" >&2
fi
python_status=0
STACKELBERG_BIN="$PWD/.build/debug/stackelberg" python3 -m pytest Tests/python -q || python_status=$?
wait "$swift_tests" || true
# `swift test` output is filtered for brevity; fail on its verdict, not the filter's.
grep -vE "^(Test Case|\[[0-9]+/[0-9]+\])" .build/swift-test.log || true
# The last "Executed" line is the whole run's (earlier ones are per suite, and pass on their own).
grep -E "Executed [0-9]+ tests?, with [0-9]+ failures?" .build/swift-test.log | tail -n 1 | grep -qE "with 0 failures" \
  || { echo "swift test failed (.build/swift-test.log)" >&2; exit 1; }
exit "$python_status"
