// Round trip of every IoTDB data type through the official Go client
// (github.com/apache/iotdb-client-go/v2) against a running larchd.
//
// Usage: gocompat HOST PORT
//
// Creates database root.go with a non-aligned device d1 (CreateTimeseries), an
// aligned device a1 (CreateAlignedTimeseries) and a device d3
// (CreateMultiTimeseries), one series per type; writes rows with InsertRecord /
// InsertAlignedRecord / InsertRecords / InsertAlignedRecords /
// InsertRecordsOfOneDevice / InsertTablet / InsertAlignedTablet / InsertTablets
// (with nulls, and onto a device whose series the insert creates), SQL inserts
// through ExecuteNonQueryStatement and ExecuteBatchStatement, DeleteData; after
// each stage reads everything back with ExecuteQueryStatement and
// ExecuteRawDataQuery through the typed getters of every type (fetch size 7, so
// results come in several fetches) and compares every time, value and null
// with the model; then ExecuteAggregationQuery (COUNT) and InsertStringRecord.
// A SessionPool then writes and reads its own device.
//
// One line per step on stdout, "PASS <step>" or "FAIL <step>: <reason>"
// (read by tests/compat/test_server_java_go.py); exit status 1 if any failed.
package main

import (
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"github.com/apache/iotdb-client-go/v2/client"
	"github.com/apache/iotdb-client-go/v2/common"
)

const (
	db    = "root.go"
	d1    = db + ".d1" // non-aligned, CreateTimeseries
	a1    = db + ".a1" // aligned, CreateAlignedTimeseries
	d2    = db + ".d2" // series created by InsertTablets
	d3    = db + ".d3" // CreateMultiTimeseries
	p1    = db + ".p1" // written through the SessionPool
	d4    = db + ".d4" // the "-0" literal
	s1    = db + ".s1" // written with string values
	fetch = 7
)

var encodings = []client.TSEncoding{client.RLE, client.TS_2DIFF, client.TS_2DIFF, client.GORILLA,
	client.GORILLA, client.PLAIN, client.TS_2DIFF, client.TS_2DIFF, client.PLAIN, client.DICTIONARY}

var compressors = []client.TSCompressionType{client.LZ4, client.SNAPPY, client.LZ4, client.ZSTD,
	client.LZ4, client.UNCOMPRESSED, client.LZ4, client.GZIP, client.LZ4, client.SNAPPY}

// nonBlob: every column but BLOB (whose X'..' literal is its own step).
var nonBlob = []int{cBoolean, cInt32, cInt64, cFloat, cDouble, cText, cTimestamp, cDate, cString}

type roundTrip struct {
	host, port string
	m          *model
	s          client.Session
	failed     int
}

// step runs body as step name and prints its outcome line.
func (rt *roundTrip) step(name string, body func() error) {
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic: %v", p)
			}
		}()
		return body()
	}()
	if err == nil {
		fmt.Printf("PASS %s\n", name)
		return
	}
	rt.failed++
	fmt.Printf("FAIL %s: %s\n", name, strings.ReplaceAll(err.Error(), "\n", " "))
}

// record gives the non-nil columns of row r as the lists InsertRecord takes.
func record(r []interface{}) ([]string, []client.TSDataType, []interface{}) {
	var ms []string
	var ts []client.TSDataType
	var vs []interface{}
	for c, v := range r {
		if v != nil {
			ms = append(ms, measurement(c))
			ts = append(ts, types[c])
			vs = append(vs, v)
		}
	}
	return ms, ts, vs
}

func (rt *roundTrip) insertRecord(device string, k int64, aligned bool) error {
	r := row(k, k%3 == 0)
	ms, ts, vs := record(r)
	var err error
	if aligned {
		err = rt.s.InsertAlignedRecord(device, ms, ts, vs, k)
	} else {
		err = rt.s.InsertRecord(device, ms, ts, vs, k)
	}
	if err == nil {
		rt.m.put(device, k, r)
	}
	return err
}

// insertRecords writes keys [from, from+n) of device as records (times = keys).
func (rt *roundTrip) insertRecords(device string, from int64, n int, aligned bool) error {
	var devs []string
	var mss [][]string
	var tss [][]client.TSDataType
	var vss [][]interface{}
	var times []int64
	var rows [][]interface{}
	for k := from; k < from+int64(n); k++ {
		r := row(k, k%2 == 0)
		ms, ts, vs := record(r)
		devs, mss, tss, vss = append(devs, device), append(mss, ms), append(tss, ts), append(vss, vs)
		times, rows = append(times, k), append(rows, r)
	}
	var err error
	if aligned {
		err = rt.s.InsertAlignedRecords(devs, mss, tss, vss, times)
	} else {
		err = rt.s.InsertRecords(devs, mss, tss, vss, times)
	}
	if err == nil {
		for i, r := range rows {
			rt.m.put(device, times[i], r)
		}
	}
	return err
}

