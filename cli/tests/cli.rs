//! The `keel` binary: help text, text and JSON reports, input frame order, and one-line errors.

use keel_executor::testing::{elf_from_instructions, random_program, RawSegment};
use keel_isa::abi::{SYS_EXIT, SYS_INPUT_LEN, SYS_INPUT_READ, SYS_WRITE};
use keel_isa::encode::asm::{addi, ecall, li};
use keel_isa::Instruction;
use std::path::Path;
use std::process::{Command, Output};

fn keel(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_keel"))
        .args(args)
        .output()
        .expect("running keel")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn write_elf(dir: &Path, name: &str, elf: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, elf).unwrap();
    path.to_string_lossy().into_owned()
}

/// A program that echoes every input frame to stdout, then exits with the number of frames.
fn echo_program() -> Vec<u8> {
    const DATA: u32 = 0x2_0000;
    let call = |n: u32| -> Vec<Instruction> {
        let mut v = li(17, n).to_vec();
        v.push(ecall());
        v
    };
    let mut code: Vec<Instruction> = li(9, 0).to_vec(); // s1 = frames read
    let top = code.len();
    code.extend(call(SYS_INPUT_LEN)); // a0 = len or 0xffffffff
    code.extend(li(5, u32::MAX));
    let exit_branch = code.len();
    code.push(keel_isa::encode::asm::inst(
        keel_isa::Opcode::Beq,
        0,
        10,
        5,
        0,
    )); // patched below
    code.push(addi(12, 10, 0));
    code.extend(li(10, DATA));
    code.push(addi(11, 12, 0));
    code.extend(call(SYS_INPUT_READ));
    code.extend(li(10, 1));
    code.extend(li(11, DATA));
    code.extend(call(SYS_WRITE));
    code.push(addi(9, 9, 1));
    let back = -4 * (code.len() - top) as i32;
    code.push(keel_isa::encode::asm::inst(
        keel_isa::Opcode::Jal,
        0,
        0,
        0,
        back,
    ));
    code[exit_branch].imm = 4 * (code.len() - exit_branch) as i32;
    code.push(addi(10, 9, 0));
    code.extend(call(SYS_EXIT));
    let data = RawSegment {
        vaddr: DATA,
        data: vec![],
        mem_size: 4096,
        flags: 6,
    };
    elf_from_instructions(0x1_0000, &code, &[data])
}

#[test]
fn help_teaches_the_commands() {
    let out = keel(&["--help"]);
    assert!(out.status.success());
    let text = stdout(&out);
    for word in ["build", "run", "keel run prover/guests/fibonacci"] {
        assert!(text.contains(word), "--help lacks {word:?}:\n{text}");
    }
    let run_help = stdout(&keel(&["run", "--help"]));
    assert!(
        run_help.contains("--input-hex") && run_help.contains("postcard"),
        "{run_help}"
    );
}

