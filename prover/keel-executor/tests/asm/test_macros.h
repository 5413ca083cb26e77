/* Shared harness for the self-checking RV32IM test programs (see README.md).
 *
 * Every program is a list of numbered cases between TEST_BEGIN and TEST_END. A case sets up its
 * inputs, runs the instruction under test and compares the result with the value the
 * unprivileged spec gives. On the first mismatch the program exits
 * with that case's number; if every case passes it exits with 0:
 *
 *     exit(code):  a0 = code, a7 = 93, ecall      (Linux's RISC-V exit, so qemu-riscv32 agrees)
 *
 * Case numbers are 1..254, strictly increasing within a file (the assembler checks both): exit
 * codes keep only 8 bits under Linux/qemu. 255 means "failed before the first case".
 * The number of cases is exported as the absolute symbol `keel_case_count` (see `nm`).
 *
 * Register conventions inside the macros:
 *     gp (x3)   current case number (a failing check exits with it)
 *     t6 (x31)  expected value of a CHECK
 *     a1, a2    source operands        a4   result
 * Hand-written cases may use any other register.
 */

    .option norelax         /* no linker relaxation: every instruction stays as written */

    .set keel_last_case, 0
    .set keel_case_counter, 0

/* Start case number `n`: load it into gp. */
.macro CASE n
    .if (\n) <= keel_last_case
        .error "case numbers must be strictly increasing"
    .endif
    .if (\n) > 254
        .error "case numbers must be at most 254 (exit codes keep 8 bits; 255 is reserved)"
    .endif
    .set keel_last_case, (\n)
    .set keel_case_counter, keel_case_counter + 1
    li gp, \n
.endm

/* Exit with the current case number unless `reg` == `expected` (a 32-bit constant).
 * `beq` over a `j` instead of `bne fail`: a B-type branch reaches only +-4 KiB. */
.macro CHECK reg, expected
    li t6, \expected
    beq \reg, t6, 8f
    j fail
8:
.endm

/* Exit with the current case number unless `reg1` == `reg2`. */
.macro CHECK_REG reg1, reg2
    beq \reg1, \reg2, 8f
    j fail
8:
.endm

.macro TEST_BEGIN
    .section .text.init, "ax", @progbits
    .globl _start
_start:
    li gp, 255
.endm

.macro TEST_END
pass:
    li a0, 0
    li a7, 93
    ecall
1:  j 1b
fail:
    mv a0, gp
    li a7, 93
    ecall
2:  j 2b

    .globl keel_case_count
    .equ keel_case_count, keel_case_counter
.endm

/* ---------------------------------------------------------------- register-register ALU */

/* rd = a4, rs1 = a1, rs2 = a2 */
.macro TEST_RR n, inst, expected, a, b
    CASE \n
    li a1, \a
    li a2, \b
    \inst a4, a1, a2
    CHECK a4, \expected
    CHECK a1, \a            /* sources are left alone */
    CHECK a2, \b
.endm

/* rd == rs1: the instruction must read rs1 before it writes rd */
.macro TEST_RR_DEST_IS_SRC1 n, inst, expected, a, b
    CASE \n
    li a1, \a
    li a2, \b
    \inst a1, a1, a2
    CHECK a1, \expected
.endm

/* rd == rs2 */
.macro TEST_RR_DEST_IS_SRC2 n, inst, expected, a, b
    CASE \n
    li a1, \a
    li a2, \b
    \inst a2, a1, a2
    CHECK a2, \expected
.endm

/* rd == rs1 == rs2 */
.macro TEST_RR_ALL_SAME n, inst, expected, a
    CASE \n
    li a1, \a
    \inst a1, a1, a1
    CHECK a1, \expected
.endm

/* rs1 = x0 (reads as 0) */
.macro TEST_RR_ZERO_SRC1 n, inst, expected, b
    CASE \n
    li a2, \b
    \inst a4, x0, a2
    CHECK a4, \expected
.endm

/* rs2 = x0 (reads as 0) */
.macro TEST_RR_ZERO_SRC2 n, inst, expected, a
    CASE \n
    li a1, \a
    \inst a4, a1, x0
    CHECK a4, \expected
.endm

/* rd = x0: the result is discarded and x0 still reads as 0 */
.macro TEST_RR_ZERO_DEST n, inst, a, b
    CASE \n
    li a1, \a
    li a2, \b
    \inst x0, a1, a2
    CHECK x0, 0
    mv a4, x0
    CHECK a4, 0
.endm

/* ---------------------------------------------------------------- register-immediate ALU */

/* rd = a4, rs1 = a1, 12-bit immediate (shifts: 5-bit shamt) */
.macro TEST_RI n, inst, expected, a, imm
    CASE \n
    li a1, \a
    \inst a4, a1, \imm
    CHECK a4, \expected
    CHECK a1, \a
.endm

.macro TEST_RI_DEST_IS_SRC1 n, inst, expected, a, imm
    CASE \n
    li a1, \a
    \inst a1, a1, \imm
    CHECK a1, \expected
.endm

.macro TEST_RI_ZERO_SRC1 n, inst, expected, imm
    CASE \n
    \inst a4, x0, \imm
    CHECK a4, \expected
.endm

.macro TEST_RI_ZERO_DEST n, inst, a, imm
    CASE \n
    li a1, \a
    \inst x0, a1, \imm
    CHECK x0, 0
    mv a4, x0
    CHECK a4, 0
.endm

/* ---------------------------------------------------------------- branches */

/* The branch must be taken, forwards and backwards. */
.macro TEST_BR_TAKEN n, inst, a, b
    CASE \n
    li a1, \a
    li a2, \b
    \inst a1, a2, 2f        /* forwards: must jump over `j fail` */
    j fail
1:  j 3f
2:  \inst a1, a2, 1b        /* backwards */
    j fail
3:  CHECK a1, \a            /* a branch writes no register */
    CHECK a2, \b
.endm

/* The branch must not be taken, forwards or backwards. */
.macro TEST_BR_NOT_TAKEN n, inst, a, b
    CASE \n
    li a1, \a
    li a2, \b
    \inst a1, a2, 1f        /* forwards: must fall through */
    j 2f
1:  j fail
2:  \inst a1, a2, 1b        /* backwards: must fall through */
    CHECK a1, \a
    CHECK a2, \b
.endm

/* ---------------------------------------------------------------- loads and stores */

/* rd = a4, base = a1 = address of `base` */
.macro TEST_LD n, inst, expected, offset, base
    CASE \n
    la a1, \base
    \inst a4, \offset(a1)
    CHECK a4, \expected
.endm

/* Write the word `init` at `base`+`word_offset`, store `value` with `inst` at `base`+`offset`,
 * then the whole word at `word_offset` must read back as `expected` (checks partial writes). */
.macro TEST_ST n, inst, value, offset, base, word_offset, init, expected
    CASE \n
    la a1, \base
    li a4, \init
    sw a4, \word_offset(a1)
    li a2, \value
    \inst a2, \offset(a1)
    lw a4, \word_offset(a1)
    CHECK a4, \expected
    CHECK a2, \value        /* the stored register is left alone */
.endm

/* ---------------------------------------------------------------- addresses */

/* reg = absolute address of `sym`, built with LUI + ADDI only (no AUIPC), so the jump and AUIPC
 * tests compare pc-relative results with an address that does not depend on the pc. */
.macro LA_ABS reg, sym
    lui \reg, %hi(\sym)
    addi \reg, \reg, %lo(\sym)
.endm
