use crate::encode::asm::{inst, li};
use crate::{decode, AluOp, DecodeError, Instruction, Opcode};
use proptest::prelude::*;

/// Words produced by GNU as 2.40 (`riscv64-unknown-elf-as -march=rv32im`), with their meaning.
const KNOWN: &[(u32, Opcode, u8, u8, u8, i32)] = &[
    (0x00150513, Opcode::Addi, 10, 10, 0, 1), // addi a0,a0,1
    (0xfff00293, Opcode::Addi, 5, 0, 0, -1),  // li t0,-1
    (0x12345537, Opcode::Lui, 10, 0, 0, 0x12345000), // lui a0,0x12345
    (0xfffff097, Opcode::Auipc, 1, 0, 0, -4096), // auipc ra,0xfffff
    (0x008000ef, Opcode::Jal, 1, 0, 0, 8),    // jal ra,.+8
    (0xffdff06f, Opcode::Jal, 0, 0, 0, -4),   // j .-4
    (0x00008067, Opcode::Jalr, 0, 1, 0, 0),   // ret
    (0xfe0558e3, Opcode::Bge, 0, 10, 0, -16), // bgez a0,.-16
    (0x00b56463, Opcode::Bltu, 0, 10, 11, 8), // bltu a0,a1,.+8
    (0xffc12083, Opcode::Lw, 1, 2, 0, -4),    // lw ra,-4(sp)
    (0x00a12623, Opcode::Sw, 0, 2, 10, 12),   // sw a0,12(sp)
    (0xfea10fa3, Opcode::Sb, 0, 2, 10, -1),   // sb a0,-1(sp)
    (0x01f55513, Opcode::Srli, 10, 10, 0, 31), // srli a0,a0,31
    (0x4015d593, Opcode::Srai, 11, 11, 0, 1), // srai a1,a1,1
    (0x40b50533, Opcode::Sub, 10, 10, 11, 0), // sub a0,a0,a1
    (0x02b50533, Opcode::Mul, 10, 10, 11, 0), // mul a0,a0,a1
    (0x02b53533, Opcode::Mulhu, 10, 10, 11, 0), // mulhu a0,a0,a1
    (0x02b54533, Opcode::Div, 10, 10, 11, 0), // div a0,a0,a1
    (0x02b57533, Opcode::Remu, 10, 10, 11, 0), // remu a0,a0,a1
    (0x0ff0000f, Opcode::Fence, 0, 0, 0, 0),  // fence
    (0x0000100f, Opcode::Fence, 0, 0, 0, 0),  // fence.i
    (0x00000073, Opcode::Ecall, 0, 0, 0, 0),  // ecall
    (0x00100073, Opcode::Ebreak, 0, 0, 0, 0), // ebreak
];

#[test]
fn decodes_assembler_output() {
    for &(word, opcode, rd, rs1, rs2, imm) in KNOWN {
        let got = decode(word).unwrap_or_else(|e| panic!("0x{word:08x}: {e}"));
        assert_eq!(got, inst(opcode, rd, rs1, rs2, imm), "0x{word:08x}");
    }
}

#[test]
fn rejects_non_rv32im_words() {
    // c.addi a0,1 (compressed), unimp (csrrw x0,cycle,x0), lr.w, fadd.s, slli with bit 25 set
    // (an RV64 shamt), and an all-zero word.
    assert_eq!(decode(0x0505), Err(DecodeError::Compressed(0x0505)));
    for word in [
        0xc0001073,
        0x1005252f,
        0x00b57553,
        0x02051513,
        0x0000_0000,
        0xffff_ffff,
    ] {
        assert!(decode(word).is_err(), "0x{word:08x} must be rejected");
    }
}

#[test]
fn li_materialises_every_constant_shape() {
    for value in [
        0,
        1,
        0x7ff,
        0x800,
        0xfff,
        0x1000,
        0x8000_0000,
        0xffff_f800,
        u32::MAX,
        0x1234_5678,
    ] {
        let [lui, addi] = li(5, value);
        let got = (lui.imm as u32).wrapping_add(addi.imm as u32);
        assert_eq!(got, value, "li {value:#x}");
        lui.encode().unwrap();
        addi.encode().unwrap();
    }
}

