// The expected contents of the database for the Go round-trip program: the
// ten IoTDB data types, a deterministic value for every (row key, column)
// including edge values (extremes, -0.0, subnormals, empty text and blobs,
// non-ASCII text, the ends of the DATE range), a null pattern, and a model of
// what a tree-model raw query must return after inserts and deletions.
//
// The model follows IoTDB's documented semantics: a later insert overwrites
// the value at the same (series, time); a null leaves the series untouched;
// deleteData removes the values of a series in [start, end]; a raw query
// `SELECT s1, .., sn FROM dev` returns the rows, in time order, where at
// least one selected series has a value.
package main

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apache/iotdb-client-go/v2/client"
)

// Column index = position in types; series are created in this order.
var types = []client.TSDataType{client.BOOLEAN, client.INT32, client.INT64, client.FLOAT,
	client.DOUBLE, client.TEXT, client.TIMESTAMP, client.DATE, client.BLOB, client.STRING}

var typeNames = []string{"BOOLEAN", "INT32", "INT64", "FLOAT", "DOUBLE", "TEXT", "TIMESTAMP",
	"DATE", "BLOB", "STRING"}

const (
	cBoolean = iota
	cInt32
	cInt64
	cFloat
	cDouble
	cText
	cTimestamp
	cDate
	cBlob
	cString
	nCols
)

// measurement returns "s_boolean", "s_int32", ...: the name of column c.
func measurement(c int) string {
	return "s_" + strings.ToLower(typeNames[c])
}

func measurements() []string {
	out := make([]string, nCols)
	for c := range out {
		out[c] = measurement(c)
	}
	return out
}

func mod(a, b int64) int64 {
	return ((a % b) + b) % b
}

// value is column c's value for row key k, as the Go type the client takes:
// bool, int32, int64, float32, float64, string (TEXT), int64 (TIMESTAMP),
// time.Time (DATE, UTC midnight), []byte (BLOB), string (STRING).
func value(c int, k int64) interface{} {
	m := mod(k, 6)
	switch c {
	case cBoolean:
		return (k*5+1)%3 == 0
	case cInt32:
		switch m {
		case 1:
			return int32(math.MaxInt32)
		case 2:
			return int32(math.MinInt32)
		}
		return int32(k * 2654435761)
	case cInt64:
		switch m {
		case 1:
			return int64(math.MaxInt64)
		case 2:
			return int64(math.MinInt64)
		}
		return k * -7046029254386353131 // 0x9E3779B97F4A7C15 as int64
	case cFloat:
		switch m {
		case 1:
			return float32(math.MaxFloat32)
		case 2:
			return float32(math.Copysign(0, -1))
		case 3:
			return float32(math.SmallestNonzeroFloat32)
		}
		return float32(math.Sin(float64(k)) * 1000)
	case cDouble:
		switch m {
		case 1:
			return -math.MaxFloat64
		case 2:
			return math.SmallestNonzeroFloat64
		case 3:
			return math.Copysign(0, -1)
		}
		return math.Cos(float64(k)) * 1e6 / 7
	case cText:
		switch m {
		case 1:
			return ""
		case 2:
			return fmt.Sprintf("it's \"quoted\", k=%d", k)
		case 3:
			return strings.Repeat("x", 300) + fmt.Sprint(k)
		}
		return fmt.Sprintf("héllo wörld ✓ 時系列 %d", k)
	case cTimestamp:
		switch m {
		case 1:
			return int64(0)
		case 2:
			return int64(-86400000)
		}
		return 1700000000000 + k*1234
	case cDate:
		switch m {
		case 1:
			return time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)
		case 2:
			return time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
		}
		return time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(k*37))
	case cBlob:
		b := make([]byte, mod(k, 9))
		for i := range b {
			b[i] = byte(k*31 + int64(i)*97)
		}
		if len(b) > 2 {
			b[1] = 0
		}
		return b
	case cString:
		if m == 1 {
			return ""
		}
		return fmt.Sprintf("str-%d-日本", k)
	}
	panic(fmt.Sprintf("column %d", c))
}

// nullAt: exactly two of the ten columns of row k are null in rows with nulls.
func nullAt(c int, k int64) bool {
	return mod(k*7+int64(c)*3, 5) == 0
}

// row is the ten values of key k, with the null pattern applied when asked.
func row(k int64, withNulls bool) []interface{} {
	r := make([]interface{}, nCols)
	for c := range r {
		if !(withNulls && nullAt(c, k)) {
			r[c] = value(c, k)
		}
	}
	return r
}

type model struct {
	devices map[string]map[int64][]interface{}
}

func newModel() *model {
	return &model{devices: map[string]map[int64][]interface{}{}}
}

// put records an insert of r at time t (nil values leave the stored value).
func (m *model) put(device string, t int64, r []interface{}) {
	rows := m.devices[device]
	if rows == nil {
		rows = map[int64][]interface{}{}
		m.devices[device] = rows
	}
	cur := rows[t]
	if cur == nil {
		cur = make([]interface{}, nCols)
		rows[t] = cur
	}
	for c, v := range r {
		if v != nil {
			cur[c] = v
		}
	}
}

