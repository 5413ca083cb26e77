/* branches.S: conditional branches (RV32I)
 *
 * BEQ BNE BLT BGE BLTU BGEU on the same 15 operand pairs each, so signed and unsigned compares
 * disagree where they should (-1 vs 0, INT_MIN vs INT_MAX). TEST_BR_TAKEN checks a forward and a
 * backward taken branch; TEST_BR_NOT_TAKEN checks that both fall through. At the end: x0 operands,
 * a counted loop, and branches whose offset bits sit where rd would be (no register is written).
 *
 * Self-checking: exits with the number of the first failing case, or 0 (see README.md).
 * Expected values follow the RISC-V unprivileged spec; computed off-line and cross-checked
 * with qemu-riscv32.
 */
#include "test_macros.h"

    TEST_BEGIN

    /* BEQ: rs1 == rs2; each case checks the forward and the backward branch */
    TEST_BR_TAKEN          1, beq, 0, 0
    TEST_BR_TAKEN          2, beq, 1, 1
    TEST_BR_TAKEN          3, beq, -1, -1
    TEST_BR_NOT_TAKEN      4, beq, 0, 1
    TEST_BR_NOT_TAKEN      5, beq, 1, 0
    TEST_BR_NOT_TAKEN      6, beq, -1, 1
    TEST_BR_NOT_TAKEN      7, beq, 1, -1
    TEST_BR_NOT_TAKEN      8, beq, -1, 0
    TEST_BR_NOT_TAKEN      9, beq, 0, -1
    TEST_BR_NOT_TAKEN      10, beq, 0x80000000, 0x7fffffff
    TEST_BR_NOT_TAKEN      11, beq, 0x7fffffff, 0x80000000
    TEST_BR_NOT_TAKEN      12, beq, 0x80000000, 0
    TEST_BR_NOT_TAKEN      13, beq, 0, 0x80000000
    TEST_BR_TAKEN          14, beq, 0x80000000, 0x80000000
    TEST_BR_NOT_TAKEN      15, beq, -2, -1

    /* BNE: rs1 != rs2; each case checks the forward and the backward branch */
    TEST_BR_NOT_TAKEN      16, bne, 0, 0
    TEST_BR_NOT_TAKEN      17, bne, 1, 1
    TEST_BR_NOT_TAKEN      18, bne, -1, -1
    TEST_BR_TAKEN          19, bne, 0, 1
    TEST_BR_TAKEN          20, bne, 1, 0
    TEST_BR_TAKEN          21, bne, -1, 1
    TEST_BR_TAKEN          22, bne, 1, -1
    TEST_BR_TAKEN          23, bne, -1, 0
    TEST_BR_TAKEN          24, bne, 0, -1
    TEST_BR_TAKEN          25, bne, 0x80000000, 0x7fffffff
    TEST_BR_TAKEN          26, bne, 0x7fffffff, 0x80000000
    TEST_BR_TAKEN          27, bne, 0x80000000, 0
    TEST_BR_TAKEN          28, bne, 0, 0x80000000
    TEST_BR_NOT_TAKEN      29, bne, 0x80000000, 0x80000000
    TEST_BR_TAKEN          30, bne, -2, -1

    /* BLT: signed rs1 < rs2; each case checks the forward and the backward branch */
    TEST_BR_NOT_TAKEN      31, blt, 0, 0
    TEST_BR_NOT_TAKEN      32, blt, 1, 1
    TEST_BR_NOT_TAKEN      33, blt, -1, -1
    TEST_BR_TAKEN          34, blt, 0, 1
    TEST_BR_NOT_TAKEN      35, blt, 1, 0
    TEST_BR_TAKEN          36, blt, -1, 1
    TEST_BR_NOT_TAKEN      37, blt, 1, -1
    TEST_BR_TAKEN          38, blt, -1, 0
    TEST_BR_NOT_TAKEN      39, blt, 0, -1
    TEST_BR_TAKEN          40, blt, 0x80000000, 0x7fffffff
    TEST_BR_NOT_TAKEN      41, blt, 0x7fffffff, 0x80000000
    TEST_BR_TAKEN          42, blt, 0x80000000, 0
    TEST_BR_NOT_TAKEN      43, blt, 0, 0x80000000
    TEST_BR_NOT_TAKEN      44, blt, 0x80000000, 0x80000000
    TEST_BR_TAKEN          45, blt, -2, -1

    /* BGE: signed rs1 >= rs2 (taken when equal); each case checks the forward and the backward branch */
    TEST_BR_TAKEN          46, bge, 0, 0
    TEST_BR_TAKEN          47, bge, 1, 1
    TEST_BR_TAKEN          48, bge, -1, -1
    TEST_BR_NOT_TAKEN      49, bge, 0, 1
    TEST_BR_TAKEN          50, bge, 1, 0
    TEST_BR_NOT_TAKEN      51, bge, -1, 1
    TEST_BR_TAKEN          52, bge, 1, -1
    TEST_BR_NOT_TAKEN      53, bge, -1, 0
    TEST_BR_TAKEN          54, bge, 0, -1
    TEST_BR_NOT_TAKEN      55, bge, 0x80000000, 0x7fffffff
    TEST_BR_TAKEN          56, bge, 0x7fffffff, 0x80000000
    TEST_BR_NOT_TAKEN      57, bge, 0x80000000, 0
    TEST_BR_TAKEN          58, bge, 0, 0x80000000
    TEST_BR_TAKEN          59, bge, 0x80000000, 0x80000000
    TEST_BR_NOT_TAKEN      60, bge, -2, -1

    /* BLTU: unsigned rs1 < rs2; each case checks the forward and the backward branch */
    TEST_BR_NOT_TAKEN      61, bltu, 0, 0
    TEST_BR_NOT_TAKEN      62, bltu, 1, 1
    TEST_BR_NOT_TAKEN      63, bltu, -1, -1
    TEST_BR_TAKEN          64, bltu, 0, 1
    TEST_BR_NOT_TAKEN      65, bltu, 1, 0
    TEST_BR_NOT_TAKEN      66, bltu, -1, 1
    TEST_BR_TAKEN          67, bltu, 1, -1
    TEST_BR_NOT_TAKEN      68, bltu, -1, 0
    TEST_BR_TAKEN          69, bltu, 0, -1
    TEST_BR_NOT_TAKEN      70, bltu, 0x80000000, 0x7fffffff
    TEST_BR_TAKEN          71, bltu, 0x7fffffff, 0x80000000
    TEST_BR_NOT_TAKEN      72, bltu, 0x80000000, 0
    TEST_BR_TAKEN          73, bltu, 0, 0x80000000
    TEST_BR_NOT_TAKEN      74, bltu, 0x80000000, 0x80000000
    TEST_BR_TAKEN          75, bltu, -2, -1

    /* BGEU: unsigned rs1 >= rs2 (taken when equal); each case checks the forward and the backward branch */
    TEST_BR_TAKEN          76, bgeu, 0, 0
    TEST_BR_TAKEN          77, bgeu, 1, 1
    TEST_BR_TAKEN          78, bgeu, -1, -1
    TEST_BR_NOT_TAKEN      79, bgeu, 0, 1
    TEST_BR_TAKEN          80, bgeu, 1, 0
    TEST_BR_TAKEN          81, bgeu, -1, 1
    TEST_BR_NOT_TAKEN      82, bgeu, 1, -1
    TEST_BR_TAKEN          83, bgeu, -1, 0
    TEST_BR_NOT_TAKEN      84, bgeu, 0, -1
    TEST_BR_TAKEN          85, bgeu, 0x80000000, 0x7fffffff
    TEST_BR_NOT_TAKEN      86, bgeu, 0x7fffffff, 0x80000000
    TEST_BR_TAKEN          87, bgeu, 0x80000000, 0
    TEST_BR_NOT_TAKEN      88, bgeu, 0, 0x80000000
    TEST_BR_TAKEN          89, bgeu, 0x80000000, 0x80000000
    TEST_BR_NOT_TAKEN      90, bgeu, -2, -1

    /* x0 operands: the beqz / bnez / bltz / bgez / blez / bgtz idioms */
    CASE 91                     /* beq x0, x0: always taken */
    beq x0, x0, 1f
    j fail