#[test]
fn input_frames_keep_command_line_order_across_flags() {
    let dir = tempfile::tempdir().unwrap();
    let elf = write_elf(dir.path(), "echo.elf", &echo_program());
    let file = dir.path().join("b.bin");
    std::fs::write(&file, b"B").unwrap();
    let out = keel(&[
        "run",
        &elf,
        "--input-hex",
        "41",
        "--input",
        file.to_str().unwrap(),
        "--input-hex",
        "0x43",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["stdout"], "ABC");
    assert_eq!(report["exit_code"], 3);
    assert_eq!(report["termination"], "exit");
}

#[test]
fn text_and_json_reports_agree_with_the_executor() {
    let dir = tempfile::tempdir().unwrap();
    let elf_bytes = random_program(42, 100);
    let elf = write_elf(dir.path(), "random.elf", &elf_bytes);
    let program = keel_executor::Program::from_elf(&elf_bytes).unwrap();
    let expected =
        keel_executor::run(&program, keel_executor::Input::new(), &Default::default()).unwrap();

    let json = keel(&["run", &elf, "--json", "--record"]);
    assert!(json.status.success(), "{}", stderr(&json));
    let report: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(report["cycles"], expected.cycles);
    assert_eq!(report["exit_code"], expected.exit_code);
    assert_eq!(report["record"]["steps"], expected.cycles);
    assert_eq!(
        report["public_values_digest"],
        "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );

    let text = keel(&["run", &elf]);
    assert!(text.status.success());
    let out = stdout(&text);
    assert!(
        out.contains(&format!("cycles:               {}", expected.cycles)),
        "{out}"
    );
    assert!(
        out.contains(&format!("exit code:            {}", expected.exit_code)),
        "{out}"
    );
}

/// Every failure is a non-zero exit and exactly one line on stderr, starting with `error:`.
fn assert_one_line_error(out: &Output, needle: &str) {
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: ") && err.contains(needle), "{err}");
}

#[test]
fn bad_inputs_fail_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let elf_bytes = random_program(1, 50);
    let truncated = write_elf(dir.path(), "cut.elf", &elf_bytes[..40]);
    assert_one_line_error(&keel(&["run", &truncated]), "truncated ELF");
    let mut wide = elf_bytes.clone();
    wide[4] = 2;
    let wide = write_elf(dir.path(), "wide.elf", &wide);
    assert_one_line_error(&keel(&["run", &wide]), "64-bit ELF");
    let good = write_elf(dir.path(), "good.elf", &elf_bytes);
    assert_one_line_error(
        &keel(&["run", &good, "--max-cycles", "10"]),
        "cycle limit of 10",
    );
    assert_one_line_error(&keel(&["run", &good, "--input-hex", "zz"]), "not hex");
    assert_one_line_error(
        &keel(&["run", "/nonexistent/guest.elf"]),
        "reading /nonexistent/guest.elf",
    );
    assert_one_line_error(
        &keel(&["build", dir.path().to_str().unwrap()]),
        "not a cargo crate",
    );
}

#[test]
fn runs_a_guest_crate_directory_building_it_first() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../prover/guests/fibonacci");
    let out = keel(&[
        "run",
        crate_dir.to_str().unwrap(),
        "--input-hex",
        "0a",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["stdout"], "fib(10) = 55\n");
    assert_eq!(report["exit_code"], 0);
    assert_eq!(report["termination"], "halt");
    let public_values = report["public_values"].as_str().unwrap();
    assert!(
        public_values.ends_with(&format!("{:064x}{:064x}", 10, 55)),
        "{public_values}"
    );
}

#[test]
fn info_reports_parameters_and_at_least_100_bits() {
    let out = keel(&["info", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let infos: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let infos = infos.as_array().unwrap();
    assert_eq!(infos.len(), 2);
    for info in infos {
        assert!(info["fri"]["num_queries"].as_u64().unwrap() > 0);
        for row in info["security"].as_array().unwrap() {
            let bits = row[1].as_f64().unwrap();
            assert!(bits >= 100.0, "{}: {row}", info["name"]);
        }
    }
    let text = stdout(&keel(&["info"]));
    assert!(
        text.contains("outer config") && text.contains("conjectured security"),
        "{text}"
    );
}

/// `keel prove-toy` → `keel wrap` (keys generated into a fresh directory) → `keel verify-snark`
/// against the proof's statement; a flipped SNARK byte, a fast-config proof and garbage are
/// one-line errors.
#[test]
fn prove_toy_wrap_and_verify_snark() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let keys = ["--keys-dir", &path("keys")];

    let out = keel(&["prove-toy", "fibonacci", "-o", &path("fib.proof")]);
    assert!(out.status.success(), "{}", stderr(&out));

    // The proof file verifies and describes itself; a flipped byte does not verify.
    let out = keel(&["verify", &path("fib.proof"), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["verified"], true);
    assert_eq!(report["config"], "outer");
    let out = keel(&["info", &path("fib.proof"), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["conjectured_security_bits"].as_f64().unwrap() >= 100.0);
    assert_eq!(report["public_values"][0][2], 2_178_309); // F(32)
    let mut bytes = std::fs::read(path("fib.proof")).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x10;
    std::fs::write(path("flipped.proof"), &bytes).unwrap();
    let out = keel(&["verify", &path("flipped.proof")]);
    assert!(!out.status.success());
    assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));

    let proof = path("fib.proof");
    let snark = path("fib.snark");
    // The direct wrap (k = 17): the aggregation layer, `keel wrap`'s default, takes minutes and
    // is exercised by scripts/fixtures.sh, whose fixture the anvil and forge tests check.
    let mut args = vec!["wrap", &proof[..], "-o", &snark[..], "--direct"];
    args.extend(keys);
    args.push("--json");
    let out = keel(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["keys"], "generated");
    assert_eq!(report["kind"], "wrap");
    assert_eq!(report["k"], 17);
    assert_eq!(report["instances"].as_array().unwrap().len(), 1);

    let mut args = vec!["verify-snark", &snark[..], "--proof", &proof[..], "--json"];
    args.extend(keys);
    let out = keel(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["verified"], true);
    assert_eq!(report["statement_checked"], true);

    // The Solidity verifier: byte-identical when generated again; the selector is the key id's
    // first 4 bytes. A fixture needs an RV32IM proof (scripts/fixtures.sh makes one).
    let mut sources = Vec::new();
    for out_dir in [path("verifier1"), path("verifier2")] {
        let mut args = vec!["verifier", &snark[..], "--out", &out_dir[..], "--json"];
        args.extend(keys);
        let out = keel(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["num_instances"], 1);
        assert_eq!(report["accumulator_words"], 0);
        let key_id = report["key_id"].as_str().unwrap();
        assert_eq!(report["selector"], format!("0x{}", &key_id[..8]));
        let source =
            std::fs::read_to_string(std::path::Path::new(&out_dir).join("Halo2Verifier.sol"))
                .unwrap();
        assert!(source.contains("pragma solidity ^0.8.19;"));
        sources.push(source);
    }
    assert_eq!(sources[0], sources[1], "the verifier is deterministic");
    let fixture = path("fixture.json");
    let mut args = vec![
        "fixture",
        &snark[..],
        "--proof",
        &proof[..],
        "-o",
        &fixture[..],
    ];
    args.extend(keys);
    let out = keel(&args);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not an RV32IM proof"),
        "{}",
        stderr(&out)
    );

    // A flipped proof byte.
    let mut bytes = std::fs::read(&snark).unwrap();
    let at = bytes.len() - 100;
    bytes[at] ^= 1;
    let bad = path("bad.snark");
    std::fs::write(&bad, &bytes).unwrap();
    let mut args = vec!["verify-snark", &bad[..]];
    args.extend(keys);
    let out = keel(&args);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("error: SNARK verification"), "{err}");

    let out = keel(&[
        "prove-toy",
        "fibonacci",
        "--config",
        "fast",
        "-o",
        &path("fast.proof"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let fast = path("fast.proof");
    let mut args = vec!["wrap", &fast[..], "-o", &bad[..]];
    args.extend(keys);
    let out = keel(&args);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("only outer-configuration proofs"));

    std::fs::write(path("garbage"), b"not a proof").unwrap();
    let garbage = path("garbage");
    let mut args = vec!["wrap", &garbage[..], "-o", &bad[..]];
    args.extend(keys);
    let out = keel(&args);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("bad magic"), "{}", stderr(&out));
}

#[test]
fn prove_a_program_and_verify_its_claim() {
    let dir = tempfile::tempdir().unwrap();
    let elf = write_elf(dir.path(), "random.elf", &random_program(3, 120));
    let proof = dir.path().join("random.proof");
    let proof = proof.to_str().unwrap();
    let out = keel(&["prove", &elf, "-o", proof, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = report["program_id"].as_str().unwrap().to_string();
    let exit_code = report["exit_code"].as_u64().unwrap().to_string();

    let out = keel(&["program-id", &elf]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), id, "program-id agrees with prove");

    let empty = dir.path().join("empty.bin");
    std::fs::write(&empty, b"").unwrap();
    let empty = empty.to_str().unwrap();
    let out = keel(&[
        "verify",
        proof,
        "--program-id",
        &id,
        "--public-values",
        empty,
        "--exit-code",
        &exit_code,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("verified"), "{}", stdout(&out));

    // Wrong expectations: one line naming the mismatch, non-zero exit.
    let mut other_id = id.clone().into_bytes();
    let last = other_id.len() - 1;
    other_id[last] = if other_id[last] == b'0' { b'1' } else { b'0' };
    let other_id = String::from_utf8(other_id).unwrap();
    let out = keel(&["verify", proof, "--program-id", &other_id]);
    assert_one_line_error(&out, "not 0x");
    let one = dir.path().join("one.bin");
    std::fs::write(&one, b"\x01").unwrap();
    let out = keel(&["verify", proof, "--public-values", one.to_str().unwrap()]);
    assert_one_line_error(&out, "public values");
    let wrong_code = (report["exit_code"].as_u64().unwrap() + 1).to_string();
    let out = keel(&["verify", proof, "--exit-code", &wrong_code]);
    assert_one_line_error(&out, "exit code");
    let out = keel(&["verify", proof, "--program-id", "0x12"]);
    assert_one_line_error(&out, "64 hex digits");

    // A flipped byte in the proof: rejected with an error, not a crash.
    let mut bytes = std::fs::read(proof).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    let tampered = dir.path().join("tampered.proof");
    std::fs::write(&tampered, &bytes).unwrap();
    let out = keel(&["verify", tampered.to_str().unwrap()]);
    assert_one_line_error(&out, "");

    // A program that reads private input: input frames in command-line order, as `keel run`;
    // with the per-row trace check on.
    let reader = write_elf(dir.path(), "echo.elf", &echo_program());
    let out = keel(&[
        "prove",
        &reader,
        "--check",
        "--input-hex",
        "01",
        "--input-hex",
        "",
        "-o",
        proof,
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["exit_code"], 2, "two frames read");
    let out = keel(&["verify", proof, "--exit-code", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
}
