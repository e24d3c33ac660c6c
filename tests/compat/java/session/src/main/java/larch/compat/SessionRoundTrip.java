/*
 * Round trip of every IoTDB data type through the official Java Session and
 * SessionPool (org.apache.iotdb:iotdb-session) against a running larchd.
 *
 * Usage: SessionRoundTrip HOST PORT
 *
 * Creates database root.jv with a non-aligned device d1 (createTimeseries)
 * and an aligned device a1 (createAlignedTimeseries), one series per type;
 * writes rows with insertRecord / insertAlignedRecord / insertRecords /
 * insertAlignedRecords / insertRecordsOfOneDevice / insertTablet /
 * insertAlignedTablet / insertTablets (with nulls, and onto a device whose
 * series are created by the insert; tablets of >= 10 rows through the default
 * session, which column-encodes them (TSInsertTabletReq.isCompressed), and
 * through a second session built with enableIoTDBRpcCompression(false)), SQL
 * inserts through executeNonQueryStatement, deleteData; after each stage reads everything back
 * with executeQueryStatement (RowRecord fields and the typed DataIterator,
 * fetch size 7 so results come in several fetches) and executeRawDataQuery,
 * and compares every time, value and null with larch.compat.Model; then
 * String-valued records (insertStringRecord(s)), executeAggregationQuery
 * (COUNT), executeLastDataQuery and executeFastLastDataQueryForOnePrefixPath. A
 * SessionPool then writes and reads its own device. One line per step on
 * stdout (larch.compat.Steps); exit status 1 if any step failed.
 */
package larch.compat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.iotdb.isession.SessionDataSet;
import org.apache.iotdb.common.rpc.thrift.TAggregationType;
import org.apache.iotdb.isession.pool.SessionDataSetWrapper;
import org.apache.iotdb.session.Session;
import org.apache.iotdb.session.pool.SessionPool;
import org.apache.tsfile.enums.TSDataType;
import org.apache.tsfile.file.metadata.enums.CompressionType;
import org.apache.tsfile.file.metadata.enums.TSEncoding;
import org.apache.tsfile.read.common.Field;
import org.apache.tsfile.read.common.RowRecord;
import org.apache.tsfile.utils.Binary;
import org.apache.tsfile.write.record.Tablet;
import org.apache.tsfile.write.schema.IMeasurementSchema;
import org.apache.tsfile.write.schema.MeasurementSchema;

public final class SessionRoundTrip {
	private static final String DB = "root.jv";
	private static final String D1 = DB + ".d1";	/* non-aligned, created by createTimeseries */
	private static final String A1 = DB + ".a1";	/* aligned, createAlignedTimeseries */
	private static final String D2 = DB + ".d2";	/* series created by insertTablets */
	private static final String P1 = DB + ".p1";	/* written through the SessionPool */
	private static final String S1 = DB + ".s1";	/* written with String values */
	private static final String S2 = DB + ".s2";	/* String values of extreme numbers */
	private static final int FETCH = 7;

	/* Encoding and compressor per column (index as Model.TYPES). */
	private static final TSEncoding[] ENC = {TSEncoding.RLE, TSEncoding.TS_2DIFF,
		TSEncoding.TS_2DIFF, TSEncoding.GORILLA, TSEncoding.GORILLA, TSEncoding.PLAIN,
		TSEncoding.TS_2DIFF, TSEncoding.TS_2DIFF, TSEncoding.PLAIN, TSEncoding.DICTIONARY};
	private static final CompressionType[] COMP = {CompressionType.LZ4, CompressionType.SNAPPY,
		CompressionType.LZ4, CompressionType.ZSTD, CompressionType.LZ4,
		CompressionType.UNCOMPRESSED, CompressionType.LZ4, CompressionType.GZIP,
		CompressionType.LZ4, CompressionType.SNAPPY};

	private final String host;
	private final int port;
	private final Model model = new Model();
	private Session session;
	private Session plain;	/* a second session with enableIoTDBRpcCompression(false) */
	private SessionPool pool;
	private final Model poolModel = new Model();

