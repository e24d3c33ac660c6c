/*
 * The expected contents of the database for the Java round-trip programs: the
 * ten IoTDB data types, a deterministic value for every (row key, column)
 * including edge values (extremes, -0.0, subnormals, empty text and blobs,
 * non-ASCII text, the ends of the DATE range), a null pattern, and a model of
 * what a tree-model raw query must return after inserts and deletions.
 *
 * The model follows IoTDB's documented semantics: a later insert overwrites
 * the value at the same (series, time); a null in a row leaves the series
 * untouched; deleteData removes the values of a series in [start, end]; a
 * raw query `SELECT s1, .., sn FROM dev` returns the rows (in time order)
 * where at least one selected series has a value.
 */
package larch.compat;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

public final class Model {
	/* Column index = position in TYPES; the programs create the series in this order. */
	public static final String[] TYPES = {"BOOLEAN", "INT32", "INT64", "FLOAT", "DOUBLE",
		"TEXT", "TIMESTAMP", "DATE", "BLOB", "STRING"};
	public static final int BOOLEAN = 0, INT32 = 1, INT64 = 2, FLOAT = 3, DOUBLE = 4,
		TEXT = 5, TIMESTAMP = 6, DATE = 7, BLOB = 8, STRING = 9;
	public static final int NCOLS = TYPES.length;

	private final Map<String, TreeMap<Long, Object[]>> devices = new HashMap<>();

	/* "s_boolean", "s_int32", ...: the measurement name of column c. */
	public static String measurement(int c) {
		return "s_" + TYPES[c].toLowerCase(Locale.ROOT);
	}

	/* All ten measurement names in column order. */
	public static List<String> measurements() {
		List<String> out = new ArrayList<>();
		for (int c = 0; c < NCOLS; c++)
			out.add(measurement(c));
		return out;
	}

	/*
	 * The value of column c for row key k, as the Java type the session API takes:
	 * Boolean, Integer, Long, Float, Double, String (TEXT), Long (TIMESTAMP),
	 * LocalDate (DATE), byte[] (BLOB), String (STRING). Every few keys yields an
	 * edge value of the type.
	 */
	public static Object value(int c, long k) {
		int m = (int) Math.floorMod(k, 6L);
		switch (c) {
		case BOOLEAN:
			return (k * 5 + 1) % 3 == 0;
		case INT32:
			return m == 1 ? Integer.MAX_VALUE : m == 2 ? Integer.MIN_VALUE
				: (int) (k * 2654435761L);
		case INT64:
			return m == 1 ? Long.MAX_VALUE : m == 2 ? Long.MIN_VALUE
				: k * 0x9E3779B97F4A7C15L;
		case FLOAT:
			return m == 1 ? Float.MAX_VALUE : m == 2 ? -0.0f : m == 3 ? Float.MIN_VALUE
				: (float) (Math.sin(k) * 1000.0);
		case DOUBLE:
			return m == 1 ? -Double.MAX_VALUE : m == 2 ? Double.MIN_VALUE : m == 3 ? -0.0
				: Math.cos(k) * 1.0e6 / 7.0;
		case TEXT:
			return m == 1 ? "" : m == 2 ? "it's \"quoted\", k=" + k
				: m == 3 ? "x".repeat(300) + k : "héllo wörld ✓ 時系列 " + k;
		case TIMESTAMP:
			return m == 1 ? 0L : m == 2 ? -86_400_000L : 1_700_000_000_000L + k * 1_234L;
		case DATE:
			return m == 1 ? LocalDate.of(1000, 1, 1) : m == 2 ? LocalDate.of(9999, 12, 31)
				: LocalDate.of(2024, 2, 29).plusDays(k * 37);
		case BLOB: {
			byte[] b = new byte[(int) Math.floorMod(k, 9L)];
			for (int i = 0; i < b.length; i++)
				b[i] = (byte) (k * 31 + i * 97);
			if (b.length > 2)
				b[1] = 0;
			return b;
		}
		case STRING:
			return m == 1 ? "" : "str-" + k + "-日本";
		default:
			throw new IllegalArgumentException("column " + c);
		}
	}

	/*
	 * Whether (row key k, column c) is null in the rows that carry nulls:
	 * exactly two of the ten columns per row (c == k mod 5 and c == k mod 5 + 5),
	 * so every row keeps eight values and every column gets nulls.
	 */
	public static boolean nullAt(int c, long k) {
		return Math.floorMod(k * 7 + c * 3, 5L) == 0;
	}

	/* The row for key k: all ten values, or with the null pattern applied. */
	public static Object[] row(long k, boolean withNulls) {
		Object[] r = new Object[NCOLS];
		for (int c = 0; c < NCOLS; c++)
			r[c] = withNulls && nullAt(c, k) ? null : value(c, k);
		return r;
	}

	/* Records an insert of row r (nulls leave the stored value) at time t. */
	public void put(String device, long t, Object[] r) {
		Object[] cur = devices.computeIfAbsent(device, d -> new TreeMap<>())
			.computeIfAbsent(t, x -> new Object[NCOLS]);
		for (int c = 0; c < NCOLS; c++)
			if (r[c] != null)
				cur[c] = r[c];
	}

	/* Records deleteData of column c of device over [start, end] (inclusive). */
	public void delete(String device, int c, long start, long end) {
		TreeMap<Long, Object[]> rows = devices.get(device);
		if (rows == null)
			return;
		for (Object[] r : rows.subMap(start, true, end, true).values())
			r[c] = null;
	}

