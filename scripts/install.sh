#!/usr/bin/env bash
# keel install: everything the project needs, from apt and npm only. Idempotent: a second run
# installs nothing (no apt, no npm) and says "keel install: everything already installed".
#
# What goes where
#   apt     rustc-web cargo-web rust-web-src   Debian's Rust (/usr/bin/rustc, /usr/bin/cargo) + library
#                                              source, for guests: riscv32im-unknown-none-elf via
#                                              -Zbuild-std (see shared recipes/guest.md)
#           lld-22                             ld.lld-22, the guest linker (same LLVM as rustc-web)
#           binutils-/gcc-riscv64-unknown-elf  objdump/readelf and the assembler for the executor's
#                                              asm tests (prover/keel-executor/tests/asm)
#           qemu-user                          qemu-riscv32, the reference for differential tests
#           nodejs npm                         only if `node`/`npm` are not already on PATH
#   npm     tools/foundry/                     committed: package.json (pins), package-lock.json
#                                              (integrity hashes, no addresses: see .npmrc there),
#                                              bin/solc (node shim over solc-js, recipes/foundry.md)
#           tools/foundry/node_modules/        installed by `npm ci`, gitignored; holds the native
#                                              forge/anvil/cast binaries and solc-js. The shim finds
#                                              solc-js at ../node_modules/solc, so foundry.toml's
#                                              `solc = "tools/foundry/bin/solc"` works without env.
#   cargo   prover/guests                      `cargo fetch` (guest deps + build-std's deps) so guest
#                                              builds work with --offline
#   .keel/env                                  generated, gitignored; `source .keel/env` puts forge,
#                                              anvil, cast and the solc shim on PATH
# The host Rust toolchain (rustup stable, `cargo` on PATH) is expected to be there already; it is
# only checked.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/install.sh [--quiet] [--help]

Installs keel's toolchain using apt and npm only (idempotent):
  apt:   rustc-web cargo-web rust-web-src lld-22 binutils-riscv64-unknown-elf
         gcc-riscv64-unknown-elf qemu-user (+ nodejs npm if node/npm are missing)
  npm:   forge/anvil/cast and solc-js into tools/foundry/node_modules (npm ci)
  cargo: fetches the guest workspace's crates (prover/guests), if it exists
and writes .keel/env (source it to get forge, anvil, cast and solc on PATH).

Options:
  --quiet   print only errors and one final line
  --help    show this help
EOF
}

QUIET=0
for arg in "$@"; do
    case "$arg" in
        --quiet | -q) QUIET=1 ;;
        --help | -h) usage; exit 0 ;;
        *) echo "keel install: unknown option '$arg' (see --help)" >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
FOUNDRY_DIR="tools/foundry"
FOUNDRY_BIN="$FOUNDRY_DIR/node_modules/.bin"
GUEST_TARGET="riscv32im-unknown-none-elf"

STEP="start"
INSTALLED=()   # what this run installed or rewrote; empty => "everything already installed"
LOG="$(mktemp -t keel-install.XXXXXX)"
trap 'rm -f "$LOG"' EXIT
trap 'rc=$?; echo "keel install: FAILED in step \"$STEP\" (exit $rc)" >&2' ERR

say() { if [ "$QUIET" = 0 ]; then echo "keel install: $*"; fi; }
die() { echo "keel install: FAILED in step \"$STEP\": $*" >&2; trap - ERR; exit 1; }

# run CMD...: in --quiet mode the command's output goes to a log that is shown only on failure.
run() {
    local rc=0
    if [ "$QUIET" = 1 ]; then
        "$@" >"$LOG" 2>&1 || rc=$?
        if [ "$rc" != 0 ]; then cat "$LOG" >&2; fi
    else
        "$@" || rc=$?
    fi
    if [ "$rc" != 0 ]; then die "command failed (exit $rc): $*"; fi
}

# ---------------------------------------------------------------------------------------- apt
STEP="apt packages"
APT_PACKAGES=(rustc-web cargo-web rust-web-src lld-22
    binutils-riscv64-unknown-elf gcc-riscv64-unknown-elf qemu-user)
apt_missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    if [ "$status" != "install ok installed" ]; then apt_missing+=("$pkg"); fi
done
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt_missing+=(nodejs npm)
fi
if [ "${#apt_missing[@]}" -gt 0 ]; then
    SUDO=()
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "need root or sudo to install: ${apt_missing[*]}"
        SUDO=(sudo)
    fi
    say "apt: installing ${apt_missing[*]}"
    run "${SUDO[@]}" apt-get update
    run "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${apt_missing[@]}"
    INSTALLED+=("apt: ${apt_missing[*]}")
fi

STEP="check guest Rust toolchain"
rustc_web_version="$(dpkg-query -W -f='${Version}' rustc-web)"
rust_src_version="$(dpkg-query -W -f='${Version}' rust-web-src)"
[ "$rustc_web_version" = "$rust_src_version" ] ||
    die "rustc-web ($rustc_web_version) and rust-web-src ($rust_src_version) differ; -Zbuild-std needs the same version (apt-get install rustc-web rust-web-src)"
[ -d /usr/lib/rustlib/src/rust/library/core ] ||
    die "rust-web-src is installed but /usr/lib/rustlib/src/rust/library/core is missing"
/usr/bin/rustc --print target-list | grep -qx "$GUEST_TARGET" ||
    die "/usr/bin/rustc --print target-list has no $GUEST_TARGET"
for tool in ld.lld-22 riscv64-unknown-elf-gcc riscv64-unknown-elf-objdump qemu-riscv32; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found on PATH"
done

