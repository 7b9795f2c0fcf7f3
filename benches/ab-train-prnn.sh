#!/usr/bin/env bash
# A/B of two builds of `train_prnn` (model/examples/train_prnn.rs) on a noisy 2-core machine.
#
# Both builds run at the same time, one per core, and swap cores every round, so that drift
# of the machine's speed (±15 % between runs on the VMs this project is measured on) hits
# both alike and a faster core favours neither. Reports each round and the mean network-steps
# per second of each build; a difference smaller than the spread of the per-round ratios is
# noise.
#
#   benches/ab-train-prnn.sh A_BINARY B_BINARY [EPISODES] [ROUNDS] [ARCHITECTURES…]
#
# e.g. build the base commit in a worktree with its own target directory, then
#   benches/ab-train-prnn.sh /tmp/base/release/examples/train_prnn \
#       target/release/examples/train_prnn 50000 10
# Defaults: 50 000 episodes (curve points in proportion, one per 4 000), 10 rounds, eight
# fully recurrent networks in one population (PRNN_TOGETHER=1), no final evaluation.
set -euo pipefail

if [ $# -lt 2 ]; then
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
a=$1
b=$2
episodes=${3:-50000}
rounds=${4:-10}
shift $(($# < 4 ? $# : 4))
archs=("$@")
[ ${#archs[@]} -gt 0 ] || archs=(full full full full full full full full)
for bin in "$a" "$b"; do
    [ -x "$bin" ] || { echo "ab-train-prnn: $bin is not an executable" >&2; exit 2; }
done
points=$((episodes / 4000 > 0 ? episodes / 4000 : 1))
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Prints "seconds M-network-steps/s" of one run of binary $1 pinned to core $2.
run() {
    PRNN_NO_EVAL=1 PRNN_TOGETHER=1 taskset -c "$2" "$1" "$episodes" "curve_points=$points" \
        "${archs[@]}" 2>&1 | sed -n 's/.*train \([0-9.]*\) s (.*, \([0-9.]*\) M network-steps.*/\1 \2/p'
}

for i in $(seq "$rounds"); do
    core_a=$((i % 2)) core_b=$(((i + 1) % 2))
    run "$a" "$core_a" >"$out/a" &
    run "$b" "$core_b" >"$out/b" &
    wait
    read -r sa ra <"$out/a"
    read -r sb rb <"$out/b"
    echo "round $i: A $sa s ($ra M steps/s, core $core_a)  B $sb s ($rb M steps/s, core $core_b)"
    echo "$ra $rb" >>"$out/rates"
done
awk '{ a += $1; b += $2; r = $2 / $1; q += r; qq += r * r; n++ }
     END { m = q / n; sd = sqrt((qq / n - m * m) > 0 ? qq / n - m * m : 0);
           printf "mean M network-steps/s: A %.3f  B %.3f  B/A %.3f (per-round ratios: sd %.3f)\n",
                  a / n, b / n, b / a, sd }' "$out/rates"