	private SessionRoundTrip(String host, int port) {
		this.host = host;
		this.port = port;
	}

	public static void main(String[] args) {
		if (args.length != 2) {
			System.err.println("usage: SessionRoundTrip HOST PORT");
			System.exit(2);
		}
		System.exit(new SessionRoundTrip(args[0], Integer.parseInt(args[1])).run());
	}

	private static TSDataType type(int c) {
		return TSDataType.valueOf(Model.TYPES[c]);
	}

	private static List<TSDataType> allTypes() {
		List<TSDataType> out = new ArrayList<>();
		for (int c = 0; c < Model.NCOLS; c++)
			out.add(type(c));
		return out;
	}

	/* A model value in the form the session API takes (BLOB as Binary). */
	private static Object toSession(int c, Object v) {
		return c == Model.BLOB && v != null ? new Binary((byte[]) v) : v;
	}

	/* Every full path of `device`, in column order. */
	private static List<String> paths(String device) {
		List<String> out = new ArrayList<>();
		for (String m : Model.measurements())
			out.add(device + "." + m);
		return out;
	}

	private static String selectAll(String device) {
		return "select " + String.join(", ", Model.measurements()) + " from " + device;
	}

	/*
	 * Appends record k to fresh mutable lists (the session drops null values
	 * from the lists it is given) and returns the row for the model, which the
	 * caller records once the insert succeeded.
	 */
	private static Object[] record(long k, boolean nulls, List<String> ms, List<TSDataType> ts,
		List<Object> vs) {
		Object[] r = Model.row(k, nulls);
		for (int c = 0; c < Model.NCOLS; c++) {
			ms.add(Model.measurement(c));
			ts.add(type(c));
			vs.add(toSession(c, r[c]));
		}
		return r;
	}

	/* Inserts keys [from, from + n) as records; aligned or not; times = keys. */
	private void insertRecords(String device, long from, int n, boolean aligned) throws Exception {
		List<String> devs = new ArrayList<>();
		List<Long> times = new ArrayList<>();
		List<List<String>> ms = new ArrayList<>();
		List<List<TSDataType>> ts = new ArrayList<>();
		List<List<Object>> vs = new ArrayList<>();
		List<Object[]> rows = new ArrayList<>();
		for (long k = from; k < from + n; k++) {
			devs.add(device);
			times.add(k);
			ms.add(new ArrayList<>());
			ts.add(new ArrayList<>());
			vs.add(new ArrayList<>());
			rows.add(record(k, k % 2 == 0, ms.get(ms.size() - 1), ts.get(ts.size() - 1),
				vs.get(vs.size() - 1)));
		}
		if (aligned)
			session.insertAlignedRecords(devs, times, ms, ts, vs);
		else
			session.insertRecords(devs, times, ms, ts, vs);
		for (int i = 0; i < n; i++)
			model.put(device, times.get(i), rows.get(i));
	}

	/*
	 * A tablet of `device` holding keys [from, from + n) at times from.. (nulls
	 * by Model.nullAt, as Tablet.addValue(.., null) marks them).
	 */
	private static Tablet tablet(String device, long from, int n) {
		List<IMeasurementSchema> schemas = new ArrayList<>();
		for (int c = 0; c < Model.NCOLS; c++)
			schemas.add(new MeasurementSchema(Model.measurement(c), type(c)));
		Tablet tab = new Tablet(device, schemas, n);
		for (int row = 0; row < n; row++) {
			long k = from + row;
			Object[] r = Model.row(k, true);
			tab.addTimestamp(row, k);
			for (int c = 0; c < Model.NCOLS; c++)
				tab.addValue(Model.measurement(c), row, toSession(c, r[c]));
		}
		return tab;
	}

	/* Records in m the rows of tablet(device, from, n), once it has been written. */
	private static void commitTablet(Model m, String device, long from, int n) {
		for (long k = from; k < from + n; k++)
			m.put(device, k, Model.row(k, true));
	}

