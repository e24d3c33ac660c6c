/*
 * Unit tests for the CHIMP, SPRINTZ and RLBE encodings (encoding_chimp.c,
 * encoding_sprintz.c, encoding_rlbe.c): reference vectors from Apache's C++
 * writer, round trips over every type and size class, and hostile input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>

#include "tsfile/tsfile_int.h"

/*---------------------------------------------------------------------------
 * Reference vectors.
 *
 * Every `_hex` stream below came from the official C++ writer, through the
 * PyPI package `tsfile` 2.5.0 (libtsfile 2.5.1.dev): a one-series tree-model
 * file written UNCOMPRESSED with one page, the value stream cut out of the
 * page body after the time stream.  Values are raw bits (FLOAT/DOUBLE as
 * IEEE bits); long series are given by the formula in their comment.
 *---------------------------------------------------------------------------*/

/* 1, 2, 3 */
static const uint32_t chimp_i32_small_values[] = {
	0x00000001, 0x00000002, 0x00000003,
};
static const char chimp_i32_small_hex[] =
	"00000001f81c038800000030";

/* values: (i * 37) % 100 - 50, i < 70 */
static const char chimp_i32_window_hex[] =
	"ffffffcef9ee3ffffffaeffffffc1f93e3ffffff76ffffffc7bffffffb7e4f8ffffffc1bffffffeeffffffc1f97e3fff"
	"fff96ffffffffbffffff97e5f8ffffffc1bffffffeeffffffc1f93e3ffffffb6ffffffc7bffffff77e4f8ffffffc1bff"
	"ffffafe7b8ffffffc3bffffff96ffffffcff92e3ffffff7effffffc1bffffffafe4b8ffffffc3bfffffff6ffffffc7f9"
	"6e3ffffff9effffffc1bffffff6fe5b8ffffffc3bffffff96ffffffdff92e3ffffffbeffffffc1bffffff6fe4b8fffff"
	"fc3bffffffb7e778ffffffc1bffffff9effffffc1f95e3ffffff76ffffffc3bffffff97e578ffffffc1bfffffffeffff"
	"ffc1f95e3ffffff96ffffffc3bffffff75c806";

/* -2147483648, 2147483647, 0, -1, 1, 2147483647, 4096, 8192, 0 */
static const uint32_t chimp_i32_edges_values[] = {
	0x80000000, 0x7fffffff, 0x00000000, 0xffffffff, 0x00000001, 0x7fffffff,
	0x00001000, 0x00002000, 0x00000000,
};
static const char chimp_i32_edges_hex[] =
	"80000000c7fffffffa000d04078fffffffe4301a14128d05a3c0d20060";

/* 0, 5, 2048, 7, 6144, 3, 2048, 100000, 0: keys never seen before point at
 * value 0, whose xor with 2048 has exactly T = 11 trailing zeros */
static const uint32_t chimp_i32_quirk_values[] = {
	0x00000000, 0x00000005, 0x00000800, 0x00000007, 0x00001800, 0x00000003,
	0x00000800, 0x000186a0, 0x00000000,
};
static const char chimp_i32_quirk_hex[] =
	"00000000f82f6016807428278c01a2413a18ea00048018";

/* 0, 5, 8192, 9, 24576, 1, 8192, 1000000000000, 0: the same with T = 13 */
static const uint64_t chimp_i64_quirk_values[] = {
	0x0000000000000000ull, 0x0000000000000005ull, 0x0000000000002000ull,
	0x0000000000000009ull, 0x0000000000006000ull, 0x0000000000000001ull,
	0x0000000000002000ull, 0x000000e8d4a51000ull, 0x0000000000000000ull,
};
static const char chimp_i64_quirk_hex[] =
	"0000000000000000f8000000002c000000400b0000001004a0bb4000000fc000001800509da0000007fd1a94a60000"
	"044006";

/* values: 1700000000000 + 1000 i + i % 3, i < 130 */
static const char chimp_i64_time_hex[] =
	"0000018bcfe56800f80000001f4c00000008770000000e35400000008330000000615c00000009f50000007e14c00000"
	"008370000000635400000008730000000ef5c00000008350000000614c00000008f70000001e15400000008330000000"
	"675c00000008750000000e34c0000000837000000061540000000ff30000003e15c00000008350000000634c00000008"
	"770000000e75400000008330000000615c00000008f50000001e14c000000083700000006f5400000008730000000e35"
	"c00000008350000000614c00000009f7000001fe15400000008330000000635c000000087500000001f4c00000038370"
	"000000215400000018f30000000215c00000078350000000274c00000018770000000235400000038330000000215c00"
	"00001bf50000000214c000000f8370000000235400000018730000000275c00000038350000000214c00000018f70000"
	"0002154000000783300000003f5c00000018750000000234c00000038370000000215400000019f30000000215c00000"
	"1f8350000000234c000000187700000002f5400000038330000000215c00000018f50000000214c00000078370000000"
	"275400000018730000000235c00000038350000000214c00000007f70000000615400000008330000003e35c00000008"
	"750000000674c00000008370000000e15400000008f30000000615c00000008350000001ef4c00000008770000000635"
	"400000008330000000e15c00000009f50000000614c0000000837000000fe354000000087300000007f5c00000008350"
	"000000e14c00000008f70000000615400000008330000001e75c00000008750000000634c00000008370000000e15400"
	"00000bf30000000615c00000008350000003e34c00000008770000000675400000008330000000e15c00000008f50000"
	"000614c000000083700000001f5620000062f3f9d7fa00";

/* -9223372036854775808, 9223372036854775807, 0, -1, 1099511627776, 1099512676352, 5 */
static const uint64_t chimp_i64_edges_values[] = {
	0x8000000000000000ull, 0x7fffffffffffffffull, 0x0000000000000000ull,
	0xffffffffffffffffull, 0x0000010000000000ull, 0x0000010000100000ull,
	0x0000000000000005ull,
};
static const char chimp_i64_edges_hex[] =
	"8000000000000000c7fffffffffffffffa00034080682c1284ea00000f90000100005428b2000004000040";

/* 1.5, 2.5, 2.5, -0.0, 0.0, 3.25, 10000000000.0, inf, -inf, 0.10000000149011612, 1.5 */
static const uint32_t chimp_f32_values[] = {
	0x3fc00000, 0x40200000, 0x40200000, 0x80000000, 0x00000000, 0x40500000,
	0x501502f9, 0x7f800000, 0xff800000, 0x3dcccccd, 0x3fc00000,
};
static const char chimp_f32_hex[] =
	"3fc00000400b7fe0284178050c06881880b8104502f9450c3fd4701e309333335202b014a024";

/* values: i * 0.25 - 3.0, i < 70 */
static const char chimp_f64_hex[] =
	"c0080000000000004020fa05065048368341942039fff42a094320b43a094411468940d1444345832ff5180c3fd46910"
	"d1c81a3c8a34820948a0b4920949839fff4a20ca5506d2c8329741f4c20ca6506d348329b238f4e21053a8434f21053e"
	"847502105428435121054684f5221054a8435321054e8475421055284355210556483f56306ad428d5cc1abd0a758306"
	"b1428d64c1acd0af5a306b5428d6cc1add0a75c306b9428d74c1aed0bf5e306bd428d7cc1afd0a760306c1428d84c1b0"
	"d0af62306c5089fea4";

