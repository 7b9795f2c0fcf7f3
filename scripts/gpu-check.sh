#!/usr/bin/env bash
# The GPU checks of the CUDA backend, prepared for the day a session is lent a GPU: build here,
# carry the binaries, run everything there in one call, print a short table last.
#
#   scripts/gpu-check.sh build      # here: cargo builds with --features cuda and cuda-13
#                                   # into gpu-bin/12 and gpu-bin/13, packed as
#                                   # gpu-bin/bins.tar.xz (11 MB: the device tool carries
#                                   # at most 64 MiB, and the two builds are 63 MB)
#   scripts/gpu-check.sh run sernn  # there: seRNN GPU tests, benches, the full paper study
#   scripts/gpu-check.sh run prnn   # there: pRNN and maze GPU tests, the tiny study on both
#                                   # backends, the full general task
#
# With the session's device tool (see /work/.library/device/README.md; never change the
# card's settings), after `echo /gpu-bin/ >> .git/info/exclude` once, one call per study
# (each fits in one call; the two studies' full runs together would not):
#
#   run(command="bash scripts/gpu-check.sh run sernn", carry=["gpu-bin"], timeout_s=540)
#   run(command="bash scripts/gpu-check.sh run prnn", carry=["gpu-bin"], timeout_s=540)
#
# `run` needs no Rust, no toolkit and nothing fetched: the binaries are built here; the CUDA
# driver, NVRTC and cuBLAS are the machine's (cudarc loads them at run time). Two builds travel,
# with bindings of CUDA 12.6 and 13.0; the first whose device opens on the tiny study is used.
# What `run sernn` runs:
#   1. every custom kernel against its reference on the GPU (kernels/tests/device.rs);
#   2. a small study on the GPU against CPU training (model/tests/device_engine.rs): equal
#      accuracies and verdicts, losses and weights within 1e-4;
#   3. the backend benches (benches/benches/backends.rs), short;
#   4. configs/sernn-paper.toml (2 002 networks) with --backend cuda, timed, and its manifest
#      (device, memory peak, FLOP/s against the card's FP32 peak).
# What `run prnn` runs:
#   1. the device mazes and sensing against the CPU's, bit for bit (tasks/tests/maze_device.rs);
#   2. pRNN populations trained on the GPU against the CPU (model/tests/prnn_device.rs):
#      expected equal bit for bit, as on the emulated device;
#   3. tests/tiny/prnn.toml on the CPU and on the GPU, every record's arrays compared; then
#      a longer variant (3 000 episodes) on the GPU killed with SIGKILL once it has kept a
#      population checkpoint, run again (it must resume), its arrays against an uninterrupted
#      GPU run's;
#   4. configs/prnn-general.toml (6 450 networks, 400 000 episodes each) with --backend cuda,
#      at most 5 minutes, and its manifest (network-episodes/s, device memory).
# Logs and the manifest land in $OUT (or gpu-out/ when $OUT is unset; 7 files, within the
# device tool's 8); the table is last.
set -uo pipefail
cd "$(dirname "$0")/.."

