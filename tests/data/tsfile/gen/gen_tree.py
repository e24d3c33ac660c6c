import os
from tsfile import *
from tsfile.constants import TSEncoding as E, Compressor as C
p = "tree.tsfile"
if os.path.exists(p): os.remove(p)
w = TsFileWriter(p)
set_tsfile_config({"page_writer_max_point_num_": 6})
series = [
  ("root.sg.d1", "s_bool", TSDataType.BOOLEAN, E.PLAIN, C.UNCOMPRESSED),
  ("root.sg.d1", "s_i32", TSDataType.INT32, E.TS_2DIFF, C.SNAPPY),
  ("root.sg.d1", "s_i64", TSDataType.INT64, E.PLAIN, C.GZIP),
  ("root.sg.d1", "s_f32", TSDataType.FLOAT, E.GORILLA, C.LZ4),
  ("root.sg.d1", "s_f64", TSDataType.DOUBLE, E.GORILLA, C.LZ4),
  ("root.sg.d1", "s_text", TSDataType.STRING, E.PLAIN, C.UNCOMPRESSED),
  ("root.sg.d2", "a", TSDataType.INT64, E.TS_2DIFF, C.LZ4),
]
for d, m, t, e, c in series:
    w.register_timeseries(d, TimeseriesSchema(m, t, e, c))
for i in range(20):
    ts = 1000 + 10*i
    fields = [Field("s_bool", i % 3 == 0, TSDataType.BOOLEAN),
              Field("s_i32", i*i - 50, TSDataType.INT32),
              Field("s_i64", (i-10) * 1000000007, TSDataType.INT64),
              Field("s_f32", i*0.5, TSDataType.FLOAT),
              Field("s_f64", i*1.25 - 3, TSDataType.DOUBLE),
              Field("s_text", "v%02d" % i, TSDataType.STRING)]
    if i % 4 == 3:
        fields = fields[:2]   # gaps in other series
    w.write_row_record(RowRecord("root.sg.d1", ts, fields))
for i in range(5):
    w.write_row_record(RowRecord("root.sg.d2", 995 + 20*i, [Field("a", 7*i, TSDataType.INT64)]))
w.close()
print(os.path.getsize(p))
