//! Offline memory checking: registers and memory as one store of 32-bit words under keys
//! (`x_i` → `i`; the word at byte address `a` → `(a >> 2) + 32`), checked by a multiset bus.
//!
//! # The argument
//!
//! Messages on [`MEMORY_BUS`] are `(key, lo, hi, ts, writable)`: the word's two 16-bit halves,
//! the timestamp of the access that left it there, and the permission of the key's segment.
//!
//! - Each access (a [`MachineAir::MemoryPort`](crate::MachineAir::MemoryPort) row, later a CPU
//!   slot) **receives** `(key, prev, prev_ts)` and **sends** `(key, new, ts)`, with
//!   `ts − prev_ts − 1 ∈ [0, 2^24)` (two range-checked limbs) and `new = prev` for a read.
//!   Written halves are range-checked.
//! - The boundary table has one row per touched key, **keys strictly increasing** (each key and
//!   each difference `key' − key − 1` decomposed into a 16-bit and a 14-bit limb, so both lie in
//!   `[0, 2^30)` as integers and no wrap-around modulo p can repeat a key). A limb `h < 2^b` is
//!   checked by looking up both `h` and `2^(16−b)·h` in the 16-bit table: the scaled lookup
//!   alone would also admit field elements such as `2^-(16−b)`. A row **sends**
//!   `(key, init, 0)` and **receives** `(key, final, final_ts)`.
//! - `init` is the image word (received on [`IMAGE_BUS`], which the preprocessed image table
//!   sends exactly once per word) on rows flagged `is_image`, else 0.
//! - **Segments.** The image table also lists the mapped key ranges `[start, end)` with their
//!   permission (preprocessed, so the program id commits them; registers are the writable range
//!   `[0, 32)`). Each boundary row looks up its range on [`SEGMENT_BUS`] and shows
//!   `key − start` and `end − 1 − key` in `[0, 2^29)` (a 16-bit and a 13-bit limb each; no range
//!   is longer than 2^29 keys, and as keys and ends are below 2^30 + 33 < p − 2^29, neither
//!   difference can wrap around modulo p into that interval). Its `writable` is the one its
//!   chain carries: every access receives and sends the same flag, so an access sees the
//!   permission of its key's range, and a store requires it to be 1. An access to an unmapped
//!   key has no boundary row to start its chain; a store to a read-only key has no message with
//!   `writable = 1` to receive.
//!
//! Why a read sees the last write: a message with `ts > 0` can only be sent by the one access
//! at `ts` (timestamps are distinct), and `ts = 0` only by the boundary row of its key (keys are
//! unique). Every access receives exactly one message and sends one, so the messages of a key
//! form chains; each chain starts at the key's boundary send and must end in a boundary
//! receive, and there is one boundary row per key, so there is exactly one chain per key. Along
//! it timestamps strictly increase, so it visits the key's accesses in time order, and each
//! access receives the value the previous one left. Every image word is received by exactly one
//! boundary row (unique keys), so the initial memory is the committed image and zero elsewhere.
//!