# The binaries of one build (`--features cuda` or `cuda-13`) into gpu-bin/<dir>.
build_variant() {
    local feature=$1 dir=gpu-bin/$2 json exe
    mkdir -p "$dir"
    cargo build --release --features "$feature" -p wiring-sernn -p wiring-prnn
    cp target/release/sernn target/release/prnn "$dir/"
    json=$(cargo test --release --features "wiring-kernels/$feature" -p wiring-kernels \
        -p wiring-model -p wiring-tasks --no-run --message-format=json 2>/dev/null)
    for t in device device_engine prnn_device maze_device; do
        exe=$(printf '%s\n' "$json" | artifact "$t")
        cp "$exe" "$dir/test-$t"
    done
    json=$(cargo bench --features "$feature" -p wiring-benches --bench backends --no-run \
        --message-format=json 2>/dev/null)
    cp "$(printf '%s\n' "$json" | artifact backends)" "$dir/bench-backends"
    strip "$dir"/* 2>/dev/null || true
}

# The executable cargo built for target `$1`, from its JSON messages on stdin.
artifact() {
    python3 -c "
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get('reason') == 'compiler-artifact' and m.get('target', {}).get('name') == '$1' \
            and m.get('executable'):
        print(m['executable'])"
}

build() {
    set -e
    # Bindings of CUDA 12.6 and of 13.0: `run` uses the first whose device opens.
    build_variant cuda 12
    build_variant cuda-13 13
    tar -cJf gpu-bin/bins.tar.xz -C gpu-bin 12 13
    rm -rf gpu-bin/12 gpu-bin/13
    du -sh gpu-bin
    echo "carry gpu-bin; on the GPU: bash scripts/gpu-check.sh run sernn (or prnn)"
}

# Puts the machine's libnvrtc / libcublas (whatever CUDA major they are) on the library path
# under the plain names cudarc tries first.
libraries() {
    local dir=/tmp/wiring-cuda-libs dirs=""
    mkdir -p "$dir"
    for lib in nvrtc nvrtc-builtins cublas cublasLt; do
        local found
        found=$(ldconfig -p 2>/dev/null | awk -v l="lib$lib.so" '$1 ~ "^"l {print $NF; exit}')
        if [ -z "$found" ]; then
            found=$(find /usr/local/cuda*/lib64 /usr/local/cuda*/targets /opt /usr/lib \
                -name "lib$lib.so*" 2>/dev/null | sort | tail -1)
        fi
        if [ -n "$found" ]; then
            ln -sf "$found" "$dir/lib$lib.so"
            # The library's own folder too: NVRTC finds its builtins, cuBLAS its Lt, there.
            dirs="$dirs:$(dirname "$(readlink -f "$found")")"
            echo "lib$lib.so -> $found"
        fi
    done
    export LD_LIBRARY_PATH="$dir$dirs:${LD_LIBRARY_PATH:-}"
}

