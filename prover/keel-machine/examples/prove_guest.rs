//! Proves a guest run and prints one row of figures (bench step 8 of `scripts/bench.sh`).
//!
//!   prove_guest ELF GUEST CONFIG TARGET_CYCLES
//!
//! GUEST is `fibonacci` (input: n) or `sha256` (input: a byte string); the input is sized so the
//! run takes about TARGET_CYCLES cycles. Prints: guest, config, cycles, trace cells per cycle,
//! prove seconds, cycles/s, proof bytes, verify ms; peak RSS comes from `/usr/bin/time -v`.

use keel_executor::{run, Input, Program, RunOptions};
use keel_machine::rv32im::{self, ProveOptions};
use keel_stark::config::ConfigKind;
use std::time::Instant;

fn input_for(guest: &str, size: u64) -> Input {
    let mut input = Input::new();
    match guest {
        "fibonacci" => {
            input.write(&(size as u32)).expect("a u32 encodes");
        }
        _ => {
            input.write_bytes(vec![0x61; size as usize]);
        }
    }
    input
}

fn cycles(program: &Program, guest: &str, size: u64) -> u64 {
    run(program, input_for(guest, size), &RunOptions::default())
        .expect("the guest runs")
        .cycles
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        eprintln!("usage: prove_guest ELF fibonacci|sha256 fast|outer TARGET_CYCLES");
        std::process::exit(2);
    }
    let elf = std::fs::read(&args[1]).expect("reading the ELF");
    let program = Program::from_elf(&elf).expect("a valid ELF");
    let guest = args[2].as_str();
    let config = match args[3].as_str() {
        "outer" => ConfigKind::Outer,
        _ => ConfigKind::Fast,
    };
    let target: u64 = args[4].parse().expect("a cycle count");
    // Size the input: cycles grow linearly with it.
    let (mut lo, mut hi) = (1u64, 1u64);
    while cycles(&program, guest, hi) < target {
        lo = hi;
        hi *= 2;
    }
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if cycles(&program, guest, mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let size = lo;
    let options = ProveOptions {
        config,
        ..Default::default()
    };
    let start = Instant::now();
    let proven =
        rv32im::prove(&program, input_for(guest, size), &options, |_| {}).expect("the run proves");
    let prove = start.elapsed().as_secs_f64();
    let start = Instant::now();
    rv32im::verify(&proven.file).expect("the proof verifies");
    let verify = start.elapsed().as_secs_f64() * 1e3;
    let (airs, _, _) = rv32im::tables_and_heights(&proven.file).expect("tables");
    let cells: usize = airs
        .iter()
        .zip(&proven.heights)
        .map(|(air, h)| p3_air::BaseAir::<keel_stark::config::Val>::width(air) * h)
        .sum();
    let c = proven.result.cycles;
    println!(
        "| {guest} | {:?} | {c} | {:.0} | {prove:.1} | {:.0} | {} | {verify:.0} |",
        config,
        cells as f64 / c as f64,
        c as f64 / prove,
        proven.file.proof.len()
    );
}