use p3_air::{AirBuilder, PermutationAirBuilder, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_lookup::{InteractionBuilder, LookupBus, PermutationCheckBus};
use p3_matrix::dense::RowMajorMatrix;

use keel_stark::config::Val;

use crate::{flag_count, RANGE16_BUS};

/// The memory bus: `(key, lo, hi, ts)`.
pub const MEMORY_BUS: &str = "memory";
/// The image bus: `(key, lo, hi)`.
pub const IMAGE_BUS: &str = "image";
/// The segment bus: `(start, end, writable)` of a mapped key range.
pub const SEGMENT_BUS: &str = "segment";
/// The longest mapped key range one segment row covers.
pub const SEGMENT_MAX_KEYS: u32 = 1 << 29;
/// First key of memory words (keys below are registers).
pub const MEMORY_KEY_OFFSET: u32 = 32;
/// Keys are below 2^30.
pub const KEY_LIMIT: u32 = 1 << 30;

/// Columns of a memory port row.
pub const PORT_WIDTH: usize = 11;
/// Columns of a boundary row.
pub const BOUNDARY_WIDTH: usize = 19;
/// Preprocessed columns of the image table: key, lo, hi, active (a word), and start, end,
/// writable, active (a mapped key range).
pub const IMAGE_PREPROCESSED_WIDTH: usize = 8;

// Port columns.
const P_KEY: usize = 0;
const P_PREV_LO: usize = 1;
const P_PREV_HI: usize = 2;
const P_PREV_TS: usize = 3;
const P_LO: usize = 4;
const P_HI: usize = 5;
const P_TS: usize = 6;
const P_IS_WRITE: usize = 7;
const P_ACTIVE: usize = 8;
const P_T_LO: usize = 9;
const P_T_HI: usize = 10;

// Boundary columns.
const B_KEY: usize = 0;
const B_INIT_LO: usize = 1;
const B_INIT_HI: usize = 2;
const B_FINAL_LO: usize = 3;
const B_FINAL_HI: usize = 4;
const B_FINAL_TS: usize = 5;
const B_IS_IMAGE: usize = 6;
const B_ACTIVE: usize = 7;
const B_K_LO: usize = 8;
const B_K_HI: usize = 9;
const B_D_LO: usize = 10;
const B_D_HI: usize = 11;
const B_S_START: usize = 12;
const B_S_END: usize = 13;
const B_S_W: usize = 14;
const B_A_LO: usize = 15;
const B_A_HI: usize = 16;
const B_E_LO: usize = 17;
const B_E_HI: usize = 18;

/// Smallest table height.
const MIN_HEIGHT: usize = 4;

/// The key of register `x_i`.
pub fn register_key(i: u32) -> u32 {
    i
}

/// The key of the word holding byte address `address`.
pub fn memory_key(address: u32) -> u32 {
    (address >> 2) + MEMORY_KEY_OFFSET
}

fn halves(value: u32) -> (u32, u32) {
    (value & 0xffff, value >> 16)
}

pub(crate) fn pow2_height(rows: usize) -> usize {
    rows.next_power_of_two().max(MIN_HEIGHT)
}

/// Why traces could not be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemoryError {
    /// A key is at or above [`KEY_LIMIT`].
    #[error("key {0:#x} is not below 2^30")]
    KeyTooLarge(u32),
    /// The image lists a key twice.
    #[error("the image lists key {0:#x} twice")]
    DuplicateImageKey(u32),
    /// More accesses than timestamps (2^22).
    #[error("{0} accesses exceed the 2^22 timestamps of one segment")]
    TooManyAccesses(usize),
    /// Mapped key ranges overlap, are empty, or end above 2^30 + 32.
    #[error("mapped key ranges are not sorted, disjoint and below 2^30 + 32 (at {0:#x})")]
    BadRanges(u32),
    /// A key outside every mapped range was accessed.
    #[error("key {0:#x} is not mapped")]
    Unmapped(u32),
}

/// A mapped key range `[start, end)` with its permission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyRange {
    /// First key.
    pub start: u32,
    /// One past the last key.
    pub end: u32,
    /// Stores are allowed.
    pub writable: bool,
}

impl KeyRange {
    /// The registers: keys `[0, 32)`, writable.
    pub const REGISTERS: KeyRange = KeyRange {
        start: 0,
        end: MEMORY_KEY_OFFSET,
        writable: true,
    };

    /// Every key below 2^30, writable: for tests of the memory argument on its own.
    pub fn everything() -> Vec<KeyRange> {
        vec![KeyRange {
            start: 0,
            end: KEY_LIMIT,
            writable: true,
        }]
    }
}

/// The program's initial memory: `(key, value)` words, keys unique, sorted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageTable {
    words: Vec<(u32, u32)>,
    ranges: Vec<KeyRange>,
}

impl ImageTable {
    /// An image from `(key, value)` words (any order; keys unique and below 2^30) and the mapped
    /// key ranges (sorted, disjoint, nonempty; ranges longer than [`SEGMENT_MAX_KEYS`] are split).
    /// Every word must lie in a mapped range.
    pub fn new(mut words: Vec<(u32, u32)>, ranges: Vec<KeyRange>) -> Result<Self, MemoryError> {
        words.sort_unstable();
        for pair in words.windows(2) {
            if pair[0].0 == pair[1].0 {
                return Err(MemoryError::DuplicateImageKey(pair[0].0));
            }
        }
        if let Some(&(key, _)) = words.iter().find(|(k, _)| *k >= KEY_LIMIT) {
            return Err(MemoryError::KeyTooLarge(key));
        }
        let mut split: Vec<KeyRange> = Vec::with_capacity(ranges.len());
        for range in ranges {
            let after_previous = split.last().is_none_or(|last| last.end <= range.start);
            if range.start >= range.end
                || range.end > KEY_LIMIT + MEMORY_KEY_OFFSET
                || !after_previous
            {
                return Err(MemoryError::BadRanges(range.start));
            }
            let mut start = range.start;
            while start < range.end {
                let end = range.end.min(start.saturating_add(SEGMENT_MAX_KEYS));
                split.push(KeyRange {
                    start,
                    end,
                    ..range
                });
                start = end;
            }
        }
        let table = ImageTable {
            words,
            ranges: split,
        };
        if let Some(&(key, _)) = table
            .words
            .iter()
            .find(|(k, _)| table.range_of(*k).is_none())
        {
            return Err(MemoryError::Unmapped(key));
        }
        Ok(table)
    }

