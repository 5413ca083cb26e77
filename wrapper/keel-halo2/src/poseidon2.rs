//! The Poseidon2-BN254 permutation of keel's outer configuration (width 3, x^5 S-box,
//! 4 + 56 + 4 rounds, HorizenLabs' constants) as a halo2-base chip, bit-identical to
//! `keel_stark::config::outer_perm()`.
//!
//! Plonky3's round structure (p3-poseidon2 0.8 / p3-bn254 0.8):
//!
//! ```text
//! s ← M_E·s
//! 4×  s ← M_E·(s + rc)^5                       (full rounds, S-box on all three)
//! 56× s0 ← (s0 + rc)^5;  s ← M_I·s              (partial rounds)
//! 4×  s ← M_E·(s + rc)^5
//! M_E = [[2,1,1],[1,2,1],[1,1,2]] = I + J,   M_I = [[2,1,1],[1,2,1],[1,1,3]]
//! ```
//!
//! # Layout over the flex gate (`acc + b·c = out`)
//!
//! The round constants never cost a gate of their own; they ride in the free `acc` slot of the
//! S-box's last gate (`c + y·y^4 = y^5 + c`):
//!
//! - full rounds: the next round adds `rc`, and `M_E·z + rc = M_E·(z + M_E^{-1}·rc)` with
//!   `M_E^{-1} = I − J/4`, so the S-box outputs `z + M_E^{-1}·rc` and the linear layer is
//!   `σ = Σ z'_j, s_i = σ + z'_i` (7 + 3·4 cells);
//! - partial rounds: `s1`, `s2` are kept as `cell + offset` with offsets known at circuit-writing
//!   time; the S-box adds `c = (rc' + o1 + o2)/2` so that the next S-box input comes out exactly
//!   (`σ = z' + s1 + s2`, `s0 = σ + z'`, `s1 = σ + s1`, `s2 = σ + 2·s2`: 7 + 3·4 cells).
//!
//! Cost: 12 cells per S-box, 2 212 advice cells per permutation, no lookups (see the README).
//! The same schedule runs natively ([`Poseidon2Chip::permute_native`]) so that the schedule
//! itself is tested against Plonky3 without a circuit.

use halo2_base::halo2_proofs::halo2curves::ff::{Field, PrimeField as _};
use halo2_base::{AssignedValue, Context, QuantumCell};
use p3_bn254::{BN254_POSEIDON2_HALF_FULL_ROUNDS, BN254_POSEIDON2_PARTIAL_ROUNDS_3};

use crate::{ChipError, Fr};

/// State width of the permutation.
pub const WIDTH: usize = 3;

/// Round constants of a width-3 Poseidon2 permutation over BN254, in Plonky3's split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Poseidon2Constants {
    /// Constants of the initial full rounds.
    pub initial: Vec<[Fr; WIDTH]>,
    /// Constant of each partial round (added to the first state element).
    pub internal: Vec<Fr>,
    /// Constants of the terminal full rounds.
    pub terminal: Vec<[Fr; WIDTH]>,
}

impl Poseidon2Constants {
    /// HorizenLabs' published constants (`RC3` of `poseidon2_instance_bn256`, from the
    /// `zkhash-axiom` crate), split exactly as `keel_stark::config::outer_perm` splits them:
    /// 4 initial rows, 56 partial rows (first entry of each), 4 terminal rows.
    pub fn horizen_labs() -> Self {
        use zkhash::ark_ff::PrimeField as _;
        use zkhash::poseidon2::poseidon2_instance_bn256::RC3;
        let to_fr = |x: &zkhash::fields::bn256::FpBN256| Fr::from_raw(x.into_bigint().0);
        let mut rows: Vec<[Fr; WIDTH]> = RC3
            .iter()
            .map(|row| std::array::from_fn(|i| to_fr(&row[i])))
            .collect();
        let half_full = BN254_POSEIDON2_HALF_FULL_ROUNDS;
        let terminal = rows.split_off(half_full + BN254_POSEIDON2_PARTIAL_ROUNDS_3);
        let internal = rows
            .split_off(half_full)
            .into_iter()
            .map(|row| row[0])
            .collect();
        Poseidon2Constants {
            initial: rows,
            internal,
            terminal,
        }
    }

