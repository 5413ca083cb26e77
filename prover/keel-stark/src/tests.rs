use crate::config::outer_perm;
use p3_bn254::Bn254;
use p3_field::PrimeCharacteristicRing;
use p3_symmetric::Permutation;

/// `x` in decimal (how `Bn254` displays), from hex.
fn decimal(hex: &str) -> String {
    num_bigint::BigUint::parse_bytes(hex.as_bytes(), 16)
        .unwrap()
        .to_string()
}

/// HorizenLabs' test vector for Poseidon2-BN254 (t = 3): perm([0, 1, 2]).
#[test]
fn outer_permutation_matches_the_published_test_vector() {
    let out = outer_perm().permute([Bn254::ZERO, Bn254::ONE, Bn254::TWO]);
    let got: Vec<String> = out.iter().map(|x| x.to_string()).collect();
    let want: Vec<String> = [
        "0bb61d24daca55eebcb1929a82650f328134334da98ea4f847f760054f4a3033",
        "303b6f7c86d043bfcbcc80214f26a30277a15d3f74ca654992defe7ff8d03570",
        "1ed25194542b12eef8617361c3ba7c52e660b145994427cc86296242cf766ec8",
    ]
    .iter()
    .map(|h| decimal(h))
    .collect();
    assert_eq!(got, want);
}

mod proofs {
    use crate::config::{fast_config, outer_config, OuterConfig, Val};
    use crate::stark::{decode_proof, encode_proof, prove, setup, verify, StarkError};
    use crate::toy::{fibonacci_result, ToyMachine};
    use p3_field::PrimeCharacteristicRing;

    /// Proves `machine` with `config`, checks the proof verifies, returns its bytes.
    macro_rules! prove_and_verify {
        ($config:expr, $machine:expr) => {{
            let config = $config;
            let m: &ToyMachine = $machine;
            let data = setup(&config, &m.airs, &m.log_heights()).unwrap();
            let proof = prove(&config, &m.airs, &m.traces, &m.public_values, &data).unwrap();
            verify(&config, &m.airs, &proof, &m.public_values, &data.common).unwrap();
            let bytes = encode_proof(&proof).unwrap();
            let decoded = decode_proof(&bytes).unwrap();
            verify(&config, &m.airs, &decoded, &m.public_values, &data.common).unwrap();
            (bytes, data)
        }};
    }

    fn fib(n: usize) -> u32 {
        let (mut a, mut b) = (0u64, 1u64);
        for _ in 0..n {
            (a, b) = (b, (a + b) % 0x7800_0001);
        }
        a as u32
    }

    #[test]
    fn fibonacci_proves_and_verifies_in_both_configs() {
        let machine = ToyMachine::fibonacci(6);
        // last row holds (fib(63), fib(64)); the claim is its second column
        assert_eq!(fibonacci_result(&machine), fib(64));
        prove_and_verify!(fast_config(), &machine);
        prove_and_verify!(outer_config(), &machine);
    }

    #[test]
    fn lookup_pair_proves_and_verifies_in_both_configs() {
        let machine = ToyMachine::lookup(7);
        prove_and_verify!(fast_config(), &machine);
        prove_and_verify!(outer_config(), &machine);
    }

    #[test]
    fn zkvm_like_machine_proves_and_verifies() {
        let machine = ToyMachine::zkvm_like(6);
        assert!(machine.total_width() >= 100);
        let heights = machine.log_heights();
        assert!(
            heights.iter().any(|&h| h != heights[0]),
            "tables of different heights"
        );
        prove_and_verify!(fast_config(), &machine);
        prove_and_verify!(outer_config(), &machine);
    }

    #[test]
    fn wrong_public_value_is_rejected() {
        let machine = ToyMachine::fibonacci(5);
        let config = fast_config();
        let data = setup(&config, &machine.airs, &machine.log_heights()).unwrap();
        let proof = prove(
            &config,
            &machine.airs,
            &machine.traces,
            &machine.public_values,
            &data,
        )
        .unwrap();
        for index in 0..3 {
            let mut wrong = machine.public_values.clone();
            wrong[0][index] += Val::ONE;
            let err = verify(&config, &machine.airs, &proof, &wrong, &data.common).unwrap_err();
            assert!(matches!(err, StarkError::Rejected(_)), "{err}");
        }
    }