    /// The mapped key ranges (rows of the segment columns), sorted.
    pub fn ranges(&self) -> &[KeyRange] {
        &self.ranges
    }

    /// The index of the range holding `key`, if one does.
    pub fn range_of(&self, key: u32) -> Option<usize> {
        let i = self.ranges.partition_point(|r| r.start <= key);
        (i > 0 && key < self.ranges[i - 1].end).then(|| i - 1)
    }

    /// Whether `key` is mapped and writable.
    pub fn writable(&self, key: u32) -> bool {
        self.range_of(key).is_some_and(|i| self.ranges[i].writable)
    }

    /// The table's height: words and ranges side by side.
    pub fn height(&self) -> usize {
        pow2_height(self.words.len().max(self.ranges.len()))
    }

    /// The words, sorted by key.
    pub fn words(&self) -> &[(u32, u32)] {
        &self.words
    }

    /// The image's value at `key`, if it has one.
    pub fn get(&self, key: u32) -> Option<u32> {
        self.words
            .binary_search_by_key(&key, |&(k, _)| k)
            .ok()
            .map(|i| self.words[i].1)
    }

    /// Preprocessed columns `key, lo, hi, active` (the words) beside `start, end, writable,
    /// active` (the ranges), padded with inactive zero rows.
    pub fn preprocessed<F: PrimeCharacteristicRing + Clone + Send + Sync>(
        &self,
    ) -> RowMajorMatrix<F> {
        let height = self.height();
        let mut values = vec![F::ZERO; height * IMAGE_PREPROCESSED_WIDTH];
        for (row, &(key, value)) in values
            .chunks_exact_mut(IMAGE_PREPROCESSED_WIDTH)
            .zip(&self.words)
        {
            let (lo, hi) = halves(value);
            for (cell, v) in row.iter_mut().zip([key, lo, hi, 1]) {
                *cell = F::from_u32(v);
            }
        }
        for (row, range) in values
            .chunks_exact_mut(IMAGE_PREPROCESSED_WIDTH)
            .zip(&self.ranges)
        {
            let cells = [range.start, range.end, u32::from(range.writable), 1];
            for (cell, v) in row[4..].iter_mut().zip(cells) {
                *cell = F::from_u32(v);
            }
        }
        RowMajorMatrix::new(values, IMAGE_PREPROCESSED_WIDTH)
    }
}

/// One access to the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    /// The key ([`register_key`], [`memory_key`]).
    pub key: u32,
    /// The value written, or `None` for a read.
    pub write: Option<u32>,
}

/// Range-16 multiplicities, accumulated while filling rows.
pub(crate) struct RangeCounts(pub(crate) Vec<u32>);

impl RangeCounts {
    pub(crate) fn new() -> Self {
        RangeCounts(vec![0; 1 << 16])
    }

    pub(crate) fn add(&mut self, value: u32) {
        self.0[value as usize] += 1;
    }
}

