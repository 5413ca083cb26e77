/* alu_imm.S: register-immediate ALU instructions (RV32I)
 *
 * ADDI SLTI SLTIU XORI ORI ANDI. The 12-bit immediate is sign-extended (-2048..2047); SLTIU
 * sign-extends it and then compares unsigned, so `sltiu rd, rs, -1` is true unless rs = 0xffffffff.
 *
 * Self-checking: exits with the number of the first failing case, or 0 (see README.md).
 * Expected values follow the RISC-V unprivileged spec; computed off-line and cross-checked
 * with qemu-riscv32.
 */
#include "test_macros.h"

    TEST_BEGIN

    /* ADDI: 12-bit immediate, sign-extended */
    TEST_RI                1, addi, 0x00000000, 0, 0
    TEST_RI                2, addi, 0x00000002, 1, 1
    TEST_RI                3, addi, 0x0000000a, 3, 7
    TEST_RI                4, addi, 0xffffffff, 0, -1
    TEST_RI                5, addi, 0x000007ff, 0, 2047                        /* largest immediate */
    TEST_RI                6, addi, 0xfffff800, 0, -2048                       /* smallest immediate: 0xfffff800 */
    TEST_RI                7, addi, 0x80000000, 0x7fffffff, 1                  /* wraps to INT_MIN */
    TEST_RI                8, addi, 0x7fffffff, 0x80000000, -1                 /* wraps to INT_MAX */
    TEST_RI                9, addi, 0x00000000, -1, 1
    TEST_RI                10, addi, 0x800007fe, 0x7fffffff, 2047
    TEST_RI                11, addi, 0x7ffff800, 0x80000000, -2048
    TEST_RI                12, addi, 0xfffff805, 5, -2048

    /* SLTI: signed compare with the sign-extended immediate */
    TEST_RI                13, slti, 0x00000000, 0, 0
    TEST_RI                14, slti, 0x00000001, 0, 1
    TEST_RI                15, slti, 0x00000000, 1, 0
    TEST_RI                16, slti, 0x00000001, -1, 0
    TEST_RI                17, slti, 0x00000000, 0, -1
    TEST_RI                18, slti, 0x00000001, 0x80000000, 2047
    TEST_RI                19, slti, 0x00000000, 0x7fffffff, -2048
    TEST_RI                20, slti, 0x00000001, -2049, -2048
    TEST_RI                21, slti, 0x00000000, -2048, -2048                  /* equal */
    TEST_RI                22, slti, 0x00000000, 0x7fffffff, 0
    TEST_RI                23, slti, 0x00000000, -1, -1

    /* SLTIU: the immediate is sign-extended, then compared unsigned */
    TEST_RI                24, sltiu, 0x00000000, 0, 0
    TEST_RI                25, sltiu, 0x00000001, 0, 1                         /* seqz */
    TEST_RI                26, sltiu, 0x00000000, 1, 1
    TEST_RI                27, sltiu, 0x00000000, 5, 1
    TEST_RI                28, sltiu, 0x00000001, 0, -1                        /* imm -1 compares as 0xffffffff */
    TEST_RI                29, sltiu, 0x00000001, -2, -1
    TEST_RI                30, sltiu, 0x00000000, -1, -1                       /* equal */
    TEST_RI                31, sltiu, 0x00000001, 0x80000000, -2048            /* imm -2048 compares as 0xfffff800 */
    TEST_RI                32, sltiu, 0x00000000, -2048, -2048
    TEST_RI                33, sltiu, 0x00000001, -2049, -2048
    TEST_RI                34, sltiu, 0x00000000, 0x7fffffff, 2047

    /* XORI / ORI / ANDI: the immediate is sign-extended to 32 bits */
    TEST_RI                35, xori, 0x00ff07f0, 0x00ff00ff, 1807
    TEST_RI                36, xori, 0xff00ff00, 0x00ff00ff, -1                /* not */
    TEST_RI                37, xori, 0xf0f0f70f, 0x0f0f0f0f, -2048
    TEST_RI                38, xori, 0x00000000, 0, 0
    TEST_RI                39, xori, 0x12345678, 0x12345678, 0
    TEST_RI                40, ori, 0xff00fff0, 0xff00ff00, 240
    TEST_RI                41, ori, 0xffffffff, 0, -1
    TEST_RI                42, ori, 0xfffff8ff, 0x00ff00ff, -2048
    TEST_RI                43, ori, 0x80000001, 0x80000000, 1
    TEST_RI                44, ori, 0x12345678, 0x12345678, 0
    TEST_RI                45, andi, 0x00000700, 0xff00ff00, 1807
    TEST_RI                46, andi, 0xff00ff00, 0xff00ff00, -1
    TEST_RI                47, andi, 0xfffff800, -1, -2048
    TEST_RI                48, andi, 0x00000000, 0x12345678, 0
    TEST_RI                49, andi, 0x00000678, 0x12345678, 2047

    /* rd == rs1, x0 as the source */
    TEST_RI_DEST_IS_SRC1   50, addi, 0x00000018, 13, 11
    TEST_RI_DEST_IS_SRC1   51, sltiu, 0x00000001, 0, 1
    TEST_RI_DEST_IS_SRC1   52, andi, 0x00000700, 0xff00ff00, 1807
    TEST_RI_ZERO_SRC1      53, addi, 0xfffff800, -2048                         /* li */
    TEST_RI_ZERO_SRC1      54, ori, 0x000007ff, 2047
    TEST_RI_ZERO_SRC1      55, sltiu, 0x00000001, 1
    TEST_RI_ZERO_SRC1      56, slti, 0x00000000, -1

    /* x0 as the destination: the result is discarded */
    TEST_RI_ZERO_DEST      57, addi, 0x12345678, 5
    TEST_RI_ZERO_DEST      58, slti, 0x12345678, -1
    TEST_RI_ZERO_DEST      59, sltiu, 0x12345678, -1
    TEST_RI_ZERO_DEST      60, xori, 0x12345678, -1
    TEST_RI_ZERO_DEST      61, ori, 0x12345678, -1
    TEST_RI_ZERO_DEST      62, andi, 0x12345678, -1

    TEST_END
