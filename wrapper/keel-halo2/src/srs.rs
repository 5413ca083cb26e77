//! KZG structured reference strings (SRS, "params") over BN254 for halo2-axiom.
//!
//! Two sources:
//!
//! - **An INSECURE development SRS** ([`insecure_dev_srs`],
//!   [`load_or_generate_insecure_dev_srs`]): the powers of a τ drawn from a fixed, public seed,
//!   so **anyone can forge proofs against it**. It exists so that tests, CI and local runs need no
//!   download. τ = `Fr::random(ChaCha20Rng::from_seed([0; 32]))`, the τ of halo2-base's
//!   `gen_srs` (and of `ParamsKZG::setup` with that RNG): the files are byte-identical to
//!   halo2-base's `kzg_bn254_{k}.srs` test files and SRSs of different k share τ. Generation
//!   is parallel (fixed-base multiplication with a precomputed window table on every core),
//!   much faster than halo2's `ParamsKZG::setup`, which does two variable-base scalar
//!   multiplications and a field inversion per point. Cached as
//!   `kzg_bn254_{k}.INSECURE-DEV.srs` in a directory the caller passes (see [`default_srs_dir`]).
//!
//! - **A real universal setup** ([`load_setup`], [`load_setup_for_k`]): a file in halo2's own
//!   params format (below) converted from a powers-of-tau ceremony, e.g. the perpetual
//!   powers-of-tau (PPoT) ceremony for BN254. Ready-converted files are published by the
//!   community: PSE's converter `han0110/halo2-kzg-srs` (files `perpetual-powers-of-tau-{k}`
//!   / `perpetual-powers-of-tau-raw-{k}` and `hermez-{k}` / `hermez-raw-{k}`, one file per k),
//!   and Axiom's `kzg_bn254_{k}.srs` files converted from PPoT's `challenge_0085` (the ones
//!   snark-verifier's and OpenVM's setup scripts fetch). Download the file for the k you
//!   need (a larger one works too, see [`load_setup_for_k`]), check its hash against the
//!   publisher's, and optionally run [`verify_setup`] on it.
//!
//! # File format (halo2's `ParamsKZG::write_custom`)
//!
//! `k: u32` little-endian, then the `n = 2^k` monomial points `g[i] = τ^i·G1`, then the `n`
//! Lagrange points `g_lagrange[i] = L_i(τ)·G1` over the size-`n` domain, then `g2 = G2` and
//! `s_g2 = τ·G2`. Points are either
//! - **uncompressed** (halo2's `SerdeFormat::RawBytes` / `RawBytesUnchecked`, what
//!   `ParamsKZG::write` produces): G1 = x ‖ y, 64 bytes, G2 = 128 bytes, coordinates as four
//!   little-endian `u64` limbs in Montgomery form; or
//! - **compressed** (`SerdeFormat::Processed`): G1 32 bytes, G2 64 bytes.
//!
//! The loader tells the two apart by the file size, which it checks against `k` before
//! allocating anything, parses every point with validity checks (coordinates below the
//! modulus, point on the curve, G2 points in the prime-order subgroup) and returns a
//! [`SrsError`] rather than panicking on any malformed input. (halo2's own `ParamsKZG::read`
//! uses the unchecked format and unwraps on a short file; its checked `RawBytes` reader does not
//! check that points are on the curve.)
//!
//! Soundness note: the verifier itself uses only `g[0]`, `g2` and `s_g2`, but key generation
//! commits the circuit's fixed, selector and permutation columns with `g_lagrange`, so keys made
//! from a bad setup describe another circuit (all-identity Lagrange points would zero every
//! selector and make anything provable). Loading checks points, not that they form a setup: run
//! [`verify_setup`] on any file you did not generate before making keys from it.

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use halo2_base::halo2_proofs::arithmetic::parallelize;
use halo2_base::halo2_proofs::halo2curves::bn256::{Bn256, Fr, G1Affine, G2Affine, G1, G2};
use halo2_base::halo2_proofs::halo2curves::ff::{BatchInvert, Field, PrimeField};
use halo2_base::halo2_proofs::halo2curves::group::cofactor::CofactorGroup;
use halo2_base::halo2_proofs::halo2curves::group::prime::PrimeCurveAffine;
use halo2_base::halo2_proofs::halo2curves::group::{Curve, Group, GroupEncoding};
use halo2_base::halo2_proofs::halo2curves::pairing::Engine;
use halo2_base::halo2_proofs::halo2curves::serde::SerdeObject;
use halo2_base::halo2_proofs::poly::commitment::{Blind, Params, ParamsProver};
use halo2_base::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use halo2_base::halo2_proofs::poly::EvaluationDomain;
use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, SeedableRng};
use thiserror::Error;

/// KZG parameters over BN254 (prover and verifier params are the same type in halo2-axiom).
pub type KzgParams = ParamsKZG<Bn256>;

/// The largest supported `k`: BN254's scalar field has 2-adicity 28, the largest FFT domain.
pub const MAX_K: u32 = Fr::S;