// insertRecordsOfOneDevice writes keys [from, from+n) of d1 given in reverse order.
func (rt *roundTrip) insertRecordsOfOneDevice(from int64, n int) error {
	var mss [][]string
	var tss [][]client.TSDataType
	var vss [][]interface{}
	var times []int64
	var rows [][]interface{}
	for k := from + int64(n) - 1; k >= from; k-- {
		r := row(k, k%2 == 1)
		ms, ts, vs := record(r)
		mss, tss, vss = append(mss, ms), append(tss, ts), append(vss, vs)
		times, rows = append(times, k), append(rows, r)
	}
	keys := append([]int64(nil), times...) // the client sorts times in place
	if err := rt.s.InsertRecordsOfOneDevice(d1, times, mss, tss, vss, false); err != nil {
		return err
	}
	for i, r := range rows {
		rt.m.put(d1, keys[i], r)
	}
	return nil
}

// tablet of device holding keys [from, from+n) at times = keys, nulls by nullAt.
func tablet(device string, from int64, n int) (*client.Tablet, error) {
	schemas := make([]*client.MeasurementSchema, nCols)
	for c := range schemas {
		schemas[c] = &client.MeasurementSchema{Measurement: measurement(c), DataType: types[c]}
	}
	tab, err := client.NewTablet(device, schemas, n)
	if err != nil {
		return nil, err
	}
	for i := 0; i < n; i++ {
		k := from + int64(i)
		tab.SetTimestamp(k, i)
		for c, v := range row(k, true) {
			if err := tab.SetValueAt(v, c, i); err != nil {
				return nil, fmt.Errorf("SetValueAt(%s, row %d): %w", measurement(c), i, err)
			}
		}
		tab.RowSize++
	}
	return tab, nil
}

// commitTablet records the rows of tablet(device, from, n) in m.
func commitTablet(m *model, device string, from int64, n int) {
	for k := from; k < from+int64(n); k++ {
		m.put(device, k, row(k, true))
	}
}

func (rt *roundTrip) writeTablet(device string, from int64, n int, aligned bool) error {
	tab, err := tablet(device, from, n)
	if err != nil {
		return err
	}
	if aligned {
		err = rt.s.InsertAlignedTablet(tab, true)
	} else {
		err = rt.s.InsertTablet(tab, true)
	}
	if err == nil {
		commitTablet(rt.m, device, from, n)
	}
	return err
}

func (rt *roundTrip) insertTablets() error {
	ta, err := tablet(d1, 200, 5)
	if err != nil {
		return err
	}
	tb, err := tablet(d2, 1, 12) // d2's series are created by the insert
	if err != nil {
		return err
	}
	if err := rt.s.InsertTablets([]*client.Tablet{ta, tb}, true); err != nil {
		return err
	}
	commitTablet(rt.m, d1, 200, 5)
	commitTablet(rt.m, d2, 1, 12)
	return nil
}

// dataSetRows reads a SessionDataSet through the typed getters, by column name.
type dataSetRows struct {
	ds     *client.SessionDataSet
	device string
}

func (r dataSetRows) next() (bool, error) { return r.ds.Next() }

func (r dataSetRows) time() (int64, error) { return r.ds.GetLong("Time") }

func (r dataSetRows) get(c int) (interface{}, error) {
	col := r.device + "." + measurement(c)
	null, err := r.ds.IsNull(col)
	if err != nil || null {
		return nil, err
	}
	switch c {
	case cBoolean:
		return r.ds.GetBoolean(col)
	case cInt32:
		return r.ds.GetInt(col)
	case cInt64:
		return r.ds.GetLong(col)
	case cFloat:
		return r.ds.GetFloat(col)
	case cDouble:
		return r.ds.GetDouble(col)
	case cTimestamp:
		v, err := r.ds.GetLong(col)
		if err != nil {
			return nil, err
		}
		ts, err := r.ds.GetTimestamp(col)
		if err != nil {
			return nil, err
		}
		if ts.UnixMilli() != v {
			return nil, fmt.Errorf("GetTimestamp %v != GetLong %d", ts, v)
		}
		return v, nil
	case cDate:
		return r.ds.GetDate(col)
	case cBlob:
		b, err := r.ds.GetBlob(col)
		if err != nil || b == nil {
			return nil, err
		}
		return b.GetValues(), nil
	}
	return r.ds.GetString(col)
}

