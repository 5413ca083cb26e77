/* shifts.S: shifts (RV32I)
 *
 * SLL SRL SRA (amount = low 5 bits of rs2, so 32 shifts by 0 and -1 by 31) and SLLI SRLI SRAI
 * (5-bit shamt). Logical shifts zero-fill, SRA/SRAI copy the sign bit.
 *
 * Self-checking: exits with the number of the first failing case, or 0 (see README.md).
 * Expected values follow the RISC-V unprivileged spec; computed off-line and cross-checked
 * with qemu-riscv32.
 */
#include "test_macros.h"

    TEST_BEGIN

    /* SLL: only the low 5 bits of rs2 count */
    TEST_RR                1, sll, 0x00000001, 1, 0
    TEST_RR                2, sll, 0x00000002, 1, 1
    TEST_RR                3, sll, 0x00000080, 1, 7
    TEST_RR                4, sll, 0x00004000, 1, 14
    TEST_RR                5, sll, 0x80000000, 1, 31
    TEST_RR                6, sll, 0xffffffff, -1, 0
    TEST_RR                7, sll, 0xfffffffe, -1, 1
    TEST_RR                8, sll, 0x80000000, -1, 31
    TEST_RR                9, sll, 0x21212121, 0x21212121, 0
    TEST_RR                10, sll, 0x42424242, 0x21212121, 1
    TEST_RR                11, sll, 0x80000000, 0x21212121, 31
    TEST_RR                12, sll, 0x21212121, 0x21212121, 32                 /* 32 -> shift by 0 */
    TEST_RR                13, sll, 0x42424242, 0x21212121, 33                 /* 33 -> shift by 1 */
    TEST_RR                14, sll, 0x21212121, 0x21212121, -32                /* low 5 bits 0 */
    TEST_RR                15, sll, 0x80000000, 1, -1                          /* -1 -> shift by 31 */
    TEST_RR                16, sll, 0x80000000, 1, 0x7fffffff

    /* SRL: logical, zero-fills */
    TEST_RR                17, srl, 0x80000000, 0x80000000, 0
    TEST_RR                18, srl, 0x40000000, 0x80000000, 1
    TEST_RR                19, srl, 0x00000001, 0x80000000, 31
    TEST_RR                20, srl, 0x7fffffff, -1, 1
    TEST_RR                21, srl, 0x00000001, -1, 31
    TEST_RR                22, srl, 0x00424242, 0x21212121, 7
    TEST_RR                23, srl, 0x21212121, 0x21212121, 32                 /* 32 -> shift by 0 */
    TEST_RR                24, srl, 0x40000000, 0x80000000, 33                 /* 33 -> shift by 1 */
    TEST_RR                25, srl, 0x00000001, 0x80000000, -1                 /* -1 -> shift by 31 */
    TEST_RR                26, srl, 0x00000001, 0x80000000, 63

    /* SRA: arithmetic, copies the sign bit */
    TEST_RR                27, sra, 0x80000000, 0x80000000, 0
    TEST_RR                28, sra, 0xc0000000, 0x80000000, 1
    TEST_RR                29, sra, 0xffffffff, 0x80000000, 31                 /* INT_MIN >> 31 = -1 */
    TEST_RR                30, sra, 0x3fffffff, 0x7fffffff, 1
    TEST_RR                31, sra, 0x00000000, 0x7fffffff, 31
    TEST_RR                32, sra, 0xffffffff, -1, 31
    TEST_RR                33, sra, 0xff030303, 0x81818181, 7
    TEST_RR                34, sra, 0x81818181, 0x81818181, 32                 /* 32 -> shift by 0 */
    TEST_RR                35, sra, 0xffffffff, 0x81818181, -1                 /* -1 -> shift by 31 */
    TEST_RR                36, sra, 0xc0c0c0c0, 0x81818181, 33
    TEST_RR                37, sra, 0x00000001, 0x40000000, 30
    TEST_RR                38, sra, 0x00000000, 0x7fffffff, 63                 /* 63 -> shift by 31 */

    /* SLLI / SRLI / SRAI: 5-bit shamt */
    TEST_RI                39, slli, 0x00000001, 1, 0
    TEST_RI                40, slli, 0x00000002, 1, 1
    TEST_RI                41, slli, 0x80000000, 1, 31
    TEST_RI                42, slli, 0x80000000, -1, 31
    TEST_RI                43, slli, 0x90909080, 0x21212121, 7
    TEST_RI                44, slli, 0x21212121, 0x21212121, 0
    TEST_RI                45, slli, 0x12100000, 0x21212121, 20
    TEST_RI                46, srli, 0x80000000, 0x80000000, 0
    TEST_RI                47, srli, 0x40000000, 0x80000000, 1
    TEST_RI                48, srli, 0x00000001, 0x80000000, 31
    TEST_RI                49, srli, 0x7fffffff, -1, 1
    TEST_RI                50, srli, 0x00000001, -1, 31
    TEST_RI                51, srli, 0x00424242, 0x21212121, 7
    TEST_RI                52, srai, 0x80000000, 0x80000000, 0
    TEST_RI                53, srai, 0xc0000000, 0x80000000, 1
    TEST_RI                54, srai, 0xffffffff, 0x80000000, 31
    TEST_RI                55, srai, 0x00000000, 0x7fffffff, 31
    TEST_RI                56, srai, 0xffffffff, -1, 1
    TEST_RI                57, srai, 0xff030303, 0x81818181, 7
    TEST_RI                58, srai, 0xffffffff, 0x81818181, 31

    /* register aliasing and x0 */
    TEST_RR_DEST_IS_SRC1   59, sll, 0x00000080, 1, 7
    TEST_RR_DEST_IS_SRC2   60, srl, 0x40000000, 0x80000000, 1                  /* rd is the shift-amount register */
    TEST_RR_DEST_IS_SRC2   61, sra, 0xf8000000, 0x80000007, 4
    TEST_RR_ALL_SAME       62, sll, 0x00000380, 7                              /* 7 << 7 */
    TEST_RR_ALL_SAME       63, sra, 0xff000000, 0x80000007                     /* shift by 7 */
    TEST_RR_ALL_SAME       64, srl, 0x40000010, 0x80000021                     /* shift by 1 */
    TEST_RR_ZERO_SRC1      65, sll, 0x00000000, 5
    TEST_RR_ZERO_SRC2      66, srl, 0x80000000, 0x80000000                     /* shift by x0 = 0 */
    TEST_RR_ZERO_SRC2      67, sra, 0x80000000, 0x80000000
    TEST_RI_DEST_IS_SRC1   68, slli, 0x00000030, 3, 4
    TEST_RI_DEST_IS_SRC1   69, srai, 0xff000000, 0xf0000000, 4
    TEST_RI_ZERO_SRC1      70, srli, 0x00000000, 3

    /* x0 as the destination: the result is discarded */
    TEST_RR_ZERO_DEST      71, sll, 0x81818181, 3
    TEST_RR_ZERO_DEST      72, srl, 0x81818181, 3
    TEST_RR_ZERO_DEST      73, sra, 0x81818181, 3
    TEST_RI_ZERO_DEST      74, slli, 0x81818181, 3
    TEST_RI_ZERO_DEST      75, srli, 0x81818181, 3
    TEST_RI_ZERO_DEST      76, srai, 0x81818181, 3

    TEST_END
