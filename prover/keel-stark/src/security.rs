//! Conjectured security of a batch proof, computed with Plonky3's own estimator (`p3-security`)
//! from the FRI settings and the shape of the proven tables.
//!
//! The tables of one batch proof share one FRI instance, so the estimate is taken over the
//! aggregate: every constraint of every table in the composition term (a union bound, so a
//! conservative count), every committed column in the opening-batching term, the tallest table
//! for the DEEP and LogUp terms, and the LogUp fingerprint term over all interactions. Every
//! grinding site the configuration enforces (query, opening batching, out-of-domain point,
//! LogUp challenges) is credited, and only those.

use crate::config::{Challenge, FriSettings, Val};
use p3_air::symbolic::AirLayout;
use p3_air::Air;
use p3_field::BasedVectorSpace;
use p3_lookup::logup::LogUpGadget;
use p3_lookup::{InteractionSymbolicBuilder, Lookups};
use p3_security::fri::FriRegime;
use p3_security::logup::LogUpAir;
use p3_security::{GrindingSites, InstanceShape, StarkAirParams};
use p3_uni_stark::OpeningShape;
use serde::Serialize;

/// Bits of the challenge field BabyBear^4 (4 × 31).
const CHALLENGE_FIELD_BITS: usize = 124;
/// Collision resistance assumed for both Merkle hashes: a 248-bit Poseidon2-BabyBear digest and
/// a 254-bit Poseidon2-BN254 digest both give at least 124 bits against birthday attacks.
const COLLISION_RESISTANCE_BITS: usize = 124;

/// What the estimator needs to know about one table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TableShape {
    /// log2 of the table's height.
    pub log_height: usize,
    /// Main-trace width.
    pub main_width: usize,
    /// Preprocessed-trace width.
    pub preprocessed_width: usize,
    /// Constraints, base and extension (LogUp) together.
    pub num_constraints: usize,
    /// Highest constraint degree.
    pub max_constraint_degree: usize,
    /// Committed quotient chunks.
    pub num_quotient_chunks: usize,
    /// LogUp lookups (each one fraction column).
    pub num_lookups: usize,
    /// LogUp interactions per row, summed over lookups.
    pub num_interactions: usize,
    /// Widest LogUp message.
    pub max_message_width: usize,
}

/// The shapes of `airs` at the given heights.
pub fn table_shapes<A>(airs: &[A], log_heights: &[usize]) -> Vec<TableShape>
where
    A: Air<InteractionSymbolicBuilder<Val, Challenge>>,
{
    airs.iter()
        .zip(log_heights)
        .map(|(air, &log_height)| {
            let lookups = Lookups::<Val>::from_air::<Challenge, A>(air);
            let contexts: &[p3_lookup::Lookup<Val>] = &lookups;
            let layout = AirLayout::from_air(air);
            let gadget = LogUpGadget::new();
            let (base, ext) = p3_batch_stark::symbolic::get_symbolic_constraints::<Val, Challenge, A, _>(
                air, layout, contexts, &gadget,
            );
            let degree = p3_batch_stark::symbolic::get_max_constraint_degree::<Val, Challenge, A, _>(
                air,
                layout,
                1 << log_height,
                contexts,
                &gadget,
            );
            let log_chunks = p3_batch_stark::symbolic::get_log_num_quotient_chunks::<Val, Challenge, A, _>(
                air,
                layout,
                1 << log_height,
                contexts,
                0,
                &gadget,
            );
            TableShape {
                log_height,
                main_width: layout.main_width,
                preprocessed_width: layout.preprocessed_width,
                num_constraints: base.len() + ext.len(),
                max_constraint_degree: degree,
                num_quotient_chunks: 1 << log_chunks,
                num_lookups: contexts.len(),
                num_interactions: contexts.iter().map(|l| l.elements.len()).sum(),
                max_message_width: contexts
                    .iter()
                    .flat_map(|l| l.elements.iter().map(Vec::len))
                    .max()
                    .unwrap_or(0),
            }
        })
        .collect()
}

/// The estimate and the term that binds it.
#[derive(Clone, Debug, Serialize)]
pub struct SecurityEstimate {
    /// Conjectured security in bits (Plonky3's random-words regime, all grinding credited).
    pub conjectured_bits: f64,
    /// The error source that sets the level (e.g. `fri-query`, `deep-ali`, `logup-fingerprint`).
    pub binding_term: String,
}

/// Conjectured security of a proof of `tables` under `settings`.
pub fn conjectured_security(settings: &FriSettings, tables: &[TableShape]) -> SecurityEstimate {
    let regime = FriRegime {
        log_blowup: settings.log_blowup,
        num_queries: settings.num_queries,
        log_final_poly_len: settings.log_final_poly_len,
        max_log_arity: settings.max_log_arity,
        commit_pow_bits: settings.commit_pow_bits,
        query_pow_bits: settings.query_pow_bits,
    };
    let dimension = <Challenge as BasedVectorSpace<Val>>::DIMENSION;
    // Every table is read at the next row (all toy and machine tables have transitions).
    let batched: usize = tables
        .iter()
        .map(|t| {
            p3_batch_stark::num_batched_openings(
                t.main_width,
                true,
                t.preprocessed_width,
                false,
                t.num_quotient_chunks,
                t.num_lookups,
                dimension,
                OpeningShape::new(),
            )
        })
        .sum();
    let air = StarkAirParams {
        num_constraints: tables.iter().map(|t| t.num_constraints).sum(),
        max_constraint_degree: tables
            .iter()
            .map(|t| t.max_constraint_degree)
            .max()
            .unwrap_or(1),
        num_quotient_chunks: tables
            .iter()
            .map(|t| t.num_quotient_chunks)
            .max()
            .unwrap_or(1),
        max_combo: 2,
    };
    let shape = InstanceShape {
        log_trace_length: tables.iter().map(|t| t.log_height).max().unwrap_or(0),
        modulus_bits: CHALLENGE_FIELD_BITS,
        collision_resistance: COLLISION_RESISTANCE_BITS,
        num_batched_functions: batched.max(1),
    };
    let grinding = GrindingSites {
        out_of_domain: settings.ood_pow_bits,
        batch_combination: settings.batch_pow_bits,
        lookup_challenge: settings.lookup_pow_bits,
    };
    // LogUp: N = Σ interactions-per-row × rows over the tables. Charging every table's
    // interactions at the tallest table's height over-counts N, so the term only gets smaller.
    let interactions: usize = tables.iter().map(|t| t.num_interactions).sum();
    let logup = LogUpAir {
        num_interactions: interactions,
        max_message_width: tables
            .iter()
            .map(|t| t.max_message_width)
            .max()
            .unwrap_or(0),
    };
    let extras: Vec<_> = p3_security::logup::security_term(&logup, &shape, &grinding)
        .into_iter()
        .collect();
    let report =
        p3_security::stark::conjectured_security_report(&regime, &air, &shape, &extras, &grinding);
    let binding = report.binding();
    SecurityEstimate {
        conjectured_bits: report.security_bits(),
        binding_term: binding.label.to_string(),
    }
}