/* NaN, -0.0, inf, 1e+300, 5e-324, -1.0 */
static const uint64_t chimp_f64_specials_values[] = {
	0x7ff8000000000000ull, 0x8000000000000000ull, 0x7ff0000000000000ull,
	0x7e37e43c8800759cull, 0x0000000000000001ull, 0xbff0000000000000ull,
};
static const char chimp_f64_specials_hex[] =
	"7ff800000000000040037ffe81067ffe0071f90f22001d6727e37e43c8800759d4100b42837002";

/* 5, 5, 6, -1, 100000, -2147483648, 2147483647, 0, 0, 0, 7 */
static const uint32_t rlbe_i32_values[] = {
	0x00000005, 0x00000005, 0x00000006, 0xffffffff, 0x000186a0, 0x80000000,
	0x7fffffff, 0x00000000, 0x00000000, 0x00000000, 0x00000007,
};
static const char rlbe_i32_hex[] =
	"0000000b0fa0b60dffffffe51f0d42fffff9e58206fffffffe000000020b03f8";

/* 9223372036854775807, -9223372036854775808, 0, 1, 3, 7, -7, 1125899906842624,
 * 1700000000000, 1700000001000, 1700000002000 */
static const uint64_t rlbe_i64_values[] = {
	0x7fffffffffffffffull, 0x8000000000000000ull, 0x0000000000000000ull,
	0x0000000000000001ull, 0x0000000000000003ull, 0x0000000000000007ull,
	0xfffffffffffffff9ull, 0x0004000000000000ull, 0x0000018bcfe56800ull,
	0x0000018bcfe56be8ull, 0x0000018bcfe56fd0ull,
};
static const char rlbe_i64_hex[] =
	"0000000b7fffffffffffffffff03e0600000000000000000782e07c81bffffffffffffff933e000000000003c0dfff00"
	"62f3f95a00053fa3e8";

/* 1.5, -0.0, NaN, inf, 2.5, 2.5, 0.10000000149011612, -3.0 */
static const uint32_t rlbe_f32_values[] = {
	0x3fc00000, 0x80000000, 0x7fc00000, 0x7f800000, 0x40200000, 0x40200000,
	0x3dcccccd, 0xc0400000,
};
static const char rlbe_f32_hex[] =
	"000000087bff000001fe0200000406ff800000ff800000814000000e81bed666668139999980";

/* 1.5, -0.0, NaN, -inf, 2.5, 2.5, 0.1, 1e-300 */
static const uint64_t rlbe_f64_values[] = {
	0x3ff8000000000000ull, 0x8000000000000000ull, 0x7ff8000000000000ull,
	0xfff0000000000000ull, 0x4004000000000000ull, 0x4004000000000000ull,
	0x3fb999999999999aull, 0x01a56e1fc2f8f359ull,
};
static const char rlbe_f64_hex[] =
	"000000087dfff0000000000000ff8010000000000001037ff80000000000007efffc0000000000004014000000000000"
	"03a037fb599999999999a41ebd486295f59bf0";

/* values: (i / 100) * 1000, i < 10050 */
static const char rlbe_i64_steps_hex[] =
	"000027100250c000000000000000000000000057f401486000000000000000000000000057f401486000000000000000"
	"000000000057f401486000000000000000000000000057f401486000000000000000000000000057f401486000000000"
	"000000000000000057f401486000000000000000000000000057f401486000000000000000000000000057f401486000"
	"000000000000000000000057f401486000000000000000000000000057f401486000000000000000000000000057f401"
	"486000000000000000000000000057f401486000000000000000000000000057f4014860000000000000000000000000"
	"57f401486000000000000000000000000057f401486000000000000000000000000057f4014860000000000000000000"
	"00000057f401486000000000000000000000000057f401486000000000000000000000000057f4014860000000000000"
	"00000000000057f401486000000000000000000000000057f401486000000000000000000000000057f4014860000000"
	"00000000000000000057f401486000000000000000000000000057f401486000000000000000000000000057f4014860"
	"00000000000000000000000057f401486000000000000000000000000057f401486000000000000000000000000057f4"
	"01486000000000000000000000000057f401486000000000000000000000000057f40148600000000000000000000000"
	"0057f401486000000000000000000000000057f401486000000000000000000000000057f40148600000000000000000"
	"0000000057f401486000000000000000000000000057f401486000000000000000000000000057f40148600000000000"
	"0000000000000057f401486000000000000000000000000057f401486000000000000000000000000057f40148600000"
	"0000000000000000000057f401486000000000000000000000000057f401486000000000000000000000000057f40148"
	"6000000000000000000000000057f401486000000000000000000000000057f401486000000000000000000000000057"
	"f401486000000000000000000000000057f401486000000000000000000000000057f401486000000000000000000000"
	"000057f401486000000000000000000000000057f401486000000000000000000000000057f401486000000000000000"
	"000000000057f401486000000000000000000000000057f401486000000000000000000000000057f401486000000000"
	"000000000000000057f401486000000000000000000000000057f401486000000000000000000000000057f401486000"
	"000000000000000000000057f401486000000000000000000000000057f401486000000000000000000000000057f401"
	"486000000000000000000000000057f401486000000000000000000000000057f4014860000000000000000000000000"
	"57f401486000000000000000000000000057f401486000000000000000000000000057f4014860000000000000000000"
	"00000057f401486000000000000000000000000057f401486000000000000000000000000057f4014860000000000000"
	"00000000000057f401486000000000000000000000000057f401486000000000000000000000000057f4014860000000"
	"00000000000000000057f401486000000000000000000000000057f401486000000000000000000000000057f4014860"
	"00000000000000000000000057f401486000000000000000000000000057f401486000000000000000000000000057f4"
	"01486000000000000000000000000057f401486000000000000000000000000057f40148600000000000000000000000"
	"0057f401486000000000000000000000000057f401486000000000000000000000000057f40148600000000000000000"
	"0000000057f401486000000000000000000000000057f401486000000000000000000000000057f40148600000000000"
	"0000000000000057f401486000000000000000000000000057f401486000000000000000000000000057f40148600000"
	"0000000000000000000057f401486000000000000000000000000057f401486000000000000000000000000057f40148"
	"6000000000000000000000000057f401486000000000000000000000000057f401486000000000000000000000000057"
	"f401486000000000000000000000000057f401486000000000000000000000000057f401486000000000000000000000"
	"000057f401486000000000000000000000000057f401486000000000000000000000000057f401486000000000000000"
	"000000000057f40148600000000000000000000000000000003223e1a800a2c0000000000000";

/* 3, 5, 4, 10, -2, -7, 0, 0, 1, 100, 90, 95, 96, 97, -1000, 20, 21, 22, 30, 31 */
static const uint32_t sprintz_i32_walk_values[] = {
	0x00000003, 0x00000005, 0x00000004, 0x0000000a, 0xfffffffe, 0xfffffff9,
	0x00000000, 0x00000000, 0x00000001, 0x00000064, 0x0000005a, 0x0000005f,
	0x00000060, 0x00000061, 0xfffffc18, 0x00000014, 0x00000015, 0x00000016,
	0x0000001e, 0x0000001f,
};
static const char sprintz_i32_walk_hex[] =
	"050318976534210c640140090030038907e78990038208050302f7c0000000";