    /// Checks Plonky3's shape for width 3 over BN254: 4 initial, 56 partial, 4 terminal rounds
    /// (the layouts of this chip and of [`crate::poseidon2_gate`] are written for it).
    pub(crate) fn check_shape(&self) -> Result<(), ChipError> {
        let shape = (self.initial.len(), self.internal.len(), self.terminal.len());
        let expected = (
            BN254_POSEIDON2_HALF_FULL_ROUNDS,
            BN254_POSEIDON2_PARTIAL_ROUNDS_3,
            BN254_POSEIDON2_HALF_FULL_ROUNDS,
        );
        if shape != expected {
            return Err(ChipError::Poseidon2Shape {
                initial: shape.0,
                internal: shape.1,
                terminal: shape.2,
            });
        }
        Ok(())
    }
}

/// The constants of the cell layout, derived once from the round constants.
#[derive(Clone, Debug)]
struct Schedule {
    /// Added with the initial linear layer: the first full round's constants.
    first_round: [Fr; WIDTH],
    /// Added at the S-box outputs of each full round (initial then terminal): M_E^{-1}·(the
    /// next round's constants).
    full_round_offsets: Vec<[Fr; WIDTH]>,
    /// Added at the S-box output of each partial round.
    partial_round_offsets: Vec<Fr>,
    /// Added to `s1`, `s2` after the last partial round (their offsets plus the first terminal
    /// round's constants).
    exit_offsets: [Fr; 2],
}

impl Schedule {
    fn new(constants: &Poseidon2Constants) -> Self {
        let half = Fr::TWO_INV;
        let quarter = half.square();
        // M_E^{-1}·v = v − (Σ v)/4.
        let external_inverse = |v: [Fr; WIDTH]| {
            let shift = (v[0] + v[1] + v[2]) * quarter;
            v.map(|x| x - shift)
        };
        let zero_row = [Fr::ZERO; WIDTH];
        let first_internal = constants.internal.first().copied().unwrap_or(Fr::ZERO);
        let first_terminal = constants.terminal.first().copied().unwrap_or(zero_row);

        // Constants the round after each full round adds, in order.
        let next_after_initial =
            constants
                .initial
                .iter()
                .skip(1)
                .copied()
                .chain([[first_internal, Fr::ZERO, Fr::ZERO]]);
        let next_after_terminal = constants.terminal.iter().skip(1).copied().chain([zero_row]);
        let full_round_offsets = next_after_initial
            .chain(next_after_terminal)
            .map(external_inverse)
            .collect();

        let (mut o1, mut o2) = (Fr::ZERO, Fr::ZERO);
        let next_partial = constants
            .internal
            .iter()
            .skip(1)
            .copied()
            .chain([first_terminal[0]]);
        let partial_round_offsets = next_partial
            .map(|rc_next| {
                let c = (rc_next + o1 + o2) * half;
                (o1, o2) = (o1.double() + o2 - c, o1 + o2 + o2.double() - c);
                c
            })
            .collect();
        Schedule {
            first_round: constants.initial.first().copied().unwrap_or(zero_row),
            full_round_offsets,
            partial_round_offsets,
            exit_offsets: [o1 + first_terminal[1], o2 + first_terminal[2]],
        }
    }
}

/// The few operations the layout is written in, implemented natively and in-circuit.
trait Poseidon2Backend {
    type Value: Copy;
    /// `y^5 + c`.
    fn sbox(&mut self, y: Self::Value, c: Fr) -> Self::Value;
    /// `a + b + c`.
    fn sum3(&mut self, a: Self::Value, b: Self::Value, c: Self::Value) -> Self::Value;
    /// `k + a + b` for a constant `k`.
    fn add2_const(&mut self, k: Fr, a: Self::Value, b: Self::Value) -> Self::Value;
    /// `a + coefficient·b` for a constant `coefficient`.
    fn add_scaled(&mut self, a: Self::Value, b: Self::Value, coefficient: Fr) -> Self::Value;
    /// `a + k` for a constant `k`.
    fn add_const(&mut self, a: Self::Value, k: Fr) -> Self::Value;
}