/// The boundary table of the final store `state` (key → (value, timestamp of the last access)),
/// every key's initial value taken from `image` (zero elsewhere), and the image table's main
/// trace (how often each mapped range is looked up). The keys `state` holds outside every mapped
/// range are returned too: their rows name a range that does not hold them (the nearest one
/// below), whose limbs cannot pass the range checks — such traces are for soundness tests;
/// [`crate::trace::generate`] refuses them.
pub(crate) fn boundary_trace(
    image: &ImageTable,
    state: &std::collections::BTreeMap<u32, (u32, u32)>,
    range: &mut RangeCounts,
) -> (RowMajorMatrix<Val>, RowMajorMatrix<Val>, Vec<u32>) {
    let boundary_height = pow2_height(state.len());
    let mut boundary = Vec::with_capacity(boundary_height * BOUNDARY_WIDTH);
    let mut uses = vec![0u32; image.height()];
    let mut unmapped = Vec::new();
    let mut previous: Option<u32> = None;
    for (&key, &(last, last_ts)) in state {
        let segment = image.range_of(key).unwrap_or_else(|| {
            unmapped.push(key);
            image.ranges().partition_point(|r| r.start <= key).max(1) - 1
        });
        let r = image.ranges().get(segment).copied().unwrap_or(KeyRange {
            start: 0,
            end: 0,
            writable: false,
        });
        uses[segment] += 1;
        // Limbs of `key − start` and `end − 1 − key` (truncated if the key is not in the range:
        // the lookups then fail, as they must).
        let above = key.wrapping_sub(r.start);
        let below = r.end.wrapping_sub(1).wrapping_sub(key);
        let (a_lo, a_hi) = (above & 0xffff, (above >> 16) & 0x1fff);
        let (e_lo, e_hi) = (below & 0xffff, (below >> 16) & 0x1fff);
        for v in [a_lo, a_hi, a_hi << 3, e_lo, e_hi, e_hi << 3] {
            range.add(v);
        }
        let init = image.get(key);
        let (init_lo, init_hi) = halves(init.unwrap_or(0));
        let (final_lo, final_hi) = halves(last);
        let (k_lo, k_hi) = (key & 0xffff, key >> 16);
        let d = previous.map_or(0, |p| key - p - 1);
        let (d_lo, d_hi) = (d & 0xffff, d >> 16);
        previous = Some(key);
        for v in [k_lo, k_hi, k_hi << 2, d_lo, d_hi, d_hi << 2] {
            range.add(v);
        }
        boundary.extend(
            [
                key,
                init_lo,
                init_hi,
                final_lo,
                final_hi,
                last_ts,
                u32::from(init.is_some()),
                1,
                k_lo,
                k_hi,
                d_lo,
                d_hi,
                r.start,
                r.end,
                u32::from(r.writable),
                a_lo,
                a_hi,
                e_lo,
                e_hi,
            ]
            .map(Val::from_u32),
        );
    }
    boundary.resize(boundary_height * BOUNDARY_WIDTH, Val::ZERO);
    (
        RowMajorMatrix::new(boundary, BOUNDARY_WIDTH),
        RowMajorMatrix::new(uses.into_iter().map(Val::from_u32).collect(), 1),
        unmapped,
    )
}

/// The traces of the memory tables for a sequence of accesses (the `i`-th at timestamp `i + 1`).
#[derive(Clone, Debug)]
pub struct MemoryTraces {
    /// Range-16 multiplicities (main trace of `Range16`).
    pub range16: RowMajorMatrix<Val>,
    /// The image table's main trace (lookups per mapped range).
    pub image: RowMajorMatrix<Val>,
    /// The boundary table.
    pub boundary: RowMajorMatrix<Val>,
    /// The port table.
    pub port: RowMajorMatrix<Val>,
    /// Each access's value: the value read, or the value written.
    pub values: Vec<u32>,
}

impl MemoryTraces {
    /// Runs `accesses` against `image` (zero elsewhere) and fills every table.
    pub fn generate(image: &ImageTable, accesses: &[Access]) -> Result<Self, MemoryError> {
        if accesses.len() >= 1 << 22 {
            return Err(MemoryError::TooManyAccesses(accesses.len()));
        }
        if let Some(a) = accesses.iter().find(|a| a.key >= KEY_LIMIT) {
            return Err(MemoryError::KeyTooLarge(a.key));
        }
        let mut range = RangeCounts::new();
        // key → (value, last ts)
        let mut state: std::collections::BTreeMap<u32, (u32, u32)> =
            image.words().iter().map(|&(k, v)| (k, (v, 0))).collect();

        let port_height = pow2_height(accesses.len());
        let mut port = Vec::with_capacity(port_height * PORT_WIDTH);
        let mut values = Vec::with_capacity(accesses.len());
        for (i, access) in accesses.iter().enumerate() {
            let ts = i as u32 + 1;
            let entry = state.entry(access.key).or_insert((0, 0));
            let (prev, prev_ts) = *entry;
            let new = access.write.unwrap_or(prev);
            *entry = (new, ts);
            values.push(new);
            let (prev_lo, prev_hi) = halves(prev);
            let (lo, hi) = halves(new);
            let t = ts - prev_ts - 1;
            let (t_lo, t_hi) = (t & 0xffff, t >> 16);
            range.add(t_lo);
            range.add(t_hi);
            range.add(t_hi << 8);
            if access.write.is_some() {
                range.add(lo);
                range.add(hi);
            }
            let is_write = u32::from(access.write.is_some());
            port.extend(
                [
                    access.key, prev_lo, prev_hi, prev_ts, lo, hi, ts, is_write, 1, t_lo, t_hi,
                ]
                .map(Val::from_u32),
            );
        }
        for i in accesses.len()..port_height {
            // Inactive rows still carry the timestamp sequence.
            let mut row = [0u32; PORT_WIDTH];
            row[P_TS] = i as u32 + 1;
            port.extend(row.map(Val::from_u32));
        }

        let (boundary, segment_uses, unmapped) = boundary_trace(image, &state, &mut range);
        if let Some(&key) = unmapped.first() {
            return Err(MemoryError::Unmapped(key));
        }
        Ok(MemoryTraces {
            range16: crate::fixed::range16_trace(&range.0),
            image: segment_uses,
            boundary,
            port: RowMajorMatrix::new(port, PORT_WIDTH),
            values,
        })
    }
}