	/* Writes tablet(device, from, n) with s (aligned or not) and records it. */
	private void writeTablet(Session s, String device, long from, int n, boolean aligned)
		throws Exception {
		if (aligned)
			s.insertAlignedTablet(tablet(device, from, n));
		else
			s.insertTablet(tablet(device, from, n));
		commitTablet(model, device, from, n);
	}

	/* A Field of a RowRecord as the Java type Model uses (null for a null field). */
	private static Object fieldValue(int c, Field f) {
		if (f == null || f.getDataType() == null)
			return null;
		switch (c) {
		case Model.BOOLEAN:
			return f.getBoolV();
		case Model.INT32:
			return f.getIntV();
		case Model.INT64:
		case Model.TIMESTAMP:
			return f.getLongV();
		case Model.FLOAT:
			return f.getFloatV();
		case Model.DOUBLE:
			return f.getDoubleV();
		case Model.DATE:
			return f.getDateV();
		case Model.BLOB:
			return f.getBinaryV().getValues();
		default:
			return f.getBinaryV().getStringValue(StandardCharsets.UTF_8);
		}
	}

	/* Checks the header of a result of the ten columns of `device`: Time first, then the paths. */
	private static void checkHeader(String what, List<String> names, List<String> types,
		String device) {
		List<String> want = new ArrayList<>();
		want.add("Time");
		want.addAll(paths(device));
		Model.check(names.equals(want), what + ": column names " + names + ", expected " + want);
		List<String> wantTypes = new ArrayList<>();
		for (String t : Model.TYPES)
			wantTypes.add(t);
		Model.check(types.subList(types.size() - Model.NCOLS, types.size()).equals(wantTypes),
			what + ": column types " + types + ", expected ..." + wantTypes);
	}

	/* Reads a data set row by row through RowRecord / Field. */
	private static Model.RowSource byRecord(SessionDataSet ds) {
		return new Model.RowSource() {
			private RowRecord cur;

			public boolean next() throws Exception {
				cur = ds.hasNext() ? ds.next() : null;
				return cur != null;
			}

			public long time() {
				return cur.getTimestamp();
			}

			public Object get(int c) {
				return fieldValue(c, cur.getFields().get(c));
			}
		};
	}

	/* Reads a data set through the typed getters of SessionDataSet.DataIterator, by column name. */
	private static Model.RowSource byIterator(SessionDataSet.DataIterator it, String device) {
		return new Model.RowSource() {
			public boolean next() throws Exception {
				return it.next();
			}

			public long time() throws Exception {
				return it.getLong("Time");
			}

			public Object get(int c) throws Exception {
				String col = device + "." + Model.measurement(c);
				if (it.isNull(col))
					return null;
				switch (c) {
				case Model.BOOLEAN:
					return it.getBoolean(col);
				case Model.INT32:
					return it.getInt(col);
				case Model.INT64:
					return it.getLong(col);
				case Model.FLOAT:
					return it.getFloat(col);
				case Model.DOUBLE:
					return it.getDouble(col);
				case Model.TIMESTAMP: {
					long v = it.getLong(col);
					Model.check(it.getTimestamp(col).getTime() == v,
						col + ": getTimestamp " + it.getTimestamp(col) + " != getLong " + v);
					return v;
				}
				case Model.DATE:
					return it.getDate(col);
				case Model.BLOB:
					return it.getBlob(col).getValues();
				default:
					return it.getString(col);
				}
			}
		};
	}

	/* Queries all ten columns of `device` and compares with the model, both readers. */
	private void verifyDevice(String what, String device) throws Exception {
		try (SessionDataSet ds = session.executeQueryStatement(selectAll(device))) {
			checkHeader(what, ds.getColumnNames(), ds.getColumnTypes(), device);
			Model.verify(what + " (RowRecord)", model.expected(device, Long.MIN_VALUE,
				Long.MAX_VALUE), byRecord(ds));
		}
		try (SessionDataSet ds = session.executeQueryStatement(selectAll(device))) {
			Model.verify(what + " (DataIterator)", model.expected(device, Long.MIN_VALUE,
				Long.MAX_VALUE), byIterator(ds.iterator(), device));
		}
	}