	/* Rows of `device` with time in [from, to] that a raw query of all ten columns returns. */
	public List<Map.Entry<Long, Object[]>> expected(String device, long from, long to) {
		List<Map.Entry<Long, Object[]>> out = new ArrayList<>();
		TreeMap<Long, Object[]> rows = devices.getOrDefault(device, new TreeMap<>());
		for (Map.Entry<Long, Object[]> e : rows.subMap(from, true, to, true).entrySet()) {
			for (Object v : e.getValue()) {
				if (v != null) {
					out.add(Map.entry(e.getKey(), e.getValue().clone()));
					break;
				}
			}
		}
		return out;
	}

	/* Number of non-null values of column c of device (what COUNT returns). */
	public long count(String device, int c) {
		long n = 0;
		for (Object[] r : devices.getOrDefault(device, new TreeMap<>()).values())
			if (r[c] != null)
				n++;
		return n;
	}

	/* Time of the last non-null value of column c of device (what LAST returns), or null. */
	public Long lastTime(String device, int c) {
		for (Map.Entry<Long, Object[]> e : devices.getOrDefault(device, new TreeMap<>())
			.descendingMap().entrySet())
			if (e.getValue()[c] != null)
				return e.getKey();
		return null;
	}

	/* Value at (device, t, column c), or null. */
	public Object at(String device, long t, int c) {
		Object[] r = devices.getOrDefault(device, new TreeMap<>()).get(t);
		return r == null ? null : r[c];
	}

	/* Same value of column c? Floats compare by bits (so -0.0 and 0.0 differ), blobs by bytes. */
	public static boolean same(int c, Object expect, Object got) {
		if (expect == null || got == null)
			return expect == got;
		switch (c) {
		case FLOAT:
			return got instanceof Float && Float.floatToRawIntBits((Float) expect)
				== Float.floatToRawIntBits((Float) got);
		case DOUBLE:
			return got instanceof Double && Double.doubleToRawLongBits((Double) expect)
				== Double.doubleToRawLongBits((Double) got);
		case BLOB:
			return got instanceof byte[] && Arrays.equals((byte[]) expect, (byte[]) got);
		default:
			return expect.equals(got);
		}
	}

	/* A readable form of a value for failure messages (floats with their bits). */
	public static String show(Object v) {
		if (v == null)
			return "null";
		if (v instanceof Float)
			return v + String.format(" (bits %08x)", Float.floatToRawIntBits((Float) v));
		if (v instanceof Double)
			return v + String.format(" (bits %016x)", Double.doubleToRawLongBits((Double) v));
		if (v instanceof byte[])
			return "blob " + hex((byte[]) v);
		if (v instanceof String)
			return "'" + v + "' (" + ((String) v).getBytes(StandardCharsets.UTF_8).length
				+ " bytes)";
		return v + " (" + v.getClass().getSimpleName() + ")";
	}

	/* Lower-case hex of b, no separators. */
	public static String hex(byte[] b) {
		StringBuilder s = new StringBuilder();
		for (byte x : b)
			s.append(String.format("%02x", x & 0xff));
		return s.toString();
	}

	/*
	 * Value v of column c as an IoTDB SQL literal: strings single-quoted with
	 * '' for a quote, DATE as 'yyyy-MM-dd', BLOB as X'..', numbers in Java's
	 * shortest round-trip form (exponent form included, e.g. 3.4028235E38).
	 */
	public static String sqlLiteral(int c, Object v) {
		if (v == null)
			return "null";
		switch (c) {
		case TEXT:
		case STRING:
			return "'" + ((String) v).replace("'", "''") + "'";
		case DATE:
			return "'" + v + "'";
		case BLOB:
			return "X'" + hex((byte[]) v) + "'";
		default:
			return String.valueOf(v);
		}
	}

	/* One row the server returned, read through some client API. */
	public interface RowSource {
		/* Advances to the next row; false at the end. */
		boolean next() throws Exception;

		long time() throws Exception;

		/* Value of column c in this row as the Java type value() uses, or null. */
		Object get(int c) throws Exception;
	}

	/*
	 * Reads every row of src and compares it with the expected rows, exactly
	 * (times, count, every value and every null). Throws AssertionError naming
	 * the query, row, time, column, expected and actual value.
	 */
	public static void verify(String what, List<Map.Entry<Long, Object[]>> expect, RowSource src)
		throws Exception {
		int n = 0;
		while (src.next()) {
			long t = src.time();
			if (n >= expect.size())
				throw new AssertionError(what + ": extra row " + n + " at time " + t
					+ " (expected " + expect.size() + " rows)");
			Map.Entry<Long, Object[]> e = expect.get(n);
			if (t != e.getKey())
				throw new AssertionError(what + ": row " + n + " has time " + t
					+ ", expected " + e.getKey());
			for (int c = 0; c < NCOLS; c++) {
				Object got = src.get(c);
				if (!same(c, e.getValue()[c], got))
					throw new AssertionError(what + ": row " + n + " time " + t + " "
						+ measurement(c) + " (" + TYPES[c] + "): expected "
						+ show(e.getValue()[c]) + ", got " + show(got));
			}
			n++;
		}
		if (n != expect.size())
			throw new AssertionError(what + ": " + n + " rows returned, expected "
				+ expect.size());
	}

	/* Throws AssertionError(msg) unless ok. */
	public static void check(boolean ok, String msg) {
		if (!ok)
			throw new AssertionError(msg);
	}
}
