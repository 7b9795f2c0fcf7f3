#!/usr/bin/env python3
"""Compiles every CUDA kernel source (kernels/cuda/*.cu) to PTX with NVRTC, as the CUDA backend
does at run time (kernels/src/device/real.rs: --fmad=false, one program per file, its
`#include "*.cuh"` lines expanded from kernels/src/device/mod.rs's HEADERS), for each
architecture the project targets, then assembles each PTX with ptxas and prints its register
and spill report. No GPU is needed: NVRTC and ptxas come from NVIDIA's PyPI wheels
(nvidia-cuda-nvrtc-cu12, nvidia-cuda-nvcc-cu12), which .ci/run installs.

    python3 .ci/cuda-ptx.py --nvrtc LIBNVRTC --ptxas PTXAS --out DIR

Exit status 1 on any compile error (the NVRTC log is printed), on a kernel that spills, or
when a source defines no kernel. The last lines are a table: kernel, arch, registers, spills.
"""

import argparse
import concurrent.futures
import ctypes
import os
import pathlib
import re
import subprocess
import sys

ARCHS = ["70", "80", "86", "89", "90"]
ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "kernels" / "cuda").glob("*.cu"))
# The headers a source may `#include "name.cuh"`: the one list of them is `device::HEADERS` in
# kernels/src/device/mod.rs, read from there.
DEVICE_RS = ROOT / "kernels" / "src" / "device" / "mod.rs"


def headers():
    text = DEVICE_RS.read_text()
    block = re.search(r"pub const HEADERS: \[\(&str, &str\); \d+\] = \[(.*?)\];", text, re.S)
    if block is None:
        sys.exit(f"error: no `pub const HEADERS` in {DEVICE_RS}")
    found = re.findall(r'\("([\w.]+)", include_str!\("\.\./\.\./cuda/([\w.]+)"\)\)', block.group(1))
    return {name: ROOT / "kernels" / "cuda" / path for name, path in found}


def expand_includes(name, text, known, included=None):
    """`text` with each `#include "x.cuh"` line replaced by that header (expanded in turn, each
    at most once), framed by #line directives: what kernels/src/device/mod.rs's
    `expand_includes` gives NVRTC."""
    included = set() if included is None else included
    out = []
    for n, line in enumerate(text.splitlines()):
        m = re.match(r'\s*#\s*include\s*"([^"]*)"', line)
        if m is None:
            out.append(line)
            continue
        header = m.group(1)
        if header not in known:
            sys.exit(f'error: {name}:{n + 1}: #include "{header}" is not in device::HEADERS')
        if header in included:
            out.append("")
            continue
        included.add(header)
        out.append(f'#line 1 "{header}"')
        out.append(expand_includes(header, known[header].read_text(), known, included).rstrip("\n"))
        out.append(f'#line {n + 2} "{name}"')
    return "\n".join(out) + "\n"


def nvrtc_compile(lib, name, source, arch):
    prog = ctypes.c_void_p()
    check = lambda rc, what: rc == 0 or sys.exit(f"{name}: NVRTC {what} failed ({rc})")
    check(
        lib.nvrtcCreateProgram(
            ctypes.byref(prog), source.encode(), name.encode(), 0, None, None
        ),
        "create",
    )
    opts = [f"--gpu-architecture=compute_{arch}".encode(), b"--fmad=false"]
    arr = (ctypes.c_char_p * len(opts))(*opts)
    rc = lib.nvrtcCompileProgram(prog, len(opts), arr)
    size = ctypes.c_size_t()
    lib.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
    log = ctypes.create_string_buffer(size.value)
    lib.nvrtcGetProgramLog(prog, log)
    if rc != 0:
        print(log.value.decode(errors="replace"), file=sys.stderr)
        sys.exit(f"error: kernels/cuda/{name} does not compile for compute_{arch}")
    lib.nvrtcGetPTXSize(prog, ctypes.byref(size))
    ptx = ctypes.create_string_buffer(size.value)
    lib.nvrtcGetPTX(prog, ptx)
    lib.nvrtcDestroyProgram(ctypes.byref(prog))
    return ptx.value.decode()


def compile_one(lib, ptxas, out, src, text, kernels, arch):
    """PTX of one source for one arch, assembled by ptxas: its kernels' register and spill
    rows (exits on any error)."""
    ptx = nvrtc_compile(lib, src.name, text, arch)
    path = out / f"sm_{arch}" / (src.stem + ".ptx")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ptx)
    done = subprocess.run(
        [ptxas, f"-arch=sm_{arch}", "-v", str(path), "-o", "/dev/null"],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        sys.exit(f"error: ptxas rejects {path}")
    # ptxas -v: "Compiling entry function 'k' for 'sm_90'" then
    # "... bytes spill stores, ... bytes spill loads" and "Used N registers".
    rows, current = [], None
    for line in done.stderr.splitlines():
        m = re.search(r"Compiling entry function '(\w+)'", line)
        if m:
            current = {"kernel": m.group(1), "arch": arch}
            rows.append(current)
        m = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if m and current is not None:
            current["spills"] = int(m.group(1)) + int(m.group(2))
        m = re.search(r"Used (\d+) registers", line)
        if m and current is not None:
            current["registers"] = int(m.group(1))
    found = {r["kernel"] for r in rows}
    missing = [k for k in kernels if k not in found]
    if missing:
        sys.exit(f"error: ptxas reports no entry for {missing} in {path}")
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nvrtc", required=True)
    ap.add_argument("--ptxas", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    lib = ctypes.CDLL(args.nvrtc)
    major, minor = ctypes.c_int(), ctypes.c_int()
    lib.nvrtcVersion(ctypes.byref(major), ctypes.byref(minor))
    print(f"NVRTC {major.value}.{minor.value}, {len(SOURCES)} sources, archs {', '.join(ARCHS)}")
    out = pathlib.Path(args.out)
    known = headers()
    jobs = []
    for src in SOURCES:
        text = expand_includes(src.name, src.read_text(), known)
        kernels = re.findall(r'extern "C" __global__ void (\w+)\(', text)
        if not kernels:
            sys.exit(f"error: {src.name} defines no kernel")
        jobs += [(src, text, kernels, arch) for arch in ARCHS]
    # One (source, arch) per worker: NVRTC runs with the GIL released (ctypes) and ptxas is a
    # process, so the machine's cores share the work (the pRNN kernels take most of it).
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = list(pool.map(lambda job: compile_one(lib, args.ptxas, out, *job), jobs))
    rows = [r for rs in results for r in rs]
    failed = False
    print(f"{'kernel':<26} {'arch':>6} {'registers':>10} {'spill bytes':>12}")
    for r in sorted(rows, key=lambda r: (r["kernel"], r["arch"])):
        spills = r.get("spills", 0)
        failed |= spills > 0
        print(f"{r['kernel']:<26} {'sm_' + r['arch']:>6} {r.get('registers', '?'):>10} {spills:>12}")
    if failed:
        sys.exit("error: a kernel spills registers (see the table)")
    print(f"PTX of {len(SOURCES)} sources × {len(ARCHS)} archs in {out}")


if __name__ == "__main__":
    main()
