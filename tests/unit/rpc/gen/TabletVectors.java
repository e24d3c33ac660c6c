/*
 * TabletVectors.java — writes tests/unit/rpc/gen/tablet_vectors.h: column-encoded
 * insertTablet requests (TSInsertTabletReq.isCompressed = true) made by the
 * official Java session, org.apache.iotdb:iotdb-session 2.0.7 (tsfile 2.2.0),
 * for tests/unit/rpc/test_tablet_encoded.c.  Not run by `make test`; run
 * gen_tablet_vectors.sh after changing it.
 *
 * Each vector is what Session.genTSInsertTabletReq (private; called through
 * reflection on a Session that never connects) builds for one tablet, with the
 * session's columnEncodersMap and compressionType set as listed: the bytes of
 * field 5 (timestamps), field 4 (values), field 12 (encodingTypes) and field
 * 13 (compressType).  The header also holds the source tablets (times, values,
 * nulls) as the program built them, and for lossy encodings (FLOAT/DOUBLE
 * under TS_2DIFF or RLE) the values IoTDB's own decoders give back.
 *
 * Self-check before anything is printed: every request is decoded again the
 * way IoTDB's TabletDecoder does (decompress, the tsfile Decoder of each
 * column read `rows` times, PLAIN INT32/DATE/binary read as i32 / i32 length
 * + bytes, then the bitmap section) and must use up both buffers exactly,
 * give back every lossless value bit for bit, and the nulls of the tablet.
 */

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.apache.iotdb.service.rpc.thrift.TSInsertTabletReq;
import org.apache.iotdb.session.Session;
import org.apache.tsfile.compress.IUnCompressor;
import org.apache.tsfile.encoding.decoder.Decoder;
import org.apache.tsfile.enums.TSDataType;
import org.apache.tsfile.file.metadata.enums.CompressionType;
import org.apache.tsfile.file.metadata.enums.TSEncoding;
import org.apache.tsfile.utils.Binary;
import org.apache.tsfile.utils.DateUtils;
import org.apache.tsfile.write.record.Tablet;
import org.apache.tsfile.write.schema.IMeasurementSchema;
import org.apache.tsfile.write.schema.MeasurementSchema;

public class TabletVectors {
	static final TSDataType[] ALL = {
		TSDataType.BOOLEAN, TSDataType.INT32, TSDataType.INT64, TSDataType.FLOAT,
		TSDataType.DOUBLE, TSDataType.TEXT, TSDataType.TIMESTAMP, TSDataType.DATE,
		TSDataType.BLOB, TSDataType.STRING,
	};
	static final TSDataType[] RUNS = {
		TSDataType.BOOLEAN, TSDataType.INT32, TSDataType.INT64, TSDataType.FLOAT,
		TSDataType.STRING,
	};

	/* One source tablet: `rows` rows of `types`; times irregular unless `regular`. */
	static final class Dataset {
		final String name;
		final TSDataType[] types;
		final int rows;
		final boolean regular;
		final boolean special;	/* NaN, infinities, values no scale fits */
		final long[] times;
		final Object[][] values;	/* [column][row], null = null */

		Dataset(String name, TSDataType[] types, int rows, boolean regular, boolean special) {
			this.name = name;
			this.types = types;
			this.rows = rows;
			this.regular = regular;
			this.special = special;
			times = new long[rows];
			values = new Object[types.length][rows];
			for (int r = 0; r < rows; r++) {
				times[r] = 1700000000000L + 1000L * r + (regular ? 0 : (r % 3) * 7 - r / 50);
				for (int c = 0; c < types.length; c++)
					values[c][r] = isNull(c, r) ? null : value(types[c], c, r);
			}
		}

		/* Column 2 never null; in the long dataset the runs are long too. */
		boolean isNull(int c, int r) {
			if (c == 2)
				return false;
			if (name.equals("all_null_col") && c == 4)
				return true;
			return rows > 500 ? (r / 97) % 5 == 1 && r % 3 == 0 : (r * 3 + c) % 7 == 0;
		}

