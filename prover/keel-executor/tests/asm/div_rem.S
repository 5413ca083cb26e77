/* div_rem.S: division and remainder (RV32M)
 *
 * DIV DIVU REM REMU. Division rounds towards zero and the remainder has the dividend's sign.
 * No traps: x / 0 = all ones (-1 / 0xffffffff), x % 0 = x, and signed overflow INT_MIN / -1 = INT_MIN
 * with remainder 0.
 *
 * Self-checking: exits with the number of the first failing case, or 0 (see README.md).
 * Expected values follow the RISC-V unprivileged spec; computed off-line and cross-checked
 * with qemu-riscv32.
 */
#include "test_macros.h"

    TEST_BEGIN

    /* DIV: signed, rounds towards zero; x / 0 = -1; INT_MIN / -1 = INT_MIN (overflow, no trap) */
    TEST_RR                1, div, 0x00000003, 20, 6
    TEST_RR                2, div, 0xfffffffd, -20, 6                          /* rounds towards zero */
    TEST_RR                3, div, 0xfffffffd, 20, -6
    TEST_RR                4, div, 0x00000003, -20, -6
    TEST_RR                5, div, 0x00000000, 0, 1
    TEST_RR                6, div, 0xffffffff, 1, 0                            /* by zero: all ones */
    TEST_RR                7, div, 0xffffffff, 0, 0                            /* 0 / 0 = -1 */
    TEST_RR                8, div, 0xffffffff, -1, 0
    TEST_RR                9, div, 0xffffffff, 0x80000000, 0
    TEST_RR                10, div, 0x80000000, 0x80000000, -1                 /* overflow: INT_MIN */
    TEST_RR                11, div, 0x80000000, 0x80000000, 1
    TEST_RR                12, div, 0xc0000000, 0x80000000, 2
    TEST_RR                13, div, 0x80000001, 0x7fffffff, -1
    TEST_RR                14, div, 0x00000000, -1, 2                          /* -1/2 = 0 */
    TEST_RR                15, div, 0x00000000, 1, -2
    TEST_RR                16, div, 0x00000000, 5, 7
    TEST_RR                17, div, 0x00000000, 0x7fffffff, 0x80000000
    TEST_RR                18, div, 0x00000001, 0x80000000, 0x80000000

    /* DIVU: unsigned; x / 0 = 0xffffffff */
    TEST_RR                19, divu, 0x00000003, 20, 6
    TEST_RR                20, divu, 0x2aaaaaa7, -20, 6
    TEST_RR                21, divu, 0x00000000, 20, -6
    TEST_RR                22, divu, 0xffffffff, -1, 1
    TEST_RR                23, divu, 0x00000001, -1, -1
    TEST_RR                24, divu, 0x00000000, -2, -1
    TEST_RR                25, divu, 0xffffffff, 1, 0                          /* by zero: all ones */
    TEST_RR                26, divu, 0xffffffff, 0, 0
    TEST_RR                27, divu, 0xffffffff, 0x80000000, 0
    TEST_RR                28, divu, 0x00000000, 0x80000000, -1                /* no overflow case for unsigned */
    TEST_RR                29, divu, 0x40000000, 0x80000000, 2
    TEST_RR                30, divu, 0x00000000, 5, 7

    /* REM: sign of the dividend; x % 0 = x; INT_MIN % -1 = 0 */
    TEST_RR                31, rem, 0x00000002, 20, 6
    TEST_RR                32, rem, 0xfffffffe, -20, 6                         /* sign follows the dividend */
    TEST_RR                33, rem, 0x00000002, 20, -6
    TEST_RR                34, rem, 0xfffffffe, -20, -6
    TEST_RR                35, rem, 0x00000001, 1, 0                           /* by zero: dividend */
    TEST_RR                36, rem, 0x00000000, 0, 0
    TEST_RR                37, rem, 0xffffffff, -1, 0
    TEST_RR                38, rem, 0x80000000, 0x80000000, 0
    TEST_RR                39, rem, 0x00000000, 0x80000000, -1                 /* overflow: 0 */
    TEST_RR                40, rem, 0x00000000, 0x80000000, 1
    TEST_RR                41, rem, 0xfffffffe, 0x80000000, 3
    TEST_RR                42, rem, 0x00000000, 0x7fffffff, -1
    TEST_RR                43, rem, 0xffffffff, -1, 2
    TEST_RR                44, rem, 0x00000005, 5, 7
    TEST_RR                45, rem, 0xfffffffb, -5, 7
    TEST_RR                46, rem, 0xffffffff, 0x80000000, 0x7fffffff

    /* REMU: unsigned; x % 0 = x */
    TEST_RR                47, remu, 0x00000002, 20, 6
    TEST_RR                48, remu, 0x00000002, -20, 6
    TEST_RR                49, remu, 0x00000014, 20, -6
    TEST_RR                50, remu, 0x00000001, 1, 0                          /* by zero: dividend */
    TEST_RR                51, remu, 0x00000000, 0, 0
    TEST_RR                52, remu, 0xffffffff, -1, 0
    TEST_RR                53, remu, 0x80000000, 0x80000000, 0
    TEST_RR                54, remu, 0x80000000, 0x80000000, -1
    TEST_RR                55, remu, 0x00000000, -1, -1
    TEST_RR                56, remu, 0xfffffffe, -2, -1
    TEST_RR                57, remu, 0x00000005, 5, 7

    /* register aliasing and x0 */
    TEST_RR_DEST_IS_SRC1   58, div, 0xfffffffd, -20, 6
    TEST_RR_DEST_IS_SRC2   59, rem, 0xfffffffe, -20, 6
    TEST_RR_DEST_IS_SRC2   60, divu, 0xffffffff, 20, 0                         /* by zero, rd is the divisor register */
    TEST_RR_ALL_SAME       61, div, 0x00000001, -7
    TEST_RR_ALL_SAME       62, rem, 0x00000000, -7
    TEST_RR_ALL_SAME       63, divu, 0xffffffff, 0                             /* 0 / 0 */
    TEST_RR_ALL_SAME       64, remu, 0x00000000, 0                             /* 0 % 0 */
    TEST_RR_ZERO_SRC1      65, div, 0x00000000, 5
    TEST_RR_ZERO_SRC2      66, div, 0xffffffff, 0x12345678                     /* divisor x0 */
    TEST_RR_ZERO_SRC2      67, rem, 0xedcba988, 0xedcba988
    TEST_RR_ZERO_SRC2      68, divu, 0xffffffff, 0x12345678
    TEST_RR_ZERO_SRC2      69, remu, 0xedcba988, 0xedcba988

    /* x0 as the destination: the result is discarded (also when dividing by zero) */
    TEST_RR_ZERO_DEST      70, div, -20, 6
    TEST_RR_ZERO_DEST      71, divu, -20, 6
    TEST_RR_ZERO_DEST      72, rem, -20, 6
    TEST_RR_ZERO_DEST      73, remu, -20, 6
    TEST_RR_ZERO_DEST      74, div, 1, 0
    TEST_RR_ZERO_DEST      75, remu, 1, 0

    TEST_END