run() {
    local part=${1:-sernn}
    local out="${OUT:-gpu-out}"
    mkdir -p "$out"
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv \
        | tee "$out/card.txt"
    libraries
    # The first build whose CUDA device opens: the tiny study end to end on the GPU.
    # The carried archive, unpacked outside the working tree.
    local root=/tmp/gpu-bin
    rm -rf "$root" && mkdir -p "$root"
    tar -xJf gpu-bin/bins.tar.xz -C "$root"
    local bin=""
    for v in 12 13; do
        if $root/$v/sernn run tests/tiny/sernn.toml --backend cuda -o /tmp/probe-$v -q \
            >"/tmp/probe-$v.log" 2>&1; then
            bin=$root/$v
            break
        fi
        cat "/tmp/probe-$v.log"
    done
    if [ -z "$bin" ]; then
        echo "no build opened the GPU (see above); the tests below report why"
        bin=$root/12
    fi
    local version=13.0
    [ "$bin" = $root/12 ] && version=12.6
    echo "using $bin (bindings of CUDA $version)" | tee "$out/bindings.txt"
    if [ "$part" = prnn ]; then
        run_prnn "$bin" "$out"
        return
    fi
    local t0 status_kernels status_model
    $bin/test-device --test-threads 1 --nocapture 2>&1 | tee "$out/test-kernels.log"
    status_kernels=${PIPESTATUS[0]}
    $bin/test-device_engine --test-threads 1 --nocapture 2>&1 | tee "$out/test-model.log"
    status_model=${PIPESTATUS[0]}
    $bin/bench-backends --bench --warm-up-time 0.2 --measurement-time 1 \
        "batch/(cpu|cuda)/se/(8|1001)|expm_adjoint/(cpu_taylor/64|cuda_taylor)|adam" \
        2>&1 | tee "$out/bench.log"
    t0=$(date +%s.%N)
    # At most 5 minutes, so that the table below is always printed within the call.
    timeout 300 $bin/sernn run configs/sernn-paper.toml --backend cuda -o /tmp/paper -q \
        2>&1 | tee "$out/paper.log"
    local status_paper=${PIPESTATUS[0]}
    local wall
    wall=$(python3 -c "import time; print(f'{time.time() - $t0:.1f}')")
    cp /tmp/paper/manifest.json "$out/paper-manifest.json" 2>/dev/null
    echo
    python3 - "$out" "$status_kernels" "$status_model" "$wall" "$status_paper" <<'PY'
import json, pathlib, re, sys
out, st_k, st_m, wall, st_p = sys.argv[1:]
out = pathlib.Path(out)
read = lambda name: (out / name).read_text(errors="replace") if (out / name).exists() else ""
card = read("card.txt").strip().splitlines()
print(f"== GPU check on {card[1] if len(card) > 1 else 'no GPU (nvidia-smi found none)'}")
print(read("bindings.txt").strip())
def test_row(label, status, log):
    ran = "ran on the GPU" if re.search(r"^GPU: ", log, re.M) else "GPU part skipped"
    print(f"{label:<44} {'pass' if status == '0' else 'FAIL'} ({ran})")
test_row("kernel checks, GPU vs references", st_k, read("test-kernels.log"))
test_row("small study, GPU vs CPU", st_m, read("test-model.log"))
# criterion: "<name> time: [lo mid hi]" or the name on the line before; skip "change:" rows.
last = ""
for line in read("bench.log").splitlines():
    m = re.search(r"time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", line)
    if m and not m.group(1).endswith("%"):
        name = line.split("time:")[0].strip() or last
        print(f"{name:<44} {m.group(1)} {m.group(2)}")
    elif line.strip() and not line.startswith((" ", "Benchmarking")) and "time:" not in line:
        last = line.split()[0]
print(f"{'paper study, 2 002 networks, wall':<44} {wall} s (exit {st_p})")
try:
    s = json.loads(read("paper-manifest.json"))["sessions"][-1]
except Exception as e:
    print(f"{'paper manifest':<44} none ({type(e).__name__})")
    sys.exit()
d = s.get("device") or {}
for k, v in [
    ("networks/s", s.get("networks_per_second")),
    ("GFLOP/s", s.get("gflop_per_second")),
    ("FP32 peak GFLOP/s", d.get("fp32_peak_gflop_per_second")),
    ("fraction of FP32 peak", d.get("fraction_of_fp32_peak")),
    ("device memory peak MiB", d.get("memory_peak_mib")),
    ("host peak RSS MiB", s.get("peak_rss_mib")),
]:
    print(f"{k:<44} {v if v is None else round(v, 4)}")
PY
}