// remove records deleteData of column c over [start, end].
func (m *model) remove(device string, c int, start, end int64) {
	for t, r := range m.devices[device] {
		if t >= start && t <= end {
			r[c] = nil
		}
	}
}

// count is the number of non-nil values of column c of device (what COUNT returns).
func (m *model) count(device string, c int) int64 {
	var n int64
	for _, r := range m.devices[device] {
		if r[c] != nil {
			n++
		}
	}
	return n
}

type expRow struct {
	t    int64
	vals []interface{}
}

// expected: rows of device with time in [from, to] holding at least one value, by time.
func (m *model) expected(device string, from, to int64) []expRow {
	var out []expRow
	for t, r := range m.devices[device] {
		if t < from || t > to {
			continue
		}
		for _, v := range r {
			if v != nil {
				out = append(out, expRow{t, append([]interface{}(nil), r...)})
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].t < out[j].t })
	return out
}

// same compares floats by bits (-0.0 != 0.0), blobs by bytes, dates by calendar day.
func same(c int, want, got interface{}) bool {
	if want == nil || got == nil {
		return want == nil && got == nil
	}
	switch c {
	case cFloat:
		g, ok := got.(float32)
		return ok && math.Float32bits(want.(float32)) == math.Float32bits(g)
	case cDouble:
		g, ok := got.(float64)
		return ok && math.Float64bits(want.(float64)) == math.Float64bits(g)
	case cBlob:
		g, ok := got.([]byte)
		return ok && bytes.Equal(want.([]byte), g)
	case cDate:
		g, ok := got.(time.Time)
		w := want.(time.Time)
		return ok && g.Year() == w.Year() && g.Month() == w.Month() && g.Day() == w.Day()
	}
	return want == got
}

// show renders a value for failure messages (floats with their bits).
func show(v interface{}) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case float32:
		return fmt.Sprintf("%v (bits %08x)", x, math.Float32bits(x))
	case float64:
		return fmt.Sprintf("%v (bits %016x)", x, math.Float64bits(x))
	case []byte:
		return fmt.Sprintf("blob %x", x)
	case string:
		return fmt.Sprintf("%q (%d bytes)", x, len(x))
	case time.Time:
		return x.Format("2006-01-02")
	}
	return fmt.Sprintf("%v (%T)", v, v)
}

// sqlLiteral renders v of column c as an IoTDB SQL literal.
func sqlLiteral(c int, v interface{}) string {
	switch c {
	case cText, cString:
		return "'" + strings.ReplaceAll(v.(string), "'", "''") + "'"
	case cDate:
		return "'" + v.(time.Time).Format("2006-01-02") + "'"
	case cBlob:
		return fmt.Sprintf("X'%x'", v.([]byte))
	case cFloat:
		return floatLiteral(strconv.FormatFloat(float64(v.(float32)), 'g', -1, 32))
	case cDouble:
		return floatLiteral(strconv.FormatFloat(v.(float64), 'g', -1, 64))
	}
	return fmt.Sprint(v)
}

// floatLiteral gives a real literal the form Java's Float/Double.toString
// have (a '.' or an exponent), so "-0" is written "-0.0": the integer form is
// a separate step (see negativeZeroIntegerLiteral in main.go).
func floatLiteral(s string) string {
	if strings.ContainsAny(s, ".eE") {
		return s
	}
	return s + ".0"
}

// rowSource is one result read through some client API.
type rowSource interface {
	next() (bool, error)
	time() (int64, error)
	get(c int) (interface{}, error)
}

// verify reads every row of src and compares times, count, values and nulls
// exactly with want; the error names the query, row, time, column and values.
func verify(what string, want []expRow, src rowSource) error {
	n := 0
	for {
		ok, err := src.next()
		if err != nil {
			return fmt.Errorf("%s: next after %d rows: %w", what, n, err)
		}
		if !ok {
			break
		}
		t, err := src.time()
		if err != nil {
			return fmt.Errorf("%s: row %d time: %w", what, n, err)
		}
		if n >= len(want) {
			return fmt.Errorf("%s: extra row %d at time %d (expected %d rows)", what, n, t, len(want))
		}
		if t != want[n].t {
			return fmt.Errorf("%s: row %d has time %d, expected %d", what, n, t, want[n].t)
		}
		for c := 0; c < nCols; c++ {
			got, err := src.get(c)
			if err != nil {
				return fmt.Errorf("%s: row %d time %d %s: %w", what, n, t, measurement(c), err)
			}
			if !same(c, want[n].vals[c], got) {
				return fmt.Errorf("%s: row %d time %d %s (%s): expected %s, got %s", what, n, t,
					measurement(c), typeNames[c], show(want[n].vals[c]), show(got))
			}
		}
		n++
	}
	if n != len(want) {
		return fmt.Errorf("%s: %d rows returned, expected %d", what, n, len(want))
	}
	return nil
}
