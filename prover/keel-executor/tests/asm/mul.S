/* mul.S: multiplication (RV32M)
 *
 * MUL (low word) and MULH / MULHSU / MULHU (high word of signed x signed, signed x unsigned,
 * unsigned x unsigned 64-bit products) with every sign combination, INT_MIN and all-ones operands.
 *
 * Self-checking: exits with the number of the first failing case, or 0 (see README.md).
 * Expected values follow the RISC-V unprivileged spec; computed off-line and cross-checked
 * with qemu-riscv32.
 */
#include "test_macros.h"

    TEST_BEGIN

    /* MUL: low 32 bits of the product (same for signed and unsigned) */
    TEST_RR                1, mul, 0x00000000, 0, 0
    TEST_RR                2, mul, 0x00000001, 1, 1
    TEST_RR                3, mul, 0x00000015, 3, 7
    TEST_RR                4, mul, 0x00000000, 0, -1
    TEST_RR                5, mul, 0x00000001, -1, -1
    TEST_RR                6, mul, 0xffffffff, 1, -1
    TEST_RR                7, mul, 0x80000000, 0x80000000, -1                  /* low word of 2^31 = INT_MIN */
    TEST_RR                8, mul, 0x00000000, 0x80000000, 0x80000000
    TEST_RR                9, mul, 0x00000001, 0x7fffffff, 0x7fffffff
    TEST_RR                10, mul, 0x00000000, 0x00010000, 0x00010000         /* 2^32: low word 0 */
    TEST_RR                11, mul, 0x0000ff7f, 0xaaaaaaab, 0x0002fe7d
    TEST_RR                12, mul, 0xffffffeb, -7, 3

    /* MULH: high 32 bits of signed x signed */
    TEST_RR                13, mulh, 0x00000000, 0, 0
    TEST_RR                14, mulh, 0x00000000, 1, 1
    TEST_RR                15, mulh, 0x00000000, -1, -1                        /* (-1)(-1) = 1: high 0 */
    TEST_RR                16, mulh, 0xffffffff, -1, 1                         /* -1: high all ones */
    TEST_RR                17, mulh, 0xffffffff, 1, -1
    TEST_RR                18, mulh, 0x40000000, 0x80000000, 0x80000000        /* 2^62 */
    TEST_RR                19, mulh, 0x00000000, 0x80000000, -1                /* 2^31: high 0 */
    TEST_RR                20, mulh, 0xffffffff, 0x80000000, 1
    TEST_RR                21, mulh, 0x3fffffff, 0x7fffffff, 0x7fffffff
    TEST_RR                22, mulh, 0xc0000000, 0x80000000, 0x7fffffff
    TEST_RR                23, mulh, 0xffffffff, 0x7fffffff, -1
    TEST_RR                24, mulh, 0xffff0081, 0xaaaaaaab, 0x0002fe7d
    TEST_RR                25, mulh, 0xffff0081, 0x0002fe7d, 0xaaaaaaab
    TEST_RR                26, mulh, 0x00000001, 0x00010000, 0x00010000

    /* MULHSU: high 32 bits of signed rs1 x unsigned rs2 */
    TEST_RR                27, mulhsu, 0x00000000, 0, 0
    TEST_RR                28, mulhsu, 0x00000000, 1, 1
    TEST_RR                29, mulhsu, 0xffffffff, -1, 1                       /* -1 * 1 */
    TEST_RR                30, mulhsu, 0x00000000, 1, -1                       /* 1 * 0xffffffff: high 0 */
    TEST_RR                31, mulhsu, 0xffffffff, -1, -1                      /* -1 * 0xffffffff */
    TEST_RR                32, mulhsu, 0x80000000, 0x80000000, -1              /* INT_MIN * 0xffffffff */
    TEST_RR                33, mulhsu, 0x7ffffffe, 0x7fffffff, -1
    TEST_RR                34, mulhsu, 0xffffffff, -2, 0x80000000              /* -2 * 2^31 = -2^32 */
    TEST_RR                35, mulhsu, 0x00000000, -1, 0                       /* -1 * 0 = 0 */
    TEST_RR                36, mulhsu, 0xc0000000, 0x80000000, 0x80000000      /* INT_MIN * 2^31 */
    TEST_RR                37, mulhsu, 0xffff0081, 0xaaaaaaab, 0x0002fe7d
    TEST_RR                38, mulhsu, 0x0001fefe, 0x0002fe7d, 0xaaaaaaab

    /* MULHU: high 32 bits of unsigned x unsigned */
    TEST_RR                39, mulhu, 0x00000000, 0, 0
    TEST_RR                40, mulhu, 0x00000000, 1, 1
    TEST_RR                41, mulhu, 0xfffffffe, -1, -1                       /* 0xffffffff^2: high 0xfffffffe */
    TEST_RR                42, mulhu, 0x00000000, -1, 1
    TEST_RR                43, mulhu, 0x00000001, -1, 2
    TEST_RR                44, mulhu, 0x40000000, 0x80000000, 0x80000000
    TEST_RR                45, mulhu, 0x7fffffff, 0x80000000, -1
    TEST_RR                46, mulhu, 0x3fffffff, 0x7fffffff, 0x7fffffff
    TEST_RR                47, mulhu, 0x0001fefe, 0xaaaaaaab, 0x0002fe7d
    TEST_RR                48, mulhu, 0x0001fefe, 0x0002fe7d, 0xaaaaaaab
    TEST_RR                49, mulhu, 0x00000001, 0x00010000, 0x00010000

    /* register aliasing and x0 */
    TEST_RR_DEST_IS_SRC1   50, mulh, 0xfffffffe, 0x80000000, 3
    TEST_RR_DEST_IS_SRC2   51, mulhu, 0x00000002, -1, 3
    TEST_RR_DEST_IS_SRC2   52, mulhsu, 0xffffffff, -5, 7
    TEST_RR_ALL_SAME       53, mul, 0x00000031, -7
    TEST_RR_ALL_SAME       54, mulh, 0x40000000, 0x80000000
    TEST_RR_ALL_SAME       55, mulhsu, 0xffffffff, -1                          /* rs1 read signed, rs2 unsigned */
    TEST_RR_ALL_SAME       56, mulhu, 0xfffffffe, -1
    TEST_RR_ZERO_SRC1      57, mulh, 0x00000000, -1
    TEST_RR_ZERO_SRC1      58, mulhsu, 0x00000000, -1
    TEST_RR_ZERO_SRC2      59, mulhu, 0x00000000, -1

    /* x0 as the destination: the result is discarded */
    TEST_RR_ZERO_DEST      60, mul, -3, 0x7fffffff
    TEST_RR_ZERO_DEST      61, mulh, -3, 0x7fffffff
    TEST_RR_ZERO_DEST      62, mulhsu, -3, 0x7fffffff
    TEST_RR_ZERO_DEST      63, mulhu, -3, 0x7fffffff

    TEST_END