		Object value(TSDataType t, int c, int r) {
			boolean runs = rows > 500;
			switch (t) {
			case BOOLEAN:
				return runs ? (r / 37) % 2 == 0 : r % 3 == 1;
			case INT32:
				if (runs)
					return (r / 40) % 3 == 0 ? 7 : r % 17;
				if (r == 5)
					return Integer.MIN_VALUE;
				if (r == 6)
					return Integer.MAX_VALUE;
				return r * r - 50 * r;
			case INT64:
				if (runs)
					return (long) (r / 60) * 1000000007L;
				if (r == 9)
					return Long.MIN_VALUE;
				if (r == 10)
					return Long.MAX_VALUE;
				return (1L << 40) * (r % 4) - 12345L * r;
			case FLOAT:
				return floatAt(runs ? r % 5 + 20 : r, special);
			case DOUBLE:
				return doubleAt(r, special);
			case TEXT:
				if (r % 7 == 3)
					return "";
				return r == 4 ? "\u00e9\u6f22-" + r : "t" + r;
			case STRING:
				return "s" + (runs ? r / 100 : r % 4);
			case TIMESTAMP:
				return 1600000000000L + 86400000L * r - 3 * (r % 5);
			case DATE:
				return LocalDate.of(1990 + r % 40, 1 + r % 12, 1 + r % 28);
			case BLOB:
				byte[] b = new byte[r % 5];
				for (int i = 0; i < b.length; i++)
					b[i] = (byte) (i == 0 ? 0 : 255 - 3 * r - i);
				return new Binary(b);
			default:
				throw new IllegalArgumentException(t.toString());
			}
		}

		static float floatAt(int r, boolean special) {
			switch (special ? r : -1) {
			case 7: return Float.NaN;
			case 8: return Float.POSITIVE_INFINITY;
			case 9: return 1e30f;
			case 10: return -0.0f;
			case 11: return 1.4e-45f;
			case 12: return -3.4028235e38f;
			default: return r * 1.25f - 3.5f;
			}
		}

		static double doubleAt(int r, boolean special) {
			switch (special ? r : -1) {
			case 3: return Double.NaN;
			case 8: return Double.NEGATIVE_INFINITY;
			case 11: return 4.9e-324;
			case 12: return 1e300;
			default: return r * Math.PI - 17.0;
			}
		}

		String measurement(int c) {
			return "s" + c + "_" + types[c].name().toLowerCase();
		}

		Tablet tablet() {
			List<IMeasurementSchema> schemas = new ArrayList<>();
			for (int c = 0; c < types.length; c++)
				schemas.add(new MeasurementSchema(measurement(c), types[c]));
			Tablet tab = new Tablet("root.tv." + name, schemas, rows);
			for (int r = 0; r < rows; r++) {
				tab.addTimestamp(r, times[r]);
				for (int c = 0; c < types.length; c++)
					tab.addValue(measurement(c), r, values[c][r]);
			}
			return tab;
		}
	}

	/* One request: a dataset through one compression and encoder map. */
	static final class Vector {
		final String label;
		final Dataset ds;
		final CompressionType comp;
		final Map<TSDataType, TSEncoding> encoders;

		Vector(String label, Dataset ds, CompressionType comp, Map<TSDataType, TSEncoding> enc) {
			this.label = label;
			this.ds = ds;
			this.comp = comp;
			this.encoders = enc;
		}
	}

	static Map<TSDataType, TSEncoding> encoders(Object... pairs) {
		Map<TSDataType, TSEncoding> m = new EnumMap<>(TSDataType.class);
		for (int i = 0; i < pairs.length; i += 2)
			m.put((TSDataType) pairs[i], (TSEncoding) pairs[i + 1]);
		return m;
	}

	static Map<TSDataType, TSEncoding> allOf(TSEncoding e) {
		Map<TSDataType, TSEncoding> m = new EnumMap<>(TSDataType.class);
		for (TSDataType t : ALL)
			m.put(t, e);
		return m;
	}

	/*---------------------------------------------------------------------
	 * IoTDB's decoding of the request (TabletDecoder), as the self-check
	 *-------------------------------------------------------------------*/

	static ByteBuffer uncompress(CompressionType comp, byte[] in) throws Exception {
		if (comp == CompressionType.UNCOMPRESSED)
			return ByteBuffer.wrap(in);
		int n = ByteBuffer.wrap(in).getInt(in.length - 4);
		byte[] out = new byte[n];
		IUnCompressor.getUnCompressor(comp).uncompress(in, 0, in.length - 4, out, 0);
		return ByteBuffer.wrap(out);
	}