/// The permutation, as the layout described in the module documentation.
fn permute_with<B: Poseidon2Backend>(
    schedule: &Schedule,
    b: &mut B,
    input: [B::Value; WIDTH],
) -> [B::Value; WIDTH] {
    // Initial M_E plus the first round's constants: s_i = rc_i + x_i + Σ x.
    let sum = b.sum3(input[0], input[1], input[2]);
    let mut state: [B::Value; WIDTH] =
        std::array::from_fn(|i| b.add2_const(schedule.first_round[i], input[i], sum));

    let (initial_offsets, terminal_offsets) = schedule
        .full_round_offsets
        .split_at(BN254_POSEIDON2_HALF_FULL_ROUNDS);
    let full_round = |b: &mut B, state: [B::Value; WIDTH], offsets: &[Fr; WIDTH]| {
        let z: [B::Value; WIDTH] = std::array::from_fn(|i| b.sbox(state[i], offsets[i]));
        let sigma = b.sum3(z[0], z[1], z[2]);
        std::array::from_fn(|i| b.add_scaled(sigma, z[i], Fr::ONE))
    };
    for offsets in initial_offsets {
        state = full_round(b, state, offsets);
    }
    // Partial rounds on (y0 = s0 + rc, s1 − o1, s2 − o2).
    let [mut y0, mut s1, mut s2] = state;
    for &c in &schedule.partial_round_offsets {
        let z = b.sbox(y0, c);
        let sigma = b.sum3(z, s1, s2);
        y0 = b.add_scaled(sigma, z, Fr::ONE);
        s1 = b.add_scaled(sigma, s1, Fr::ONE);
        s2 = b.add_scaled(sigma, s2, Fr::from(2u64));
    }
    state = [
        y0,
        b.add_const(s1, schedule.exit_offsets[0]),
        b.add_const(s2, schedule.exit_offsets[1]),
    ];
    for offsets in terminal_offsets {
        state = full_round(b, state, offsets);
    }
    state
}

struct NativeBackend;

impl Poseidon2Backend for NativeBackend {
    type Value = Fr;
    fn sbox(&mut self, y: Fr, c: Fr) -> Fr {
        let y2 = y.square();
        y2.square() * y + c
    }
    fn sum3(&mut self, a: Fr, b: Fr, c: Fr) -> Fr {
        a + b + c
    }
    fn add2_const(&mut self, k: Fr, a: Fr, b: Fr) -> Fr {
        k + a + b
    }
    fn add_scaled(&mut self, a: Fr, b: Fr, coefficient: Fr) -> Fr {
        a + b * coefficient
    }
    fn add_const(&mut self, a: Fr, k: Fr) -> Fr {
        a + k
    }
}

struct CircuitBackend<'ctx> {
    ctx: &'ctx mut Context<Fr>,
}

impl CircuitBackend<'_> {
    /// One flex gate `a + b·c = a + b·c`; returns the output.
    fn gate(
        &mut self,
        a: QuantumCell<Fr>,
        b: QuantumCell<Fr>,
        c: QuantumCell<Fr>,
    ) -> AssignedValue<Fr> {
        let out = *a.value() + *b.value() * c.value();
        self.ctx
            .assign_region_last([a, b, c, QuantumCell::Witness(out)], [0])
    }
}

