/* jumps.S: JAL and JALR (RV32I)
 *
 * Both write the link pc + 4 to rd (discarded when rd = x0). JAL jumps pc-relative (+-1 MiB);
 * JALR jumps to (rs1 + imm) with bit 0 cleared, reading rs1 before writing rd (rd may equal rs1).
 * Expected link values are built with LA_ABS (LUI + ADDI), not with AUIPC or JAL.
 * Every jump skips a `j fail`, so a jump not taken fails the case.
 *
 * Self-checking: exits with the number of the first failing case, or 0 (see README.md).
 */
#include "test_macros.h"

/* jalr rd, imm(rs1) with rs1 = target + adjust, where adjust + imm is 0 or 1 (bit 0 is cleared).
 * Checks that the jump lands on the target and that rd holds the link. rd, rs1 != a5. */
.macro TEST_JALR n, rd, rs1, adjust, imm
    CASE \n
    LA_ABS \rs1, .Ljalr_target_\@ + (\adjust)
    jalr \rd, \imm(\rs1)
.Ljalr_link_\@:
    j fail
.Ljalr_target_\@:
    LA_ABS a5, .Ljalr_link_\@
    CHECK_REG \rd, a5
.endm

    TEST_BEGIN

    /* JAL */
    CASE 1                      /* forwards, link in ra */
    jal ra, .Ljal_1_target
.Ljal_1_link:
    j fail
.Ljal_1_target:
    LA_ABS a5, .Ljal_1_link
    CHECK_REG ra, a5

    CASE 2                      /* link in another register (t1, the alternate link register) */
    jal t1, .Ljal_2_target
.Ljal_2_link:
    j fail
.Ljal_2_target:
    LA_ABS a5, .Ljal_2_link
    CHECK_REG t1, a5

    CASE 3                      /* to the next instruction: the link is the target itself */
    jal a4, .Ljal_3_next
.Ljal_3_next:
    LA_ABS a5, .Ljal_3_next
    CHECK_REG a4, a5

    CASE 4                      /* backwards */
    j .Ljal_4_call
.Ljal_4_target:
    j .Ljal_4_check
.Ljal_4_call:
    jal t2, .Ljal_4_target
.Ljal_4_link:
    j fail
.Ljal_4_check:
    LA_ABS a5, .Ljal_4_link
    CHECK_REG t2, a5

    CASE 5                      /* rd = x0 (`j`): jumps, writes nothing */
    li ra, 0x5a5a5a5a
    jal x0, .Ljal_5_target
    j fail
.Ljal_5_target:
    CHECK x0, 0
    CHECK ra, 0x5a5a5a5a

    CASE 6                      /* forwards over 12 KiB: offset bits above 11 */
    jal ra, .Ljal_far_forward
.Ljal_6_link:
    j fail
.Ljal_far_backward:
    j .Ljal_7_check
    .fill 3072, 4, 0x00000013   /* 12 KiB of nops, never executed */
.Ljal_far_forward:
    LA_ABS a5, .Ljal_6_link
    CHECK_REG ra, a5

    CASE 7                      /* backwards over 12 KiB */
    jal a4, .Ljal_far_backward
.Ljal_7_link:
    j fail
.Ljal_7_check:
    LA_ABS a5, .Ljal_7_link
    CHECK_REG a4, a5

    /* JALR: target = (rs1 + imm) & ~1 */
    TEST_JALR 8, ra, t0, 0, 0               /* plain */
    TEST_JALR 9, ra, t0, -8, 8              /* positive offset */
    TEST_JALR 10, t1, t0, 16, -16           /* negative offset */
    TEST_JALR 11, ra, t0, 1, 0              /* odd rs1: bit 0 cleared */
    TEST_JALR 12, ra, t0, -3, 4             /* odd sum: (target - 3 + 4) & ~1 = target */
    TEST_JALR 13, a4, t0, -2047, 2047       /* largest immediate */
    TEST_JALR 14, a4, t0, 2048, -2048       /* smallest immediate */
    TEST_JALR 15, t0, t0, 0, 0              /* rd == rs1: rs1 is read before the link is written */
    TEST_JALR 16, ra, ra, 1, 0              /* rd == rs1 == ra, odd */

    CASE 17                     /* rd = x0 (`jr`): jumps, writes nothing */
    li ra, 0x5a5a5a5a
    LA_ABS t0, .Ljalr_17_target
    jalr x0, 0(t0)
    j fail
.Ljalr_17_target:
    CHECK x0, 0
    CHECK ra, 0x5a5a5a5a

    CASE 18                     /* JALR backwards */
    j .Ljalr_18_call
.Ljalr_18_target:
    j .Ljalr_18_check
.Ljalr_18_call:
    LA_ABS t0, .Ljalr_18_target
    jalr t2, 0(t0)
.Ljalr_18_link:
    j fail
.Ljalr_18_check:
    LA_ABS a5, .Ljalr_18_link
    CHECK_REG t2, a5

    /* Calls and returns */
    CASE 19                     /* jal + ret */
    li a4, 41
    jal ra, add_one
    CHECK a4, 42

    CASE 20                     /* `call` with relaxation off = AUIPC ra + JALR ra, then ret */
    li a4, 1
    call add_one
    CHECK a4, 2

    CASE 21                     /* nested: the callee calls another function, linking through t0 */
    li a4, 10
    jal ra, add_two_nested
    CHECK a4, 12

    CASE 22                     /* a call whose return address was computed by JALR's link */
    LA_ABS t0, add_one
    li a4, 7
    jalr ra, 0(t0)
    CHECK a4, 8

    TEST_END

/* a4 += 1, return through ra */
add_one:
    addi a4, a4, 1
    ret

/* a4 += 2: calls add_one_t0 (which returns through t0), keeping ra */
add_two_nested:
    jal t0, add_one_t0
    jal t0, add_one_t0
    jalr x0, 0(ra)

add_one_t0:
    addi a4, a4, 1
    jr t0