/// The **public** seed of the INSECURE development SRS: τ = `Fr::random(ChaCha20Rng::from_seed
/// (INSECURE_DEV_SRS_SEED))`, as in halo2-base's `gen_srs`. Anyone can recompute τ from it.
pub const INSECURE_DEV_SRS_SEED: [u8; 32] = [0; 32];

/// Environment variable naming the SRS cache directory (see [`default_srs_dir`]).
pub const SRS_DIR_ENV: &str = "KEEL_SRS_DIR";

/// Bytes of an uncompressed / compressed G1 point and G2 point in a params file.
const G1_RAW: u64 = 64;
const G1_COMPRESSED: u64 = 32;
const G2_RAW: u64 = 128;
const G2_COMPRESSED: u64 = 64;
/// Points parsed per read while loading (bounds the temporary buffer to 4 MiB).
const LOAD_CHUNK: usize = 1 << 16;
/// Points computed per batch (one batch normalization) while generating.
const GEN_CHUNK: usize = 1 << 12;

/// Errors of loading, generating and checking an SRS.
#[derive(Debug, Error)]
pub enum SrsError {
    /// Reading, writing or renaming a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The file is shorter than the 4-byte `k` header.
    #[error("{}: {len} bytes is too short for a halo2 KZG params file", path.display())]
    TooShort {
        /// The file.
        path: PathBuf,
        /// Its length.
        len: u64,
    },
    /// The header's `k` is out of range: not a params file, or a corrupted one.
    #[error(
        "{}: header says k = {k}, above the maximum {MAX_K} (not a halo2 KZG params file?)",
        path.display()
    )]
    BadK {
        /// The file.
        path: PathBuf,
        /// The `k` read.
        k: u32,
    },
    /// The file's length matches neither encoding of a params file for its `k`.
    #[error(
        "{}: {len} bytes, but a halo2 KZG params file for k = {k} has {uncompressed} bytes \
         (uncompressed points) or {compressed} bytes (compressed points): truncated or not a \
         params file",
        path.display()
    )]
    SizeMismatch {
        /// The file.
        path: PathBuf,
        /// The header's `k`.
        k: u32,
        /// The file's length.
        len: u64,
        /// Expected length with uncompressed points.
        uncompressed: u64,
        /// Expected length with compressed points.
        compressed: u64,
    },
    /// A point failed to decode or is not a valid point of the group.
    #[error("{}: {section} point #{index} is not a valid BN254 point ({format} encoding)", path.display())]
    InvalidPoint {
        /// The file.
        path: PathBuf,
        /// `g`, `g_lagrange`, `g2` or `s_g2`.
        section: &'static str,
        /// Index of the point in its section.
        index: usize,
        /// The encoding.
        format: SrsFormat,
    },
    /// The setup is smaller than requested.
    #[error("the setup has k = {have}, k = {want} was requested")]
    TooSmall {
        /// The setup's `k`.
        have: u32,
        /// The requested `k`.
        want: u32,
    },
    /// A `k` above [`MAX_K`] was requested.
    #[error("k = {0} is above the maximum {MAX_K} (BN254's scalar field 2-adicity)")]
    UnsupportedK(u32),
    /// [`verify_setup`] found the setup inconsistent.
    #[error("the setup is not a consistent powers-of-tau setup: {0}")]
    Inconsistent(&'static str),
    /// The OS entropy source failed while seeding [`verify_setup`]'s challenges.
    #[error("seeding the setup check's RNG from OS entropy failed: {0}")]
    Entropy(#[source] rand_core::Error),
    /// A cached development SRS file is not the one [`insecure_dev_srs`] generates.
    #[error(
        "{}: not keel's insecure dev SRS for k = {k} ({reason}); delete the file to regenerate it",
        path.display()
    )]
    NotDevSrs {
        /// The file.
        path: PathBuf,
        /// The requested `k`.
        k: u32,
        /// What differs.
        reason: &'static str,
    },
}

/// How the points of a params file are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SrsFormat {
    /// Uncompressed Montgomery-form coordinates (halo2 `SerdeFormat::RawBytes`, what
    /// `ParamsKZG::write` writes).
    Uncompressed,
    /// Compressed points (halo2 `SerdeFormat::Processed`).
    Compressed,
}

impl std::fmt::Display for SrsFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SrsFormat::Uncompressed => "uncompressed",
            SrsFormat::Compressed => "compressed",
        })
    }
}

impl SrsFormat {
    fn g1_bytes(self) -> u64 {
        match self {
            SrsFormat::Uncompressed => G1_RAW,
            SrsFormat::Compressed => G1_COMPRESSED,
        }
    }

    fn g2_bytes(self) -> u64 {
        match self {
            SrsFormat::Uncompressed => G2_RAW,
            SrsFormat::Compressed => G2_COMPRESSED,
        }
    }

    /// Length of a params file for `k` in this encoding.
    pub fn file_len(self, k: u32) -> u64 {
        4 + 2 * (1u64 << k) * self.g1_bytes() + 2 * self.g2_bytes()
    }

