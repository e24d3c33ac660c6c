import os
from tsfile import *
p = "table.tsfile"
if os.path.exists(p): os.remove(p)
schema = TableSchema("Sensors", [
    ColumnSchema("region", TSDataType.STRING, ColumnCategory.TAG),
    ColumnSchema("id", TSDataType.STRING, ColumnCategory.TAG),
    ColumnSchema("temp", TSDataType.DOUBLE, ColumnCategory.FIELD),
    ColumnSchema("cnt", TSDataType.INT32, ColumnCategory.FIELD),
    ColumnSchema("ok", TSDataType.BOOLEAN, ColumnCategory.FIELD),
    ColumnSchema("note", TSDataType.STRING, ColumnCategory.FIELD),
])
set_tsfile_config({"page_writer_max_point_num_": 5})
cols = ["region", "id", "temp", "cnt", "ok", "note"]
types = [TSDataType.STRING, TSDataType.STRING, TSDataType.DOUBLE, TSDataType.INT32, TSDataType.BOOLEAN, TSDataType.STRING]
with TsFileTableWriter(p, schema) as w:
    for dev, (reg, ident) in enumerate([("north", "a1"), ("south", "b2"), ("north", "c3")]):
        tab = Tablet(cols, types, 30)
        for i in range(12):
            tab.add_timestamp(i, 100 * i + dev)
            tab.add_value_by_name("region", i, reg)
            tab.add_value_by_name("id", i, ident)
            if i % 5 != 4:
                tab.add_value_by_name("temp", i, 20.5 + i + dev * 100)
            tab.add_value_by_name("cnt", i, i * (dev + 1))
            if i % 3 != 2:
                tab.add_value_by_name("ok", i, i % 2 == 0)
            if i % 4 == 0:
                tab.add_value_by_name("note", i, "n%d_%d" % (dev, i))
        w.write_table(tab)
print(os.path.getsize(p))
with TsFileReader(p) as r:
    print(r.get_all_table_schemas())
    with r.query_table("sensors", cols, -2**63, 2**63-1) as rs:
        while rs.next():
            print([rs.get_value_by_index(i) for i in range(1, 8)])
