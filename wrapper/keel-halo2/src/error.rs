//! Errors of the chips and conversions.

use thiserror::Error;

/// A chip cannot be built or asked to do something outside its proven bounds.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChipError {
    /// The range chip's lookup table has a size the BabyBear canonicity check cannot use.
    #[error(
        "the range chip looks up {lookup_bits}-bit values; the BabyBear chip needs \
         {min}..={max} lookup bits (a circuit with k >= {min_k})",
        min = crate::babybear::MIN_LOOKUP_BITS,
        max = crate::babybear::MAX_LOOKUP_BITS,
        min_k = crate::babybear::MIN_LOOKUP_BITS + 1
    )]
    UnsupportedLookupBits {
        /// The lookup bits of the range chip that was passed in.
        lookup_bits: usize,
    },
    /// An unreduced sum would exceed the bound under which its reduction is sound.
    #[error(
        "an inner product of {terms} BabyBear products exceeds the 2^{max_bits} bound of one \
         lazy reduction; split it"
    )]
    BoundTooLarge {
        /// Number of products in the sum.
        terms: usize,
        /// log2 of the largest integer a single reduction accepts.
        max_bits: u32,
    },
    /// Poseidon2 round constants of the wrong shape were given.
    #[error(
        "Poseidon2 constants for {initial} + {internal} + {terminal} rounds; the chip is laid out \
         for 4 + 56 + 4"
    )]
    Poseidon2Shape {
        /// Number of initial full rounds given.
        initial: usize,
        /// Number of partial rounds given.
        internal: usize,
        /// Number of terminal full rounds given.
        terminal: usize,
    },
}

/// A value does not fit the target field type.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConvertError {
    /// The BN254 element is not below the BabyBear modulus.
    #[error(
        "{value} is not a canonical BabyBear element (it must be below {modulus})",
        modulus = crate::babybear::BABYBEAR_MODULUS
    )]
    NotBabyBear {
        /// The offending element, in decimal.
        value: String,
    },
}
