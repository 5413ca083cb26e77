/* lui_auipc.S: LUI and AUIPC (RV32I)
 *
 * LUI puts imm20 << 12 in rd and clears the low 12 bits. AUIPC adds imm20 << 12 to the address of
 * the AUIPC instruction itself (not pc + 4), wrapping modulo 2^32. Expected addresses are built
 * with LA_ABS (LUI + ADDI of the link-time address), so they do not depend on AUIPC.
 *
 * Self-checking: exits with the number of the first failing case, or 0 (see README.md).
 */
#include "test_macros.h"

    TEST_BEGIN

    /* LUI */
    CASE 1
    lui a4, 0
    CHECK a4, 0
    CASE 2
    lui a4, 1
    CHECK a4, 0x00001000
    CASE 3
    lui a4, 0xfffff             /* all ones in the upper 20 bits */
    CHECK a4, 0xfffff000
    CASE 4
    lui a4, 0x80000             /* INT_MIN */
    CHECK a4, 0x80000000
    CASE 5
    lui a4, 0x7ffff
    CHECK a4, 0x7ffff000
    CASE 6
    lui a4, 0x12345
    CHECK a4, 0x12345000
    CASE 7                      /* the low 12 bits of rd are cleared, not kept */
    li a4, -1
    lui a4, 0x12345
    CHECK a4, 0x12345000
    CASE 8                      /* LUI + ADDI with a negative low part (how `li 0x12345fff` works) */
    lui a4, 0x12346
    addi a4, a4, -1
    CHECK a4, 0x12345fff
    CASE 9                      /* LUI to x0 is discarded */
    lui x0, 0x12345
    CHECK x0, 0

    /* AUIPC: rd = address of this instruction + (imm20 << 12) */
    CASE 10
.Lauipc_0:
    auipc a4, 0
    LA_ABS a5, .Lauipc_0
    CHECK_REG a4, a5
    CASE 11
.Lauipc_1:
    auipc a4, 1
    LA_ABS a5, .Lauipc_1
    li a6, 0x1000
    add a5, a5, a6
    CHECK_REG a4, a5
    CASE 12
.Lauipc_minus_1:
    auipc a4, 0xfffff           /* -0x1000 */
    LA_ABS a5, .Lauipc_minus_1
    li a6, -0x1000
    add a5, a5, a6
    CHECK_REG a4, a5
    CASE 13
.Lauipc_int_min:
    auipc a4, 0x80000           /* + 0x80000000 */
    LA_ABS a5, .Lauipc_int_min
    li a6, 0x80000000
    add a5, a5, a6
    CHECK_REG a4, a5
    CASE 14
.Lauipc_max:
    auipc a4, 0x7ffff
    LA_ABS a5, .Lauipc_max
    li a6, 0x7ffff000
    add a5, a5, a6
    CHECK_REG a4, a5
    CASE 15                     /* consecutive AUIPCs see consecutive pcs */
    auipc a4, 0
    auipc a5, 0
    sub a5, a5, a4
    CHECK a5, 4
    CASE 16                     /* AUIPC + ADDI (%pcrel_hi / %pcrel_lo): the `la` idiom */
.Lauipc_la:
    auipc a4, %pcrel_hi(.Lauipc_target)
    addi a4, a4, %pcrel_lo(.Lauipc_la)
    LA_ABS a5, .Lauipc_target
    CHECK_REG a4, a5
    CASE 17                     /* rd == x0 is discarded */
    auipc x0, 1
    CHECK x0, 0
    CASE 18                     /* the absolute address is what the linker says: text starts at 0x10000 */
    LA_ABS a4, _start
    CHECK a4, 0x10000
.Lauipc_target:
    CASE 19                     /* AUIPC that is a jump target still uses its own address */
    j .Lauipc_jumped
    j fail
.Lauipc_jumped:
    auipc a4, 0
    LA_ABS a5, .Lauipc_jumped
    CHECK_REG a4, a5

    TEST_END
