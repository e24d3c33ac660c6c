module larch/compat/gocompat

go 1.25

require github.com/apache/iotdb-client-go/v2 v2.0.10

require github.com/apache/thrift v0.24.0 // indirect
