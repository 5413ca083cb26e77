use crate::config::outer_perm;
use p3_bn254::Bn254;
use p3_field::PrimeCharacteristicRing;
use p3_symmetric::Permutation;

/// `x` in decimal (how `Bn254` displays), from hex.
fn decimal(hex: &str) -> String {
    num_bigint::BigUint::parse_bytes(hex.as_bytes(), 16).unwrap().to_string()
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
