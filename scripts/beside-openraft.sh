#!/bin/bash
# Raft commit throughput beside openraft's own benchmark, measured alternately in one sitting:
#
#   scripts/beside-openraft.sh OPENRAFT_CHECKOUT [ROUNDS]
#
# OPENRAFT_CHECKOUT is a clone of https://github.com/databendlabs/openraft; its
# benchmarks/minimal is built here unless its bench binary is there already (openraft pins a
# nightly toolchain in rust-toolchain.toml; RUSTUP_TOOLCHAIN=stable builds it with the one this
# workbench uses). Each round runs openraft's
# `bench -c C -n 1000000` at 64 and 256 clients, then our `cargo bench --bench raft_throughput`
# at the same client counts (batch variant: 3 nodes in one process, empty commands, in-memory
# log, like openraft's). Both sides are printed in thousands of commits per second, with our
# lead as a ratio. Run it on a quiet machine: the two sides take turns so that load shifts hit
# both, but a busy neighbour still moves single rounds.
set -euo pipefail

openraft=${1:?usage: scripts/beside-openraft.sh OPENRAFT_CHECKOUT [ROUNDS]}
rounds=${2:-3}
minimal="$openraft/benchmarks/minimal"
[ -d "$minimal" ] || { echo "no benchmarks/minimal under $openraft: is it an openraft clone?" >&2; exit 2; }
[[ "$rounds" =~ ^[1-9][0-9]?$ ]] || { echo "ROUNDS is a number from 1 to 99 (got $rounds)" >&2; exit 2; }

cd "$(dirname "$0")/.."
bench="$minimal/target/release/bench"
if [ ! -x "$bench" ]; then
  echo "building openraft's benchmarks/minimal" >&2
  (cd "$minimal" && cargo build --release --quiet) ||
    { echo "openraft's bench did not build; try RUSTUP_TOOLCHAIN=stable $0 $*" >&2; exit 1; }
fi
echo "building our raft_throughput bench" >&2
cargo bench --quiet --bench raft_throughput --no-run 2>/dev/null

# openraft prints "... op/ms: N": N thousand commits per second.
openraft_kps() {
  "$bench" -c "$1" -n 1000000 2>&1 | sed -n 's/.*op\/ms: *\([0-9]*\).*/\1/p' | tail -1
}

# Criterion's middle throughput estimate for batch/C, in thousands per second.
ours_kps() {
  cargo bench --quiet --bench raft_throughput -- --warm-up-time 1 --measurement-time 5 "batch/$1\$" 2>/dev/null |
    awk '/thrpt:/ && !done { v = $4; u = $5; done = 1 }
         END { if (u ~ /^Melem/) v *= 1000; else if (u ~ /^elem/) v /= 1000; printf "%.0f\n", v }'
}

printf '%-6s %-8s %14s %10s %7s\n' round clients "openraft k/s" "ours k/s" ratio
for round in $(seq 1 "$rounds"); do
  for clients in 64 256; do
    theirs=$(openraft_kps "$clients")
    ours=$(ours_kps "$clients")
    ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
    printf '%-6s %-8s %14s %10s %7s\n' "$round" "$clients" "$theirs" "$ours" "$ratio"
  done
done
