//! Proves a guest run and prints one row of figures (bench step 8 of `scripts/bench.sh`).
//!
//!   prove_guest ELF GUEST CONFIG TARGET_CYCLES
//!
//! GUEST is `fibonacci` (input: n) or `sha256` (input: a byte string); the input is sized so the
//! run takes about TARGET_CYCLES cycles. Prints: guest, config, cycles, trace cells per cycle,
//! setup seconds (the program's keys, once per program), prove seconds (execution, traces,
//! proof, and the prover's own check that it verifies), cycles/s, proof bytes, verify ms (with
//! the keys), the floor (seconds Plonky3 alone takes to prove one table of the same area —
//! keygen and trace excluded — and its shape), and the split of the prove time by stage; peak RSS comes from `/usr/bin/time`.
//!
//! `KEEL_TABLES=1` also prints each table's height, main width and LogUp fraction columns;
//! `KEEL_NO_FLOOR=1` skips the floor (for profiling the prover alone).

use keel_executor::{run, Input, Program, RunOptions};
use keel_machine::rv32im::{self, ProgramKeys, ProveOptions};
use keel_stark::config::ConfigKind;
use keel_stark::toy::ToyMachine;
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
    let start = Instant::now();
    let keys = ProgramKeys::new(&program, config).expect("the program's keys");
    let setup = start.elapsed().as_secs_f64();
    let options = ProveOptions {
        config,
        ..Default::default()
    };
    let start = Instant::now();
    let mut stages: Vec<(rv32im::Stage, Instant)> = Vec::new();
    let proven = rv32im::prove_with_keys(&keys, input_for(guest, size), &options, |s| {
        stages.push((s, Instant::now()))
    })
    .expect("the run proves");
    let prove = start.elapsed().as_secs_f64();
    let end = Instant::now();
    let split: Vec<String> = stages
        .iter()
        .enumerate()
        .map(|(i, (s, t))| {
            let next = stages.get(i + 1).map_or(end, |n| n.1);
            format!("{s:?} {:.2} s", (next - *t).as_secs_f64())
        })
        .collect();
    let start = Instant::now();
    rv32im::verify_with_keys(&keys, &proven.file).expect("the proof verifies");
    let verify = start.elapsed().as_secs_f64() * 1e3;
    let (airs, _, _) = rv32im::tables_and_heights(&proven.file).expect("tables");
    let cells: usize = airs
        .iter()
        .zip(&proven.heights)
        .map(|(air, h)| p3_air::BaseAir::<keel_stark::config::Val>::width(air) * h)
        .sum();
    let c = proven.result.cycles;
    // The floor: Plonky3 alone proving one table of the same area at the tallest table's height.
    let log_height = proven
        .heights
        .iter()
        .max()
        .expect("tables")
        .trailing_zeros() as usize;
    let floor_width = cells.div_ceil(1 << log_height);
    let floor = ToyMachine::floor(log_height, floor_width);
    if std::env::var_os("KEEL_TABLES").is_some() {
        for (air, h) in airs.iter().zip(&proven.heights) {
            let w = p3_air::BaseAir::<keel_stark::config::Val>::width(air);
            let lookups = p3_lookup::Lookups::<keel_stark::config::Val>::from_air::<
                keel_stark::config::Challenge,
                _,
            >(air)
            .pack_same_bus(&p3_lookup::LogUpGadget::new(), 3);
            let name = format!("{air:?}");
            let name = name.split('(').next().unwrap_or_default();
            println!(
                "{name}: 2^{} x {w} main, {} fraction columns",
                h.trailing_zeros(),
                lookups.len()
            );
        }
    }
    if std::env::var_os("KEEL_NO_FLOOR").is_some() {
        println!("prove {prove:.2} s");
        return;
    }
    let start = Instant::now();
    match config {
        ConfigKind::Fast => drop(floor.prove_fast().expect("the floor proves")),
        ConfigKind::Outer => drop(floor.prove_outer().expect("the floor proves")),
    }
    let floor_s = start.elapsed().as_secs_f64();
    println!(
        "| {guest} | {:?} | {c} | {:.0} | {setup:.1} | {prove:.1} | {:.0} | {} | {verify:.0} | {floor_s:.1} ({floor_width} × 2^{log_height}) | {} |",
        config,
        cells as f64 / c as f64,
        c as f64 / prove,
        proven.file.proof.len(),
        split.join(", ")
    );
}