/* -5, -6, -7, -8, -9, -10, -11, -12, -13, 7 */
static const uint32_t sprintz_i32_neg_first_values[] = {
	0xfffffffb, 0xfffffffa, 0xfffffff9, 0xfffffff8, 0xfffffff7, 0xfffffff6,
	0xfffffff5, 0xfffffff4, 0xfffffff3, 0x00000007,
};
static const char sprintz_i32_neg_first_hex[] =
	"02fbffffff0faa808106030301e00000";

/* 7, 7, 7, 7, 7, 7, 7, 7 */
static const uint32_t sprintz_i32_tail_run_values[] = {
	0x00000007, 0x00000007, 0x00000007, 0x00000007, 0x00000007, 0x00000007,
	0x00000007, 0x00000007,
};
static const char sprintz_i32_tail_run_hex[] =
	"8806030308ffffff";

/* values: 1700000000000 + 1000 i + i % 3, i < 153 */
static const char sprintz_i64_time153_hex[] =
	"0b0000018bcfe56800fa3f47e4fcbf8fef7dffbb0b0000018bcfe58b28fa3f47e4fcbf8fef7dffbb0b0000018bcfe5ae"
	"50fa3f47e4fcbf8fef7dffbb0b0000018bcfe5d178fa3f47e4fcbf8fef7dffbb0b0000018bcfe5f4a0fa3f47e4fcbf8f"
	"ef7dffbb0b0000018bcfe617c8fa3f47e4fcbf8fef7dffbb0b0000018bcfe63af0fa3f47e4fcbf8fef7dffbb0b000001"
	"8bcfe65e18fa3f47e4fcbf8fef7dffbb0b0000018bcfe68140fa3f47e4fcbf8fef7dffbb0b0000018bcfe6a468fa3f47"
	"e4fcbf8fef7dffbb0b0000018bcfe6c790fa3f47e4fcbf8fef7dffbb0b0000018bcfe6eab8fa3f47e4fcbf8fef7dffbb"
	"0b0000018bcfe70de0fa3f47e4fcbf8fef7dffbb0b0000018bcfe73108fa3f47e4fcbf8fef7dffbb0b0000018bcfe754"
	"30fa3f47e4fcbf8fef7dffbb0b0000018bcfe77758fa3f47e4fcbf8fef7dffbb0b0000018bcfe79a80fa3f47e4fcbf8f"
	"ef7dffbb";

/* values: 1700000000000 + 1000 i + i % 3, i < 150 */
static const char sprintz_i64_time150_hex[] =
	"0b0000018bcfe56800fa3f47e4fcbf8fef7dffbb0b0000018bcfe58b28fa3f47e4fcbf8fef7dffbb0b0000018bcfe5ae"
	"50fa3f47e4fcbf8fef7dffbb0b0000018bcfe5d178fa3f47e4fcbf8fef7dffbb0b0000018bcfe5f4a0fa3f47e4fcbf8f"
	"ef7dffbb0b0000018bcfe617c8fa3f47e4fcbf8fef7dffbb0b0000018bcfe63af0fa3f47e4fcbf8fef7dffbb0b000001"
	"8bcfe65e18fa3f47e4fcbf8fef7dffbb0b0000018bcfe68140fa3f47e4fcbf8fef7dffbb0b0000018bcfe6a468fa3f47"
	"e4fcbf8fef7dffbb0b0000018bcfe6c790fa3f47e4fcbf8fef7dffbb0b0000018bcfe6eab8fa3f47e4fcbf8fef7dffbb"
	"0b0000018bcfe70de0fa3f47e4fcbf8fef7dffbb0b0000018bcfe73108fa3f47e4fcbf8fef7dffbb0b0000018bcfe754"
	"30fa3f47e4fcbf8fef7dffbb0b0000018bcfe77758fa3f47e4fcbf8fef7dffbb862c290306c5e7f3cd4062f3f9e79a71"
	"79fcf44a58bcfe7a638c5e7f3d510e2f3f9eb82800000000000000000000";

/* values: (i % 13) * 0.5, i < 23 */
static const char sprintz_f32_hex[] =
	"1f00000000fbfffffe03fffffc03fffff807fffff007ffffe00fffffc01fffff803fffff2040900000001fffff001fff"
	"ff001fffff818000007dffffff00ffffff007fffff007fffff8540200000d21e740beb07127f50";

/* 1.0, NaN, 2.0 */
static const uint32_t sprintz_f32_nan_tail_values[] = {
	0x3f800000, 0x7fc00000, 0x40000000,
};
static const char sprintz_f32_nan_tail_hex[] =
	"833f800000c2880cff9fe0";

/* 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, NaN, 2.0, NaN */
static const uint64_t sprintz_f64_const_nan_tail_values[] = {
	0x3ff8000000000000ull, 0x3ff8000000000000ull, 0x3ff8000000000000ull,
	0x3ff8000000000000ull, 0x3ff8000000000000ull, 0x3ff8000000000000ull,
	0x3ff8000000000000ull, 0x3ff8000000000000ull, 0x3ff8000000000000ull,
	0x7ff8000000000000ull, 0x4000000000000000ull, 0x7ff8000000000000ull,
};
static const char sprintz_f64_const_nan_tail_hex[] =
	"013ff800000000000000837ff8000000000000c22bffdffc";

/*
 * Streams for the divergence tests: `_official` from the C++ writer as
 * above; `sprintz_i64_wide_java` from an independent Python model of Java's
 * SPRINTZ arithmetic (see test_sprintz_fire_overflow).
 */
/* 0.0, -0.0, 2.0, -2.0, 0.0, 0.0, 0.0, 0.0, 0.0 */
static const uint32_t sprintz_f32_signflip_values[] = {
	0x00000000, 0x80000000, 0x40000000, 0xc0000000, 0x00000000, 0x00000000,
	0x00000000, 0x00000000, 0x00000000,
};
static const char sprintz_f32_signflip_official[] =
	"20000000000000000080000000000000007fffffff00000000000000000000000000000000";

/* 1.0, NaN, 2.0 */
static const uint32_t chimp_f32_nan_inside_values[] = {
	0x3f800000, 0x7fc00000, 0x40000000,
};
static const char chimp_f32_nan_inside_official[] =
	"3f800000400a4050428ff420a3fc";

/* 100442833709071429, 2002126822424559769, -17475401831951500, -3655162336003280299,
 * -1718289774149539269, 2246690929098035446, 2412057817790768552, -2730590365937309336,
 * -12346031351148731 */
static const uint64_t sprintz_i64_wide_values[] = {
	0x0164d8399f767c45ull, 0x1bc8fbbcbde5c099ull, 0xffc1ea36f17fd374ull,
	0xcd464138a6233255ull, 0xe827688de6a16a3bull, 0x1f2dd97f1cfb10f6ull,
	0x217959ce3f1f65a8ull, 0xda1afe878b33e968ull, 0xffd4235992edcf45ull,
};
static const char sprintz_i64_wide_official[] =
	"400164d8399f767c4534c847063cde88a7380e230b98cbda4a5a623b8020b55dfda4c5dbe7797683b03bc026d84c3de3"
	"64adbdf0f9651c67443eaab2059ec4e897ac5f46fa564d5412";
