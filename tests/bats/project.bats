#!/usr/bin/env bats
# The project around the programs: scripts, install, CI contract.

setup() {
	load helper
}

@test "shell scripts are shellcheck-clean" {
	run shellcheck "$ROOT"/scripts/* "$ROOT"/.ci/run "$ROOT"/bin/llm_runner \
	    "$ROOT"/bin/llm_runner-*.bash "$ROOT"/bin/simtools-report.bash \
	    "$ROOT"/tests/support/sshd-hosts \
	    "$ROOT"/tests/support/slurm-cluster \
	    "$ROOT"/tests/support/llama-vendor.bash \
	    "$ROOT"/tests/support/llama-server-build \
	    "$ROOT"/tests/support/llama-server-run \
	    "$ROOT"/tests/support/tiny-gguf \
	    "$ROOT"/tests/bats/helper.bash
	assert_success
}

@test "make install puts the programs under DESTDIR/PREFIX/bin" {
	run make -s -C "$ROOT" install DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/opt/sim
	assert_success
	assert_file_executable "$BATS_TEST_TMPDIR/root/opt/sim/bin/simrun"
	run "$BATS_TEST_TMPDIR/root/opt/sim/bin/simrun" --version
	assert_success
	assert_file_exists "$BATS_TEST_TMPDIR/root/opt/sim/share/simtools/scenarios/baseline.json"
	cd "$BATS_TEST_TMPDIR"
	run "$BATS_TEST_TMPDIR/root/opt/sim/bin/baseline_runner" --runs 3 --grid-size 10 \
	    --num-type-a 40 --num-type-b 40
	assert_success
	assert_line "Total runs: 3"
}

@test "run-tests counts TAP results into the closing line and fails on a failure" {
	printf '#!/bin/sh\necho "ok 1 - a"\necho "not ok 2 - b"\necho "ok 3 - c"\n' \
	    > "$BATS_TEST_TMPDIR/fake-suite"
	chmod +x "$BATS_TEST_TMPDIR/fake-suite"
	run "$ROOT/scripts/run-tests" "$BATS_TEST_TMPDIR/fake-suite"
	assert_failure
	assert_line --index -1 "2 passed, 1 failed"
}

@test "install-deps finds every package installed and changes nothing" {
	run "$ROOT/scripts/install-deps"
	assert_success
	assert_output ""
}