fn boolean<AB: AirBuilder>(builder: &mut AB, x: AB::Var) {
    builder.assert_zero(x.into() * (AB::Expr::ONE - x.into()));
}

/// `flag` may only turn off: `flag' ≤ flag` (active rows form a prefix).
fn prefix<AB: AirBuilder>(builder: &mut AB, flag: AB::Var, next_flag: AB::Var) {
    builder
        .when_transition()
        .assert_zero(next_flag.into() * (AB::Expr::ONE - flag.into()));
}

/// The image table: sends each preprocessed word once; provides the mapped ranges with a
/// multiplicity (zero on padding rows).
pub(crate) fn eval_image<AB: PermutationAirBuilder + InteractionBuilder>(builder: &mut AB) {
    let pre: Vec<AB::Var> = builder.preprocessed().current_slice().to_vec();
    let uses = builder.main().current_slice()[0];
    builder.assert_zero((AB::Expr::ONE - pre[7].into()) * uses.into());
    PermutationCheckBus::new(IMAGE_BUS).send(
        builder,
        [pre[0], pre[1], pre[2]],
        flag_count(pre[3].into()),
    );
    LookupBus::new(SEGMENT_BUS).table_entry(builder, [pre[4], pre[5], pre[6]], uses);
}

/// The boundary table (see the module documentation).
pub(crate) fn eval_boundary<AB: PermutationAirBuilder + InteractionBuilder>(builder: &mut AB) {
    let local: Vec<AB::Var> = builder.main().current_slice().to_vec();
    let next: Vec<AB::Var> = builder.main().next_slice().to_vec();
    let active = local[B_ACTIVE];
    let is_image = local[B_IS_IMAGE];
    boolean(builder, active);
    boolean(builder, is_image);
    builder.assert_zero(is_image.into() * (AB::Expr::ONE - active.into()));
    prefix(builder, active, next[B_ACTIVE]);

    let limb = AB::Expr::from_u32(1 << 16);
    builder.when(active).assert_eq(
        local[B_KEY],
        local[B_K_LO].into() + local[B_K_HI].into() * limb.clone(),
    );
    builder.when_transition().when(next[B_ACTIVE]).assert_eq(
        next[B_KEY].into() - local[B_KEY].into() - AB::Expr::ONE,
        next[B_D_LO].into() + next[B_D_HI].into() * limb.clone(),
    );
    let not_image = active.into() - is_image.into();
    builder.assert_zero(not_image.clone() * local[B_INIT_LO].into());
    builder.assert_zero(not_image * local[B_INIT_HI].into());
    // The key's mapped range: `key − start` and `end − 1 − key` in [0, 2^29).
    builder.when(active).assert_eq(
        local[B_KEY].into() - local[B_S_START].into(),
        local[B_A_LO].into() + local[B_A_HI].into() * limb.clone(),
    );
    builder.when(active).assert_eq(
        local[B_S_END].into() - AB::Expr::ONE - local[B_KEY].into(),
        local[B_E_LO].into() + local[B_E_HI].into() * limb.clone(),
    );
    for cell in [B_S_START, B_S_END, B_S_W, B_A_LO, B_A_HI, B_E_LO, B_E_HI] {
        builder.assert_zero((AB::Expr::ONE - active.into()) * local[cell].into());
    }
    LookupBus::new(SEGMENT_BUS).lookup_key(
        builder,
        [local[B_S_START], local[B_S_END], local[B_S_W]],
        flag_count(active.into()),
    );

    let range = LookupBus::new(RANGE16_BUS);
    let four = AB::Expr::from_u32(4);
    let eight = AB::Expr::from_u32(8);
    // A limb `h < 2^14`: `h` and `4h` both in [0, 2^16) (the first makes `4h` an integer below
    // 2^18 < p, so the second bounds it; `4h` alone would admit field elements like 1/4).
    // Likewise `h < 2^13` by `h` and `8h`.
    for x in [
        local[B_K_LO].into(),
        local[B_K_HI].into(),
        local[B_K_HI].into() * four.clone(),
        local[B_D_LO].into(),
        local[B_D_HI].into(),
        local[B_D_HI].into() * four.clone(),
        local[B_A_LO].into(),
        local[B_A_HI].into(),
        local[B_A_HI].into() * eight.clone(),
        local[B_E_LO].into(),
        local[B_E_HI].into(),
        local[B_E_HI].into() * eight,
    ] {
        range.lookup_key(builder, [x], flag_count(active.into()));
    }

    let memory = PermutationCheckBus::new(MEMORY_BUS);
    memory.send(
        builder,
        [
            local[B_KEY].into(),
            local[B_INIT_LO].into(),
            local[B_INIT_HI].into(),
            AB::Expr::ZERO,
            local[B_S_W].into(),
        ],
        flag_count(active.into()),
    );
    memory.receive(
        builder,
        [
            local[B_KEY],
            local[B_FINAL_LO],
            local[B_FINAL_HI],
            local[B_FINAL_TS],
            local[B_S_W],
        ],
        flag_count(active.into()),
    );
    PermutationCheckBus::new(IMAGE_BUS).receive(
        builder,
        [local[B_KEY], local[B_INIT_LO], local[B_INIT_HI]],
        flag_count(is_image.into()),
    );
}