    fn decode_g1(self, bytes: &[u8]) -> Option<G1Affine> {
        match self {
            SrsFormat::Uncompressed => G1Affine::from_raw_bytes(bytes),
            SrsFormat::Compressed => {
                let mut repr = <G1Affine as GroupEncoding>::Repr::default();
                repr.as_mut().copy_from_slice(bytes);
                G1Affine::from_bytes(&repr).into()
            }
        }
    }

    fn decode_g2(self, bytes: &[u8]) -> Option<G2Affine> {
        let point: Option<G2Affine> = match self {
            SrsFormat::Uncompressed => G2Affine::from_raw_bytes(bytes),
            SrsFormat::Compressed => {
                let mut repr = <G2Affine as GroupEncoding>::Repr::default();
                repr.as_mut().copy_from_slice(bytes);
                G2Affine::from_bytes(&repr).into()
            }
        };
        // G2 has a cofactor: on the curve is not enough.
        point.filter(|p| bool::from(G2::from(*p).is_torsion_free()))
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> SrsError + '_ {
    move |source| SrsError::Io {
        path: path.to_path_buf(),
        source,
    }
}

// ------------------------------------------------------------------------------------------
// INSECURE development SRS
// ------------------------------------------------------------------------------------------

/// τ of the INSECURE development SRS, recomputed from [`INSECURE_DEV_SRS_SEED`]. **Public.**
pub fn insecure_dev_tau() -> Fr {
    Fr::random(ChaCha20Rng::from_seed(INSECURE_DEV_SRS_SEED))
}

/// File name of the cached INSECURE development SRS for `k`.
pub fn insecure_dev_srs_file_name(k: u32) -> String {
    format!("kzg_bn254_{k}.INSECURE-DEV.srs")
}

/// Generates the INSECURE development SRS for `2^k` rows (τ from [`INSECURE_DEV_SRS_SEED`]),
/// in parallel. Equal to `ParamsKZG::setup(k, ChaCha20Rng::from_seed([0; 32]))` and to
/// halo2-base's `gen_srs(k)`. **Anyone can forge proofs against it.**
pub fn insecure_dev_srs(k: u32) -> Result<KzgParams, SrsError> {
    insecure_params_from_tau(k, insecure_dev_tau())
}

/// The KZG params of a given τ: `g[i] = τ^i·G1`, `g_lagrange[i] = L_i(τ)·G1`, `τ·G2`; the
/// same points as halo2's `ParamsKZG::setup` would draw for this τ. **INSECURE**: whoever knows
/// τ can forge proofs. Parallel over the available cores (rayon, halo2's `parallelize`).
pub fn insecure_params_from_tau(k: u32, tau: Fr) -> Result<KzgParams, SrsError> {
    if k > MAX_K {
        return Err(SrsError::UnsupportedK(k));
    }
    let n = 1usize << k;
    let table = FixedBaseTable::new(G1::generator(), n);

    // g[i] = τ^i·G1.
    let g = table.points(n, |start, scalars| {
        let mut power = tau.pow_vartime([start as u64]);
        for s in scalars {
            *s = power;
            power *= tau;
        }
    });

    // g_lagrange[i] = L_i(τ)·G1, L_i(τ) = (τ^n − 1)/n · ω^i/(τ − ω^i) for the primitive n-th
    // root of unity ω that halo2's domain uses (ω^i itself when τ is an n-th root of unity).
    let mut omega = Fr::ROOT_OF_UNITY;
    for _ in k..Fr::S {
        omega = omega.square();
    }
    let vanishing = tau.pow_vartime([n as u64]) - Fr::ONE;
    let multiplier = vanishing
        * Fr::from(n as u64)
            .invert()
            .expect("n is a power of two, nonzero in Fr");
    let g_lagrange = table.points(n, |start, scalars| {
        let mut omega_i = omega.pow_vartime([start as u64]);
        for s in scalars.iter_mut() {
            *s = tau - omega_i;
            omega_i *= omega;
        }
        if vanishing.is_zero_vartime() {
            // τ = ω^j: L_i(τ) = [i = j].
            for s in scalars.iter_mut() {
                *s = Fr::from(u64::from(s.is_zero_vartime()));
            }
            return;
        }
        scalars.iter_mut().batch_invert();
        let mut omega_i = omega.pow_vartime([start as u64]);
        for s in scalars.iter_mut() {
            *s *= multiplier * omega_i;
            omega_i *= omega;
        }
    });

    let g2 = G2Affine::generator();
    let s_g2 = (g2 * tau).to_affine();
    Ok(assemble(k, g, Some(g_lagrange), g2, s_g2))
}

/// Builds a `ParamsKZG` from its parts (`g_lagrange: None` computes it from `g` with halo2's
/// FFT over G1). halo2-axiom's fields are private and its constructor `from_parts` is a method,
/// so it is called on a throwaway k = 0 setup (two scalar multiplications).
fn assemble(
    k: u32,
    g: Vec<G1Affine>,
    g_lagrange: Option<Vec<G1Affine>>,
    g2: G2Affine,
    s_g2: G2Affine,
) -> KzgParams {
    let template = KzgParams::setup(0, ChaCha20Rng::from_seed(INSECURE_DEV_SRS_SEED));
    template.from_parts(k, g, g_lagrange, g2, s_g2)
}

/// A table of `d·2^(w·j)·base` for every window `j` and digit `d ∈ [1, 2^w)`: a scalar
/// multiplication is then one mixed addition per window and no doubling.
struct FixedBaseTable {
    window: usize,
    windows: usize,
    table: Vec<G1Affine>,
}

impl FixedBaseTable {
    /// A table sized for `2·n` multiplications: the window minimises table + multiplication
    /// additions (w = 16 at n = 2^20: 16 windows, a 64 MiB table).
    fn new(base: G1, n: usize) -> Self {
        let bits = Fr::NUM_BITS as usize;
        let cost = |w: usize| {
            let windows = bits.div_ceil(w);
            windows * ((1usize << w) - 1) + 2 * n * windows
        };
        let window = (2..=16).min_by_key(|&w| cost(w)).expect("a window size");
        let windows = bits.div_ceil(window);
        let digits = (1usize << window) - 1;
        let mut window_bases = Vec::with_capacity(windows);
        let mut b = base;
        for _ in 0..windows {
            window_bases.push(b);
            for _ in 0..window {
                b = b.double();
            }
        }
        let mut projective = vec![G1::identity(); windows * digits];
        parallelize(&mut projective, |chunk, start| {
            let mut acc = G1::identity();
            for (offset, out) in chunk.iter_mut().enumerate() {
                let index = start + offset;
                let (j, d) = (index / digits, index % digits + 1);
                acc = if offset == 0 || d == 1 {
                    window_bases[j] * Fr::from(d as u64)
                } else {
                    acc + window_bases[j]
                };
                *out = acc;
            }
        });
        let mut table = vec![G1Affine::identity(); projective.len()];
        parallelize(&mut table, |chunk, start| {
            G1::batch_normalize(&projective[start..start + chunk.len()], chunk);
        });
        FixedBaseTable {
            window,
            windows,
            table,
        }
    }

