/*
 * Round trip of every IoTDB data type through the official JDBC driver
 * (org.apache.iotdb:iotdb-jdbc) against a running larchd.
 *
 * Usage: JdbcRoundTrip HOST PORT
 *
 * Connects with DriverManager ("jdbc:iotdb://HOST:PORT/", root/root), creates
 * database root.jd with a non-aligned device d1 and an aligned device a1 (one
 * series per type) by SQL, writes rows with Statement.execute (one row per
 * INSERT, and a multi-row ALIGNED VALUES insert), Statement.executeUpdate,
 * Statement.executeBatch and a PreparedStatement (the driver substitutes the
 * parameters client side, so no prepare RPC is involved), deletes a range with
 * DELETE, and after each stage reads everything back with executeQuery (fetch
 * size 5, so results come in several fetches) through the ResultSet getters
 * of every type (getBoolean, getInt, getLong, getFloat, getDouble, getString,
 * getTimestamp, getDate, getBytes, getObject, wasNull), comparing every time,
 * value and null with larch.compat.Model. One line per step on stdout
 * (larch.compat.Steps); exit status 1 if any step failed.
 */
package larch.compat;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

public final class JdbcRoundTrip {
	private static final String DB = "root.jd";
	private static final String D1 = DB + ".d1";	/* non-aligned */
	private static final String A1 = DB + ".a1";	/* aligned */
	private static final int FETCH = 5;
	private static final String[] ENC = {"RLE", "TS_2DIFF", "TS_2DIFF", "GORILLA", "GORILLA",
		"PLAIN", "TS_2DIFF", "TS_2DIFF", "PLAIN", "DICTIONARY"};

	/* Every column but BLOB (whose X'..' literal gets its own step). */
	private static final int[] NON_BLOB = {Model.BOOLEAN, Model.INT32, Model.INT64, Model.FLOAT,
		Model.DOUBLE, Model.TEXT, Model.TIMESTAMP, Model.DATE, Model.STRING};

	private final String url;
	private final Model model = new Model();
	private Connection conn;
	private Statement stmt;

	private JdbcRoundTrip(String host, int port) {
		this.url = "jdbc:iotdb://" + host + ":" + port + "/";
	}

	public static void main(String[] args) {
		if (args.length != 2) {
			System.err.println("usage: JdbcRoundTrip HOST PORT");
			System.exit(2);
		}
		System.exit(new JdbcRoundTrip(args[0], Integer.parseInt(args[1])).run());
	}

	private static String selectAll(String device) {
		return "SELECT " + String.join(", ", Model.measurements()) + " FROM " + device;
	}

	/*
	 * The INSERT of row k at time t into `device`, of the columns in `cols`
	 * whose value is not null (null columns are left out, as IoTDB has no
	 * NULL literal in VALUES); `written` receives what the row stores. Null
	 * when no column is left.
	 */
	private static String insertSql(String device, boolean aligned, long t, Object[] r,
		int[] cols, Object[] written) {
		List<String> names = new ArrayList<>();
		List<String> lits = new ArrayList<>();
		for (int c : cols) {
			if (r[c] == null)
				continue;
			names.add(Model.measurement(c));
			lits.add(Model.sqlLiteral(c, r[c]));
			written[c] = r[c];
		}
		if (names.isEmpty())
			return null;
		return "INSERT INTO " + device + "(time, " + String.join(", ", names) + ")"
			+ (aligned ? " ALIGNED" : "") + " VALUES (" + t + ", " + String.join(", ", lits) + ")";
	}

	/* Statement.execute of one INSERT per key in [from, to] (nulls by Model.nullAt when asked). */
	private void executeInserts(String device, boolean aligned, long from, long to, boolean nulls,
		int[] cols) throws Exception {
		for (long k = from; k <= to; k++) {
			Object[] written = new Object[Model.NCOLS];
			String sql = insertSql(device, aligned, k, Model.row(k, nulls), cols, written);
			if (sql == null)
				continue;
			Model.check(!stmt.execute(sql), "execute(INSERT) returned true (a result set)");
			model.put(device, k, written);
		}
	}

	/* One INSERT .. ALIGNED VALUES (..), (..) of all non-BLOB columns for keys [from, to]. */
	private void multiRowInsert(long from, long to) throws Exception {
		List<String> tuples = new ArrayList<>();
		for (long k = from; k <= to; k++) {
			List<String> lits = new ArrayList<>();
			lits.add(Long.toString(k));
			for (int c : NON_BLOB)
				lits.add(Model.sqlLiteral(c, Model.value(c, k)));
			tuples.add("(" + String.join(", ", lits) + ")");
		}
		List<String> names = new ArrayList<>();
		for (int c : NON_BLOB)
			names.add(Model.measurement(c));
		stmt.execute("INSERT INTO " + A1 + "(time, " + String.join(", ", names)
			+ ") ALIGNED VALUES " + String.join(", ", tuples));
		for (long k = from; k <= to; k++) {
			Object[] written = new Object[Model.NCOLS];
			for (int c : NON_BLOB)
				written[c] = Model.value(c, k);
			model.put(A1, k, written);
		}
	}