static const char sprintz_i64_wide_java[] =
	"400164d8399f767c4534c847063cde88a7380e230b98cbda4a64f7c47fdf4aa20235c155fde5b262bf6e0d262c8d866f"
	"cb049772bf07ad27718ebcbef3d6795d804b731f8c935388ad";

/* Fillers for the formula vectors (element i as raw bits). */
static void fill_chimp_i32_window(void *dst, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((int32_t *)dst)[i] = (int32_t)((i * 37) % 100) - 50;
}

static void fill_time(void *dst, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((int64_t *)dst)[i] = 1700000000000LL + 1000 * (int64_t)i + (int64_t)(i % 3);
}

static void fill_chimp_f64(void *dst, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((double *)dst)[i] = (double)i * 0.25 - 3.0;
}

static void fill_rlbe_i64_steps(void *dst, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((int64_t *)dst)[i] = (int64_t)(i / 100) * 1000;
}

static void fill_sprintz_f32(void *dst, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((float *)dst)[i] = (float)(i % 13) * 0.5f;
}

#define fill_chimp_i64_time fill_time
#define fill_sprintz_i64_time153 fill_time
#define fill_sprintz_i64_time150 fill_time

typedef struct vec {
	const char *name;
	tsfile_type_t type;
	tsfile_encoding_t enc;
	size_t n;
	const void *values;                /* raw bits, or NULL: use fill */
	void (*fill)(void *dst, size_t n);
	const char *hex;
	int java_bytes; /* Java and C++ write the same bytes: ours must match */
} vec_t;

static const vec_t vectors[] = {
	{"chimp_i32_small", TSFILE_INT32, TSFILE_CHIMP, 3, chimp_i32_small_values, NULL, chimp_i32_small_hex, 1},
	{"chimp_i32_window", TSFILE_INT32, TSFILE_CHIMP, 70, NULL, fill_chimp_i32_window, chimp_i32_window_hex, 1},
	{"chimp_i32_edges", TSFILE_INT32, TSFILE_CHIMP, 9, chimp_i32_edges_values, NULL, chimp_i32_edges_hex, 1},
	{"chimp_i32_quirk", TSFILE_INT32, TSFILE_CHIMP, 9, chimp_i32_quirk_values, NULL, chimp_i32_quirk_hex, 1},
	{"chimp_i64_quirk", TSFILE_INT64, TSFILE_CHIMP, 9, chimp_i64_quirk_values, NULL, chimp_i64_quirk_hex, 1},
	{"chimp_i64_time", TSFILE_INT64, TSFILE_CHIMP, 130, NULL, fill_chimp_i64_time, chimp_i64_time_hex, 1},
	{"chimp_i64_edges", TSFILE_INT64, TSFILE_CHIMP, 7, chimp_i64_edges_values, NULL, chimp_i64_edges_hex, 1},
	{"chimp_f32", TSFILE_FLOAT, TSFILE_CHIMP, 11, chimp_f32_values, NULL, chimp_f32_hex, 1},
	{"chimp_f64", TSFILE_DOUBLE, TSFILE_CHIMP, 70, NULL, fill_chimp_f64, chimp_f64_hex, 1},
	{"chimp_f64_specials", TSFILE_DOUBLE, TSFILE_CHIMP, 6, chimp_f64_specials_values, NULL, chimp_f64_specials_hex, 1},
	{"rlbe_i32", TSFILE_INT32, TSFILE_RLBE, 11, rlbe_i32_values, NULL, rlbe_i32_hex, 1},
	{"rlbe_i64", TSFILE_INT64, TSFILE_RLBE, 11, rlbe_i64_values, NULL, rlbe_i64_hex, 1},
	{"rlbe_f32", TSFILE_FLOAT, TSFILE_RLBE, 8, rlbe_f32_values, NULL, rlbe_f32_hex, 1},
	{"rlbe_f64", TSFILE_DOUBLE, TSFILE_RLBE, 8, rlbe_f64_values, NULL, rlbe_f64_hex, 1},
	{"rlbe_i64_steps", TSFILE_INT64, TSFILE_RLBE, 10050, NULL, fill_rlbe_i64_steps, rlbe_i64_steps_hex, 1},
	{"sprintz_i32_walk", TSFILE_INT32, TSFILE_SPRINTZ, 20, sprintz_i32_walk_values, NULL, sprintz_i32_walk_hex, 1},
	{"sprintz_i32_neg_first", TSFILE_INT32, TSFILE_SPRINTZ, 10, sprintz_i32_neg_first_values, NULL, sprintz_i32_neg_first_hex, 1},
	{"sprintz_i32_tail_run", TSFILE_INT32, TSFILE_SPRINTZ, 8, sprintz_i32_tail_run_values, NULL, sprintz_i32_tail_run_hex, 0},
	{"sprintz_i64_time153", TSFILE_INT64, TSFILE_SPRINTZ, 153, NULL, fill_sprintz_i64_time153, sprintz_i64_time153_hex, 1},
	{"sprintz_i64_time150", TSFILE_INT64, TSFILE_SPRINTZ, 150, NULL, fill_sprintz_i64_time150, sprintz_i64_time150_hex, 1},
	{"sprintz_f32", TSFILE_FLOAT, TSFILE_SPRINTZ, 23, NULL, fill_sprintz_f32, sprintz_f32_hex, 1},
	{"sprintz_f32_nan_tail", TSFILE_FLOAT, TSFILE_SPRINTZ, 3, sprintz_f32_nan_tail_values, NULL, sprintz_f32_nan_tail_hex, 1},
	{"sprintz_f64_const_nan_tail", TSFILE_DOUBLE, TSFILE_SPRINTZ, 12, sprintz_f64_const_nan_tail_values, NULL, sprintz_f64_const_nan_tail_hex, 1},
};

/*---------------------------------------------------------------------------
 * Helpers
 *---------------------------------------------------------------------------*/

static const tsfile_encoding_t encodings[] = {TSFILE_CHIMP, TSFILE_SPRINTZ, TSFILE_RLBE};
static const tsfile_type_t types[] = {TSFILE_INT32, TSFILE_INT64, TSFILE_FLOAT, TSFILE_DOUBLE};

/* Bytes of a hex string (caller frees with mem_free). */
static uint8_t *hex_bytes(const char *hex, size_t *len)
{
	*len = strlen(hex) / 2;
	uint8_t *p = mem_alloc(*len + 1);
	assert_non_null(p);
	for (size_t i = 0; i < *len; i++) {
		unsigned b;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &b), 1);
		p[i] = (uint8_t)b;
	}
	return p;
}

/* Raw bits of element i of a 4- or 8-byte array. */
static uint64_t raw_at(const void *a, size_t es, size_t i)
{
	if (es == 4) {
		uint32_t u;
		memcpy(&u, (const uint8_t *)a + i * 4, 4);
		return u;
	}
	uint64_t u;
	memcpy(&u, (const uint8_t *)a + i * 8, 8);
	return u;
}

static void raw_set(void *a, size_t es, size_t i, uint64_t v)
{
	if (es == 4) {
		uint32_t u = (uint32_t)v;
		memcpy((uint8_t *)a + i * 4, &u, 4);
	} else {
		memcpy((uint8_t *)a + i * 8, &v, 8);
	}
}

/* The vector's values in a new array. */
static void *vec_values(const vec_t *v)
{
	size_t es = col_elem_size(v->type);
	void *a = mem_alloc(v->n * es + 1);
	assert_non_null(a);
	if (v->values)
		memcpy(a, v->values, v->n * es);
	else
		v->fill(a, v->n);
	return a;
}