    fn mul(&self, scalar: &Fr) -> G1 {
        let repr = scalar.to_repr();
        let mut limbs = [0u64; 4];
        for (limb, bytes) in limbs.iter_mut().zip(repr.as_ref().chunks_exact(8)) {
            *limb = u64::from_le_bytes(bytes.try_into().expect("8 bytes"));
        }
        let digits = (1usize << self.window) - 1;
        let mut acc = G1::identity();
        for j in 0..self.windows {
            let bit = j * self.window;
            let (limb, shift) = (bit / 64, bit % 64);
            let mut d = limbs[limb] >> shift;
            if shift + self.window > 64 && limb + 1 < 4 {
                d |= limbs[limb + 1] << (64 - shift);
            }
            let d = (d as usize) & digits;
            if d != 0 {
                acc += self.table[j * digits + d - 1];
            }
        }
        acc
    }

    /// `n` points `s_i·base`, the scalars of `[start, start + len)` filled in by `scalars`.
    fn points(&self, n: usize, scalars: impl Fn(usize, &mut [Fr]) + Send + Sync) -> Vec<G1Affine> {
        let mut points = vec![G1Affine::identity(); n];
        parallelize(&mut points, |chunk, start| {
            let mut s = vec![Fr::ZERO; GEN_CHUNK.min(chunk.len())];
            let mut projective = vec![G1::identity(); s.len()];
            for (c, out) in chunk.chunks_mut(GEN_CHUNK).enumerate() {
                let len = out.len();
                scalars(start + c * GEN_CHUNK, &mut s[..len]);
                for (p, s) in projective.iter_mut().zip(&s[..len]) {
                    *p = self.mul(s);
                }
                G1::batch_normalize(&projective[..len], out);
            }
        });
        points
    }
}

/// The default SRS cache directory: `$KEEL_SRS_DIR` if set, else the repository's
/// `.keel/srs/` (located from this crate's source directory at build time, so meant for runs
/// inside the repository: tests, examples; installed binaries should pass a directory).
pub fn default_srs_dir() -> PathBuf {
    cache_dir(SRS_DIR_ENV, "srs")
}

/// `$env` if set and non-empty, else `.keel/<name>` in the repository (git-ignored).
pub(crate) fn cache_dir(env: &str, name: &str) -> PathBuf {
    match std::env::var_os(env) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => {
            // wrapper/keel-halo2 -> the repository root.
            let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
            let root = manifest.ancestors().nth(2).unwrap_or(manifest);
            root.join(".keel").join(name)
        }
    }
}