func selectAll(device string) string {
	return "select " + strings.Join(measurements(), ", ") + " from " + device
}

func paths(device string) []string {
	out := make([]string, nCols)
	for c := range out {
		out[c] = device + "." + measurement(c)
	}
	return out
}

// checkHeader: Time, then the ten paths of device with their type names.
func checkHeader(ds *client.SessionDataSet, device string) error {
	want := append([]string{"Time"}, paths(device)...)
	if got := ds.GetColumnNames(); strings.Join(got, ",") != strings.Join(want, ",") {
		return fmt.Errorf("column names %v, expected %v", got, want)
	}
	got := ds.GetColumnTypes()
	if len(got) < nCols || strings.Join(got[len(got)-nCols:], ",") != strings.Join(typeNames, ",") {
		return fmt.Errorf("column types %v, expected ...%v", got, typeNames)
	}
	return nil
}

// verifyQuery runs sql on s and compares its rows of device within [from, to].
func verifyQuery(s client.Session, m *model, sql, device string, from, to int64) error {
	tmo := int64(60000)
	ds, err := s.ExecuteQueryStatement(sql, &tmo)
	if err != nil {
		return err
	}
	defer ds.Close()
	if err := checkHeader(ds, device); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return verify(sql, m.expected(device, from, to), dataSetRows{ds, device})
}

func (rt *roundTrip) verifyDevice(device string) error {
	return verifyQuery(rt.s, rt.m, selectAll(device), device, -1<<63, 1<<63-1)
}

func (rt *roundTrip) rawDataQuery() error {
	ds, err := rt.s.ExecuteRawDataQuery(paths(d1), 4, 120) // [4, 120)
	if err != nil {
		return err
	}
	defer ds.Close()
	return verify("ExecuteRawDataQuery [4, 120)", rt.m.expected(d1, 4, 119), dataSetRows{ds, d1})
}

// insertSQL is an INSERT of row k at time t of the columns in cols.
func insertSQL(device string, t, k int64, cols []int, written []interface{}) string {
	var names, lits []string
	for _, c := range cols {
		v := value(c, k)
		names = append(names, measurement(c))
		lits = append(lits, sqlLiteral(c, v))
		written[c] = v
	}
	return fmt.Sprintf("insert into %s(time, %s) values (%d, %s)", device, strings.Join(names, ", "),
		t, strings.Join(lits, ", "))
}

func (rt *roundTrip) sqlInserts(from, to int64, cols []int) error {
	for k := from; k <= to; k++ {
		written := make([]interface{}, nCols)
		if err := rt.s.ExecuteNonQueryStatement(insertSQL(d1, k, k, cols, written)); err != nil {
			return err
		}
		rt.m.put(d1, k, written)
	}
	return nil
}

func (rt *roundTrip) batch(from, to int64) error {
	var sqls []string
	var rows [][]interface{}
	for k := from; k <= to; k++ {
		written := make([]interface{}, nCols)
		sqls = append(sqls, insertSQL(d1, k, k, nonBlob, written))
		rows = append(rows, written)
	}
	if err := rt.s.ExecuteBatchStatement(sqls); err != nil {
		return err
	}
	for i, r := range rows {
		rt.m.put(d1, from+int64(i), r)
	}
	return nil
}

// negativeZeroIntegerLiteral inserts "-0" into a FLOAT and a DOUBLE series:
// IoTDB parses an INSERT value by the series type (Float.parseFloat("-0") is
// -0.0), so the stored values must be -0.0, sign bit set.
func (rt *roundTrip) negativeZeroIntegerLiteral() error {
	if err := rt.s.ExecuteNonQueryStatement("create timeseries " + d4 + ".f with datatype=FLOAT"); err != nil {
		return err
	}
	if err := rt.s.ExecuteNonQueryStatement("create timeseries " + d4 + ".d with datatype=DOUBLE"); err != nil {
		return err
	}
	if err := rt.s.ExecuteNonQueryStatement("insert into " + d4 + "(time, f, d) values (1, -0, -0)"); err != nil {
		return err
	}
	tmo := int64(60000)
	ds, err := rt.s.ExecuteQueryStatement("select f, d from "+d4, &tmo)
	if err != nil {
		return err
	}
	defer ds.Close()
	if ok, err := ds.Next(); !ok || err != nil {
		return fmt.Errorf("no row (%v)", err)
	}
	f, err := ds.GetFloat(d4 + ".f")
	if err != nil {
		return err
	}
	d, err := ds.GetDouble(d4 + ".d")
	if err != nil {
		return err
	}
	if !same(cFloat, float32(math.Copysign(0, -1)), f) || !same(cDouble, math.Copysign(0, -1), d) {
		return fmt.Errorf("stored FLOAT %s, DOUBLE %s; expected -0.0 for both", show(f), show(d))
	}
	return nil
}