/// The port table: one access per row at timestamp `row + 1`.
pub(crate) fn eval_port<AB: PermutationAirBuilder + InteractionBuilder>(builder: &mut AB) {
    let local: Vec<AB::Var> = builder.main().current_slice().to_vec();
    let next: Vec<AB::Var> = builder.main().next_slice().to_vec();
    let active = local[P_ACTIVE];
    let is_write = local[P_IS_WRITE];
    boolean(builder, active);
    boolean(builder, is_write);
    builder.assert_zero(is_write.into() * (AB::Expr::ONE - active.into()));
    prefix(builder, active, next[P_ACTIVE]);

    builder.when_first_row().assert_one(local[P_TS]);
    builder
        .when_transition()
        .assert_eq(next[P_TS], local[P_TS].into() + AB::Expr::ONE);
    builder.when(active).assert_eq(
        local[P_TS].into() - local[P_PREV_TS].into() - AB::Expr::ONE,
        local[P_T_LO].into() + local[P_T_HI].into() * AB::Expr::from_u32(1 << 16),
    );
    let read = active.into() - is_write.into();
    builder.assert_zero(read.clone() * (local[P_LO].into() - local[P_PREV_LO].into()));
    builder.assert_zero(read * (local[P_HI].into() - local[P_PREV_HI].into()));

    let range = LookupBus::new(RANGE16_BUS);
    range.lookup_key(builder, [local[P_T_LO]], flag_count(active.into()));
    // `t_hi < 2^8`: `t_hi` and `2^8·t_hi` in [0, 2^16) (see the boundary's limbs).
    range.lookup_key(builder, [local[P_T_HI]], flag_count(active.into()));
    range.lookup_key(
        builder,
        [local[P_T_HI].into() * AB::Expr::from_u32(1 << 8)],
        flag_count(active.into()),
    );
    range.lookup_key(builder, [local[P_LO]], flag_count(is_write.into()));
    range.lookup_key(builder, [local[P_HI]], flag_count(is_write.into()));

    let memory = PermutationCheckBus::new(MEMORY_BUS);
    // The port stands in for accesses to writable memory.
    memory.receive(
        builder,
        [
            local[P_KEY].into(),
            local[P_PREV_LO].into(),
            local[P_PREV_HI].into(),
            local[P_PREV_TS].into(),
            AB::Expr::ONE,
        ],
        flag_count(active.into()),
    );
    memory.send(
        builder,
        [
            local[P_KEY].into(),
            local[P_LO].into(),
            local[P_HI].into(),
            local[P_TS].into(),
            AB::Expr::ONE,
        ],
        flag_count(active.into()),
    );
}