1:
    CASE 92                     /* bltu rs, x0: never taken, nothing is below 0 unsigned */
    li a1, -1
    bltu a1, x0, 1f
    j 2f
1:  j fail
2:
    CASE 93                     /* bgeu rs, x0: always taken */
    li a1, 0
    bgeu a1, x0, 1f
    j fail
1:
    CASE 94                     /* bltz INT_MIN */
    li a1, 0x80000000
    blt a1, x0, 1f
    j fail
1:
    CASE 95                     /* bgtz 0 is not taken */
    li a1, 0
    blt x0, a1, 1f
    j 2f
1:  j fail
2:
    CASE 96                     /* bnez with x0 as rs1 */
    li a1, 1
    bne x0, a1, 1f
    j fail
1:

    /* A counted loop: the backward bnez is taken 9 times, then falls through. */
    CASE 97
    li a1, 10
    li a2, 0
1:  addi a2, a2, 1
    addi a1, a1, -1
    bnez a1, 1b
    CHECK a2, 10
    CHECK a1, 0

    /* Branches write no register. B-type keeps offset bits where other formats keep rd
     * (bits 11:7 = imm[4:1|11]): +28 puts 28 (t3) there and -4 puts 29 (t4) there. */
    CASE 98
    li t3, 0x5a5a5a5a
    beq x0, x0, 1f              /* +28: over the six `j fail` */
    .rept 6
    j fail
    .endr
1:  CHECK t3, 0x5a5a5a5a
    CASE 99
    li t4, 0x5a5a5a5a
    j 2f
1:  j 3f
2:  beq x0, x0, 1b              /* -4 */
    j fail
3:  CHECK t4, 0x5a5a5a5a

    TEST_END
