//! Test harness: build a halo2-base circuit from a closure, measure it, run `MockProver`.
//!
//! Like halo2-base's `base_test()` (which sits behind its `test-utils` feature and only
//! panics on failure), but it returns the failures as text and the cell counts, so negative
//! tests can say what broke, and measures operations for the cost table.

use halo2_base::gates::circuit::builder::BaseCircuitBuilder;
use halo2_base::gates::RangeChip;
use halo2_base::halo2_proofs::dev::MockProver;
use halo2_base::Context;

use crate::Fr;

/// Circuit size of the tests: 2^17 rows, so the range chip looks up 16-bit values.
pub(crate) const K: u32 = 17;
/// Lookup bits of the tests' range chip.
pub(crate) const LOOKUP_BITS: usize = K as usize - 1;

/// Advice and lookup cells used by a piece of circuit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Cost {
    pub advice: usize,
    pub lookups: usize,
}

/// What a mock run produced.
pub(crate) struct MockOutcome<R> {
    pub value: R,
    /// `Ok` if every constraint holds, else `MockProver`'s failures, one line each.
    pub verdict: Result<(), Vec<String>>,
}

impl<R> MockOutcome<R> {
    /// Asserts that the circuit is satisfied and returns the closure's value.
    pub fn satisfied(self) -> R {
        if let Err(failures) = &self.verdict {
            panic!(
                "expected a satisfied circuit, MockProver reports:\n{}",
                failures.join("\n")
            );
        }
        self.value
    }

    /// Asserts that the circuit is not satisfied; prints and returns the failures.
    pub fn rejected(self, what: &str) -> Vec<String> {
        match self.verdict {
            Ok(()) => panic!("{what}: expected MockProver to reject the circuit, it accepted it"),
            Err(failures) => {
                let first = failures[0].lines().next().unwrap_or_default();
                println!(
                    "{what}: MockProver reports {} failure(s), first: {first}",
                    failures.len()
                );
                failures
            }
        }
    }
}

/// Lookups queued so far in phase 0.
pub(crate) fn lookups(range: &RangeChip<Fr>) -> usize {
    range.lookup_manager()[0].total_rows()
}

/// Runs `f` and returns its value with the cells it added to `ctx` and the lookups it queued.
pub(crate) fn measure<R>(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    f: impl FnOnce(&mut Context<Fr>) -> R,
) -> (R, Cost) {
    let (advice, queued) = (ctx.advice.len(), lookups(range));
    let value = f(ctx);
    (
        value,
        Cost {
            advice: ctx.advice.len() - advice,
            lookups: lookups(range) - queued,
        },
    )
}

/// Builds a circuit with `f` at the tests' size and checks it with `MockProver`.
pub(crate) fn mock<R>(f: impl FnOnce(&mut Context<Fr>, &RangeChip<Fr>) -> R) -> MockOutcome<R> {
    mock_sized(K, LOOKUP_BITS, f)
}

/// Builds a circuit of 2^k rows with a `lookup_bits` range chip and checks it with `MockProver`.
pub(crate) fn mock_sized<R>(
    k: u32,
    lookup_bits: usize,
    f: impl FnOnce(&mut Context<Fr>, &RangeChip<Fr>) -> R,
) -> MockOutcome<R> {
    let mut builder = BaseCircuitBuilder::<Fr>::new(false)
        .use_k(k as usize)
        .use_lookup_bits(lookup_bits);
    let range = builder.range_chip();
    let value = f(builder.main(0), &range);
    builder.calculate_params(Some(9));
    let prover =
        MockProver::run(k, &builder, vec![]).expect("MockProver runs on a configured circuit");
    let verdict = prover
        .verify()
        .map_err(|failures| failures.iter().map(|f| f.to_string()).collect());
    MockOutcome { value, verdict }
}

/// Builds a circuit with `f` without proving it: only its cell counts (fast at any size).
pub(crate) fn count_only<R>(
    lookup_bits: usize,
    f: impl FnOnce(&mut Context<Fr>, &RangeChip<Fr>) -> R,
) -> R {
    let mut builder = BaseCircuitBuilder::<Fr>::new(false)
        .use_k(lookup_bits + 1)
        .use_lookup_bits(lookup_bits);
    let range = builder.range_chip();
    f(builder.main(0), &range)
}