	/* createTimeseries of the ten series of `device`. */
	private void createSchema(String device) throws Exception {
		for (int c = 0; c < Model.NCOLS; c++)
			session.createTimeseries(device + "." + Model.measurement(c), type(c), ENC[c], COMP[c]);
	}

	private void createAligned() throws Exception {
		List<TSEncoding> encs = new ArrayList<>(List.of(ENC));
		List<CompressionType> comps = new ArrayList<>(List.of(COMP));
		session.createAlignedTimeseries(A1, Model.measurements(), allTypes(), encs, comps, null);
	}

	private void insertRecord(String device, long k, boolean aligned) throws Exception {
		List<String> ms = new ArrayList<>();
		List<TSDataType> ts = new ArrayList<>();
		List<Object> vs = new ArrayList<>();
		Object[] r = record(k, k % 3 == 0, ms, ts, vs);
		if (aligned)
			session.insertAlignedRecord(device, k, ms, ts, vs);
		else
			session.insertRecord(device, k, ms, ts, vs);
		model.put(device, k, r);
	}

	private void insertRecordsOfOneDevice(long from, int n) throws Exception {
		List<Long> times = new ArrayList<>();
		List<List<String>> ms = new ArrayList<>();
		List<List<TSDataType>> ts = new ArrayList<>();
		List<List<Object>> vs = new ArrayList<>();
		List<Object[]> rows = new ArrayList<>();
		for (long k = from + n - 1; k >= from; k--) {	/* out of order: the client sorts */
			times.add(k);
			ms.add(new ArrayList<>());
			ts.add(new ArrayList<>());
			vs.add(new ArrayList<>());
			rows.add(record(k, k % 2 == 1, ms.get(ms.size() - 1), ts.get(ts.size() - 1),
				vs.get(vs.size() - 1)));
		}
		List<Long> keys = new ArrayList<>(times);	/* the client sorts `times` in place */
		session.insertRecordsOfOneDevice(D1, times, ms, ts, vs);
		for (int i = 0; i < n; i++)
			model.put(D1, keys.get(i), rows.get(i));
	}

	/*
	 * executeNonQueryStatement: an INSERT at time t of row k as SQL literals,
	 * of the columns in `cols` only.
	 */
	private void sqlInsert(long t, long k, int... cols) throws Exception {
		Object[] r = Model.row(k, false);
		Object[] written = new Object[Model.NCOLS];
		List<String> names = new ArrayList<>();
		List<String> lits = new ArrayList<>();
		for (int c : cols) {
			names.add(Model.measurement(c));
			lits.add(Model.sqlLiteral(c, r[c]));
			written[c] = r[c];
		}
		session.executeNonQueryStatement("insert into " + D1 + "(time, " + String.join(", ", names)
			+ ") values (" + t + ", " + String.join(", ", lits) + ")");
		model.put(D1, t, written);
	}

	/* Every column but BLOB (whose X'..' literal is its own step). */
	private static final int[] NON_BLOB = {Model.BOOLEAN, Model.INT32, Model.INT64, Model.FLOAT,
		Model.DOUBLE, Model.TEXT, Model.TIMESTAMP, Model.DATE, Model.STRING};

	private void deleteData() throws Exception {
		session.deleteData(List.of(D1 + ".s_int32", D1 + ".s_text"), 100, 110);
		model.delete(D1, Model.INT32, 100, 110);
		model.delete(D1, Model.TEXT, 100, 110);
		session.deleteData(List.of(A1 + ".s_double"), 105);	/* (-inf, 105] */
		model.delete(A1, Model.DOUBLE, Long.MIN_VALUE, 105);
		verifyDevice("after deleteData " + D1, D1);
		verifyDevice("after deleteData " + A1, A1);
	}