    /// Single-byte flips of a serialized outer proof: none is accepted and none panics.
    fn flip_bytes(
        config: &OuterConfig,
        machine: &ToyMachine,
        bytes: &[u8],
        common: &p3_batch_stark::CommonData<OuterConfig>,
        flips: usize,
    ) -> (usize, usize) {
        let (mut decode_errors, mut rejections) = (0, 0);
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..flips {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let at = (state >> 33) as usize % bytes.len();
            let mut tampered = bytes.to_vec();
            tampered[at] ^= 1 << ((state >> 29) & 7);
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                match decode_proof::<OuterConfig>(&tampered) {
                    Err(_) => Err(true),
                    Ok(proof) => match verify(
                        config,
                        &machine.airs,
                        &proof,
                        &machine.public_values,
                        common,
                    ) {
                        Err(_) => Err(false),
                        Ok(()) => Ok(()),
                    },
                }
            }));
            match outcome {
                Err(_) => panic!("verifier panicked on a proof with byte {at} flipped"),
                Ok(Ok(())) => panic!("a proof with byte {at} flipped was accepted"),
                Ok(Err(true)) => decode_errors += 1,
                Ok(Err(false)) => rejections += 1,
            }
        }
        (decode_errors, rejections)
    }

    #[test]
    fn tampered_proof_bytes_are_rejected_without_panics() {
        let machine = ToyMachine::lookup(5);
        let config = outer_config();
        let (bytes, data) = prove_and_verify!(outer_config(), &machine);
        let (decode_errors, rejections) = flip_bytes(&config, &machine, &bytes, &data.common, 300);
        println!(
            "300 flips of a {}-byte proof: {decode_errors} decode errors, {rejections} rejections",
            bytes.len()
        );
        assert_eq!(decode_errors + rejections, 300);
    }
}

mod security {
    use crate::config::FriSettings;
    use crate::security::{conjectured_security, table_shapes};
    use crate::toy::ToyMachine;

    #[test]
    fn toy_tables_have_the_expected_shapes() {
        let machine = ToyMachine::lookup(10);
        let shapes = table_shapes(&machine.airs, &machine.log_heights());
        assert_eq!(shapes[0].num_lookups, 3);
        assert_eq!(shapes[0].max_message_width, 1);
        assert_eq!(shapes[1].preprocessed_width, 1);
        let wide = table_shapes(&ToyMachine::zkvm_like(8).airs[..1], &[8]);
        assert_eq!(wide[0].max_constraint_degree, 3);
        assert_eq!(wide[0].num_constraints, 65); // 64 transitions + 1 boundary
    }

    /// Both configurations reach 100 conjectured bits on the zkVM-like machine (Plonky3's
    /// estimator, counting each grinding site): fast up to 2^24-row tables, outer up to 2^22.
    #[test]
    fn both_configurations_reach_100_bits() {
        for log_height in [8, 16, 20, 22, 24] {
            let machine = ToyMachine::zkvm_like(8);
            let heights: Vec<usize> = machine
                .log_heights()
                .iter()
                .map(|h| h + log_height - 8)
                .collect();
            let shapes = table_shapes(&machine.airs, &heights);
            for (name, settings) in [("fast", FriSettings::FAST), ("outer", FriSettings::OUTER)] {
                if name == "outer" && log_height > 22 {
                    continue; // the outer configuration is for small final proofs
                }
                let estimate = conjectured_security(&settings, &shapes);
                println!(
                    "{name} 2^{log_height}: {:.1} bits (binding: {})",
                    estimate.conjectured_bits, estimate.binding_term
                );
                assert!(
                    estimate.conjectured_bits >= 100.0,
                    "{name} at 2^{log_height}: {estimate:?}"
                );
            }
        }
    }

    /// The estimate moves with the parameters: without the extra grinding the fast settings fall
    /// below 100 bits (the field-size terms bind), which is why the grinding is there.
    #[test]
    fn grinding_is_what_lifts_the_fast_configuration_over_100_bits() {
        let machine = ToyMachine::zkvm_like(16);
        let shapes = table_shapes(&machine.airs, &machine.log_heights());
        let bare = FriSettings {
            ood_pow_bits: 0,
            batch_pow_bits: 0,
            lookup_pow_bits: 0,
            ..FriSettings::FAST
        };
        let with = conjectured_security(&FriSettings::FAST, &shapes).conjectured_bits;
        let without = conjectured_security(&bare, &shapes).conjectured_bits;
        assert!(without < 100.0 && with > without, "{without} -> {with}");
    }
}

/// `quietly` returns a panic as an error and a value as itself, and nests.
#[test]
fn quietly_turns_panics_into_errors() {
    use crate::stark::quietly;
    assert_eq!(quietly(|| 3).unwrap(), 3);
    let outer = quietly(|| {
        let inner = quietly(|| -> u32 { panic!("unbalanced") });
        let message = inner
            .unwrap_err()
            .downcast_ref::<&str>()
            .map(|s| s.to_string());
        assert_eq!(message.as_deref(), Some("unbalanced"));
        7
    });
    assert_eq!(outer.unwrap(), 7);
}
