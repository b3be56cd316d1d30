package hunt

import "runtime"

func defaultWorkers() int { return runtime.GOMAXPROCS(0) }
