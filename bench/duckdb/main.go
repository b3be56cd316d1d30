// Command duckdb counts the five planted detections of bench/compare.sh
// with DuckDB (github.com/duckdb/duckdb-go, which bundles the library):
// one SQL query over the JSON lines, read by read_ndjson with the four
// columns the detections need declared, so DuckDB neither samples the
// file to guess a schema nor materialises the fields no rule reads. It
// runs with DuckDB's default settings (one thread per core).
//
//	go run ./duckdb FILE
//
// It prints the count per rule, and the records read, as JSON.
package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2"
)

// query counts each detection in one pass. The filters are those of
// docs/performance.md ("Side by side"), shared by the jq and Sigma peers:
// operation names compared without case, a failed record left out where
// mamori's rule leaves it out. %s is the file, as a SQL string literal.
const query = `
WITH r AS (
  SELECT lower(operationName) AS op, resultType AS result, resourceId AS id,
         properties.requestbody AS body
  FROM read_ndjson(%s, columns = {
    operationName: 'VARCHAR', resultType: 'VARCHAR', resourceId: 'VARCHAR',
    properties: 'STRUCT(requestbody VARCHAR)'})
)
SELECT
  count(*) FILTER (WHERE op = 'microsoft.authorization/elevateaccess/action'
                   AND result IS DISTINCT FROM 'Failure'),
  count(*) FILTER (WHERE op = 'microsoft.authorization/roleassignments/write'
                   AND contains(body, '8e3af657-a8ff-443c-a75c-2fe8c4bcb635')
                   AND NOT contains(lower(id), '/resourcegroups/')),
  count(*) FILTER (WHERE op = 'microsoft.quota/quotas/write'
                   AND regexp_matches(id, '/quotas/\s*(standard\s*)?n[cdgv][^/]*$', 'i')),
  count(*) FILTER (WHERE op IN ('microsoft.compute/virtualmachines/write',
                                'microsoft.compute/virtualmachinescalesets/write')
                   AND result IS DISTINCT FROM 'Failure'
                   AND regexp_matches(body, '"(vmSize|name)"\s*:\s*"standard_n[cdgv]', 'i')),
  count(*) FILTER (WHERE op IN ('microsoft.subscription/updatetenant/action',
                                'microsoft.subscription/changetenantrequest/write')
                   AND result IS DISTINCT FROM 'Failure'),
  count(*)
FROM r`

// rules names the query's columns, in order, as mamori names the rules.
var rules = []string{
	"azure.identity.elevate_access",
	"azure.identity.privileged_role_assignment",
	"azure.quota.increase.gpu",
	"azure.compute.gpu_created",
	"azure.subscription.moved_to_other_tenant",
	"records", // all records read, for the check that none was skipped
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: duckdb FILE")
		os.Exit(2)
	}
	counts, err := count(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "duckdb:", err)
		os.Exit(1)
	}
	out, _ := json.Marshal(counts)
	fmt.Println(string(out))
}

// count runs the query over path in an in-memory database.
func count(path string) (map[string]int64, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	lit := "'" + strings.ReplaceAll(path, "'", "''") + "'"
	n := make([]int64, len(rules))
	dst := make([]any, len(rules))
	for i := range n {
		dst[i] = &n[i]
	}
	if err := db.QueryRow(fmt.Sprintf(query, lit)).Scan(dst...); err != nil {
		return nil, err
	}
	counts := map[string]int64{}
	for i, r := range rules {
		counts[r] = n[i]
	}
	return counts, nil
}