/// Column indices, for tests that mutate traces.
pub mod columns {
    /// Port columns by name.
    pub const PORT: [&str; super::PORT_WIDTH] = [
        "key", "prev_lo", "prev_hi", "prev_ts", "lo", "hi", "ts", "is_write", "active", "t_lo",
        "t_hi",
    ];
    /// Boundary columns by name.
    pub const BOUNDARY: [&str; super::BOUNDARY_WIDTH] = [
        "key",
        "init_lo",
        "init_hi",
        "final_lo",
        "final_hi",
        "final_ts",
        "is_image",
        "active",
        "k_lo",
        "k_hi",
        "d_lo",
        "d_hi",
        "s_start",
        "s_end",
        "s_writable",
        "a_lo",
        "a_hi",
        "e_lo",
        "e_hi",
    ];
}

/// One access of the CPU, halt or input table to the store (see the module documentation):
/// receives `(key, prev, prev_ts, writable)`, sends `(key, new, ts, writable)`, and checks
/// `ts − prev_ts − 1 = t_lo + 2^16·t_hi` with `t_lo < 2^16`, `t_hi < 2^8` — all when `count`
/// (a boolean) is 1. Timestamps of one segment stay below 2^24, so an honest difference fits.
pub(crate) struct StoreAccess<E> {
    /// The key.
    pub key: E,
    /// The value received (lo, hi).
    pub prev: [E; 2],
    /// The value sent (lo, hi).
    pub new: [E; 2],
    /// The timestamp received.
    pub prev_ts: E,
    /// This access's timestamp.
    pub ts: E,
    /// The limbs of `ts − prev_ts − 1`.
    pub t: [E; 2],
    /// 1 if the access happens.
    pub count: E,
    /// The permission of the key's range (1 for registers; a store must show 1).
    pub writable: E,
}

/// Constrains the accesses of one row (see [`StoreAccess`]). The high limbs are checked in
/// pairs, one byte-pair lookup for two accesses (an odd one pairs with 0), each made when
/// `row_count` is 1; every access's `count` must imply it (constrained here). The caller keeps
/// an unused access's `t_hi` at 0, as it keeps all its cells.
pub(crate) fn eval_accesses<AB: PermutationAirBuilder + InteractionBuilder>(
    builder: &mut AB,
    accesses: Vec<StoreAccess<AB::Expr>>,
    row_count: AB::Expr,
) {
    let mut highs = Vec::with_capacity(accesses.len() + 1);
    for access in accesses {
        builder.assert_zero(access.count.clone() * (AB::Expr::ONE - row_count.clone()));
        highs.push(access.t[1].clone());
        eval_access(builder, access);
    }
    if highs.len() % 2 == 1 {
        highs.push(AB::Expr::ZERO);
    }
    let pairs = LookupBus::new(crate::alu::BYTE_PAIR_BUS);
    for pair in highs.chunks(2) {
        pairs.lookup_key(builder, pair.to_vec(), flag_count(row_count.clone()));
    }
}

/// One access without its high-limb check, which [`eval_accesses`] adds per pair.
fn eval_access<AB: PermutationAirBuilder + InteractionBuilder>(
    builder: &mut AB,
    access: StoreAccess<AB::Expr>,
) {
    let StoreAccess {
        key,
        prev: [p0, p1],
        new: [n0, n1],
        prev_ts,
        ts,
        t: [t_lo, t_hi],
        count,
        writable,
    } = access;
    builder.assert_zero(
        count.clone()
            * (ts.clone()
                - prev_ts.clone()
                - AB::Expr::ONE
                - t_lo.clone()
                - t_hi * AB::Expr::from_u32(1 << 16)),
    );
    LookupBus::new(RANGE16_BUS).lookup_key(builder, [t_lo], flag_count(count.clone()));
    let memory = PermutationCheckBus::new(MEMORY_BUS);
    memory.receive(
        builder,
        [key.clone(), p0, p1, prev_ts, writable.clone()],
        flag_count(count.clone()),
    );
    memory.send(builder, [key, n0, n1, ts, writable], flag_count(count));
}
