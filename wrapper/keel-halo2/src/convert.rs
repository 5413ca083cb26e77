//! Conversions between Plonky3's field types and halo2's [`Fr`].
//!
//! Plonky3's `Bn254` and halo2curves' `Fr` are the same field (the BN254 scalar field), stored in
//! different Montgomery forms; both conversions go through the canonical little-endian integer.
//! A BabyBear element embeds into `Fr` as its canonical representative in `[0, p)`; the way back
//! fails for anything at or above `p`.

use p3_baby_bear::BabyBear;
use p3_bn254::Bn254;
use p3_field::integers::QuotientMap;
use p3_field::{PrimeField, PrimeField32};

use crate::{ConvertError, Fr};

/// The canonical integer of `x`, as four little-endian 64-bit limbs.
pub fn fr_to_limbs(x: &Fr) -> [u64; 4] {
    (*x).into()
}

/// A Plonky3 BN254 element as an `Fr`.
pub fn bn254_to_fr(x: &Bn254) -> Fr {
    let mut limbs = [0u64; 4];
    // The canonical value is below the BN254 modulus, so it has at most four 64-bit digits.
    for (limb, digit) in limbs
        .iter_mut()
        .zip(x.as_canonical_biguint().to_u64_digits())
    {
        *limb = digit;
    }
    Fr::from_raw(limbs)
}

/// An `Fr` as a Plonky3 BN254 element.
pub fn fr_to_bn254(x: &Fr) -> Bn254 {
    // `Bn254::new` takes a canonical little-endian integer (and reduces it, a no-op here).
    Bn254::new(fr_to_limbs(x))
}

/// A BabyBear element as its canonical representative in `Fr`.
pub fn babybear_to_fr(x: BabyBear) -> Fr {
    Fr::from(u64::from(x.as_canonical_u32()))
}

/// The BabyBear element an `Fr` holds, if it is a canonical one (below the BabyBear modulus).
pub fn fr_to_babybear(x: &Fr) -> Result<BabyBear, ConvertError> {
    let limbs = fr_to_limbs(x);
    let small = if limbs[1..].iter().all(|&l| l == 0) {
        u32::try_from(limbs[0]).ok()
    } else {
        None
    };
    small
        .and_then(<BabyBear as QuotientMap<u32>>::from_canonical_checked)
        .ok_or_else(|| ConvertError::NotBabyBear {
            value: fr_to_decimal(x),
        })
}

/// The canonical integer of `x` in decimal, for error messages.
pub fn fr_to_decimal(x: &Fr) -> String {
    num_bigint::BigUint::from_slice(
        &fr_to_limbs(x)
            .iter()
            .flat_map(|l| [*l as u32, (*l >> 32) as u32])
            .collect::<Vec<_>>(),
    )
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use halo2_base::halo2_proofs::halo2curves::ff::Field;
    use p3_field::PrimeCharacteristicRing;
    use rand_p3::rngs::SmallRng;
    use rand_p3::{RngExt, SeedableRng};

    #[test]
    fn bn254_and_fr_round_trip_on_random_and_edge_values() {
        let mut rng = SmallRng::seed_from_u64(1);
        let mut values: Vec<Bn254> = (0..100).map(|_| rng.random()).collect();
        values.extend([Bn254::ZERO, Bn254::ONE, Bn254::NEG_ONE, Bn254::TWO]);
        for x in values {
            let fr = bn254_to_fr(&x);
            assert_eq!(fr_to_bn254(&fr), x);
            assert_eq!(fr_to_decimal(&fr), x.as_canonical_biguint().to_string());
        }
        assert_eq!(bn254_to_fr(&Bn254::NEG_ONE), -Fr::ONE);
    }

    #[test]
    fn field_operations_agree_across_the_conversion() {
        let mut rng = SmallRng::seed_from_u64(2);
        for _ in 0..50 {
            let (a, b): (Bn254, Bn254) = (rng.random(), rng.random());
            let (fa, fb) = (bn254_to_fr(&a), bn254_to_fr(&b));
            assert_eq!(bn254_to_fr(&(a * b)), fa * fb);
            assert_eq!(bn254_to_fr(&(a + b)), fa + fb);
            assert_eq!(bn254_to_fr(&(a - b)), fa - fb);
        }
    }

    #[test]
    fn babybear_embeds_canonically_and_rejects_values_at_or_above_p() {
        let mut rng = SmallRng::seed_from_u64(3);
        for _ in 0..100 {
            let x: BabyBear = rng.random();
            assert_eq!(fr_to_babybear(&babybear_to_fr(x)), Ok(x));
        }
        assert_eq!(babybear_to_fr(BabyBear::NEG_ONE), Fr::from(2013265920u64));
        for bad in [Fr::from(2013265921u64), Fr::from(1u64 << 32), -Fr::ONE] {
            assert!(matches!(
                fr_to_babybear(&bad),
                Err(ConvertError::NotBabyBear { .. })
            ));
        }
    }
}