	/* The decoded column as Object[] of Boolean/Integer/Long/Float/Double/Binary. */
	static Object[] decodeColumn(ByteBuffer buf, TSDataType t, TSEncoding e, int rows) {
		Decoder d = Decoder.getDecoderByType(e, t);
		Object[] out = new Object[rows];
		for (int r = 0; r < rows; r++) {
			switch (t) {
			case BOOLEAN: out[r] = d.readBoolean(buf); break;
			case INT32:
			case DATE: out[r] = e == TSEncoding.PLAIN ? buf.getInt() : d.readInt(buf); break;
			case INT64:
			case TIMESTAMP: out[r] = d.readLong(buf); break;
			case FLOAT: out[r] = d.readFloat(buf); break;
			case DOUBLE: out[r] = d.readDouble(buf); break;
			default:
				if (e == TSEncoding.PLAIN) {
					byte[] b = new byte[buf.getInt()];
					buf.get(b);
					out[r] = new Binary(b);
				} else {
					out[r] = d.readBinary(buf);
				}
			}
		}
		return out;
	}

	static boolean lossy(TSDataType t, TSEncoding e) {
		return (t == TSDataType.FLOAT || t == TSDataType.DOUBLE)
			&& (e == TSEncoding.TS_2DIFF || e == TSEncoding.RLE);
	}

	/* The source value in the form decodeColumn gives. */
	static Object canonical(TSDataType t, Object v) {
		if (v instanceof LocalDate)
			return DateUtils.parseDateExpressionToInt((LocalDate) v);
		if (v instanceof String)
			return new Binary(((String) v).getBytes(StandardCharsets.UTF_8));
		return v;
	}

	static boolean sameBits(Object a, Object b) {
		if (a instanceof Float)
			return Float.floatToRawIntBits((Float) a) == Float.floatToRawIntBits((Float) b)
				|| (((Float) a).isNaN() && ((Float) b).isNaN());
		if (a instanceof Double)
			return Double.doubleToRawLongBits((Double) a) == Double.doubleToRawLongBits((Double) b)
				|| (((Double) a).isNaN() && ((Double) b).isNaN());
		return a.equals(b);
	}

	/* Decodes req like IoTDB and checks it against the source; returns the
	 * decoded columns (for the lossy ones' expected values). */
	static Object[][] selfCheck(Vector v, TSInsertTabletReq req, List<TSEncoding> encs)
		throws Exception {
		Dataset ds = v.ds;
		ByteBuffer tb = uncompress(v.comp, bytes(req.timestamps));
		Object[] times = decodeColumn(tb, TSDataType.INT64, encs.get(0), ds.rows);
		check(!tb.hasRemaining(), v, "time buffer not used up: " + tb.remaining());
		for (int r = 0; r < ds.rows; r++)
			check((Long) times[r] == ds.times[r], v, "time " + r);
		ByteBuffer vb = uncompress(v.comp, bytes(req.values));
		Object[][] cols = new Object[ds.types.length][];
		for (int c = 0; c < ds.types.length; c++) {
			int at = vb.position();
			try {
				cols[c] = decodeColumn(vb, ds.types[c], encs.get(c + 1), ds.rows);
			} catch (RuntimeException e) {
				throw new IllegalStateException(v.label + ": column " + c + " ("
					+ ds.types[c] + " " + encs.get(c + 1) + ") from byte " + at + " of "
					+ vb.limit() + ": " + java.util.HexFormat.of().formatHex(vb.array(), 0, Math.min(vb.limit(), at + 64)), e);
			}
		}
		boolean[][] nulls = new boolean[ds.types.length][ds.rows];
		if (vb.hasRemaining()) {
			for (int c = 0; c < ds.types.length; c++) {
				if (vb.get() == 0)
					continue;
				byte[] bm = new byte[ds.rows / 8 + 1];
				vb.get(bm);
				for (int r = 0; r < ds.rows; r++)
					nulls[c][r] = ((bm[r / 8] >> (r % 8)) & 1) != 0;
			}
		}
		check(!vb.hasRemaining(), v, "value buffer not used up: " + vb.remaining());
		for (int c = 0; c < ds.types.length; c++) {
			for (int r = 0; r < ds.rows; r++) {
				Object src = ds.values[c][r];
				check(nulls[c][r] == (src == null), v, "null flag " + c + "/" + r);
				if (src != null && !lossy(ds.types[c], encs.get(c + 1)))
					check(sameBits(canonical(ds.types[c], src), cols[c][r]), v,
						"value " + c + "/" + r + ": " + src + " vs " + cols[c][r]);
			}
		}
		return cols;
	}

