/* fence_x0.S: FENCE, writes to x0, and the register file (RV32I)
 *
 * FENCE orders memory for other harts and devices; a single-hart zkVM executes every FENCE
 * encoding as a no-op: no register or memory changes, execution continues at pc + 4. That
 * includes FENCE.TSO, PAUSE (FENCE w,0), pred/succ = 0, and nonzero rd / rs1 fields, which the
 * spec reserves and base implementations must ignore.
 * x0 is hard-wired to zero: an instruction with rd = x0 still executes (loads still read, jumps
 * still jump) but its result is discarded. Every RV32IM instruction that writes rd is tried.
 * Last, every register except gp (which holds the case number) holds its own value.
 *
 * Self-checking: exits with the number of the first failing case, or 0 (see README.md).
 */
#include "test_macros.h"

/* One FENCE encoding between a store and a load: registers and memory are unchanged, and the
 * instructions on both sides run. */
.macro TEST_FENCE n, insn:vararg
    CASE \n
    la a1, scratch
    li a2, 0x5a5a5a5a
    li t0, 0x55
    li t1, 0x66
    li a4, 0
    sw a2, 0(a1)
    \insn
    li a4, 1                    /* the instruction after the fence runs */
    lw a5, 0(a1)
    CHECK a4, 1
    CHECK a5, 0x5a5a5a5a
    CHECK a2, 0x5a5a5a5a
    CHECK t0, 0x55
    CHECK t1, 0x66
.endm

/* `insn` writes x0 (operands a1 = 0x12345678, a2 = 0x765, a3 = &load_word): afterwards x0 still
 * reads as 0, both compared directly and as an ALU source. */
.macro TEST_X0_DEST n, insn:vararg
    CASE \n
    li a1, 0x12345678
    li a2, 0x765
    la a3, load_word
    \insn
    CHECK x0, 0
    addi a4, x0, 5
    CHECK a4, 5
.endm

    TEST_BEGIN

    /* FENCE as a no-op */
    TEST_FENCE 1, fence                        /* fence iorw, iorw */
    TEST_FENCE 2, fence rw, rw
    TEST_FENCE 3, fence r, r
    TEST_FENCE 4, fence w, w
    TEST_FENCE 5, fence r, w
    TEST_FENCE 6, fence.tso
    TEST_FENCE 7, .word 0x0100000f             /* pause (Zihintpause): fence w, 0 */
    TEST_FENCE 8, .word 0x0000000f             /* fence 0, 0 */
    TEST_FENCE 9, .word 0x0ff3028f             /* fence iorw, iorw with rd = t0, rs1 = t1: ignored */

    /* rd = x0: the result is discarded */
    TEST_X0_DEST 10, lui x0, 0x12345
    TEST_X0_DEST 11, auipc x0, 0x12345
    TEST_X0_DEST 12, lb x0, 0(a3)
    TEST_X0_DEST 13, lh x0, 0(a3)
    TEST_X0_DEST 14, lw x0, 0(a3)
    TEST_X0_DEST 15, lbu x0, 0(a3)
    TEST_X0_DEST 16, lhu x0, 0(a3)
    TEST_X0_DEST 17, addi x0, a1, 1
    TEST_X0_DEST 18, slti x0, a1, 0x7ff
    TEST_X0_DEST 19, sltiu x0, a1, -1
    TEST_X0_DEST 20, xori x0, a1, -1
    TEST_X0_DEST 21, ori x0, a1, 1
    TEST_X0_DEST 22, andi x0, a1, -1
    TEST_X0_DEST 23, slli x0, a1, 3
    TEST_X0_DEST 24, srli x0, a1, 3
    TEST_X0_DEST 25, srai x0, a1, 3
    TEST_X0_DEST 26, add x0, a1, a2
    TEST_X0_DEST 27, sub x0, a1, a2
    TEST_X0_DEST 28, sll x0, a1, a2
    TEST_X0_DEST 29, slt x0, a2, a1
    TEST_X0_DEST 30, sltu x0, a2, a1
    TEST_X0_DEST 31, xor x0, a1, a2
    TEST_X0_DEST 32, srl x0, a1, a2
    TEST_X0_DEST 33, sra x0, a1, a2
    TEST_X0_DEST 34, or x0, a1, a2
    TEST_X0_DEST 35, and x0, a1, a2
    TEST_X0_DEST 36, mul x0, a1, a2
    TEST_X0_DEST 37, mulh x0, a1, a2
    TEST_X0_DEST 38, mulhsu x0, a1, a2
    TEST_X0_DEST 39, mulhu x0, a1, a2
    TEST_X0_DEST 40, div x0, a1, a2
    TEST_X0_DEST 41, divu x0, a1, a2
    TEST_X0_DEST 42, rem x0, a1, a2
    TEST_X0_DEST 43, remu x0, a1, a2
    TEST_X0_DEST 44, nop                        /* addi x0, x0, 0 */
    TEST_X0_DEST 45, addi x0, x0, 1             /* a HINT encoding: still discarded */

    CASE 46                     /* jal x0: jumps, discards the link */
    jal x0, 1f
    j fail
1:  CHECK x0, 0
    CASE 47                     /* jalr x0: jumps, discards the link */
    LA_ABS a1, .Ljalr_x0_target
    jalr x0, 0(a1)
    j fail
.Ljalr_x0_target:
    CHECK x0, 0

    CASE 48                     /* x0 as a store source writes zero even after the writes above */
    la a1, scratch
    li a2, -1
    sw a2, 0(a1)
    sw x0, 0(a1)
    lw a4, 0(a1)
    CHECK a4, 0

    /* The register file: 30 registers (all but x0 and gp) hold 30 different values at once. */
    CASE 49
    li x1, 0x101
    li x2, 0x102
    li x4, 0x104
    li x5, 0x105
    li x6, 0x106
    li x7, 0x107
    li x8, 0x108
    li x9, 0x109
    li x10, 0x10a
    li x11, 0x10b
    li x12, 0x10c
    li x13, 0x10d
    li x14, 0x10e
    li x15, 0x10f
    li x16, 0x110
    li x17, 0x111
    li x18, 0x112
    li x19, 0x113
    li x20, 0x114
    li x21, 0x115
    li x22, 0x116
    li x23, 0x117
    li x24, 0x118
    li x25, 0x119
    li x26, 0x11a
    li x27, 0x11b
    li x28, 0x11c
    li x29, 0x11d
    li x30, 0x11e
    li x31, 0x11f
    .irp r, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    addi x\r, x\r, -(0x100 + \r)    /* zero iff x\r held its own value */
    beqz x\r, 1f
    j fail
1:
    .endr

    TEST_END

    .data
    .balign 4
load_word:
    .word 0x8081f2f3            /* sign bits set in every byte and half-word */
scratch:
    .word 0