	/* executeRawDataQuery: [start, end) over the ten paths of D1. */
	private void rawDataQuery() throws Exception {
		try (SessionDataSet ds = session.executeRawDataQuery(paths(D1), 4, 120)) {
			Model.verify("executeRawDataQuery [4, 120)", model.expected(D1, 4, 119),
				byRecord(ds));
		}
	}

	/* A WHERE on time through executeQueryStatement. */
	private void timeRangeQuery() throws Exception {
		String sql = selectAll(A1) + " where time >= 3 and time <= 115";
		try (SessionDataSet ds = session.executeQueryStatement(sql)) {
			Model.verify(sql, model.expected(A1, 3, 115), byIterator(ds.iterator(), A1));
		}
	}

	/*
	 * insertRecord / insertRecords with String values (insertStringRecord /
	 * insertStringRecords): the server converts each string to the registered
	 * type of the series. The given keys (times = keys) of every non-BLOB
	 * column of `device`, values rendered by String.valueOf (Java's float
	 * forms, LocalDate's yyyy-MM-dd).
	 */
	private void stringRecords(String device, long[] keys, boolean batch) throws Exception {
		List<String> devs = new ArrayList<>();
		List<Long> times = new ArrayList<>();
		List<List<String>> mss = new ArrayList<>();
		List<List<String>> vss = new ArrayList<>();
		List<Object[]> rows = new ArrayList<>();
		for (long k : keys) {
			Object[] r = Model.row(k, false);
			r[Model.BLOB] = null;
			List<String> ms = new ArrayList<>();
			List<String> vs = new ArrayList<>();
			for (int c : NON_BLOB) {
				ms.add(Model.measurement(c));
				vs.add(String.valueOf(r[c]));
			}
			devs.add(device);
			times.add(k);
			mss.add(ms);
			vss.add(vs);
			rows.add(r);
		}
		if (batch) {
			session.insertRecords(devs, times, mss, vss);
		} else {
			for (int i = 0; i < keys.length; i++)
				session.insertRecord(device, times.get(i), mss.get(i), vss.get(i));
		}
		for (int i = 0; i < keys.length; i++)
			model.put(device, times.get(i), rows.get(i));
	}

	/* executeAggregationQuery: COUNT of every series of D1, one row, compared with the model. */
	private void aggregationCount() throws Exception {
		List<TAggregationType> aggs = new ArrayList<>();
		for (int c = 0; c < Model.NCOLS; c++)
			aggs.add(TAggregationType.COUNT);
		try (SessionDataSet ds = session.executeAggregationQuery(paths(D1), aggs)) {
			Model.check(ds.hasNext(), "no row");
			List<Field> fs = ds.next().getFields();
			Model.check(fs.size() == Model.NCOLS, "columns " + ds.getColumnNames());
			for (int c = 0; c < Model.NCOLS; c++) {
				long want = model.count(D1, c);
				Model.check(fs.get(c).getLongV() == want, ds.getColumnNames() + ": "
					+ Model.measurement(c) + " count " + fs.get(c).getLongV() + ", expected " + want);
			}
			Model.check(!ds.hasNext(), "more than one row");
		}
	}

