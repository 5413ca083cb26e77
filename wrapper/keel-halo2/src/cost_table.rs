//! Measured cell counts of every operation (the README's table): `cargo test -p keel-halo2
//! cost_table -- --nocapture` prints it. The assertions pin the counts so that a change in
//! layout shows up as a test failure to update the README with.

use halo2_base::gates::{RangeChip, RangeInstructions};
use halo2_base::safe_types::SafeTypeChip;
use halo2_base::Context;
use p3_baby_bear::BabyBear;
use p3_field::{BasedVectorSpace, PrimeCharacteristicRing};

use crate::babybear::{AssignedBabyBear, BabyBearChip, BABYBEAR_MODULUS};
use crate::extension::{ExtensionChip, NativeExt};
use crate::poseidon2::Poseidon2Chip;
use crate::testing::{count_only, measure, Cost};
use crate::Fr;

/// (operation, cost) rows at one lookup size.
fn measure_all(lookup_bits: usize) -> Vec<(&'static str, Cost)> {
    count_only(
        lookup_bits,
        |ctx: &mut Context<Fr>, range: &RangeChip<Fr>| {
            let chip = BabyBearChip::new(range).expect("supported lookup size");
            let ext = ExtensionChip::new(chip.clone());
            let x = BabyBear::from_u32(1_234_567_891);
            let y = BabyBear::from_u32(987_654_321);
            let (a, b) = (chip.load_witness(ctx, x), chip.load_witness(ctx, y));
            let (ux, vx) = (
                NativeExt::from_basis_coefficients_fn(|i| x * BabyBear::from_usize(i + 1)),
                NativeExt::from_basis_coefficients_fn(|i| y + BabyBear::from_usize(i)),
            );
            let (u, v) = (ext.load_witness(ctx, ux), ext.load_witness(ctx, vx));
            let cond = SafeTypeChip::new(range).load_bool(ctx, true);
            let pairs: Vec<(AssignedBabyBear, AssignedBabyBear)> = vec![(a, b); 8];
            let raw = ctx.load_witness(Fr::from(1_234_567_891u64));
            let state = [1u64, 2, 3].map(|i| ctx.load_witness(Fr::from(i)));
            let poseidon2 = Poseidon2Chip::new();
            let mut rows = Vec::new();
            let mut row = |name, cost| rows.push((name, cost));
            row(
                "BabyBear witness (canonical check)",
                measure(ctx, range, |ctx| chip.load_witness(ctx, x)).1,
            );
            row(
                "BabyBear check of an existing cell",
                measure(ctx, range, |ctx| chip.assert_canonical(ctx, raw)).1,
            );
            row(
                "  for comparison: halo2-base check_less_than_safe(x, p)",
                measure(ctx, range, |ctx| {
                    range.check_less_than_safe(ctx, raw, BABYBEAR_MODULUS)
                })
                .1,
            );
            row(
                "BabyBear add",
                measure(ctx, range, |ctx| chip.add(ctx, &a, &b)).1,
            );
            row(
                "BabyBear sub",
                measure(ctx, range, |ctx| chip.sub(ctx, &a, &b)).1,
            );
            row(
                "BabyBear neg",
                measure(ctx, range, |ctx| chip.neg(ctx, &a)).1,
            );
            row(
                "BabyBear mul",
                measure(ctx, range, |ctx| chip.mul(ctx, &a, &b)).1,
            );
            row(
                "  for comparison: halo2-base mul + div_mod(x·y, p)",
                measure(ctx, range, |ctx| {
                    let product = halo2_base::gates::GateInstructions::mul(
                        &range.gate,
                        ctx,
                        a.cell(),
                        b.cell(),
                    );
                    range.div_mod(ctx, product, BABYBEAR_MODULUS, 62)
                })
                .1,
            );
            row(
                "BabyBear mul_add (a·b + c, one reduction)",
                measure(ctx, range, |ctx| chip.mul_add(ctx, &a, &b, &a)).1,
            );
            row(
                "BabyBear inner product of 8 (one reduction)",
                measure(ctx, range, |ctx| chip.inner_product(ctx, &pairs)).1,
            );
            row(
                "BabyBear select",
                measure(ctx, range, |ctx| chip.select(ctx, &a, &b, cond)).1,
            );
            row(
                "BabyBear inv (witness + product check)",
                measure(ctx, range, |ctx| chip.inv(ctx, &a)).1,
            );
            row(
                "ext witness (4 canonical checks)",
                measure(ctx, range, |ctx| ext.load_witness(ctx, vx)).1,
            );
            row("ext add", measure(ctx, range, |ctx| ext.add(ctx, &u, &v)).1);
            row("ext mul", measure(ctx, range, |ctx| ext.mul(ctx, &u, &v)).1);
            row(
                "ext mul_add (a·b + c, 4 reductions)",
                measure(ctx, range, |ctx| ext.mul_add(ctx, &u, &v, &u)).1,
            );
            row(
                "ext mul by base",
                measure(ctx, range, |ctx| ext.mul_base(ctx, &u, &a)).1,
            );
            row(
                "ext inv (witness + product check)",
                measure(ctx, range, |ctx| ext.inv(ctx, &u)).1,
            );
            row(
                "Poseidon2-BN254 permutation (t = 3)",
                measure(ctx, range, |ctx| poseidon2.permute(ctx, &state)).1,
            );
            rows
        },
    )
}

#[test]
fn cost_table() {
    let narrow = measure_all(16);
    let wide = measure_all(20);
    println!(
        "| operation | advice cells (L = 16) | lookup cells (L = 16) \
         | advice cells (L = 20) | lookup cells (L = 20) |"
    );
    println!("|---|---:|---:|---:|---:|");
    for ((name, n), (_, w)) in narrow.iter().zip(&wide) {
        println!(
            "| {name} | {} | {} | {} | {} |",
            n.advice, n.lookups, w.advice, w.lookups
        );
    }
    let cost = |rows: &[(&str, Cost)], name: &str| {
        rows.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| (c.advice, c.lookups))
            .expect("measured")
    };
    assert_eq!(cost(&narrow, "BabyBear witness (canonical check)"), (11, 3));
    assert_eq!(cost(&narrow, "BabyBear add"), (17, 4));
    assert_eq!(cost(&narrow, "BabyBear mul"), (20, 5));
    assert_eq!(cost(&narrow, "ext mul"), (140, 24));
    assert_eq!(cost(&wide, "ext mul"), (128, 20));
    assert_eq!(
        cost(&narrow, "Poseidon2-BN254 permutation (t = 3)"),
        (2212, 0)
    );
}