func (rt *roundTrip) deleteData() error {
	if err := rt.s.DeleteData([]string{d1 + ".s_int32", d1 + ".s_text"}, 100, 110); err != nil {
		return err
	}
	rt.m.remove(d1, cInt32, 100, 110)
	rt.m.remove(d1, cText, 100, 110)
	if err := rt.s.DeleteData([]string{a1 + ".s_double"}, -1<<63, 105); err != nil {
		return err
	}
	rt.m.remove(a1, cDouble, -1<<63, 105)
	if err := rt.verifyDevice(d1); err != nil {
		return err
	}
	return rt.verifyDevice(a1)
}

// stringRecords: InsertStringRecord of keys 400..402 (ordinary values) into
// every non-BLOB series of s1 (CreateMultiTimeseries); the server converts
// each string to the series type. Read back and compared.
func (rt *roundTrip) stringRecords() error {
	if err := rt.s.CreateMultiTimeseries(paths(s1), types, encodings, compressors); err != nil {
		return err
	}
	for k := int64(400); k <= 402; k++ {
		var ms, vs []string
		written := make([]interface{}, nCols)
		for _, c := range nonBlob {
			v := value(c, k)
			ms = append(ms, measurement(c))
			switch c {
			case cDate:
				vs = append(vs, v.(time.Time).Format("2006-01-02"))
			case cFloat, cDouble:
				vs = append(vs, strings.Trim(sqlLiteral(c, v), "'"))
			default:
				vs = append(vs, fmt.Sprint(v))
			}
			written[c] = v
		}
		if err := rt.s.InsertStringRecord(s1, ms, vs, k); err != nil {
			return err
		}
		rt.m.put(s1, k, written)
	}
	return rt.verifyDevice(s1)
}

// aggregationCount: ExecuteAggregationQuery COUNT of every series of d1.
func (rt *roundTrip) aggregationCount() error {
	aggs := make([]common.TAggregationType, nCols)
	for c := range aggs {
		aggs[c] = common.TAggregationType_COUNT
	}
	tmo := int64(60000)
	ds, err := rt.s.ExecuteAggregationQuery(paths(d1), aggs, nil, nil, nil, &tmo)
	if err != nil {
		return err
	}
	defer ds.Close()
	if ok, err := ds.Next(); !ok || err != nil {
		return fmt.Errorf("no row (%v)", err)
	}
	for c := 0; c < nCols; c++ {
		// the aggregation RPC names columns after TAggregationType, upper case
		// (checked against Apache IoTDB 2.0.1; SQL's count(...) stays lower case)
		col := "COUNT(" + d1 + "." + measurement(c) + ")"
		got, err := ds.GetLong(col)
		if err != nil {
			return fmt.Errorf("%s (columns %v): %w", col, ds.GetColumnNames(), err)
		}
		if want := rt.m.count(d1, c); got != want {
			return fmt.Errorf("%s = %d, expected %d", col, got, want)
		}
	}
	if ok, _ := ds.Next(); ok {
		return fmt.Errorf("more than one row")
	}
	return nil
}

// sessionPool: a pool of 2 writes a tablet and a SQL row of p1 and reads them back.
func (rt *roundTrip) sessionPool() error {
	pool := client.NewSessionPool(&client.PoolConfig{Host: rt.host, Port: rt.port,
		UserName: "root", Password: "root", FetchSize: fetch}, 2, 10000, 10000, false)
	defer pool.Close()
	s, err := pool.GetSession()
	if err != nil {
		return err
	}
	defer pool.PutBack(s)
	pm := newModel()
	tab, err := tablet(p1, 1000, 25)
	if err != nil {
		return err
	}
	if err := s.InsertTablet(tab, true); err != nil {
		return err
	}
	commitTablet(pm, p1, 1000, 25)
	if err := s.ExecuteNonQueryStatement("insert into " + p1 + "(time, s_int32) values (2000, 5)"); err != nil {
		return err
	}
	pm.put(p1, 2000, []interface{}{nil, int32(5), nil, nil, nil, nil, nil, nil, nil, nil})
	return verifyQuery(s, pm, selectAll(p1), p1, -1<<63, 1<<63-1)
}

