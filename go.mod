module github.com/mamori-sec/mamori

go 1.26

require (
	github.com/klauspost/compress v1.20.4 // indirect
	github.com/valyala/fastjson v1.6.10 // indirect
)
