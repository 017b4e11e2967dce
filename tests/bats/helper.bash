# Shared set-up for the bats suites.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
PATH="$ROOT/bin:$PATH"
export ROOT PATH