impl Poseidon2Backend for CircuitBackend<'_> {
    type Value = AssignedValue<Fr>;

    /// `| 0 | y | y | y² |`, `| 0 | y² | y² | y⁴ |`, `| c | y | y⁴ | y⁵ + c |`: 12 cells.
    fn sbox(&mut self, y: Self::Value, c: Fr) -> Self::Value {
        use QuantumCell::{Constant, Existing};
        let y2 = self.gate(Constant(Fr::ZERO), Existing(y), Existing(y));
        let y4 = self.gate(Constant(Fr::ZERO), Existing(y2), Existing(y2));
        self.gate(Constant(c), Existing(y), Existing(y4))
    }

    /// `| a | b | 1 | a + b | c | 1 | a + b + c |`: 7 cells.
    fn sum3(&mut self, a: Self::Value, b: Self::Value, c: Self::Value) -> Self::Value {
        use QuantumCell::{Constant, Existing, Witness};
        let ab = *a.value() + b.value();
        let abc = ab + c.value();
        self.ctx.assign_region_last(
            [
                Existing(a),
                Existing(b),
                Constant(Fr::ONE),
                Witness(ab),
                Existing(c),
                Constant(Fr::ONE),
                Witness(abc),
            ],
            [0, 3],
        )
    }

    /// `| k | a | 1 | k + a | b | 1 | k + a + b |`: 7 cells.
    fn add2_const(&mut self, k: Fr, a: Self::Value, b: Self::Value) -> Self::Value {
        use QuantumCell::{Constant, Existing, Witness};
        let ka = k + a.value();
        let kab = ka + b.value();
        self.ctx.assign_region_last(
            [
                Constant(k),
                Existing(a),
                Constant(Fr::ONE),
                Witness(ka),
                Existing(b),
                Constant(Fr::ONE),
                Witness(kab),
            ],
            [0, 3],
        )
    }

    /// `| a | b | coefficient | a + coefficient·b |`: 4 cells.
    fn add_scaled(&mut self, a: Self::Value, b: Self::Value, coefficient: Fr) -> Self::Value {
        use QuantumCell::{Constant, Existing};
        self.gate(Existing(a), Existing(b), Constant(coefficient))
    }

    /// `| a | 1 | k | a + k |`: 4 cells.
    fn add_const(&mut self, a: Self::Value, k: Fr) -> Self::Value {
        use QuantumCell::{Constant, Existing};
        self.gate(Existing(a), Constant(Fr::ONE), Constant(k))
    }
}

/// The Poseidon2-BN254 (t = 3) permutation over halo2-base's flex gate.
#[derive(Clone, Debug)]
pub struct Poseidon2Chip {
    schedule: Schedule,
}

impl Default for Poseidon2Chip {
    fn default() -> Self {
        Self::new()
    }
}

impl Poseidon2Chip {
    /// The permutation of keel's outer configuration (HorizenLabs' constants).
    pub fn new() -> Self {
        Poseidon2Chip {
            schedule: Schedule::new(&Poseidon2Constants::horizen_labs()),
        }
    }

    /// A permutation with other round constants of the same shape (4 + 56 + 4 rounds).
    pub fn from_constants(constants: &Poseidon2Constants) -> Result<Self, ChipError> {
        constants.check_shape()?;
        Ok(Poseidon2Chip {
            schedule: Schedule::new(constants),
        })
    }

    /// Permutes a state of three cells; returns the output cells (2 212 advice cells).
    pub fn permute(
        &self,
        ctx: &mut Context<Fr>,
        state: &[AssignedValue<Fr>; WIDTH],
    ) -> [AssignedValue<Fr>; WIDTH] {
        permute_with(&self.schedule, &mut CircuitBackend { ctx }, *state)
    }

    /// The same computation natively, step for step as [`Self::permute`] lays it out.
    pub fn permute_native(&self, state: &[Fr; WIDTH]) -> [Fr; WIDTH] {
        permute_with(&self.schedule, &mut NativeBackend, *state)
    }
}

#[cfg(test)]
mod tests {
    use keel_stark::config::outer_perm;
    use p3_bn254::Bn254;
    use p3_field::PrimeCharacteristicRing;
    use p3_symmetric::Permutation;
    use rand_p3::rngs::SmallRng;
    use rand_p3::{RngExt, SeedableRng};