static void encode_ok(tsfile_encoding_t enc, tsfile_type_t type, const void *values, size_t n,
		      buf_t *out)
{
	larch_error_t err = {0};
	buf_reset(out);
	int rc = encode_stream(enc, type, NULL, values, n, out, &err);
	if (rc)
		fail_msg("encode %s/%s n=%zu: %s", tsfile_encoding_name(enc), tsfile_type_name(type),
			 n, err.msg);
}

/* Decode and require exactly `n` values equal (as bits) to `want`. */
static void decode_expect(tsfile_encoding_t enc, tsfile_type_t type, const uint8_t *in,
			  size_t len, const void *want, size_t n, const char *what)
{
	larch_error_t err = {0};
	col_t c;
	col_init(&c, type);
	int rc = decode_stream(enc, type, in, len, n, &c, &err);
	if (rc)
		fail_msg("%s: decode failed: %s", what, err.msg);
	if (c.n != n)
		fail_msg("%s: %zu values decoded, %zu expected", what, c.n, n);
	size_t es = col_elem_size(type);
	for (size_t i = 0; i < n; i++)
		if (raw_at(c.data, es, i) != raw_at(want, es, i))
			fail_msg("%s: value %zu is %#llx, expected %#llx", what, i,
				 (unsigned long long)raw_at(c.data, es, i),
				 (unsigned long long)raw_at(want, es, i));
	col_free(&c);
}

static void assert_hex(const buf_t *b, const char *hex, const char *what)
{
	size_t len;
	uint8_t *want = hex_bytes(hex, &len);
	if (b->len != len || memcmp(b->data, want, len) != 0) {
		char got[256] = {0};
		for (size_t i = 0; i < b->len && i < 100; i++)
			snprintf(got + 2 * i, 3, "%02x", b->data[i]);
		fail_msg("%s: wrote %zu bytes %s..., expected %zu bytes %.200s", what, b->len, got,
			 len, hex);
	}
	mem_free(want);
}

/*---------------------------------------------------------------------------
 * Official vectors
 *---------------------------------------------------------------------------*/

/* Every official stream decodes to its values; where Java and C++ agree
 * our encoder writes the very same bytes. */
static void test_official_vectors(void **state)
{
	(void)state;
	buf_t b = BUF_INIT;
	for (size_t k = 0; k < LR_ARRAY_LEN(vectors); k++) {
		const vec_t *v = &vectors[k];
		size_t len;
		uint8_t *in = hex_bytes(v->hex, &len);
		void *vals = vec_values(v);
		decode_expect(v->enc, v->type, in, len, vals, v->n, v->name);
		encode_ok(v->enc, v->type, vals, v->n, &b);
		if (v->java_bytes)
			assert_hex(&b, v->hex, v->name);
		else
			decode_expect(v->enc, v->type, b.data, b.len, vals, v->n, v->name);
		mem_free(vals);
		mem_free(in);
	}
	buf_free(&b);
}

/* SPRINTZ INT32 tail of 8 equal values: the C++ writer bit-packs it, Java's
 * RLE encoder (reference §7.3) writes an RLE run, and so do we. */
static void test_sprintz_tail_java_rle(void **state)
{
	(void)state;
	buf_t b = BUF_INIT;
	encode_ok(TSFILE_SPRINTZ, TSFILE_INT32, sprintz_i32_tail_run_values, 8, &b);
	assert_hex(&b, "88" "03" "03" "10" "07", "tail 0x88, package of 3 bytes: width 3, run 8 x 7");
	buf_free(&b);
}

/* Decoders append to what the column already holds, and leave it as it
 * was when they fail. */
static void test_append(void **state)
{
	(void)state;
	for (size_t k = 0; k < LR_ARRAY_LEN(vectors); k++) {
		const vec_t *v = &vectors[k];
		size_t len, es = col_elem_size(v->type);
		uint8_t *in = hex_bytes(v->hex, &len);
		void *vals = vec_values(v);
		col_t c;
		col_init(&c, v->type);
		larch_error_t err = {0};
		assert_int_equal(decode_stream(v->enc, v->type, in, len, v->n, &c, &err), 0);
		assert_int_equal(decode_stream(v->enc, v->type, in, len, v->n, &c, &err), 0);
		assert_int_equal(c.n, 2 * v->n);
		assert_memory_equal((uint8_t *)c.data + v->n * es, vals, v->n * es);
		assert_int_equal(decode_stream(v->enc, v->type, in, len - 1, v->n, &c, &err) == 0 ||
					 c.n == 2 * v->n,
				 1);
		col_free(&c);
		mem_free(vals);
		mem_free(in);
	}
}

/* DATE and TIMESTAMP are coded exactly as INT32 and INT64. */
static void test_date_timestamp_alias(void **state)
{
	(void)state;
	buf_t a = BUF_INIT, b = BUF_INIT;
	int64_t t[40];
	int32_t d[40];
	for (int i = 0; i < 40; i++) {
		t[i] = 1700000000000LL + 997 * i * i;
		d[i] = 20240101 + (i % 7) * 3 - i;
	}
	for (size_t e = 0; e < LR_ARRAY_LEN(encodings); e++) {
		encode_ok(encodings[e], TSFILE_INT64, t, 40, &a);
		encode_ok(encodings[e], TSFILE_TIMESTAMP, t, 40, &b);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.data, b.data, a.len);
		decode_expect(encodings[e], TSFILE_TIMESTAMP, b.data, b.len, t, 40, "timestamp");
		encode_ok(encodings[e], TSFILE_INT32, d, 40, &a);
		encode_ok(encodings[e], TSFILE_DATE, d, 40, &b);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.data, b.data, a.len);
		decode_expect(encodings[e], TSFILE_DATE, b.data, b.len, d, 40, "date");
	}
	buf_free(&a);
	buf_free(&b);
}

/*---------------------------------------------------------------------------
 * Where Apache's writers lose data, and what we do instead
 *---------------------------------------------------------------------------*/

/* SPRINTZ: a residual of exactly INT_MIN (here FLOAT 0.0 followed by -0.0,
 * the sign bit) is written by Apache as the code of 0, so -0.0 reads back as
 * 0.0 (and the values after it drift).  We write the all-ones code, which
 * reads back exactly. */
static void test_sprintz_min_residual(void **state)
{
	(void)state;
	size_t len;
	uint8_t *in = hex_bytes(sprintz_f32_signflip_official, &len);
	col_t c;
	col_init(&c, TSFILE_FLOAT);
	larch_error_t err = {0};
	assert_int_equal(decode_stream(TSFILE_SPRINTZ, TSFILE_FLOAT, in, len, 9, &c, &err), 0);
	assert_int_equal(c.n, 9);
	assert_int_equal(raw_at(c.data, 4, 0), 0x00000000);
	assert_int_equal(raw_at(c.data, 4, 1), 0x00000000); /* -0.0 lost by the C++ writer */
	col_free(&c);
	mem_free(in);

	buf_t b = BUF_INIT;
	encode_ok(TSFILE_SPRINTZ, TSFILE_FLOAT, sprintz_f32_signflip_values, 9, &b);
	decode_expect(TSFILE_SPRINTZ, TSFILE_FLOAT, b.data, b.len, sprintz_f32_signflip_values, 9,
		      "signflip");
	const int32_t imin[] = {0, INT32_MIN, -1, INT32_MAX, INT32_MIN, 0, 1, 2, INT32_MIN, 5};
	encode_ok(TSFILE_SPRINTZ, TSFILE_INT32, imin, 10, &b);
	decode_expect(TSFILE_SPRINTZ, TSFILE_INT32, b.data, b.len, imin, 10, "int min residual");
	buf_free(&b);
}