	/* Statement.executeUpdate (the driver's V1 executeUpdateStatement RPC) for keys [from, to]. */
	private void executeUpdates(long from, long to) throws Exception {
		for (long k = from; k <= to; k++) {
			Object[] written = new Object[Model.NCOLS];
			stmt.executeUpdate(insertSql(D1, false, k, Model.row(k, true), NON_BLOB, written));
			model.put(D1, k, written);
		}
	}

	/* addBatch + executeBatch (executeBatchStatement RPC) for keys [from, to]. */
	private void executeBatch(long from, long to) throws Exception {
		List<Object[]> rows = new ArrayList<>();
		for (long k = from; k <= to; k++) {
			Object[] written = new Object[Model.NCOLS];
			stmt.addBatch(insertSql(D1, false, k, Model.row(k, false), NON_BLOB, written));
			rows.add(written);
		}
		int[] counts = stmt.executeBatch();
		Model.check(counts.length == rows.size(), "executeBatch returned " + counts.length
			+ " counts for " + rows.size() + " statements");
		for (int i = 0; i < rows.size(); i++)
			model.put(D1, from + i, rows.get(i));
	}

	/*
	 * A PreparedStatement INSERT of all non-BLOB columns with the typed setters
	 * (the driver quotes setString values in an INSERT; setDate gives 'yyyy-MM-dd').
	 * Keys whose TEXT holds a quote are skipped: the driver does not escape it.
	 */
	private void preparedInsert(long[] keys) throws Exception {
		String sql = "INSERT INTO " + D1 + "(time, s_boolean, s_int32, s_int64, s_float, s_double,"
			+ " s_text, s_timestamp, s_date, s_string) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
		try (PreparedStatement ps = conn.prepareStatement(sql)) {
			for (long k : keys) {
				Object[] r = Model.row(k, false);
				ps.setLong(1, k);
				ps.setBoolean(2, (Boolean) r[Model.BOOLEAN]);
				ps.setInt(3, (Integer) r[Model.INT32]);
				ps.setLong(4, (Long) r[Model.INT64]);
				ps.setFloat(5, (Float) r[Model.FLOAT]);
				ps.setDouble(6, (Double) r[Model.DOUBLE]);
				ps.setString(7, (String) r[Model.TEXT]);
				ps.setLong(8, (Long) r[Model.TIMESTAMP]);
				ps.setDate(9, Date.valueOf((LocalDate) r[Model.DATE]));
				ps.setObject(10, r[Model.STRING]);
				ps.execute();
				r[Model.BLOB] = null;
				model.put(D1, k, r);
			}
		}
	}

	/* A PreparedStatement query with two time parameters. */
	private void preparedQuery(long from, long to) throws Exception {
		String sql = selectAll(D1) + " WHERE time >= ? AND time <= ?";
		try (PreparedStatement ps = conn.prepareStatement(sql)) {
			ps.setFetchSize(FETCH);
			ps.setLong(1, from);
			ps.setLong(2, to);
			try (ResultSet rs = ps.executeQuery()) {
				Model.verify(sql + " [" + from + ", " + to + "]", model.expected(D1, from, to),
					rows(rs));
			}
		}
	}

	/*
	 * The value of column c (1-based JDBC column c + 2, after Time) through the
	 * getter of its type, null when wasNull(); also checks getObject and the
	 * secondary getters agree.
	 */
	private static Object read(ResultSet rs, int c) throws Exception {
		int col = c + 2;
		String s = rs.getString(col);
		if (rs.wasNull()) {
			Model.check(s == null, "getString of a null column gave '" + s + "'");
			Model.check(rs.getObject(col) == null, "getObject of a null column is not null");
			return null;
		}
		Object v;
		switch (c) {
		case Model.BOOLEAN:
			v = rs.getBoolean(col);
			break;
		case Model.INT32:
			v = rs.getInt(col);
			break;
		case Model.INT64:
			v = rs.getLong(col);
			break;
		case Model.FLOAT:
			v = rs.getFloat(col);
			break;
		case Model.DOUBLE:
			v = rs.getDouble(col);
			break;
		case Model.TIMESTAMP: {
			long ms = rs.getLong(col);
			Model.check(rs.getTimestamp(col).getTime() == ms, "getTimestamp "
				+ rs.getTimestamp(col) + " != getLong " + ms);
			v = ms;
			break;
		}
		case Model.DATE:
			v = rs.getDate(col).toLocalDate();
			break;
		case Model.BLOB:
			v = rs.getBytes(col);
			break;
		default:	/* TEXT, STRING */
			v = s;
			break;
		}
		Model.check(!rs.wasNull(), "wasNull() true after reading a non-null value");
		if (c != Model.BLOB && c != Model.DATE && c != Model.TIMESTAMP) {
			Object o = rs.getObject(col);
			Model.check(Model.same(c, v, o), "getObject gave " + Model.show(o) + " but the typed getter "
				+ Model.show(v));
		}
		return v;
	}

