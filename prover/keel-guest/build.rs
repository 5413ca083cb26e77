//! Puts the SDK's linker script `keel.x` on the linker search path of every crate that depends on
//! `keel-guest` (the cortex-m-rt pattern). A guest links with it by passing `-C link-arg=-Tkeel.x`
//! (see `prover/guests/.cargo/config.toml`).
//!
//! Copying it into `OUT_DIR` (rather than pointing the search path at the crate directory) keeps
//! the search path free of other files, and `rerun-if-changed` makes cargo rebuild this crate,
//! and therefore relink every guest, when the script changes.

use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::copy("keel.x", out.join("keel.x")).expect("copy keel.x into OUT_DIR");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=keel.x");
    println!("cargo:rerun-if-changed=build.rs");
}