/// The INSECURE development SRS for `k`, read from `dir/kzg_bn254_{k}.INSECURE-DEV.srs` or,
/// if missing, generated ([`insecure_dev_srs`]) and cached there (written to a temporary file
/// and renamed, so a crash never leaves a partial file). A cached file is checked to be this
/// SRS (`g[0]`, `g[1]` and `s_g2` against τ); a file that is not errs rather than being
/// overwritten.
pub fn load_or_generate_insecure_dev_srs(dir: &Path, k: u32) -> Result<KzgParams, SrsError> {
    if k > MAX_K {
        return Err(SrsError::UnsupportedK(k));
    }
    let path = dir.join(insecure_dev_srs_file_name(k));
    if path.exists() {
        let params = load_setup(&path)?;
        let not_dev = |reason| SrsError::NotDevSrs {
            path: path.clone(),
            k,
            reason,
        };
        if params.k() != k {
            return Err(not_dev("another k"));
        }
        let tau = insecure_dev_tau();
        let g = params.get_g();
        let generator = G1Affine::generator();
        if g[0] != generator || (n_of(k) > 1 && g[1] != (generator * tau).to_affine()) {
            return Err(not_dev("g differs"));
        }
        if params.g2() != G2Affine::generator() || params.s_g2() != (params.g2() * tau).to_affine()
        {
            return Err(not_dev("g2 or s_g2 differs"));
        }
        return Ok(params);
    }
    let params = insecure_dev_srs(k)?;
    write_params(&params, &path)?;
    Ok(params)
}

fn n_of(k: u32) -> usize {
    1usize << k
}

/// Writes `params` in halo2's uncompressed format (what `ParamsKZG::write` writes, readable
/// by [`load_setup`] and by halo2's `ParamsKZG::read`), creating the parent directory, via a
/// temporary file in the same directory renamed into place.
pub fn write_params(params: &KzgParams, path: &Path) -> Result<(), SrsError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io_error(dir))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    static WRITES: AtomicUsize = AtomicUsize::new(0);
    let tmp = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        WRITES.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let file = File::create(&tmp)?;
        let mut writer = BufWriter::with_capacity(1 << 20, file);
        params.write(&mut writer)?;
        writer.flush()?;
        writer.get_ref().sync_all()?;
        Ok(())
    })();
    if let Err(source) = result {
        let _ = fs::remove_file(&tmp);
        return Err(SrsError::Io { path: tmp, source });
    }
    fs::rename(&tmp, path).map_err(|source| {
        let _ = fs::remove_file(&tmp);
        SrsError::Io {
            path: path.to_path_buf(),
            source,
        }
    })
}

// ------------------------------------------------------------------------------------------
// Loading a real setup
// ------------------------------------------------------------------------------------------

/// Header of a params file: its `k` and point encoding, validated against the file length.
fn read_header(path: &Path, file: &mut File) -> Result<(u32, SrsFormat), SrsError> {
    let len = file.metadata().map_err(io_error(path))?.len();
    if len < 4 {
        return Err(SrsError::TooShort {
            path: path.to_path_buf(),
            len,
        });
    }
    let mut k = [0u8; 4];
    file.read_exact(&mut k).map_err(io_error(path))?;
    let k = u32::from_le_bytes(k);
    if k > MAX_K {
        return Err(SrsError::BadK {
            path: path.to_path_buf(),
            k,
        });
    }
    let (uncompressed, compressed) = (
        SrsFormat::Uncompressed.file_len(k),
        SrsFormat::Compressed.file_len(k),
    );
    let format = if len == uncompressed {
        SrsFormat::Uncompressed
    } else if len == compressed {
        SrsFormat::Compressed
    } else {
        return Err(SrsError::SizeMismatch {
            path: path.to_path_buf(),
            k,
            len,
            uncompressed,
            compressed,
        });
    };
    Ok((k, format))
}

/// Reads `n` G1 points of `format`, in chunks parsed in parallel.
fn read_g1s(
    reader: &mut impl Read,
    n: usize,
    format: SrsFormat,
    path: &Path,
    section: &'static str,
) -> Result<Vec<G1Affine>, SrsError> {
    let size = format.g1_bytes() as usize;
    let mut points = vec![G1Affine::identity(); n];
    let mut buf = vec![0u8; LOAD_CHUNK.min(n) * size];
    for (c, out) in points.chunks_mut(LOAD_CHUNK).enumerate() {
        let bytes = &mut buf[..out.len() * size];
        reader.read_exact(bytes).map_err(io_error(path))?;
        let bytes = &*bytes;
        let bad = AtomicUsize::new(usize::MAX);
        parallelize(out, |chunk, start| {
            for (i, p) in chunk.iter_mut().enumerate() {
                let at = (start + i) * size;
                match format.decode_g1(&bytes[at..at + size]) {
                    Some(point) => *p = point,
                    None => {
                        bad.fetch_min(start + i, Ordering::Relaxed);
                    }
                }
            }
        });
        let bad = bad.into_inner();
        if bad != usize::MAX {
            return Err(SrsError::InvalidPoint {
                path: path.to_path_buf(),
                section,
                index: c * LOAD_CHUNK + bad,
                format,
            });
        }
    }
    Ok(points)
}