	static void check(boolean ok, Vector v, String what) {
		if (!ok)
			throw new IllegalStateException(v.label + ": " + what);
	}

	static byte[] bytes(ByteBuffer b) {
		ByteBuffer d = b.duplicate();
		byte[] out = new byte[d.remaining()];
		d.get(out);
		return out;
	}

	/*---------------------------------------------------------------------
	 * C output
	 *-------------------------------------------------------------------*/

	static final StringBuilder out = new StringBuilder();

	static void hex(String indent, byte[] b) {
		final String digits = "0123456789abcdef";
		if (b.length == 0) {
			out.append(indent).append("\"\"");
			return;
		}
		for (int i = 0; i < b.length; i += 48) {
			out.append(i == 0 ? indent : "\n" + indent).append('"');
			for (int j = i; j < Math.min(b.length, i + 48); j++)
				out.append(digits.charAt((b[j] >> 4) & 15)).append(digits.charAt(b[j] & 15));
			out.append('"');
		}
	}

	/* A value's bits as uint64 (sign-extended integers, raw float bits). */
	static long bits(Object v) {
		if (v instanceof Boolean)
			return (Boolean) v ? 1 : 0;
		if (v instanceof Integer)
			return (Integer) v;
		if (v instanceof Long)
			return (Long) v;
		if (v instanceof Float)
			return Float.floatToRawIntBits((Float) v) & 0xffffffffL;
		if (v instanceof Double)
			return Double.doubleToRawLongBits((Double) v);
		throw new IllegalArgumentException(String.valueOf(v));
	}

	static void numbers(String name, Object[] vals) {
		out.append("static const uint64_t ").append(name).append("[] = {");
		for (int r = 0; r < vals.length; r++) {
			out.append(r % 4 == 0 ? "\n\t" : " ");
			out.append(String.format("0x%016xull,", vals[r] == null ? 0 : bits(vals[r])));
		}
		out.append("\n};\n");
	}

	static void dataset(Dataset ds) {
		String p = "tv_" + ds.name;
		out.append("\n/* dataset ").append(ds.name).append(": ").append(ds.rows)
			.append(" rows */\nstatic const int64_t ").append(p).append("_times[] = {");
		for (int r = 0; r < ds.rows; r++)
			out.append(r % 4 == 0 ? "\n\t" : " ").append(ds.times[r]).append("ll,");
		out.append("\n};\n");
		for (int c = 0; c < ds.types.length; c++) {
			String n = p + "_c" + c;
			StringBuilder nulls = new StringBuilder();
			for (int r = 0; r < ds.rows; r++)
				nulls.append(ds.values[c][r] == null ? '1' : '0');
			out.append("static const char ").append(n).append("_nulls[] = \"")
				.append(nulls).append("\";\n");
			Object[] canon = new Object[ds.rows];
			for (int r = 0; r < ds.rows; r++)
				canon[r] = ds.values[c][r] == null ? null : canonical(ds.types[c], ds.values[c][r]);
			if (ds.types[c].isBinary()) {
				out.append("static const char *const ").append(n).append("_hex[] = {\n");
				for (int r = 0; r < ds.rows; r++) {
					hex("\t", canon[r] == null ? new byte[0] : ((Binary) canon[r]).getValues());
					out.append(",\n");
				}
				out.append("};\n");
			} else {
				numbers(n + "_num", canon);
			}
		}
		out.append("static const tv_column_t ").append(p).append("_cols[] = {\n");
		for (int c = 0; c < ds.types.length; c++) {
			String n = p + "_c" + c;
			boolean bin = ds.types[c].isBinary();
			out.append(String.format("\t{\"%s\", %d, %s_nulls, %s, %s},\n", ds.measurement(c),
				ds.types[c].serialize(), n, bin ? "NULL" : n + "_num", bin ? n + "_hex" : "NULL"));
		}
		out.append("};\nstatic const tv_dataset_t ").append(p).append(" = {\"root.tv.")
			.append(ds.name).append("\", ").append(ds.rows).append(", ").append(ds.types.length)
			.append(", ").append(p).append("_times, ").append(p).append("_cols};\n");
	}

	static int vectorCount = 0;

