# The five planted detections of bench/compare.sh as one jq pass:
#   jq -n -c -f bench/jq/detections.jq FILE
# prints the count per rule, and the records read. reduce over inputs
# keeps one record in memory at a time; each record's operation is
# compared first, so the costlier tests (contains, regular expressions)
# run only on the few records of the right operation. The filters are
# those of docs/performance.md ("Side by side"), shared by the DuckDB and
# Sigma peers.
reduce inputs as $r (
  {"azure.identity.elevate_access": 0,
   "azure.identity.privileged_role_assignment": 0,
   "azure.quota.increase.gpu": 0,
   "azure.compute.gpu_created": 0,
   "azure.subscription.moved_to_other_tenant": 0,
   "records": 0};
  .records += 1
  | ($r.operationName // "") as $o
  # jq 1.6 lower-cases through explode/implode, which doubles the cost of
  # a pass if done on every record: the four letters after "Microsoft."
  # are lower-cased first, and the whole name only for the providers the
  # detections watch (every operation below passes this test).
  | ($o[10:14] | ascii_downcase) as $p
  | if $p == "auth" or $p == "quot" or $p == "comp" or $p == "subs" then
      ($o | ascii_downcase) as $op
      | if $op == "microsoft.authorization/elevateaccess/action" then
          if $r.resultType != "Failure" then .["azure.identity.elevate_access"] += 1 else . end
        elif $op == "microsoft.authorization/roleassignments/write" then
          if ($r.properties.requestbody // "" | contains("8e3af657-a8ff-443c-a75c-2fe8c4bcb635"))
             and ($r.resourceId // "" | ascii_downcase | contains("/resourcegroups/") | not)
          then .["azure.identity.privileged_role_assignment"] += 1 else . end
        elif $op == "microsoft.quota/quotas/write" then
          if ($r.resourceId // "" | test("/quotas/\\s*(standard\\s*)?n[cdgv][^/]*$"; "i"))
          then .["azure.quota.increase.gpu"] += 1 else . end
        elif $op == "microsoft.compute/virtualmachines/write"
             or $op == "microsoft.compute/virtualmachinescalesets/write" then
          if $r.resultType != "Failure"
             and ($r.properties.requestbody // "" | test("\"(vmSize|name)\"\\s*:\\s*\"standard_n[cdgv]"; "i"))
          then .["azure.compute.gpu_created"] += 1 else . end
        elif $op == "microsoft.subscription/updatetenant/action"
             or $op == "microsoft.subscription/changetenantrequest/write" then
          if $r.resultType != "Failure" then .["azure.subscription.moved_to_other_tenant"] += 1 else . end
        else . end
    else . end)