	/*
	 * Checks a LAST result (Time, Timeseries, Value, DataType) of the ten series
	 * of D1: every series once, at its last time, with its type and value
	 * (numbers compared after parsing, TIMESTAMP/DATE/BLOB renderings not checked).
	 */
	private void checkLast(String what, SessionDataSet ds) throws Exception {
		Model.check(ds.getColumnNames().equals(List.of("Time", "Timeseries", "Value", "DataType")),
			what + ": columns " + ds.getColumnNames());
		Map<String, Integer> want = new HashMap<>();
		for (int c = 0; c < Model.NCOLS; c++)
			want.put(D1 + "." + Model.measurement(c), c);
		SessionDataSet.DataIterator it = ds.iterator();
		while (it.next()) {
			String path = it.getString("Timeseries");
			Integer c = want.remove(path);
			Model.check(c != null, what + ": unexpected or repeated series " + path);
			long t = it.getLong("Time");
			Long lt = model.lastTime(D1, c);
			Model.check(lt != null && t == lt, what + ": " + path + " at " + t + ", expected " + lt);
			Model.check(it.getString("DataType").equals(Model.TYPES[c]), what + ": " + path
				+ " type " + it.getString("DataType"));
			Object v = model.at(D1, t, c);
			String got = it.getString("Value");
			boolean ok;
			switch (c) {
			case Model.FLOAT:
				ok = Model.same(c, v, Float.parseFloat(got));
				break;
			case Model.DOUBLE:
				ok = Model.same(c, v, Double.parseDouble(got));
				break;
			case Model.TIMESTAMP:
			case Model.DATE:
			case Model.BLOB:
				ok = got != null;
				break;
			default:
				ok = String.valueOf(v).equals(got);
			}
			Model.check(ok, what + ": " + path + " value '" + got + "', expected " + Model.show(v));
		}
		Model.check(want.isEmpty(), what + ": series missing " + want.keySet());
	}

	/*
	 * SessionPool step 1: a pool of 2 (default options) writes a tablet of P1
	 * small enough (< 10 rows) to travel as a plain tablet, then a SQL row.
	 */
	private void poolWrite() throws Exception {
		pool = new SessionPool.Builder().host(host).port(port).user("root").password("root")
			.maxSize(2).fetchSize(FETCH).build();
		pool.insertTablet(tablet(P1, 990, 9));	/* creates P1's series with their types */
		commitTablet(poolModel, P1, 990, 9);
		pool.executeNonQueryStatement("insert into " + P1 + "(time, s_int32) values (2000, 5)");
		poolModel.put(P1, 2000, new Object[] {null, 5, null, null, null, null, null, null, null,
			null});
	}

	/* SessionPool step 2: a tablet of 25 rows, which the pool's sessions column-encode. */
	private void poolWriteEncoded() throws Exception {
		pool.insertTablet(tablet(P1, 1000, 25));
		commitTablet(poolModel, P1, 1000, 25);
	}

	/* SessionPool step 3: reads P1 back through SessionDataSetWrapper, closes the pool. */
	private void poolRead() throws Exception {
		try {
			SessionDataSetWrapper w = pool.executeQueryStatement(selectAll(P1));
			try {
				checkHeader("SessionPool query", w.getColumnNames(), w.getColumnTypes(), P1);
				Model.verify("SessionPool query", poolModel.expected(P1, Long.MIN_VALUE,
					Long.MAX_VALUE), byIterator(w.iterator(), P1));
			} finally {
				pool.closeResultSet(w);
			}
		} finally {
			pool.close();
		}
	}