/* SPRINTZ INT64/DOUBLE: Java's fire predictor multiplies in 64 bits with
 * wrap-around, the C++ library in 128 bits; they disagree once the product
 * overflows.  We follow Java: `_java` below was computed by an independent
 * Python model of Java's LongFire arithmetic, and our encoder matches it;
 * the C++ writer's bytes for the same values decode (Java's way) to other
 * values. */
static void test_sprintz_fire_overflow(void **state)
{
	(void)state;
	buf_t b = BUF_INIT;
	encode_ok(TSFILE_SPRINTZ, TSFILE_INT64, sprintz_i64_wide_values, 9, &b);
	assert_hex(&b, sprintz_i64_wide_java, "Java model");
	decode_expect(TSFILE_SPRINTZ, TSFILE_INT64, b.data, b.len, sprintz_i64_wide_values, 9,
		      "java form");

	size_t len;
	uint8_t *in = hex_bytes(sprintz_i64_wide_official, &len);
	col_t c;
	col_init(&c, TSFILE_INT64);
	larch_error_t err = {0};
	assert_int_equal(decode_stream(TSFILE_SPRINTZ, TSFILE_INT64, in, len, 9, &c, &err), 0);
	assert_int_equal(c.n, 9);
	assert_int_equal(COL_I64(&c)[0], (int64_t)sprintz_i64_wide_values[0]);
	assert_int_equal(COL_I64(&c)[1], (int64_t)sprintz_i64_wide_values[1]);
	assert_int_not_equal(COL_I64(&c)[3], (int64_t)sprintz_i64_wide_values[3]);
	col_free(&c);
	mem_free(in);
	buf_free(&b);
}

/* CHIMP: a later value equal to the end marker ends the page early in
 * every reader.  The C++ writer lets FLOAT 1.0, NaN, 2.0 read back as 1.0;
 * we write that NaN with a payload bit so all three come back. */
static void test_chimp_end_marker_values(void **state)
{
	(void)state;
	size_t len;
	uint8_t *in = hex_bytes(chimp_f32_nan_inside_official, &len);
	col_t c;
	col_init(&c, TSFILE_FLOAT);
	larch_error_t err = {0};
	assert_int_equal(decode_stream(TSFILE_CHIMP, TSFILE_FLOAT, in, len, 3, &c, &err), 0);
	assert_int_equal(c.n, 1); /* truncated, as Apache's readers do */
	col_free(&c);
	mem_free(in);

	buf_t b = BUF_INIT;
	encode_ok(TSFILE_CHIMP, TSFILE_FLOAT, chimp_f32_nan_inside_values, 3, &b);
	const uint32_t want[] = {0x3f800000, 0x7fc00001, 0x40000000};
	decode_expect(TSFILE_CHIMP, TSFILE_FLOAT, b.data, b.len, want, 3, "nan payload");

	const uint64_t d[] = {0x7ff8000000000000ull, 0x7ff8000000000000ull, 0};
	const uint64_t dwant[] = {0x7ff8000000000000ull, 0x7ff8000000000001ull, 0};
	encode_ok(TSFILE_CHIMP, TSFILE_DOUBLE, d, 3, &b);
	decode_expect(TSFILE_CHIMP, TSFILE_DOUBLE, b.data, b.len, dwant, 3, "double nan");

	/* A page of the end marker alone is one value, not the empty form. */
	const uint32_t f_end = 0x7fc00000;
	encode_ok(TSFILE_CHIMP, TSFILE_FLOAT, &f_end, 1, &b);
	decode_expect(TSFILE_CHIMP, TSFILE_FLOAT, b.data, b.len, &f_end, 1, "float end alone");
	const int64_t l_end = INT64_MIN;
	encode_ok(TSFILE_CHIMP, TSFILE_INT64, &l_end, 1, &b);
	decode_expect(TSFILE_CHIMP, TSFILE_INT64, b.data, b.len, &l_end, 1, "long end alone");

	/* INT_MIN / LONG_MIN: fine first, refused later */
	const int32_t i32[] = {INT32_MIN, 4, INT32_MIN};
	encode_ok(TSFILE_CHIMP, TSFILE_INT32, i32, 2, &b);
	decode_expect(TSFILE_CHIMP, TSFILE_INT32, b.data, b.len, i32, 2, "int min first");
	buf_reset(&b);
	assert_int_equal(encode_stream(TSFILE_CHIMP, TSFILE_INT32, NULL, i32, 3, &b, &err),
			 LARCH_UNSUPPORTED);
	const int64_t i64[] = {1, INT64_MIN};
	buf_reset(&b);
	assert_int_equal(encode_stream(TSFILE_CHIMP, TSFILE_INT64, NULL, i64, 2, &b, &err),
			 LARCH_UNSUPPORTED);
	buf_free(&b);
}

/*---------------------------------------------------------------------------
 * Round trips
 *---------------------------------------------------------------------------*/

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static const uint32_t f32_edges[] = {0x00000000, 0x80000000, 0x7f800000, 0xff800000,
				     0x7fc00000, 0xffc00000, 0x7f800001, 0x00000001,
				     0x7f7fffff, 0x3f800000, 0xbf800000};
static const uint64_t f64_edges[] = {0, 0x8000000000000000ull, 0x7ff0000000000000ull,
				     0xfff0000000000000ull, 0x7ff8000000000000ull,
				     0xfff8000000000000ull, 0x7ff0000000000001ull, 1,
				     0x7fefffffffffffffull, 0x3ff0000000000000ull};

/* Fill n raw values of pattern `kind` for a type of es bytes. */
static void fill_pattern(void *a, tsfile_type_t type, size_t n, int kind)
{
	size_t es = col_elem_size(type);
	int is_float = type == TSFILE_FLOAT || type == TSFILE_DOUBLE;
	uint64_t mask = es == 4 ? 0xffffffffull : ~0ull;
	int64_t walk = (int64_t)(rnd() % 2000) - 1000;
	double fwalk = 20.0;
	for (size_t i = 0; i < n; i++) {
		uint64_t v;
		switch (kind) {
		case 0: /* random walk */
			walk += (int64_t)(rnd() % 41) - 20;
			fwalk += (double)((int64_t)(rnd() % 101) - 50) / 64.0;
			if (!is_float) {
				v = (uint64_t)walk;
			} else if (es == 4) {
				float f = (float)fwalk;
				uint32_t u;
				memcpy(&u, &f, 4);
				v = u;
			} else {
				memcpy(&v, &fwalk, 8);
			}
			break;
		case 1: /* full range */
			v = rnd();
			break;
		case 2: /* long runs of one value, occasionally changing */
			if (i == 0 || rnd() % 3000 == 0)
				walk = (int64_t)rnd();
			v = (uint64_t)walk;
			break;
		default: /* edge values */
			if (!is_float) {
				static const int64_t ie[] = {0, 1, -1, INT64_MIN, INT64_MAX, 2, -2};
				int64_t x = ie[rnd() % LR_ARRAY_LEN(ie)];
				if (es == 4)
					x = x == INT64_MIN ? INT32_MIN : x == INT64_MAX ? INT32_MAX : x;
				v = (uint64_t)x;
			} else if (es == 4) {
				v = f32_edges[rnd() % LR_ARRAY_LEN(f32_edges)];
			} else {
				v = f64_edges[rnd() % LR_ARRAY_LEN(f64_edges)];
			}
			break;
		}
		raw_set(a, es, i, v & mask);
	}
}

