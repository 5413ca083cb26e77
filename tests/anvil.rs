//! End to end on a real devnet: anvil on 127.0.0.1 (a free port, stopped by its guard, also
//! when the test fails), `keel deploy` (generated verifier, adapter, router, the example
//! FibonacciRecorder), `keel submit` of the real fibonacci proof that `scripts/fixtures.sh`
//! wrote (a tampered copy first: its transaction reverts and changes nothing), and the
//! consumer's state read back with `cast`.
//!
//! Needs `anvil` and `cast` on PATH, the fixture and forge's build output: `scripts/test.sh`
//! provides all three (`source .keel/env`, `scripts/fixtures.sh`).

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use keel_e2e::repo_root;

/// A running anvil, killed on drop.
struct Anvil {
    child: Child,
    url: String,
}

impl Anvil {
    fn spawn() -> Anvil {
        // A port the OS says is free now (released just before anvil binds it).
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free local port")
            .port();
        let child = Command::new("anvil")
            // EIP-170's code size limit stays on: the default (aggregation) verifier fits it.
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting anvil (run `source .keel/env`; scripts/install.sh installs it)");
        let anvil = Anvil {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "anvil did not listen within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        anvil
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `keel` binary cargo built next to this test (`target/<profile>/keel`).
fn keel_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps");
    let bin = dir.join("keel");
    assert!(
        bin.exists(),
        "{} is missing: build it (cargo build -p keel)",
        bin.display()
    );
    bin
}

fn run(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("running a command")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn cast_call(url: &str, to: &str, signature: &str, arg: &str) -> String {
    let out = run("cast", &["call", to, signature, arg, "--rpc-url", url]);
    assert!(
        out.status.success(),
        "cast call {signature}: {}",
        text(&out)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn deploy_and_submit_a_real_proof_on_anvil() {
    let fixtures = repo_root().join("contracts/fixtures");
    let fixture = fixtures.join("rv32im.json");
    assert!(
        fixture.exists(),
        "{} is missing: run scripts/fixtures.sh (scripts/test.sh does)",
        fixture.display()
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&fixture).unwrap()).unwrap();
    let program_id = json["programId"].as_str().unwrap().to_string();
    let keel = keel_bin();
    let anvil = Anvil::spawn();

    let verifier_dir = fixtures.join("verifier");
    let out = run(
        &keel,
        &[
            "deploy",
            "--rpc-url",
            &anvil.url,
            "--verifier",
            verifier_dir.to_str().unwrap(),
            "--artifacts",
            repo_root().join("contracts/out").to_str().unwrap(),
            "--fibonacci-recorder",
            &program_id,
            "--json",
        ],
    );
    assert!(out.status.success(), "keel deploy: {}", text(&out));
    let deployed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(deployed["chain_id"], 31337);
    // The fixture's verifier (the aggregation layer, `keel wrap`'s default) is under EIP-170's
    // limit: deployed on a chain that enforces it, and no warning.
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("over EIP-170"),
        "{}",
        text(&out)
    );
    let recorder = deployed["fibonacci_recorder"].as_str().unwrap().to_string();
    let router = deployed["router"].as_str().unwrap().to_string();

    // A tampered proof: the transaction is mined, reverts, and records nothing.
    let mut bad = json.clone();
    let mut proof = hex::decode(json["proof"].as_str().unwrap().trim_start_matches("0x")).unwrap();
    let middle = proof.len() / 2;
    proof[middle] ^= 1;
    bad["proof"] = format!("0x{}", hex::encode(&proof)).into();
    let dir = tempfile::tempdir().unwrap();
    let bad_path = dir.path().join("bad.json");
    std::fs::write(&bad_path, serde_json::to_vec(&bad).unwrap()).unwrap();
    let submit = |path: &Path, to: &str, call: &str, gas: Option<&str>| {
        let mut args = vec![
            "submit",
            path.to_str().unwrap(),
            "--rpc-url",
            &anvil.url,
            "--to",
            to,
            "--call",
            call,
            "--json",
        ];
        if let Some(gas) = gas {
            args.extend(["--gas-limit", gas]);
        }
        run(&keel, &args)
    };
    let out = submit(&bad_path, &recorder, "record", Some("8000000"));
    assert!(!out.status.success(), "a tampered proof was accepted");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "reverted", "{}", text(&out));
    assert_eq!(
        cast_call(&anvil.url, &recorder, "isRecorded(uint32)(bool)", "10"),
        "false"
    );
    // Without a gas limit the node's estimate fails and nothing is sent.
    let out = submit(&bad_path, &recorder, "record", None);
    assert!(!out.status.success());
    assert!(text(&out).contains("reverted"), "{}", text(&out));

    // The real proof: through the router (a view call sent as a transaction), then recorded.
    let out = submit(&fixture, &router, "verify", None);
    assert!(
        out.status.success(),
        "verify via the router: {}",
        text(&out)
    );
    let out = submit(&fixture, &recorder, "record", None);
    assert!(out.status.success(), "record: {}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "success");
    let gas = |field: &str| report[field].as_u64().unwrap();
    assert_eq!(
        gas("gas_used"),
        21_000 + gas("calldata_gas") + gas("execution_gas"),
        "the gas breakdown adds up"
    );
    assert!(
        gas("execution_gas") > 100_000,
        "a pairing check was paid for"
    );
    assert_eq!(
        cast_call(&anvil.url, &recorder, "fib(uint32)(uint32)", "10"),
        "55"
    );
    assert_eq!(
        cast_call(&anvil.url, &recorder, "isRecorded(uint32)(bool)", "10"),
        "true"
    );
}

/// The fixture's SNARK (the aggregation layer, `keel wrap`'s default) verifies natively against
/// its proof file's statement; a changed accumulator limb, or another statement, does not.
#[test]
fn the_aggregated_snark_verifies_natively_and_tampering_is_rejected() {
    let fixtures = repo_root().join("contracts/fixtures");
    let (snark, proof) = (fixtures.join("rv32im.snark"), fixtures.join("rv32im.proof"));
    assert!(
        snark.exists() && proof.exists(),
        "run scripts/fixtures.sh (scripts/test.sh does)"
    );
    let keel = keel_bin();
    let verify = |snark: &Path, proof: Option<&Path>| {
        let mut args = vec!["verify-snark", snark.to_str().unwrap(), "--json"];
        if let Some(proof) = proof {
            args.extend(["--proof", proof.to_str().unwrap()]);
        }
        run(&keel, &args)
    };
    let out = verify(&snark, Some(&proof));
    assert!(out.status.success(), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["statement_checked"], true);
    assert_eq!(report["instances"].as_array().unwrap().len(), 15);

    // Instance 0 (the low limb of the accumulator's lhs.x) + 1: still a canonical limb.
    let bytes = std::fs::read(&snark).unwrap();
    let (kind_at, first_instance) = (8 + 4 + 32 + 4, 8 + 4 + 32 + 4 + 4 + 4);
    assert_eq!(bytes[kind_at], 1, "an aggregation SNARK");
    let mut tampered = bytes.clone();
    tampered[first_instance] ^= 1;
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.snark");
    std::fs::write(&bad, &tampered).unwrap();
    let out = verify(&bad, None);
    assert!(!out.status.success(), "a changed accumulator limb verified");
    assert!(text(&out).contains("SNARK verification"), "{}", text(&out));

    // Another statement, of another proof shape (a toy machine's outer proof): rejected before
    // any verification. (Same-shape statements — another program id or other public values —
    // are rejected on chain: contracts/test/KeelHalo2Verifier.t.sol.)
    let other = dir.path().join("toy.proof");
    let out = run(
        &keel,
        &["prove-toy", "fibonacci", "-o", other.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = verify(&snark, Some(&other));
    assert!(!out.status.success(), "another statement was accepted");
    assert!(text(&out).contains("another circuit"), "{}", text(&out));
}