# The pRNN half of `run` (build `$1`, logs into `$2`), its table last.
run_prnn() {
    local bin=$1 out=$2 t0 wall
    $bin/test-maze_device --test-threads 1 --nocapture 2>&1 | tee "$out/test-mazes.log"
    local status_mazes=${PIPESTATUS[0]}
    $bin/test-prnn_device --test-threads 1 --nocapture 2>&1 | tee "$out/test-prnn.log"
    local status_prnn=${PIPESTATUS[0]}
    # The tiny study on both backends: every record's arrays equal.
    rm -rf /tmp/tiny-cpu /tmp/tiny-gpu
    $bin/prnn run tests/tiny/prnn.toml -o /tmp/tiny-cpu -q >/dev/null 2>&1
    $bin/prnn run tests/tiny/prnn.toml --backend cuda -o /tmp/tiny-gpu -q \
        >"$out/tiny.log" 2>&1
    local tiny_same=0 tiny_all=0 f
    for f in /tmp/tiny-cpu/networks/*/arrays.npz; do
        tiny_all=$((tiny_all + 1))
        cmp -s "$f" "/tmp/tiny-gpu/networks/${f#/tmp/tiny-cpu/networks/}" \
            && tiny_same=$((tiny_same + 1))
    done
    # A GPU run killed (SIGKILL) once it has kept a checkpoint of its population, then run
    # again: it resumes from the checkpoint and ends with the uninterrupted run's arrays.
    sed 's/^episodes = 300$/episodes = 3000/' tests/tiny/prnn.toml >/tmp/ckpt.toml
    rm -rf /tmp/ckpt-whole /tmp/ckpt-killed
    $bin/prnn run /tmp/ckpt.toml --backend cuda -o /tmp/ckpt-whole -q >/dev/null 2>&1
    $bin/prnn run /tmp/ckpt.toml --backend cuda -o /tmp/ckpt-killed -q >/dev/null 2>&1 &
    local pid=$!
    until ls /tmp/ckpt-killed/checkpoints/*.ckpt >/dev/null 2>&1 || ! kill -0 $pid 2>/dev/null; do
        sleep 0.005
    done
    kill -9 $pid 2>/dev/null && wait $pid 2>/dev/null
    local kept resumed ckpt_same=0 ckpt_all=0
    kept=$(ls /tmp/ckpt-killed/checkpoints/*.ckpt 2>/dev/null | wc -l)
    resumed=$($bin/prnn run /tmp/ckpt.toml --backend cuda -o /tmp/ckpt-killed 2>&1 \
        | grep -c "resuming the population's training")
    for f in /tmp/ckpt-whole/networks/*/arrays.npz; do
        ckpt_all=$((ckpt_all + 1))
        cmp -s "$f" "/tmp/ckpt-killed/networks/${f#/tmp/ckpt-whole/networks/}" \
            && ckpt_same=$((ckpt_same + 1))
    done
    local ckpt="killed with $kept checkpoint(s), $resumed resumed, $ckpt_same/$ckpt_all arrays equal"
    t0=$(date +%s.%N)
    timeout 300 $bin/prnn run configs/prnn-general.toml --backend cuda -o /tmp/general -q \
        2>&1 | tee "$out/general.log"
    local status_general=${PIPESTATUS[0]}
    wall=$(python3 -c "import time; print(f'{time.time() - $t0:.1f}')")
    cp /tmp/general/manifest.json "$out/general-manifest.json" 2>/dev/null
    echo
    python3 - "$out" "$status_mazes" "$status_prnn" "$tiny_same/$tiny_all" "$wall" \
        "$status_general" "$ckpt" <<'PY'
import json, pathlib, re, sys
out, st_maze, st_prnn, tiny, wall, st_g, ckpt = sys.argv[1:]
out = pathlib.Path(out)
read = lambda name: (out / name).read_text(errors="replace") if (out / name).exists() else ""
card = read("card.txt").strip().splitlines()
print(f"== pRNN GPU check on {card[1] if len(card) > 1 else 'no GPU (nvidia-smi found none)'}")
print(read("bindings.txt").strip())
def test_row(label, status, log):
    ran = "ran on the GPU" if re.search(r"^GPU: ", log, re.M) else "GPU part skipped"
    print(f"{label:<44} {'pass' if status == '0' else 'FAIL'} ({ran})")
test_row("device mazes and sensing vs CPU", st_maze, read("test-mazes.log"))
test_row("pRNN populations, GPU vs CPU", st_prnn, read("test-prnn.log"))
print(f"{'tiny study: equal arrays.npz, GPU vs CPU':<44} {tiny}")
print(f"{'GPU run killed after a checkpoint, resumed':<44} {ckpt}")
print(f"{'general task, 6 450 networks, wall':<44} {wall} s (exit {st_g})")
try:
    s = json.loads(read("general-manifest.json"))["sessions"][-1]
except Exception as e:
    print(f"{'general manifest':<44} none ({type(e).__name__})")
    sys.exit()
d = s.get("device") or {}
for k, v in [
    ("networks/s", s.get("networks_per_second")),
    ("network-episodes/s", s.get("episodes_per_second")),
    ("device memory peak MiB", d.get("memory_peak_mib")),
    ("host peak RSS MiB", s.get("peak_rss_mib")),
]:
    print(f"{k:<44} {v if v is None else round(v, 4)}")
PY
}

case "${1:-}" in
build) build ;;
run) run "${2:-sernn}" ;;
*)
    echo "usage: $0 build | run [sernn|prnn]" >&2
    exit 2
    ;;
esac