static int is_nan_bits(uint64_t v, size_t es)
{
	return es == 4 ? (v & 0x7fffffffu) > 0x7f800000u
		       : (v & 0x7fffffffffffffffull) > 0x7ff0000000000000ull;
}

/* What decoding gives back for input value i: the value itself, except
 * where the format (documented in each encoder) changes it.  For CHIMP the
 * caller has already removed INT_MIN/LONG_MIN after the first value. */
static uint64_t expected_back(tsfile_encoding_t enc, tsfile_type_t type, const void *a,
			      size_t n, size_t i)
{
	size_t es = col_elem_size(type);
	uint64_t v = raw_at(a, es, i);
	if (type != TSFILE_FLOAT && type != TSFILE_DOUBLE)
		return v;
	uint64_t canon = es == 4 ? 0x7fc00000u : 0x7ff8000000000000ull;
	if (enc == TSFILE_CHIMP && i > 0 && v == canon)
		return v ^ 1;
	if (enc == TSFILE_SPRINTZ && i % 9 != 0 && i < n - n % 9 && is_nan_bits(v, es))
		return canon;
	return v;
}

static void roundtrip(tsfile_encoding_t enc, tsfile_type_t type, void *a, size_t n, buf_t *b)
{
	size_t es = col_elem_size(type);
	if (enc == TSFILE_CHIMP && (type == TSFILE_INT32 || type == TSFILE_INT64)) {
		uint64_t min = es == 4 ? 0x80000000u : 0x8000000000000000ull;
		for (size_t i = 1; i < n; i++)
			if (raw_at(a, es, i) == min)
				raw_set(a, es, i, min + 1);
	}
	encode_ok(enc, type, a, n, b);
	void *want = mem_alloc(n * es + 1);
	assert_non_null(want);
	for (size_t i = 0; i < n; i++)
		raw_set(want, es, i, expected_back(enc, type, a, n, i));
	char what[96];
	snprintf(what, sizeof what, "%s %s n=%zu", tsfile_encoding_name(enc),
		 tsfile_type_name(type), n);
	decode_expect(enc, type, b->data, b->len, want, n, what);
	mem_free(want);
}

/* Random data of four patterns, every size class: empty, one value, the
 * 9-value SPRINTZ block and 16-block group, the CHIMP windows (64, 128) and
 * the 10000-value RLBE block. */
static void test_roundtrip(void **state)
{
	(void)state;
	static const size_t sizes[] = {0,   1,   2,   3,   8,   9,    10,   17,   18,
				       63,  64,  65,  127, 128, 129,  143,  144,  145,
				       153, 154, 1000, 9999, 10000, 10001, 20001};
	buf_t b = BUF_INIT;
	void *a = mem_alloc(20001 * 8);
	assert_non_null(a);
	for (size_t e = 0; e < LR_ARRAY_LEN(encodings); e++)
		for (size_t t = 0; t < LR_ARRAY_LEN(types); t++)
			for (size_t s = 0; s < LR_ARRAY_LEN(sizes); s++)
				for (int kind = 0; kind < 4; kind++) {
					fill_pattern(a, types[t], sizes[s], kind);
					roundtrip(encodings[e], types[t], a, sizes[s], &b);
				}
	mem_free(a);
	buf_free(&b);
}

/* An empty page: CHIMP writes the end marker alone (Java's form for a
 * flush without values), SPRINTZ and RLBE nothing; all read back as zero
 * values, and an empty CHIMP stream is accepted too. */
static void test_empty(void **state)
{
	(void)state;
	buf_t b = BUF_INIT;
	encode_ok(TSFILE_CHIMP, TSFILE_INT32, NULL, 0, &b);
	assert_hex(&b, "8000000000", "chimp int32 empty");
	encode_ok(TSFILE_CHIMP, TSFILE_DOUBLE, NULL, 0, &b);
	assert_hex(&b, "7ff800000000000000", "chimp double empty");
	decode_expect(TSFILE_CHIMP, TSFILE_DOUBLE, b.data, b.len, NULL, 0, "chimp empty");
	decode_expect(TSFILE_CHIMP, TSFILE_DOUBLE, b.data, 0, NULL, 0, "chimp no bytes");
	encode_ok(TSFILE_SPRINTZ, TSFILE_FLOAT, NULL, 0, &b);
	assert_int_equal(b.len, 0);
	encode_ok(TSFILE_RLBE, TSFILE_INT64, NULL, 0, &b);
	assert_int_equal(b.len, 0);
	decode_expect(TSFILE_SPRINTZ, TSFILE_FLOAT, b.data, 0, NULL, 0, "sprintz empty");
	decode_expect(TSFILE_RLBE, TSFILE_INT64, b.data, 0, NULL, 0, "rlbe empty");
	buf_free(&b);
}

/*---------------------------------------------------------------------------
 * Hostile input
 *---------------------------------------------------------------------------*/

/* Decode untrusted bytes: only OK or CORRUPTED, never more than max
 * values, the column untouched on failure and its growth bounded. */
static int decode_hostile(tsfile_encoding_t enc, tsfile_type_t type, const uint8_t *in,
			  size_t len, size_t max_values, col_t *c)
{
	larch_error_t err = {0};
	col_clear(c);
	int rc = decode_stream(enc, type, in, len, max_values, c, &err);
	if (rc != LARCH_OK && rc != LARCH_CORRUPTED)
		fail_msg("%s/%s: status %d (%s)", tsfile_encoding_name(enc), tsfile_type_name(type),
			 rc, err.msg);
	if (rc == LARCH_CORRUPTED) {
		assert_int_equal(c->n, 0);
		assert_true(err.msg[0] != '\0');
	}
	assert_true(c->n <= max_values);
	assert_true(c->cap <= 16384 + 16 * len);
	return rc;
}

/* Every proper prefix of a valid stream either fails cleanly or decodes to
 * a prefix of the values (a cut between SPRINTZ or RLBE blocks). */
static void test_truncation(void **state)
{
	(void)state;
	col_t full, c;
	for (size_t k = 0; k < LR_ARRAY_LEN(vectors); k++) {
		const vec_t *v = &vectors[k];
		size_t len, es = col_elem_size(v->type);
		uint8_t *in = hex_bytes(v->hex, &len);
		col_init(&full, v->type);
		col_init(&c, v->type);
		assert_int_equal(decode_hostile(v->enc, v->type, in, len, v->n, &full), 0);
		for (size_t cut = 0; cut < len; cut++) {
			/* a copy of exactly `cut` bytes, so ASan sees any overread */
			uint8_t *p = mem_alloc(cut + 1);
			memcpy(p, in, cut);
			if (decode_hostile(v->enc, v->type, p, cut, v->n, &c) == LARCH_OK) {
				assert_true(c.n <= full.n);
				assert_memory_equal(c.data, full.data, c.n * es);
			}
			mem_free(p);
		}
		col_free(&full);
		col_free(&c);
		mem_free(in);
	}
}

