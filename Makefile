# quorum: the two commands that matter are `make demo` and `make test`.
# Both install missing Debian packages first (scripts/bootstrap.sh).
.PHONY: all bootstrap build demo test bench proofs clean

all: build

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	@cmake --preset release >/dev/null
	@cmake --build --preset release

demo: build
	@build/bin/quorum demo

test: bootstrap
	@cmake --preset test >/dev/null
	@cmake --build --preset test
	@ctest --preset test

bench: build
	@build/bin/quorum_bench

# The Dafny proofs: Paxos with both learners, Multi-Paxos slot agreement
# (proofs/, docs/consecutive-ballots.md).
proofs: bootstrap
	@scripts/verify_proofs.sh

clean:
	rm -rf build build-test