	/* A ResultSet as Model.RowSource: Time in column 1, the ten values after it. */
	private static Model.RowSource rows(ResultSet rs) {
		return new Model.RowSource() {
			public boolean next() throws Exception {
				return rs.next();
			}

			public long time() throws Exception {
				return rs.getLong(1);
			}

			public Object get(int c) throws Exception {
				return read(rs, c);
			}
		};
	}

	/* Checks the metadata of a result of the ten columns of `device`. */
	private static void checkMetadata(ResultSetMetaData md, String device) throws Exception {
		Model.check(md.getColumnCount() == Model.NCOLS + 1, "column count " + md.getColumnCount());
		Model.check(md.getColumnName(1).equals("Time"), "column 1 is " + md.getColumnName(1));
		for (int c = 0; c < Model.NCOLS; c++) {
			String want = device + "." + Model.measurement(c);
			Model.check(md.getColumnName(c + 2).equals(want), "column " + (c + 2) + " is "
				+ md.getColumnName(c + 2) + ", expected " + want);
			Model.check(md.getColumnTypeName(c + 2).equals(Model.TYPES[c]), "column " + want
				+ " has type " + md.getColumnTypeName(c + 2) + ", expected " + Model.TYPES[c]);
		}
	}

	/* executeQuery of all ten columns of `device`, compared with the model. */
	private void verifyDevice(String device) throws Exception {
		try (ResultSet rs = stmt.executeQuery(selectAll(device))) {
			checkMetadata(rs.getMetaData(), device);
			Model.verify("executeQuery " + device, model.expected(device, Long.MIN_VALUE,
				Long.MAX_VALUE), rows(rs));
		}
	}

	private void createSchema() throws Exception {
		for (int c = 0; c < Model.NCOLS; c++)
			stmt.execute("CREATE TIMESERIES " + D1 + "." + Model.measurement(c) + " WITH DATATYPE="
				+ Model.TYPES[c] + ", ENCODING=" + ENC[c] + ", COMPRESSOR=LZ4");
		List<String> cols = new ArrayList<>();
		for (int c = 0; c < Model.NCOLS; c++)
			cols.add(Model.measurement(c) + " " + Model.TYPES[c] + " encoding=" + ENC[c]);
		stmt.execute("CREATE ALIGNED TIMESERIES " + A1 + "(" + String.join(", ", cols) + ")");
	}

	/* Statement.execute of a SELECT: true, and getResultSet holds the rows. */
	private void executeSelect() throws Exception {
		Model.check(stmt.execute(selectAll(A1)), "execute(SELECT) returned false");
		try (ResultSet rs = stmt.getResultSet()) {
			Model.verify("execute + getResultSet " + A1, model.expected(A1, Long.MIN_VALUE,
				Long.MAX_VALUE), rows(rs));
		}
	}

	private void delete() throws Exception {
		stmt.execute("DELETE FROM " + D1 + ".s_int32 WHERE time >= 2 AND time <= 5");
		model.delete(D1, Model.INT32, 2, 5);
		stmt.execute("DELETE FROM " + A1 + ".* WHERE time <= 3");
		for (int c = 0; c < Model.NCOLS; c++)
			model.delete(A1, c, Long.MIN_VALUE, 3);
		verifyDevice(D1);
		verifyDevice(A1);
	}

	private int run() {
		Steps st = new Steps();
		st.run("DriverManager.getConnection", () -> {
			Class.forName("org.apache.iotdb.jdbc.IoTDBDriver");
			conn = DriverManager.getConnection(url, "root", "root");
			stmt = conn.createStatement();
			stmt.setFetchSize(FETCH);
		});
		st.run("execute CREATE DATABASE", () -> stmt.execute("CREATE DATABASE " + DB));
		st.run("execute CREATE (ALIGNED) TIMESERIES", this::createSchema);
		st.run("execute INSERT", () -> executeInserts(D1, false, 1, 8, true, NON_BLOB));
		st.run("execute INSERT X'..' BLOB literal",
			() -> executeInserts(D1, false, 1, 8, true, new int[] {Model.BLOB}));
		st.run("execute INSERT .. ALIGNED VALUES (multi-row)", () -> multiRowInsert(1, 6));
		st.run("executeUpdate INSERT", () -> executeUpdates(20, 22));
		st.run("executeBatch", () -> executeBatch(30, 33));
		st.run("PreparedStatement INSERT", () -> preparedInsert(new long[] {39, 40, 41, 42, 43}));
		st.run("executeQuery " + D1 + " (getters of every type)", () -> verifyDevice(D1));
		st.run("executeQuery " + A1 + " (getters of every type)", () -> verifyDevice(A1));
		st.run("execute SELECT + getResultSet", this::executeSelect);
		st.run("PreparedStatement query", () -> preparedQuery(3, 40));
		st.run("execute DELETE", this::delete);
		st.run("DatabaseMetaData (getProperties)", () -> {
			DatabaseMetaData md = conn.getMetaData();
			String v = md.getDatabaseProductVersion();
			Model.check(v != null && !v.isEmpty(), "empty product version");
		});
		st.run("close", () -> {
			stmt.close();
			conn.close();
		});
		return st.exitCode();
	}
}