func (rt *roundTrip) run() int {
	rt.step("Open", func() error {
		rt.s = client.NewSession(&client.Config{Host: rt.host, Port: rt.port, UserName: "root",
			Password: "root", FetchSize: fetch})
		return rt.s.Open(false, 10000)
	})
	rt.step("GetTimeZone", func() error {
		tz, err := rt.s.GetTimeZone()
		if err == nil && tz == "" {
			err = fmt.Errorf("empty time zone")
		}
		return err
	})
	rt.step("SetStorageGroup", func() error { return rt.s.SetStorageGroup(db) })
	rt.step("CreateTimeseries", func() error {
		for c := 0; c < nCols; c++ {
			if err := rt.s.CreateTimeseries(d1+"."+measurement(c), types[c], encodings[c],
				compressors[c], nil, nil); err != nil {
				return err
			}
		}
		return nil
	})
	rt.step("CreateAlignedTimeseries", func() error {
		return rt.s.CreateAlignedTimeseries(a1, measurements(), types, encodings, compressors, nil)
	})
	rt.step("CreateMultiTimeseries", func() error {
		return rt.s.CreateMultiTimeseries(paths(d3), types, encodings, compressors)
	})
	rt.step("InsertRecord", func() error {
		for k := int64(1); k <= 3; k++ {
			if err := rt.insertRecord(d1, k, false); err != nil {
				return err
			}
		}
		return rt.insertRecord(d3, 1, false)
	})
	rt.step("InsertAlignedRecord", func() error { return rt.insertRecord(a1, 1, true) })
	rt.step("InsertRecords", func() error { return rt.insertRecords(d1, 4, 3, false) })
	rt.step("InsertAlignedRecords", func() error { return rt.insertRecords(a1, 2, 3, true) })
	rt.step("InsertRecordsOfOneDevice", func() error { return rt.insertRecordsOfOneDevice(7, 4) })
	rt.step("InsertTablet", func() error { return rt.writeTablet(d1, 100, 30, false) })
	rt.step("InsertAlignedTablet", func() error { return rt.writeTablet(a1, 100, 30, true) })
	rt.step("InsertTablets", rt.insertTablets)
	for _, dev := range []string{d1, a1, d2, d3} {
		dev := dev
		rt.step("ExecuteQueryStatement "+dev, func() error { return rt.verifyDevice(dev) })
	}
	rt.step("ExecuteQueryStatement where time", func() error {
		sql := selectAll(a1) + " where time >= 3 and time <= 115"
		return verifyQuery(rt.s, rt.m, sql, a1, 3, 115)
	})
	rt.step("ExecuteRawDataQuery", rt.rawDataQuery)
	rt.step("ExecuteNonQueryStatement insert", func() error { return rt.sqlInserts(300, 305, nonBlob) })
	rt.step("ExecuteNonQueryStatement insert X'..' BLOB literal", func() error {
		return rt.sqlInserts(300, 305, []int{cBlob})
	})
	rt.step("ExecuteBatchStatement", func() error { return rt.batch(310, 313) })
	rt.step("ExecuteNonQueryStatement flush", func() error { return rt.s.ExecuteNonQueryStatement("flush") })
	rt.step("query after SQL inserts + flush", func() error { return rt.verifyDevice(d1) })
	rt.step("DeleteData", rt.deleteData)
	rt.step("ExecuteAggregationQuery COUNT", rt.aggregationCount)
	rt.step("InsertStringRecord", rt.stringRecords)
	rt.step("ExecuteNonQueryStatement insert -0 into FLOAT/DOUBLE", rt.negativeZeroIntegerLiteral)
	rt.step("SessionPool", rt.sessionPool)
	rt.step("Close", func() error { return rt.s.Close() })
	if rt.failed > 0 {
		return 1
	}
	return 0
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gocompat HOST PORT")
		os.Exit(2)
	}
	rt := &roundTrip{host: os.Args[1], port: os.Args[2], m: newModel()}
	os.Exit(rt.run())
}