	/*
	 * In a label: a request the Java session builds wrongly, which IoTDB's
	 * decoding cannot read either (checked: the self-check must fail).
	 * tsfile's FloatEncoder (FLOAT/DOUBLE under TS_2DIFF or RLE) writes its
	 * header for values it cannot scale (NaN, infinities, huge) by
	 * rewriting its whole output stream with the header in front: in a
	 * tablet that stream holds the earlier columns too, so the header lands
	 * at byte 0 of the values buffer.
	 */
	static final String JAVA_BROKEN = "JAVA-BROKEN";

	static void vector(Session session, Method gen, Field compField, Vector v) throws Exception {
		session.columnEncodersMap = v.encoders;
		compField.set(session, v.comp);
		TSInsertTabletReq req = (TSInsertTabletReq) gen.invoke(session, v.ds.tablet(), false, false);
		check(req.isIsCompressed(), v, "request not column-encoded");
		List<TSEncoding> encs = new ArrayList<>();
		byte[] encBytes = new byte[req.encodingTypes.size()];
		for (int i = 0; i < encBytes.length; i++) {
			encBytes[i] = req.encodingTypes.get(i);
			encs.add(TSEncoding.deserialize(encBytes[i]));
		}
		check(req.compressType == v.comp.serialize(), v, "compressType");
		Object[][] cols = null;
		if (v.label.contains(JAVA_BROKEN)) {
			try {
				selfCheck(v, req, encs);
			} catch (RuntimeException expected) {
				cols = new Object[0][];
			}
			check(cols != null, v, "decodes, yet is listed as broken");
		} else {
			cols = selfCheck(v, req, encs);
		}
		String p = "tvv" + vectorCount++;
		List<String> lossyRefs = new ArrayList<>();
		for (int c = 0; c < v.ds.types.length; c++) {
			if (cols.length > 0 && lossy(v.ds.types[c], encs.get(c + 1))) {
				numbers(p + "_lossy" + c, cols[c]);
				lossyRefs.add(p + "_lossy" + c);
			} else {
				lossyRefs.add("NULL");
			}
		}
		out.append("static const uint64_t *const ").append(p).append("_lossy[] = {")
			.append(String.join(", ", lossyRefs)).append("};\n");
		out.append("static const tv_vector_t ").append(p).append(" = {\n\t\"").append(v.label)
			.append("\", &tv_").append(v.ds.name).append(", ").append(v.comp.serialize())
			.append(",\n");
		hex("\t", encBytes);
		out.append(",\n");
		hex("\t", bytes(req.timestamps));
		out.append(",\n");
		hex("\t", bytes(req.values));
		out.append(",\n\t").append(p).append("_lossy};\n");
	}