fn read_g2(
    reader: &mut impl Read,
    format: SrsFormat,
    path: &Path,
    section: &'static str,
) -> Result<G2Affine, SrsError> {
    let mut bytes = vec![0u8; format.g2_bytes() as usize];
    reader.read_exact(&mut bytes).map_err(io_error(path))?;
    format
        .decode_g2(&bytes)
        .ok_or_else(|| SrsError::InvalidPoint {
            path: path.to_path_buf(),
            section,
            index: 0,
            format,
        })
}

/// Loads a universal KZG setup in halo2's params format (either encoding, see the module
/// docs), checking the size against the header's `k` first and every point while parsing.
/// Never panics on a malformed file. Checks the points, not that they are powers of one τ:
/// run [`verify_setup`] for that.
pub fn load_setup(path: &Path) -> Result<KzgParams, SrsError> {
    let mut file = File::open(path).map_err(io_error(path))?;
    let (k, format) = read_header(path, &mut file)?;
    read_body(path, file, format, k, k)
}

/// Loads a setup ([`load_setup`]) for exactly `2^k` rows: a larger file is cut down to `k`
/// (its first `2^k` powers; the Lagrange points are recomputed with halo2's FFT over G1,
/// which costs `2^(k−1)·k` variable-base scalar multiplications, minutes at k ≥ 20: prefer
/// the file published for the k you need); a smaller one is an error.
pub fn load_setup_for_k(path: &Path, k: u32) -> Result<KzgParams, SrsError> {
    if k > MAX_K {
        return Err(SrsError::UnsupportedK(k));
    }
    let mut file = File::open(path).map_err(io_error(path))?;
    let (file_k, format) = read_header(path, &mut file)?;
    if file_k < k {
        return Err(SrsError::TooSmall {
            have: file_k,
            want: k,
        });
    }
    read_body(path, file, format, file_k, k)
}

/// Reads the points after the header: the first `2^k` of a `2^file_k` file.
fn read_body(
    path: &Path,
    file: File,
    format: SrsFormat,
    file_k: u32,
    k: u32,
) -> Result<KzgParams, SrsError> {
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let n = n_of(k);
    let g = read_g1s(&mut reader, n, format, path, "g")?;
    let g_lagrange = if k == file_k {
        Some(read_g1s(&mut reader, n, format, path, "g_lagrange")?)
    } else {
        let g2_at = 4 + 2 * (1u64 << file_k) * format.g1_bytes();
        reader
            .seek(SeekFrom::Start(g2_at))
            .map_err(io_error(path))?;
        None
    };
    let g2 = read_g2(&mut reader, format, path, "g2")?;
    let s_g2 = read_g2(&mut reader, format, path, "s_g2")?;
    Ok(assemble(k, g, g_lagrange, g2, s_g2))
}

/// Cuts `params` down to `2^k` rows (halo2's `downsize`: keeps the first `2^k` powers and
/// recomputes the Lagrange points with an FFT over G1, slow at large k). For the development
/// SRS, generating the smaller one ([`insecure_dev_srs`]) is faster and gives the same params.
pub fn downsize(params: &mut KzgParams, k: u32) -> Result<(), SrsError> {
    if k > params.k() {
        return Err(SrsError::TooSmall {
            have: params.k(),
            want: k,
        });
    }
    if k < params.k() {
        params.downsize(k);
    }
    Ok(())
}

