/* loads_stores.S: loads and stores (RV32I)
 *
 * LB / LH sign-extend, LBU / LHU zero-extend, LW loads a word; SB / SH write only the low 8 / 16
 * bits of rs2 into their byte / half-word of memory (little-endian) and leave the rest of the word
 * alone. Offsets are 12-bit signed (-2048..2047). Every access is naturally aligned.
 * Data: `load_data` (read-only use) and `store_data` in .data, `bss_buffer` in .bss (zero-filled).
 *
 * Self-checking: exits with the number of the first failing case, or 0 (see README.md).
 */
#include "test_macros.h"

    TEST_BEGIN

    /* LB: sign-extends the byte */
    TEST_LD 1, lb, 0x00000001, 0, load_data
    TEST_LD 2, lb, 0x0000007f, 1, load_data
    TEST_LD 3, lb, 0xffffffff, 2, load_data          /* 0xff */
    TEST_LD 4, lb, 0xffffff80, 3, load_data          /* 0x80 */
    TEST_LD 5, lb, 0xffffffef, 8, load_data
    TEST_LD 6, lb, 0xffffffde, 11, load_data
    TEST_LD 7, lb, 0x00000078, 20, load_data
    TEST_LD 8, lb, 0x00000012, 23, load_data

    /* LBU: zero-extends the byte */
    TEST_LD 9, lbu, 0x00000001, 0, load_data
    TEST_LD 10, lbu, 0x0000007f, 1, load_data
    TEST_LD 11, lbu, 0x000000ff, 2, load_data
    TEST_LD 12, lbu, 0x00000080, 3, load_data
    TEST_LD 13, lbu, 0x000000ef, 8, load_data
    TEST_LD 14, lbu, 0x000000de, 11, load_data

    /* LH: sign-extends the half-word */
    TEST_LD 15, lh, 0x00007f01, 0, load_data
    TEST_LD 16, lh, 0xffff80ff, 2, load_data
    TEST_LD 17, lh, 0xffff8000, 4, load_data          /* 0x8000 */
    TEST_LD 18, lh, 0x00007fff, 6, load_data          /* 0x7fff */
    TEST_LD 19, lh, 0xffffbeef, 8, load_data
    TEST_LD 20, lh, 0xffffdead, 10, load_data
    TEST_LD 21, lh, 0xffffffff, 16, load_data

    /* LHU: zero-extends the half-word */
    TEST_LD 22, lhu, 0x00007f01, 0, load_data
    TEST_LD 23, lhu, 0x000080ff, 2, load_data
    TEST_LD 24, lhu, 0x00008000, 4, load_data
    TEST_LD 25, lhu, 0x00007fff, 6, load_data
    TEST_LD 26, lhu, 0x0000dead, 10, load_data
    TEST_LD 27, lhu, 0x0000ffff, 16, load_data

    /* LW */
    TEST_LD 28, lw, 0x80ff7f01, 0, load_data
    TEST_LD 29, lw, 0x7fff8000, 4, load_data
    TEST_LD 30, lw, 0xdeadbeef, 8, load_data
    TEST_LD 31, lw, 0x00000000, 12, load_data
    TEST_LD 32, lw, 0xffffffff, 16, load_data
    TEST_LD 33, lw, 0x12345678, 20, load_data

    /* negative offsets (base = end of load_data) */
    TEST_LD 34, lw, 0x12345678, -4, load_data_end
    TEST_LD 35, lh, 0x00001234, -2, load_data_end
    TEST_LD 36, lhu, 0x0000ffff, -8, load_data_end
    TEST_LD 37, lb, 0x00000012, -1, load_data_end
    TEST_LD 38, lb, 0xffffffff, -5, load_data_end
    TEST_LD 39, lbu, 0x000000ff, -5, load_data_end

    /* the largest and smallest offsets */
    TEST_LD 40, lw, 0x80ff7f01, 2044, load_data - 2044
    TEST_LD 41, lb, 0xffffff80, 2047, load_data - 2044
    TEST_LD 42, lw, 0x80ff7f01, -2048, load_data + 2048
    TEST_LD 43, lh, 0xffff8000, -2048, load_data + 2052

    /* .bss reads as zero */
    TEST_LD 44, lw, 0x00000000, 0, bss_buffer
    TEST_LD 45, lw, 0x00000000, 60, bss_buffer

    CASE 46                     /* rd == rs1: the base is read before rd is written */
    la a1, load_data
    lw a1, 8(a1)
    CHECK a1, 0xdeadbeef
    CASE 47                     /* loads into x0 are discarded */
    la a1, load_data
    lw x0, 8(a1)
    lb x0, 3(a1)
    lhu x0, 4(a1)
    CHECK x0, 0

    /* SB: writes one byte, little-endian position, only the low 8 bits of rs2 */
    TEST_ST 48, sb, 0x12, 0, store_data, 0, 0xaabbccdd, 0xaabbcc12
    TEST_ST 49, sb, 0x12, 1, store_data, 0, 0xaabbccdd, 0xaabb12dd
    TEST_ST 50, sb, 0x12, 2, store_data, 0, 0xaabbccdd, 0xaa12ccdd
    TEST_ST 51, sb, 0x12, 3, store_data, 0, 0xaabbccdd, 0x12bbccdd
    TEST_ST 52, sb, 0x12345678, 0, store_data, 0, 0xaabbccdd, 0xaabbcc78
    TEST_ST 53, sb, 0xffffff80, 2, store_data, 0, 0xaabbccdd, 0xaa80ccdd
    TEST_ST 54, sb, 0, 3, store_data, 0, 0xaabbccdd, 0x00bbccdd

    /* SH: writes one half-word, only the low 16 bits of rs2 */
    TEST_ST 55, sh, 0x1234, 0, store_data, 0, 0xaabbccdd, 0xaabb1234
    TEST_ST 56, sh, 0x1234, 2, store_data, 0, 0xaabbccdd, 0x1234ccdd
    TEST_ST 57, sh, 0x12348765, 2, store_data, 0, 0xaabbccdd, 0x8765ccdd
    TEST_ST 58, sh, 0xffff8000, 0, store_data, 0, 0xaabbccdd, 0xaabb8000

    /* SW */
    TEST_ST 59, sw, 0x12345678, 0, store_data, 0, 0xaabbccdd, 0x12345678
    TEST_ST 60, sw, 0xffffffff, 4, store_data, 4, 0xaabbccdd, 0xffffffff
    TEST_ST 61, sw, 0x80000000, 8, store_data, 8, 0xaabbccdd, 0x80000000
    TEST_ST 62, sw, 0, 12, store_data, 12, 0xaabbccdd, 0x00000000

    /* negative and extreme offsets */
    TEST_ST 63, sw, 0x12345678, -16, store_data + 16, -16, 0xaabbccdd, 0x12345678
    TEST_ST 64, sb, 0x12, -13, store_data + 16, -16, 0xaabbccdd, 0x12bbccdd
    TEST_ST 65, sw, 0x0badf00d, 2044, store_data - 2044, 2044, 0xaabbccdd, 0x0badf00d
    TEST_ST 66, sh, 0x1234, -2046, store_data + 2048, -2048, 0xaabbccdd, 0x1234ccdd

    CASE 67                     /* partial stores leave the neighbouring words alone */
    la a1, store_data
    li a2, 0x11111111
    sw a2, 0(a1)
    li a2, 0x22222222
    sw a2, 4(a1)
    li a2, 0x33333333
    sw a2, 8(a1)
    li a2, 0xee
    sb a2, 7(a1)
    li a2, 0xdddd
    sh a2, 4(a1)
    lw a4, 0(a1)
    CHECK a4, 0x11111111
    lw a4, 4(a1)
    CHECK a4, 0xee22dddd
    lw a4, 8(a1)
    CHECK a4, 0x33333333

    CASE 68                     /* SB then LB / LBU: the stored byte sign- / zero-extends */
    la a1, store_data
    li a2, 0x80
    sb a2, 5(a1)
    lb a4, 5(a1)
    CHECK a4, 0xffffff80
    lbu a4, 5(a1)
    CHECK a4, 0x00000080
    CASE 69                     /* SH then LH / LHU */
    li a2, 0x8001
    sh a2, 6(a1)
    lh a4, 6(a1)
    CHECK a4, 0xffff8001
    lhu a4, 6(a1)
    CHECK a4, 0x00008001

    CASE 70                     /* storing x0 writes zeros */
    la a1, store_data
    li a2, 0xaabbccdd
    sw a2, 0(a1)
    sb x0, 1(a1)
    lw a4, 0(a1)
    CHECK a4, 0xaabb00dd
    sw x0, 0(a1)
    lw a4, 0(a1)
    CHECK a4, 0
    CASE 71                     /* rs2 == rs1: stores the base address itself */
    la a1, store_data
    sw a1, 0(a1)
    lw a4, 0(a1)
    CHECK_REG a4, a1

    CASE 72                     /* stores write no register: S-type keeps imm[4:0] where rd would be */
    la a1, store_data
    li t3, 0x5a5a5a5a
    li t4, 0x5a5a5a5a
    li a2, 0x77
    sw a2, 28(a1)               /* rd field = 28 = t3 */
    sb a2, 29(a1)               /* rd field = 29 = t4 */
    CHECK t3, 0x5a5a5a5a
    CHECK t4, 0x5a5a5a5a
    lw a4, 28(a1)
    CHECK a4, 0x00007777

    CASE 73                     /* .bss is writable */
    la a1, bss_buffer
    li a2, 0x12345678
    sw a2, 60(a1)
    lw a4, 60(a1)
    CHECK a4, 0x12345678
    lw a4, 56(a1)
    CHECK a4, 0

    TEST_END

    .data
    .balign 16
load_data:
    .byte 0x01, 0x7f, 0xff, 0x80                /* word 0: 0x80ff7f01 */
    .half 0x8000, 0x7fff                        /* word 1: 0x7fff8000 */
    .word 0xdeadbeef                            /* word 2 */
    .word 0x00000000                            /* word 3 */
    .word 0xffffffff                            /* word 4 */
    .word 0x12345678                            /* word 5 */
load_data_end:

    .balign 16
store_data:
    .skip 64

    .bss
    .balign 16
bss_buffer:
    .skip 64
