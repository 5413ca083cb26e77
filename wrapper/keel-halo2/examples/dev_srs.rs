//! Generates (and caches) keel's INSECURE development KZG SRS and times it.
//!
//! `cargo run --release -p keel-halo2 --example dev_srs -- [--dir DIR] [--halo2-setup]
//! [--verify] [--downsize] K...`
//!
//! For each K: generation time (parallel), file size and write time, load time (checked
//! parse); `--halo2-setup` also times halo2's `ParamsKZG::setup` with the same τ and checks
//! the two are byte-identical; `--verify` times `verify_setup`; `--downsize` times halo2's
//! `downsize` to K − 1 (an FFT over G1) against generating K − 1 directly. Files go to DIR,
//! default `$KEEL_SRS_DIR` or the repository's `.keel/srs/`.

use std::path::PathBuf;
use std::time::Instant;

use halo2_base::halo2_proofs::poly::commitment::Params;
use keel_halo2::srs::{
    default_srs_dir, downsize, insecure_dev_srs, insecure_dev_srs_file_name, load_setup,
    verify_setup, write_params, KzgParams, INSECURE_DEV_SRS_SEED,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn bytes(params: &KzgParams) -> Vec<u8> {
    let mut out = Vec::new();
    params.write(&mut out).expect("write to memory");
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut dir = default_srs_dir();
    let (mut halo2_setup, mut verify, mut down) = (false, false, false);
    let mut ks = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--dir" => dir = PathBuf::from(args.next().ok_or("--dir needs a value")?),
            "--halo2-setup" => halo2_setup = true,
            "--verify" => verify = true,
            "--downsize" => down = true,
            k => ks.push(k.parse::<u32>()?),
        }
    }
    println!(
        "threads: {}, dir: {}",
        std::thread::available_parallelism()?,
        dir.display()
    );
    for k in ks {
        let start = Instant::now();
        let params = insecure_dev_srs(k)?;
        let generate = start.elapsed();
        let path = dir.join(insecure_dev_srs_file_name(k));
        let start = Instant::now();
        write_params(&params, &path)?;
        let write = start.elapsed();
        let size = std::fs::metadata(&path)?.len();
        let start = Instant::now();
        let loaded = load_setup(&path)?;
        let load = start.elapsed();
        assert_eq!(bytes(&loaded), bytes(&params));
        println!(
            "k = {k}: generate {generate:.2?}, write {write:.2?}, load (checked) {load:.2?}, \
             file {size} bytes ({:.1} MiB)",
            size as f64 / (1u64 << 20) as f64
        );
        if verify {
            let start = Instant::now();
            verify_setup(&params)?;
            println!("k = {k}: verify_setup {:.2?}", start.elapsed());
        }
        if halo2_setup {
            let start = Instant::now();
            let reference = KzgParams::setup(k, ChaCha20Rng::from_seed(INSECURE_DEV_SRS_SEED));
            println!("k = {k}: halo2 ParamsKZG::setup {:.2?}", start.elapsed());
            assert_eq!(
                bytes(&reference),
                bytes(&params),
                "differs from halo2's setup"
            );
            println!("k = {k}: byte-identical to halo2's setup");
        }
        if down && k > 0 {
            let mut smaller = params.clone();
            let start = Instant::now();
            downsize(&mut smaller, k - 1)?;
            let t_down = start.elapsed();
            let start = Instant::now();
            let direct = insecure_dev_srs(k - 1)?;
            let t_direct = start.elapsed();
            assert_eq!(bytes(&smaller), bytes(&direct));
            println!(
                "k = {k} -> {}: halo2 downsize {t_down:.2?}, generating directly {t_direct:.2?}",
                k - 1
            );
        }
    }
    Ok(())
}