/// Checks that `params` is a consistent powers-of-tau setup, with random challenges from an
/// OS-seeded ChaCha20 RNG:
/// - `g[0]`, `g2`, `s_g2` are not the identity, `g2` and `s_g2` in G2's prime-order subgroup;
/// - the powers share one ratio: `e(Σ r_i·g[i], s_g2) = e(Σ r_i·g[i+1], g2)` for random `r`
///   (so `g[i] = τ^i·g[0]` with `s_g2 = τ·g2`);
/// - the Lagrange points match the powers: commitments of a random vector in the Lagrange
///   and in the monomial basis agree.
///
/// Costs three multi-scalar multiplications of size `2^k` (seconds at k = 20). It cannot tell
/// whether τ is known to someone: that is what the ceremony's transcript is for.
pub fn verify_setup(params: &KzgParams) -> Result<(), SrsError> {
    let g = params.get_g();
    let n = n_of(params.k());
    if g.len() != n {
        return Err(SrsError::Inconsistent("wrong number of powers"));
    }
    let (g2, s_g2) = (params.g2(), params.s_g2());
    if bool::from(g[0].is_identity() | g2.is_identity() | s_g2.is_identity()) {
        return Err(SrsError::Inconsistent("g[0], g2 or s_g2 is the identity"));
    }
    if !bool::from(G2::from(g2).is_torsion_free() & G2::from(s_g2).is_torsion_free()) {
        return Err(SrsError::Inconsistent(
            "g2 or s_g2 is outside the G2 subgroup",
        ));
    }
    let mut rng = ChaCha20Rng::from_rng(OsRng).map_err(SrsError::Entropy)?;
    if n > 1 {
        let r: Vec<Fr> = (0..n - 1).map(|_| Fr::random(&mut rng)).collect();
        let lower = halo2_base::halo2_proofs::arithmetic::best_multiexp(&r, &g[..n - 1]);
        let upper = halo2_base::halo2_proofs::arithmetic::best_multiexp(&r, &g[1..]);
        if Bn256::pairing(&lower.to_affine(), &s_g2) != Bn256::pairing(&upper.to_affine(), &g2) {
            return Err(SrsError::Inconsistent(
                "the powers g[i] do not share the ratio of s_g2 to g2",
            ));
        }
    }
    let domain = EvaluationDomain::<Fr>::new(1, params.k());
    let values: Vec<Fr> = (0..n).map(|_| Fr::random(&mut rng)).collect();
    let lagrange = domain.lagrange_from_vec(values);
    let monomial = domain.lagrange_to_coeff(lagrange.clone());
    let blind = Blind(Fr::ZERO);
    if params.commit_lagrange(&lagrange, blind) != params.commit(&monomial, blind) {
        return Err(SrsError::Inconsistent(
            "the Lagrange points do not match the powers",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use halo2_base::halo2_proofs::SerdeFormat;

    fn bytes(params: &KzgParams) -> Vec<u8> {
        let mut out = Vec::new();
        params
            .write_custom(&mut out, SerdeFormat::RawBytes)
            .expect("write to memory");
        out
    }

    #[test]
    fn dev_srs_equals_halo2_setup_with_the_same_tau() {
        for k in [1, 6, 8] {
            let ours = insecure_dev_srs(k).expect("generated");
            let halo2 = KzgParams::setup(k, ChaCha20Rng::from_seed(INSECURE_DEV_SRS_SEED));
            assert_eq!(bytes(&ours), bytes(&halo2), "k = {k}");
        }
    }

    #[test]
    fn params_of_a_tau_inside_the_domain_are_consistent() {
        // τ = ω^3 makes halo2's setup divide by zero; ours gives the Lagrange basis at ω^3.
        let k = 4;
        let mut omega = Fr::ROOT_OF_UNITY;
        for _ in k..Fr::S {
            omega = omega.square();
        }
        let params = insecure_params_from_tau(k, omega.pow_vartime([3])).expect("generated");
        verify_setup(&params).expect("consistent");
    }

    #[test]
    fn downsizing_the_dev_srs_gives_the_smaller_dev_srs() {
        let mut big = insecure_dev_srs(8).expect("generated");
        downsize(&mut big, 6).expect("downsized");
        assert_eq!(bytes(&big), bytes(&insecure_dev_srs(6).expect("generated")));
        assert!(matches!(
            downsize(&mut big, 7),
            Err(SrsError::TooSmall { have: 6, want: 7 })
        ));
    }

    #[test]
    fn cache_generates_once_then_loads_the_same_params() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = load_or_generate_insecure_dev_srs(dir.path(), 7).expect("generated");
        let path = dir.path().join("kzg_bn254_7.INSECURE-DEV.srs");
        assert_eq!(
            fs::metadata(&path).expect("cached").len(),
            SrsFormat::Uncompressed.file_len(7)
        );
        // Only the final file remains (the temporary one was renamed).
        assert_eq!(fs::read_dir(dir.path()).expect("listing").count(), 1);
        let second = load_or_generate_insecure_dev_srs(dir.path(), 7).expect("loaded");
        assert_eq!(bytes(&first), bytes(&second));
        // halo2's own reader reads the file too.
        let halo2 = KzgParams::read(&mut BufReader::new(File::open(&path).expect("open")))
            .expect("halo2 reads it");
        assert_eq!(bytes(&first), bytes(&halo2));
        // Another setup under the dev name is refused, not silently used.
        let other = insecure_params_from_tau(7, Fr::from(5u64)).expect("generated");
        write_params(&other, &path).expect("written");
        assert!(matches!(
            load_or_generate_insecure_dev_srs(dir.path(), 7),
            Err(SrsError::NotDevSrs { k: 7, .. })
        ));
    }

    #[test]
    fn loads_both_encodings_and_a_larger_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let params = insecure_dev_srs(6).expect("generated");
        for (format, name) in [
            (SerdeFormat::RawBytes, "raw"),
            (SerdeFormat::RawBytesUnchecked, "unchecked"),
            (SerdeFormat::Processed, "compressed"),
        ] {
            let path = dir.path().join(name);
            let mut out = Vec::new();
            params.write_custom(&mut out, format).expect("written");
            fs::write(&path, &out).expect("written");
            let loaded = load_setup(&path).expect("loaded");
            assert_eq!(bytes(&loaded), bytes(&params), "{name}");
            let smaller = load_setup_for_k(&path, 4).expect("loaded");
            assert_eq!(
                bytes(&smaller),
                bytes(&insecure_dev_srs(4).expect("generated")),
                "{name}"
            );
            assert!(matches!(
                load_setup_for_k(&path, 7),
                Err(SrsError::TooSmall { have: 6, want: 7 })
            ));
        }
    }

    #[test]
    fn malformed_files_are_errors() {
        let dir = tempfile::tempdir().expect("temp dir");
        let good = {
            let mut out = Vec::new();
            insecure_dev_srs(5)
                .expect("generated")
                .write(&mut out)
                .expect("written");
            out
        };
        let compressed = {
            let mut out = Vec::new();
            insecure_dev_srs(5)
                .expect("generated")
                .write_custom(&mut out, SerdeFormat::Processed)
                .expect("written");
            out
        };
        let load = |name: &str, data: &[u8]| {
            let path = dir.path().join(name);
            fs::write(&path, data).expect("written");
            let result = load_setup(&path);
            if let Err(e) = &result {
                println!("{name}: {e}");
            }
            result
        };
        assert!(matches!(
            load("empty", &[]),
            Err(SrsError::TooShort { len: 0, .. })
        ));
        assert!(matches!(
            load_setup(&dir.path().join("does-not-exist")),
            Err(SrsError::Io { .. })
        ));
        assert!(matches!(
            load("short", &good[..3]),
            Err(SrsError::TooShort { len: 3, .. })
        ));
        assert!(matches!(
            load("truncated", &good[..good.len() - 1]),
            Err(SrsError::SizeMismatch { k: 5, .. })
        ));
        assert!(matches!(
            load("truncated-half", &good[..good.len() / 2]),
            Err(SrsError::SizeMismatch { k: 5, .. })
        ));
        let mut extended = good.clone();
        extended.push(0);
        assert!(matches!(
            load("extended", &extended),
            Err(SrsError::SizeMismatch { k: 5, .. })
        ));
        // Garbage: a pseudo-random header (k out of range) ...
        let mut rng = ChaCha20Rng::from_seed([7; 32]);
        let mut garbage = vec![0u8; good.len()];
        rand_core::RngCore::fill_bytes(&mut rng, &mut garbage);
        garbage[3] = 0x80;
        assert!(matches!(
            load("garbage", &garbage),
            Err(SrsError::BadK { .. })
        ));
        // ... or a valid header and length with random points.
        garbage[..4].copy_from_slice(&5u32.to_le_bytes());
        assert!(matches!(
            load("garbage-points", &garbage),
            Err(SrsError::InvalidPoint {
                section: "g",
                index: 0,
                ..
            })
        ));
        // One point off the curve (y + 1 in the Montgomery limbs), in each section.
        for (section, at) in [
            ("g", 4 + 64 * 3),
            ("g_lagrange", 4 + 64 * 32 + 64 * 5),
            ("g2", 4 + 64 * 64),
            ("s_g2", 4 + 64 * 64 + 128),
        ] {
            let mut bad = good.clone();
            bad[at + 40] ^= 1;
            let result = load(section, &bad);
            assert!(
                matches!(result, Err(SrsError::InvalidPoint { section: s, .. }) if s == section),
                "{section}"
            );
        }
        // A compressed file with a coordinate above the modulus.
        let mut bad = compressed.clone();
        bad[4 + 32 * 2..4 + 32 * 3].fill(0xff);
        assert!(matches!(
            load("compressed-bad", &bad),
            Err(SrsError::InvalidPoint {
                section: "g",
                index: 2,
                format: SrsFormat::Compressed,
                ..
            })
        ));
        // A field element at the modulus is rejected even if it would reduce onto the curve.
        let mut bad = good.clone();
        bad[4..36].fill(0xff);
        assert!(matches!(
            load("non-canonical", &bad),
            Err(SrsError::InvalidPoint {
                section: "g",
                index: 0,
                ..
            })
        ));
    }

    #[test]
    fn verify_setup_accepts_the_dev_srs_and_rejects_tampered_setups() {
        let k = 6;
        let params = insecure_dev_srs(k).expect("generated");
        verify_setup(&params).expect("consistent");
        let g = params.get_g().to_vec();

        // One power off.
        let mut bad_g = g.clone();
        bad_g[9] = (bad_g[9] + G1Affine::generator()).to_affine();
        let tampered = assemble(k, bad_g, None, params.g2(), params.s_g2());
        assert!(matches!(
            verify_setup(&tampered),
            Err(SrsError::Inconsistent(_))
        ));

        // s_g2 of another τ.
        let tampered = assemble(
            k,
            g.clone(),
            None,
            params.g2(),
            (params.g2() * (insecure_dev_tau() + Fr::ONE)).to_affine(),
        );
        assert!(matches!(
            verify_setup(&tampered),
            Err(SrsError::Inconsistent(_))
        ));

        // Lagrange points swapped.
        let mut lagrange = assemble(k, g.clone(), None, params.g2(), params.s_g2());
        let mut raw = Vec::new();
        lagrange
            .write_custom(&mut raw, SerdeFormat::RawBytes)
            .expect("written");
        let (a, b) = (4 + 64 * (64 + 1), 4 + 64 * (64 + 2));
        for i in 0..64 {
            raw.swap(a + i, b + i);
        }
        lagrange = KzgParams::read_custom(&mut &raw[..], SerdeFormat::RawBytes).expect("read");
        assert!(matches!(
            verify_setup(&lagrange),
            Err(SrsError::Inconsistent(_))
        ));
    }
}