    use super::*;
    use crate::convert::{bn254_to_fr, fr_to_bn254};
    use crate::testing::mock_sized;

    /// The permutation needs no lookups: a 2^12-row circuit holds one with room to spare.
    const K: u32 = 12;

    /// Plonky3's permutation (keel's outer configuration) on an `Fr` state.
    fn plonky3(state: [Fr; WIDTH]) -> [Fr; WIDTH] {
        let mut native: [Bn254; WIDTH] = state.map(|x| fr_to_bn254(&x));
        outer_perm().permute_mut(&mut native);
        native.map(|x| bn254_to_fr(&x))
    }

    fn sample_states(seed: u64, random: usize) -> Vec<[Fr; WIDTH]> {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut states: Vec<[Fr; WIDTH]> = (0..random)
            .map(|_| rng.random::<[Bn254; WIDTH]>().map(|x| bn254_to_fr(&x)))
            .collect();
        states.push([Fr::ZERO; WIDTH]);
        states.push([Fr::ZERO, Fr::ONE, Fr::from(2u64)]);
        states.push([bn254_to_fr(&Bn254::NEG_ONE); WIDTH]);
        states
    }

    #[test]
    fn constants_have_the_plonky3_shape() {
        let constants = Poseidon2Constants::horizen_labs();
        assert_eq!(constants.initial.len(), 4);
        assert_eq!(constants.internal.len(), 56);
        assert_eq!(constants.terminal.len(), 4);
        assert!(Poseidon2Chip::from_constants(&constants).is_ok());
        let mut short = constants;
        short.internal.pop();
        assert_eq!(
            Poseidon2Chip::from_constants(&short).err(),
            Some(ChipError::Poseidon2Shape {
                initial: 4,
                internal: 55,
                terminal: 4
            })
        );
    }

    #[test]
    fn native_schedule_matches_plonky3_outer_perm() {
        let chip = Poseidon2Chip::new();
        for state in sample_states(30, 200) {
            assert_eq!(chip.permute_native(&state), plonky3(state));
        }
    }

    #[test]
    fn circuit_permutation_matches_plonky3_outer_perm() {
        let states = sample_states(31, 3);
        mock_sized(K, K as usize - 1, |ctx, _| {
            let chip = Poseidon2Chip::new();
            for state in &states {
                let input = state.map(|x| ctx.load_witness(x));
                let output = chip.permute(ctx, &input);
                let expected = plonky3(*state);
                assert_eq!(output.map(|x| *x.value()), expected);
                for (got, want) in output.iter().zip(expected) {
                    let want = ctx.load_constant(want);
                    ctx.constrain_equal(got, &want);
                }
            }
        })
        .satisfied();
    }

    #[test]
    fn rejects_an_output_that_differs_from_plonky3() {
        let state = sample_states(32, 1)[0];
        for tampered in 0..WIDTH {
            mock_sized(K, K as usize - 1, |ctx, _| {
                let input = state.map(|x| ctx.load_witness(x));
                let output = Poseidon2Chip::new().permute(ctx, &input);
                let mut claimed = plonky3(state);
                claimed[tampered] += Fr::ONE;
                for (got, want) in output.iter().zip(claimed) {
                    let want = ctx.load_witness(want);
                    ctx.constrain_equal(got, &want);
                }
            })
            .rejected(&format!("Poseidon2 output {tampered} + 1"));
        }
    }

    #[test]
    fn rejects_a_tampered_intermediate_cell() {
        let state = sample_states(33, 1)[0];
        mock_sized(K, K as usize - 1, |ctx, _| {
            let input = state.map(|x| ctx.load_witness(x));
            let start = ctx.advice.len();
            Poseidon2Chip::new().permute(ctx, &input);
            // A witness cell in the middle of the partial rounds (an S-box square).
            let victim = ctx.get((start + 1000) as isize);
            victim.debug_prank(ctx, *victim.value() + Fr::ONE);
        })
        .rejected("Poseidon2 intermediate cell + 1");
    }
}
