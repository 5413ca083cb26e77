/* alu_reg.S: register-register ALU instructions (RV32I)
 *
 * ADD SUB SLT SLTU XOR OR AND. Edge values: 0, 1, -1, INT_MIN (0x80000000), INT_MAX (0x7fffffff),
 * mixed signs; signed vs unsigned compares; rd aliasing a source; x0 as source and destination.
 *
 * Self-checking: exits with the number of the first failing case, or 0 (see README.md).
 * Expected values follow the RISC-V unprivileged spec; computed off-line and cross-checked
 * with qemu-riscv32.
 */
#include "test_macros.h"

    TEST_BEGIN

    /* ADD: wraps modulo 2^32; no overflow trap */
    TEST_RR                1, add, 0x00000000, 0, 0
    TEST_RR                2, add, 0x00000002, 1, 1
    TEST_RR                3, add, 0x0000000a, 3, 7
    TEST_RR                4, add, 0x00000000, -1, 1                           /* -1 + 1 wraps to 0 */
    TEST_RR                5, add, 0x80000000, 0x7fffffff, 1                   /* INT_MAX + 1 = INT_MIN */
    TEST_RR                6, add, 0x00000000, 0x80000000, 0x80000000          /* INT_MIN + INT_MIN = 0 */
    TEST_RR                7, add, 0xfffffffe, -1, -1
    TEST_RR                8, add, 0x7fffffff, 0x80000000, -1                  /* INT_MIN + -1 = INT_MAX */
    TEST_RR                9, add, 0xfffffffe, 0x7fffffff, 0x7fffffff
    TEST_RR                10, add, 0xfffffffe, -5, 3                          /* mixed signs */
    TEST_RR                11, add, 0x21111110, 0x12345678, 0x0edcba98

    /* SUB: rs1 - rs2, wraps */
    TEST_RR                12, sub, 0x00000000, 0, 0
    TEST_RR                13, sub, 0x00000000, 1, 1
    TEST_RR                14, sub, 0xffffffff, 0, 1                           /* 0 - 1 = -1 */
    TEST_RR                15, sub, 0x7fffffff, 0x80000000, 1                  /* INT_MIN - 1 = INT_MAX */
    TEST_RR                16, sub, 0x80000000, 0x7fffffff, -1                 /* INT_MAX - -1 = INT_MIN */
    TEST_RR                17, sub, 0x80000000, 0, 0x80000000                  /* 0 - INT_MIN = INT_MIN */
    TEST_RR                18, sub, 0x00000000, -1, -1
    TEST_RR                19, sub, 0x0000000a, 3, -7
    TEST_RR                20, sub, 0xfffffff6, -3, 7
    TEST_RR                21, sub, 0x00000001, 0x80000000, 0x7fffffff

    /* SLT: signed rs1 < rs2 */
    TEST_RR                22, slt, 0x00000000, 0, 0
    TEST_RR                23, slt, 0x00000001, 0, 1
    TEST_RR                24, slt, 0x00000000, 1, 0
    TEST_RR                25, slt, 0x00000001, -1, 0                          /* -1 < 0 signed */
    TEST_RR                26, slt, 0x00000000, 0, -1
    TEST_RR                27, slt, 0x00000001, 0x80000000, 0x7fffffff
    TEST_RR                28, slt, 0x00000000, 0x7fffffff, 0x80000000
    TEST_RR                29, slt, 0x00000001, -2, -1
    TEST_RR                30, slt, 0x00000000, -1, -2
    TEST_RR                31, slt, 0x00000000, 0x80000000, 0x80000000         /* equal */
    TEST_RR                32, slt, 0x00000001, 0x80000000, 0

    /* SLTU: unsigned rs1 < rs2 */
    TEST_RR                33, sltu, 0x00000000, 0, 0
    TEST_RR                34, sltu, 0x00000001, 0, 1
    TEST_RR                35, sltu, 0x00000000, 1, 0
    TEST_RR                36, sltu, 0x00000001, 0, -1                         /* 0 < 0xffffffff unsigned */
    TEST_RR                37, sltu, 0x00000000, -1, 0
    TEST_RR                38, sltu, 0x00000001, 0x7fffffff, 0x80000000
    TEST_RR                39, sltu, 0x00000000, 0x80000000, 0x7fffffff        /* 0x80000000 is large unsigned */
    TEST_RR                40, sltu, 0x00000001, -2, -1
    TEST_RR                41, sltu, 0x00000000, -1, -1                        /* equal */

    /* XOR / OR / AND */
    TEST_RR                42, xor, 0xf0f0f0f0, 0xff00ff00, 0x0ff00ff0
    TEST_RR                43, xor, 0x00000000, 0, 0
    TEST_RR                44, xor, 0xf0f0f0f0, -1, 0x0f0f0f0f
    TEST_RR                45, xor, 0x7fffffff, 0x80000000, -1
    TEST_RR                46, xor, 0x00000000, 0x12345678, 0x12345678         /* x ^ x = 0 */
    TEST_RR                47, or, 0xfff0fff0, 0xff00ff00, 0x0ff00ff0
    TEST_RR                48, or, 0x00000000, 0, 0
    TEST_RR                49, or, 0x80000001, 0x80000000, 1
    TEST_RR                50, or, 0xffffffff, -1, 0
    TEST_RR                51, or, 0xffffffff, 0x0f0f0f0f, 0xf0f0f0f0
    TEST_RR                52, and, 0x0f000f00, 0xff00ff00, 0x0ff00ff0
    TEST_RR                53, and, 0x00000000, 0, -1
    TEST_RR                54, and, 0xffffffff, -1, -1
    TEST_RR                55, and, 0x00000000, 0x80000000, 0x7fffffff
    TEST_RR                56, and, 0x00f000f0, 0xf0f0f0f0, 0x0ff00ff0

    /* rd aliases a source: sources are read before rd is written */
    TEST_RR_DEST_IS_SRC1   57, add, 0x00000018, 13, 11
    TEST_RR_DEST_IS_SRC2   58, sub, 0x00000003, 14, 11
    TEST_RR_DEST_IS_SRC1   59, slt, 0x00000001, -1, 0
    TEST_RR_DEST_IS_SRC2   60, sltu, 0x00000001, 0, -1
    TEST_RR_DEST_IS_SRC1   61, and, 0x0f000f00, 0xff00ff00, 0x0ff00ff0
    TEST_RR_ALL_SAME       62, add, 0x0000001a, 13                             /* x + x */
    TEST_RR_ALL_SAME       63, sub, 0x00000000, 0x80000000                     /* x - x = 0 */
    TEST_RR_ALL_SAME       64, xor, 0x00000000, 0x12345678                     /* x ^ x = 0 */
    TEST_RR_ALL_SAME       65, or, 0x12345678, 0x12345678
    TEST_RR_ALL_SAME       66, slt, 0x00000000, -1                             /* x < x is false */
    TEST_RR_ALL_SAME       67, sltu, 0x00000000, -1

    /* x0 as a source reads 0 */
    TEST_RR_ZERO_SRC1      68, sub, 0xfffffffb, 5                              /* neg: 0 - 5 */
    TEST_RR_ZERO_SRC1      69, sltu, 0x00000001, 5                             /* snez: 0 < 5 unsigned */
    TEST_RR_ZERO_SRC1      70, sltu, 0x00000000, 0
    TEST_RR_ZERO_SRC1      71, slt, 0x00000001, 1                              /* sgtz */
    TEST_RR_ZERO_SRC2      72, slt, 0x00000001, -1                             /* sltz */
    TEST_RR_ZERO_SRC2      73, sltu, 0x00000000, -1                            /* nothing is < 0 unsigned */
    TEST_RR_ZERO_SRC2      74, or, 0x12345678, 0x12345678

    /* x0 as the destination: the result is discarded */
    TEST_RR_ZERO_DEST      75, add, 0x12345678, 0x0fedcba9
    TEST_RR_ZERO_DEST      76, sub, 0x12345678, 0x0fedcba9
    TEST_RR_ZERO_DEST      77, slt, 0x12345678, 0x0fedcba9
    TEST_RR_ZERO_DEST      78, sltu, 0x12345678, -1
    TEST_RR_ZERO_DEST      79, xor, 0x12345678, 0x0fedcba9
    TEST_RR_ZERO_DEST      80, or, 0x12345678, 0x0fedcba9
    TEST_RR_ZERO_DEST      81, and, 0x12345678, 0x0fedcba9

    TEST_END