	private int run() {
		Steps st = new Steps();
		st.run("open", () -> {
			session = new Session.Builder().host(host).port(port).username("root")
				.password("root").fetchSize(FETCH).build();
			session.open(false);
		});
		st.run("createDatabase", () -> session.createDatabase(DB));
		st.run("createTimeseries", () -> {
			createSchema(D1);
			createSchema(S1);
			createSchema(S2);
		});
		st.run("createAlignedTimeseries", this::createAligned);
		st.run("checkTimeseriesExists", () -> {
			Model.check(session.checkTimeseriesExists(D1 + ".s_blob"), D1 + ".s_blob not found");
			Model.check(!session.checkTimeseriesExists(D1 + ".nope"), D1 + ".nope found");
		});
		st.run("insertRecord", () -> {
			for (long k = 1; k <= 3; k++)
				insertRecord(D1, k, false);
		});
		st.run("insertAlignedRecord", () -> insertRecord(A1, 1, true));
		st.run("insertRecords", () -> insertRecords(D1, 4, 3, false));
		st.run("insertAlignedRecords", () -> insertRecords(A1, 2, 3, true));
		st.run("insertRecordsOfOneDevice", () -> insertRecordsOfOneDevice(7, 4));
		st.run("insertTablet", () -> writeTablet(session, D1, 100, 30, false));
		st.run("insertAlignedTablet", () -> writeTablet(session, A1, 100, 30, true));
		st.run("insertTablet small (< 10 rows, not column-encoded)",
			() -> writeTablet(session, D1, 160, 9, false));
		st.run("insertTablet with IoTDB RPC compression off", () -> {
			plain = new Session.Builder().host(host).port(port).username("root")
				.password("root").enableIoTDBRpcCompression(false).build();
			plain.open(false);
			writeTablet(plain, D1, 130, 30, false);
		});
		st.run("insertAlignedTablet with IoTDB RPC compression off",
			() -> writeTablet(plain, A1, 130, 30, true));
		st.run("insertTablets", () -> {
			Map<String, Tablet> tabs = new HashMap<>();
			tabs.put(D1, tablet(D1, 200, 5));
			tabs.put(D2, tablet(D2, 1, 12));	/* D2's series are auto-created */
			session.insertTablets(tabs);
			commitTablet(model, D1, 200, 5);
			commitTablet(model, D2, 1, 12);
		});
		st.run("executeQueryStatement " + D1, () -> verifyDevice("query " + D1, D1));
		st.run("executeQueryStatement " + A1, () -> verifyDevice("query " + A1, A1));
		st.run("executeQueryStatement " + D2, () -> verifyDevice("query " + D2, D2));
		st.run("executeQueryStatement where time", this::timeRangeQuery);
		st.run("executeRawDataQuery", this::rawDataQuery);
		st.run("executeNonQueryStatement insert", () -> {
			for (long k = 300; k < 306; k++)
				sqlInsert(k, k, NON_BLOB);
		});
		st.run("executeNonQueryStatement insert X'..' BLOB literal", () -> {
			for (long k = 300; k < 306; k++)
				sqlInsert(k, k, Model.BLOB);
		});
		st.run("executeNonQueryStatement flush", () -> session.executeNonQueryStatement("flush"));
		st.run("query after SQL inserts + flush", () -> verifyDevice("after SQL insert", D1));
		st.run("deleteData", this::deleteData);
		st.run("insertRecord with String values (insertStringRecord)",
			() -> stringRecords(S1, new long[] {400, 401, 402}, false));
		st.run("insertRecords with String values (insertStringRecords)",
			() -> stringRecords(S1, new long[] {406, 407, 408}, true));
		st.run("query after String records", () -> verifyDevice("after String records", S1));
		st.run("insertStringRecords of extreme numbers (3.4028235E38, 4.9E-324, 1.4E-45)", () -> {
			stringRecords(S2, new long[] {403, 404, 405}, true);
			verifyDevice("after String records of extreme numbers", S2);
		});
		st.run("executeAggregationQuery COUNT", this::aggregationCount);
		st.run("executeLastDataQuery", () -> {
			try (SessionDataSet ds = session.executeLastDataQuery(paths(D1))) {
				checkLast("executeLastDataQuery", ds);
			}
		});
		st.run("executeFastLastDataQueryForOnePrefixPath", () -> {
			try (SessionDataSet ds = session.executeFastLastDataQueryForOnePrefixPath(
				List.of("root", "jv", "d1"))) {
				checkLast("executeFastLastDataQueryForOnePrefixPath", ds);
			}
		});
		st.run("SessionPool insertTablet (< 10 rows) + executeNonQueryStatement", this::poolWrite);
		st.run("SessionPool insertTablet (25 rows, default options)", this::poolWriteEncoded);
		st.run("SessionPool executeQueryStatement", this::poolRead);
		st.run("close", () -> {
			session.close();
			if (plain != null)
				plain.close();
		});
		return st.exitCode();
	}
}