/* More values than the caller allows is corruption, not a partial read. */
static void test_max_values(void **state)
{
	(void)state;
	col_t c;
	for (size_t k = 0; k < LR_ARRAY_LEN(vectors); k++) {
		const vec_t *v = &vectors[k];
		size_t len;
		uint8_t *in = hex_bytes(v->hex, &len);
		col_init(&c, v->type);
		assert_int_equal(decode_hostile(v->enc, v->type, in, len, v->n - 1, &c),
				 LARCH_CORRUPTED);
		assert_int_equal(decode_hostile(v->enc, v->type, in, len, 0, &c), LARCH_CORRUPTED);
		assert_int_equal(decode_hostile(v->enc, v->type, in, len, v->n, &c), LARCH_OK);
		assert_int_equal(c.n, v->n);
		col_free(&c);
		mem_free(in);
	}
}

/* Random bytes and randomly damaged valid streams, every type: no crash,
 * no overread (ASan), no runaway loop or allocation. */
static void test_garbage(void **state)
{
	(void)state;
	col_t c;
	uint8_t buf[600];
	for (size_t e = 0; e < LR_ARRAY_LEN(encodings); e++)
		for (size_t t = 0; t < LR_ARRAY_LEN(types); t++) {
			col_init(&c, types[t]);
			for (int it = 0; it < 3000; it++) {
				size_t len = rnd() % sizeof buf;
				for (size_t i = 0; i < len; i++)
					buf[i] = (uint8_t)rnd();
				uint8_t *p = mem_alloc(len + 1);
				memcpy(p, buf, len);
				decode_hostile(encodings[e], types[t], p, len, SIZE_MAX, &c);
				mem_free(p);
			}
			col_free(&c);
		}
	for (size_t k = 0; k < LR_ARRAY_LEN(vectors); k++) {
		const vec_t *v = &vectors[k];
		size_t len;
		uint8_t *in = hex_bytes(v->hex, &len);
		col_init(&c, v->type);
		for (int it = 0; it < 300; it++) {
			uint8_t *p = mem_alloc(len + 1);
			memcpy(p, in, len);
			for (int flips = 1 + (int)(rnd() % 4); flips > 0; flips--)
				p[rnd() % len] ^= (uint8_t)(1u << (rnd() % 8));
			decode_hostile(v->enc, v->type, p, len, v->n + 64, &c);
			mem_free(p);
		}
		col_free(&c);
		mem_free(in);
	}
}

/* Hand-made malformed streams, each of which must be refused. */
static void test_crafted(void **state)
{
	(void)state;
	static const struct {
		tsfile_encoding_t enc;
		tsfile_type_t type;
		const char *hex;
		const char *why;
	} bad[] = {
		{TSFILE_RLBE, TSFILE_INT32, "00000000", "block count 0"},
		{TSFILE_RLBE, TSFILE_INT32, "00002711" "04c0", "block count 10001"},
		{TSFILE_RLBE, TSFILE_INT32, "00000001" "03", "bit length 0, run 1"},
		{TSFILE_RLBE, TSFILE_INT32, "00000001" "87ffffffff", "bit length 33"},
		{TSFILE_RLBE, TSFILE_INT64, "00000001" "83" "ffffffffffffffffff", "bit length 65"},
		{TSFILE_RLBE, TSFILE_INT32, "00000001" "05" "b0", "run 2 in a block of 1"},
		{TSFILE_RLBE, TSFILE_INT32, "00000001" "0400000000", "Fibonacci code never ends"},
		{TSFILE_RLBE, TSFILE_INT32, "00002710" "07", "10000 values promised, none there"},
		{TSFILE_RLBE, TSFILE_INT32, "00000001" "06" "00" "00", "a zero block after one"},
		{TSFILE_SPRINTZ, TSFILE_INT32, "00" "05" "00", "bit width 0"},
		{TSFILE_SPRINTZ, TSFILE_INT32, "21" "05" "ffffffffffffffffffffffffffffffffff",
		 "bit width 33"},
		{TSFILE_SPRINTZ, TSFILE_INT64, "41" "0000000000000005", "bit width 65"},
		{TSFILE_SPRINTZ, TSFILE_INT32, "80", "empty tail"},
		{TSFILE_SPRINTZ, TSFILE_INT32, "83" "0302", "tail package cut short"},
		{TSFILE_SPRINTZ, TSFILE_INT32, "83" "03030207", "tail with 2 values, header 3"},
		{TSFILE_SPRINTZ, TSFILE_INT32, "01" "ffffffffff0f" "00", "first value over 32 bits"},
		{TSFILE_SPRINTZ, TSFILE_INT32, "01" "05", "block cut after the first value"},
		{TSFILE_SPRINTZ, TSFILE_FLOAT, "82" "3f800000", "GORILLA tail cut short"},
		{TSFILE_SPRINTZ, TSFILE_FLOAT, "82" "3f800000" "80", "GORILLA window never set"},
		{TSFILE_CHIMP, TSFILE_INT32, "000000", "first value cut short"},
		{TSFILE_CHIMP, TSFILE_INT32, "00000005" "8000", "code 10 before any class"},
		{TSFILE_CHIMP, TSFILE_INT32, "00000005" "5ffe", "code 01: 31 bits after 24 zeros"},
		{TSFILE_CHIMP, TSFILE_INT64, "0000000000000005" "0000", "no end marker"},
	};
	col_t c;
	for (size_t k = 0; k < LR_ARRAY_LEN(bad); k++) {
		size_t len;
		uint8_t *in = hex_bytes(bad[k].hex, &len);
		col_init(&c, bad[k].type);
		if (decode_hostile(bad[k].enc, bad[k].type, in, len, SIZE_MAX, &c) != LARCH_CORRUPTED)
			fail_msg("accepted: %s", bad[k].why);
		col_free(&c);
		mem_free(in);
	}
}

/* Wrong types and columns are refused before any byte is read. */
static void test_types(void **state)
{
	(void)state;
	larch_error_t err = {0};
	buf_t b = BUF_INIT;
	col_t c;
	const uint8_t one = 1;
	for (size_t e = 0; e < LR_ARRAY_LEN(encodings); e++) {
		assert_int_equal(encode_stream(encodings[e], TSFILE_TEXT, NULL, NULL, 0, &b, &err),
				 LARCH_UNSUPPORTED);
		assert_int_equal(encode_stream(encodings[e], TSFILE_BOOLEAN, NULL, &one, 1, &b, &err),
				 LARCH_UNSUPPORTED);
		col_init(&c, TSFILE_INT32);
		assert_int_equal(decode_stream(encodings[e], TSFILE_DOUBLE, &one, 1, 10, &c, &err),
				 LARCH_ILLEGAL_PARAMETER);
		col_free(&c);
	}
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_official_vectors),
		cmocka_unit_test(test_sprintz_tail_java_rle),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_date_timestamp_alias),
		cmocka_unit_test(test_sprintz_min_residual),
		cmocka_unit_test(test_sprintz_fire_overflow),
		cmocka_unit_test(test_chimp_end_marker_values),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_max_values),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_crafted),
		cmocka_unit_test(test_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