	public static void main(String[] args) throws Exception {
		Session session = new Session.Builder().host("127.0.0.1").port(1).build();
		Method gen = Session.class.getDeclaredMethod("genTSInsertTabletReq", Tablet.class,
			boolean.class, boolean.class);
		gen.setAccessible(true);
		Field compField = Session.class.getDeclaredField("compressionType");
		compField.setAccessible(true);

		Dataset a = new Dataset("all13", ALL, 13, false, true);
		Dataset t = new Dataset("all13tame", ALL, 13, false, false);
		Dataset b = new Dataset("all150", ALL, 150, false, false);
		Dataset n = new Dataset("all_null_col", ALL, 16, false, true);
		Dataset c = new Dataset("runs1100", RUNS, 1100, true, false);

		Map<TSDataType, TSEncoding> def = encoders();
		Map<TSDataType, TSEncoding> plain = allOf(TSEncoding.PLAIN);
		Map<TSDataType, TSEncoding> rle = encoders(TSDataType.INT32, TSEncoding.RLE,
			TSDataType.DATE, TSEncoding.RLE, TSDataType.INT64, TSEncoding.RLE,
			TSDataType.TIMESTAMP, TSEncoding.RLE, TSDataType.FLOAT, TSEncoding.RLE,
			TSDataType.DOUBLE, TSEncoding.RLE, TSDataType.BOOLEAN, TSEncoding.PLAIN,
			TSDataType.TEXT, TSEncoding.DICTIONARY, TSDataType.STRING, TSEncoding.DICTIONARY);
		Map<TSDataType, TSEncoding> gorilla = encoders(TSDataType.INT32, TSEncoding.GORILLA,
			TSDataType.DATE, TSEncoding.GORILLA, TSDataType.INT64, TSEncoding.GORILLA,
			TSDataType.TIMESTAMP, TSEncoding.GORILLA, TSDataType.FLOAT, TSEncoding.TS_2DIFF,
			TSDataType.DOUBLE, TSEncoding.TS_2DIFF);
		Map<TSDataType, TSEncoding> zigzag = encoders(TSDataType.INT32, TSEncoding.ZIGZAG,
			TSDataType.DATE, TSEncoding.ZIGZAG, TSDataType.INT64, TSEncoding.ZIGZAG,
			TSDataType.TIMESTAMP, TSEncoding.ZIGZAG, TSDataType.BOOLEAN, TSEncoding.RLE,
			TSDataType.STRING, TSEncoding.DICTIONARY);
		Map<TSDataType, TSEncoding> chimp = encoders(TSDataType.INT32, TSEncoding.CHIMP,
			TSDataType.FLOAT, TSEncoding.CHIMP);

		List<Vector> vs = new ArrayList<>();
		for (CompressionType comp : new CompressionType[] {CompressionType.UNCOMPRESSED,
			CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD,
			CompressionType.GZIP, CompressionType.LZMA2})
			vs.add(new Vector("all13 default " + comp, a, comp, def));
		vs.add(new Vector("all13 PLAIN UNCOMPRESSED", a, CompressionType.UNCOMPRESSED, plain));
		vs.add(new Vector("all13 PLAIN LZ4", a, CompressionType.LZ4, plain));
		vs.add(new Vector("all13tame RLE+DICTIONARY UNCOMPRESSED", t, CompressionType.UNCOMPRESSED, rle));
		vs.add(new Vector("all13tame RLE+DICTIONARY SNAPPY", t, CompressionType.SNAPPY, rle));
		vs.add(new Vector("all13tame GORILLA+TS_2DIFF float UNCOMPRESSED", t,
			CompressionType.UNCOMPRESSED, gorilla));
		vs.add(new Vector("all13tame GORILLA+TS_2DIFF float ZSTD", t, CompressionType.ZSTD, gorilla));
		vs.add(new Vector("all13 ZIGZAG UNCOMPRESSED", a, CompressionType.UNCOMPRESSED, zigzag));
		vs.add(new Vector("all13 CHIMP UNCOMPRESSED", a, CompressionType.UNCOMPRESSED, chimp));
		vs.add(new Vector("all13 RLE+DICTIONARY special floats " + JAVA_BROKEN, a,
			CompressionType.UNCOMPRESSED, rle));
		vs.add(new Vector("all150 default UNCOMPRESSED", b, CompressionType.UNCOMPRESSED, def));
		vs.add(new Vector("all150 default LZ4", b, CompressionType.LZ4, def));
		vs.add(new Vector("all150 RLE+DICTIONARY UNCOMPRESSED", b, CompressionType.UNCOMPRESSED, rle));
		vs.add(new Vector("all150 GORILLA+TS_2DIFF float UNCOMPRESSED", b,
			CompressionType.UNCOMPRESSED, gorilla));
		vs.add(new Vector("all150 ZIGZAG GZIP", b, CompressionType.GZIP, zigzag));
		vs.add(new Vector("all_null_col default UNCOMPRESSED", n, CompressionType.UNCOMPRESSED, def));
		vs.add(new Vector("runs1100 default UNCOMPRESSED", c, CompressionType.UNCOMPRESSED, def));
		vs.add(new Vector("runs1100 RLE GZIP", c, CompressionType.GZIP, rle));
		vs.add(new Vector("runs1100 GORILLA UNCOMPRESSED", c, CompressionType.UNCOMPRESSED, gorilla));

		out.append("/*\n * tablet_vectors.h — GENERATED by tests/unit/rpc/gen/TabletVectors.java")
			.append(" (gen_tablet_vectors.sh);\n * do not edit.  Column-encoded insertTablet")
			.append(" requests of the official Java\n * session (iotdb-session 2.0.7,")
			.append(" Session.genTSInsertTabletReq) and their source tablets.\n */\n");
		for (Dataset ds : new Dataset[] {a, t, b, n, c})
			dataset(ds);
		for (Vector v : vs)
			vector(session, gen, compField, v);
		out.append("\nstatic const tv_vector_t *const tv_vectors[] = {");
		for (int i = 0; i < vectorCount; i++)
			out.append(i % 6 == 0 ? "\n\t" : " ").append("&tvv").append(i).append(',');
		out.append("\n};\n");
		System.out.print(out);
	}
}