#[test]
fn alu_matches_the_spec_edge_cases() {
    use AluOp::*;
    const MIN: u32 = 0x8000_0000;
    let cases: &[(AluOp, u32, u32, u32)] = &[
        (Add, u32::MAX, 1, 0),
        (Sub, 0, 1, u32::MAX),
        (Sll, 1, 31, MIN),
        (Sll, 1, 32, 1), // only the low five bits of the shift amount count
        (Srl, MIN, 31, 1),
        (Sra, MIN, 31, u32::MAX),
        (Sra, MIN, 33, 0xc000_0000),
        (Slt, MIN, 0, 1),
        (Sltu, MIN, 0, 0),
        (Mul, 0x10000, 0x10000, 0),
        (Mulh, MIN, MIN, 0x4000_0000),
        (Mulh, u32::MAX, u32::MAX, 0),
        (Mulhsu, u32::MAX, u32::MAX, u32::MAX),
        (Mulhsu, MIN, u32::MAX, 0x8000_0000),
        (Mulhu, u32::MAX, u32::MAX, 0xffff_fffe),
        (Div, 7, 0, u32::MAX),
        (Divu, 7, 0, u32::MAX),
        (Rem, 7, 0, 7),
        (Remu, 7, 0, 7),
        (Div, MIN, u32::MAX, MIN),
        (Rem, MIN, u32::MAX, 0),
        (Div, (-7i32) as u32, 2, (-3i32) as u32), // rounds toward zero
        (Rem, (-7i32) as u32, 2, (-1i32) as u32), // sign follows the dividend
        (Divu, u32::MAX, 2, 0x7fff_ffff),
    ];
    for &(op, a, b, want) in cases {
        assert_eq!(op.apply(a, b), want, "{op:?}({a:#x}, {b:#x})");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    /// Every word that decodes (except FENCE, whose ordering fields keel ignores) encodes back to
    /// itself: decode and encode are exact inverses on RV32IM.
    #[test]
    fn decode_then_encode_is_identity(word in any::<u32>()) {
        if let Ok(inst) = decode(word) {
            if inst.opcode != Opcode::Fence {
                prop_assert_eq!(inst.encode().unwrap(), word);
            }
        }
    }

    #[test]
    fn mul_high_words_match_wide_arithmetic(a in any::<u32>(), b in any::<u32>()) {
        let wide = (a as i32 as i128) * (b as i32 as i128);
        prop_assert_eq!(AluOp::Mulh.apply(a, b), (wide >> 32) as u32);
        let wide = (a as i32 as i128) * (b as i128);
        prop_assert_eq!(AluOp::Mulhsu.apply(a, b), (wide >> 32) as u32);
        prop_assert_eq!(AluOp::Mul.apply(a, b), wide as u32);
    }

    #[test]
    fn division_identity_holds(a in any::<u32>(), b in any::<u32>()) {
        // dividend = divisor * quotient + remainder, for signed and unsigned, b = 0 included.
        let (q, r) = (AluOp::Div.apply(a, b), AluOp::Rem.apply(a, b));
        prop_assert_eq!(b.wrapping_mul(q).wrapping_add(r), a);
        let (q, r) = (AluOp::Divu.apply(a, b), AluOp::Remu.apply(a, b));
        prop_assert_eq!(b.wrapping_mul(q).wrapping_add(r), a);
    }
}

#[test]
fn every_opcode_round_trips() {
    use Opcode::*;
    let all = [
        Lui, Auipc, Jal, Jalr, Beq, Bne, Blt, Bge, Bltu, Bgeu, Lb, Lh, Lw, Lbu, Lhu, Sb, Sh, Sw,
        Addi, Slti, Sltiu, Xori, Ori, Andi, Slli, Srli, Srai, Add, Sub, Sll, Slt, Sltu, Xor, Srl,
        Sra, Or, And, Mul, Mulh, Mulhsu, Mulhu, Div, Divu, Rem, Remu, Fence, Ecall, Ebreak,
    ];
    for opcode in all {
        let inst: Instruction = match opcode {
            Lui | Auipc => inst(opcode, 3, 0, 0, -4096),
            Jal => inst(opcode, 1, 0, 0, -2048),
            Beq | Bne | Blt | Bge | Bltu | Bgeu => inst(opcode, 0, 4, 5, -8),
            Sb | Sh | Sw => inst(opcode, 0, 4, 5, -3),
            Slli | Srli | Srai => inst(opcode, 3, 4, 0, 17),
            Add | Sub | Sll | Slt | Sltu | Xor | Srl | Sra | Or | And | Mul | Mulh | Mulhsu
            | Mulhu | Div | Divu | Rem | Remu => inst(opcode, 3, 4, 5, 0),
            Fence | Ecall | Ebreak => inst(opcode, 0, 0, 0, 0),
            _ => inst(opcode, 3, 4, 0, -7),
        };
        let word = inst.encode().unwrap();
        assert_eq!(decode(word).unwrap(), inst, "{}", opcode.mnemonic());
    }
}