STEP="check host Rust toolchain"
command -v cargo >/dev/null 2>&1 || die "cargo not found on PATH (the host toolchain is rustup's stable)"
host_cargo_version="$(cargo --version)" || die "\`cargo --version\` failed"

# ------------------------------------------------------------------------------------ Foundry
STEP="Foundry (npm ci in $FOUNDRY_DIR)"
[ -f "$FOUNDRY_DIR/package.json" ] && [ -f "$FOUNDRY_DIR/package-lock.json" ] ||
    die "$FOUNDRY_DIR/package.json or package-lock.json is missing"
# The pins live in package.json; read them rather than repeating them here.
pin() { node -p "require('./$FOUNDRY_DIR/package.json').dependencies['$1']"; }
want_forge="$(pin @foundry-rs/forge-linux-amd64)"
want_anvil="$(pin @foundry-rs/anvil-linux-amd64)"
want_cast="$(pin @foundry-rs/cast-linux-amd64)"
want_solc="$(pin solc)"
# `forge --version` prints exactly "forge Version: 1.7.1" on its first line.
has_version() { [ -x "$FOUNDRY_BIN/$1" ] && "$FOUNDRY_BIN/$1" --version 2>/dev/null | head -1 | grep -qxF "$1 Version: $2"; }
solcjs_version() { node -p "require('./$FOUNDRY_DIR/node_modules/solc/package.json').version" 2>/dev/null || true; }
if has_version forge "$want_forge" && has_version anvil "$want_anvil" &&
    has_version cast "$want_cast" && [ "$(solcjs_version)" = "$want_solc" ]; then
    :
else
    say "npm: installing forge $want_forge, anvil $want_anvil, cast $want_cast, solc-js $want_solc"
    run npm ci --prefix "$FOUNDRY_DIR" --no-audit --no-fund
    INSTALLED+=("npm: foundry $want_forge + solc-js $want_solc")
    has_version forge "$want_forge" && has_version anvil "$want_anvil" && has_version cast "$want_cast" ||
        die "after npm ci, forge/anvil/cast in $FOUNDRY_BIN do not report the pinned versions"
    [ "$(solcjs_version)" = "$want_solc" ] || die "after npm ci, solc-js is not $want_solc"
fi
[ -x "$FOUNDRY_DIR/bin/solc" ] || die "$FOUNDRY_DIR/bin/solc (the solc shim) is missing or not executable"

STEP="write .keel/env"
env_text="# Generated by scripts/install.sh; do not edit. Usage: source .keel/env
KEEL_ROOT='$ROOT'
case \":\$PATH:\" in
    *\":\$KEEL_ROOT/$FOUNDRY_BIN:\"*) ;;
    *) PATH=\"\$KEEL_ROOT/$FOUNDRY_BIN:\$KEEL_ROOT/$FOUNDRY_DIR/bin:\$PATH\" ;;
esac
export KEEL_ROOT PATH"
if [ ! -f .keel/env ] || [ "$(cat .keel/env)" != "$env_text" ]; then
    mkdir -p .keel
    printf '%s\n' "$env_text" >.keel/env
    INSTALLED+=(".keel/env")
fi

# ------------------------------------------------------------------------------- guest crates
if [ -f prover/guests/Cargo.toml ]; then
    STEP="cargo fetch (prover/guests)"
    # cwd matters: prover/guests/.cargo/config.toml enables build-std, whose own deps are fetched too.
    cd prover/guests
    run env RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 /usr/bin/cargo fetch --quiet --locked
    cd "$ROOT"
fi

# ----------------------------------------------------------------------------------- summary
STEP="summary"
join_installed() { local out="" item; for item in "${INSTALLED[@]}"; do out="${out:+$out; }$item"; done; echo "$out"; }
if [ "$QUIET" = 1 ]; then
    if [ "${#INSTALLED[@]}" = 0 ]; then echo "keel install: everything already installed"
    else echo "keel install: done (installed: $(join_installed))"; fi
    exit 0
fi
first_line() { "$@" 2>/dev/null | head -1; }
printf '%-24s %s\n' \
    "rustc (guest)" "$(/usr/bin/rustc --version) [rustc-web $rustc_web_version]" \
    "cargo (guest)" "$(/usr/bin/cargo --version)" \
    "rust-web-src" "$rust_src_version (same as rustc-web; target $GUEST_TARGET ok)" \
    "cargo (host)" "$host_cargo_version" \
    "ld.lld-22" "$(first_line ld.lld-22 --version)" \
    "riscv64-unknown-elf-gcc" "$(first_line riscv64-unknown-elf-gcc --version)" \
    "riscv64 binutils" "$(first_line riscv64-unknown-elf-objdump --version)" \
    "qemu-riscv32" "$(first_line qemu-riscv32 --version)" \
    "node / npm" "$(node --version) / $(npm --version 2>/dev/null)" \
    "forge" "$(first_line "$FOUNDRY_BIN/forge" --version)" \
    "anvil" "$(first_line "$FOUNDRY_BIN/anvil" --version)" \
    "cast" "$(first_line "$FOUNDRY_BIN/cast" --version)" \
    "solc (shim over solc-js)" "$("$FOUNDRY_DIR/bin/solc" --version | tail -1)"
if [ "${#INSTALLED[@]}" = 0 ]; then
    echo "keel install: everything already installed"
else
    echo "keel install: done; installed: $(join_installed)"
    echo "keel install: run 'source .keel/env' for forge, anvil, cast and solc on PATH"
fi
