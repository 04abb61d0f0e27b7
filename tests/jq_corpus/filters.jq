# trailtui jq corpus: filters investigators write, one per line (see README.md in this folder).
# Lines starting with '#' are comments; blank lines are ignored.
# '#@ mode NAME' sets how the filters below it run in tests/test_jq_differential.py:
#   record    - once per CloudTrail record (the default);
#   document  - once per dataset file, on {"Records": [records of that file]};
#   slurp     - once per dataset file, on the array of its records (jq -s style).
# A filter that both engines reject or that errors is still a test: errors must match too.

#@ mode record
# Threat hunts Q01-Q28, verbatim from the CloudTrail guide, section 5.1.
select(.eventSource == "cloudtrail.amazonaws.com" and (.eventName | IN("StopLogging","DeleteTrail","UpdateTrail","PutEventSelectors","PutInsightSelectors","DeleteEventDataStore","StopEventDataStoreIngestion","UpdateEventDataStore")))
select(.eventName == "PutEventSelectors" and ([.requestParameters.eventSelectors[]?.includeManagementEvents] | any(. == false)))
select(.eventName == "ConsoleLogin" and ((.responseElements.ConsoleLogin // "") == "Failure" or (.errorMessage // "") == "Failed authentication"))
select(.eventName == "ConsoleLogin" and (.responseElements.ConsoleLogin // "") == "Success" and ((.additionalEventData.MFAUsed // "") | ascii_downcase) != "yes" and ((.userIdentity.sessionContext.attributes.mfaAuthenticated // "") | tostring) != "true" and ((.userIdentity.arn // "") | contains("AWSReservedSSO") | not) and .additionalEventData.SamlProviderArn == null)
select(.userIdentity.type == "Root" and .userIdentity.invokedBy == null and .eventType != "AwsServiceEvent")
select(.eventName == "ConsoleLogin" and .userIdentity.type == "Root")
select(.eventSource == "iam.amazonaws.com" and (.eventName | IN("CreateUser","CreateAccessKey","CreateLoginProfile","UpdateLoginProfile","AttachUserPolicy","PutUserPolicy","AddUserToGroup","CreateRole","AttachRolePolicy","PutRolePolicy","UpdateAssumeRolePolicy","CreatePolicyVersion","SetDefaultPolicyVersion","CreateVirtualMFADevice","DeactivateMFADevice")))
select(.eventName == "CreateAccessKey" and .errorCode == null) | select((.responseElements.accessKey.userName // "") as $u | (.userIdentity.arn // "") | endswith("user/" + $u) | not)
select((.eventName | IN("AttachUserPolicy","AttachRolePolicy","AttachGroupPolicy")) and ((.requestParameters.policyArn // "") | endswith("/AdministratorAccess")))
select(.eventSource == "sts.amazonaws.com" and ((.eventName // "") | startswith("AssumeRole")) and .userIdentity.type != "AWSService")
select((.eventSource == "secretsmanager.amazonaws.com" and (.eventName | IN("GetSecretValue","BatchGetSecretValue"))) or ((.eventName | IN("GetParameter","GetParameters","GetParametersByPath")) and .requestParameters.withDecryption == true))
select(.eventSource == "s3.amazonaws.com" and (.eventName | IN("PutBucketPolicy","DeleteBucketPolicy","PutBucketAcl","PutBucketPublicAccessBlock","DeleteBucketPublicAccessBlock","PutBucketCors","PutBucketReplication","DeleteBucketReplication","PutBucketLifecycle","DeleteBucketLifecycle","PutBucketLogging","PutBucketVersioning","PutBucketEncryption","DeleteBucketEncryption")))
select(.eventName == "PutBucketPolicy" and ([.requestParameters.bucketPolicy.Statement? | if type == "array" then .[] else . end | select(.Effect == "Allow") | .Principal | if type == "object" then .AWS else . end | if type == "array" then .[] else . end] | any(. == "*")))
select(.eventName == "PutBucketAcl" and ((.requestParameters // {}) | tostring | test("public-read|AllUsers|AuthenticatedUsers")))
select((.eventName | IN("DeleteBucketPublicAccessBlock","DeleteAccountPublicAccessBlock")) or ((.eventName | IN("PutBucketPublicAccessBlock","PutAccountPublicAccessBlock")) and ([.requestParameters.PublicAccessBlockConfiguration? | (.BlockPublicAcls, .IgnorePublicAcls, .BlockPublicPolicy, .RestrictPublicBuckets)] | any(. == false))))
select(.eventSource == "kms.amazonaws.com" and (.eventName | IN("ScheduleKeyDeletion","DisableKey","PutKeyPolicy","DeleteImportedKeyMaterial")))
select(.eventSource == "guardduty.amazonaws.com" and ((.eventName | IN("DeleteDetector","DisassociateFromMasterAccount","DisassociateFromAdministratorAccount","DeleteMembers","DisassociateMembers","StopMonitoringMembers","DeleteInvitations","CreateIPSet","UpdateIPSet","CreateThreatIntelSet","UpdateThreatIntelSet","CreateFilter","UpdateFilter")) or (.eventName == "UpdateDetector" and ((.requestParameters.enable | tostring) == "false"))))
select((.eventSource == "securityhub.amazonaws.com" and (.eventName | IN("DisableSecurityHub","BatchDisableStandards","DeleteInsight","UpdateInsight","UpdateFindings","BatchUpdateFindings"))) or (.eventSource == "config.amazonaws.com" and (.eventName | IN("StopConfigurationRecorder","DeleteConfigurationRecorder","DeleteDeliveryChannel","DeleteConfigRule"))) or (.eventName | IN("DeleteFlowLogs","DeleteLogGroup","DeleteLogStream","DeleteQueryLoggingConfig","DeleteResolverQueryLogConfig","LeaveOrganization")))
select(.eventName == "RunInstances" and ((.awsRegion // "") | IN("us-east-1","us-west-2","eu-west-1") | not))
select(.eventName == "EnableRegion" or (.eventName == "RunInstances" and ((.requestParameters.instanceType // "") | test("^(p[2-5]|g[3-6]|inf|trn|x[12]|u-)"))))
select((.errorCode // "") | test("AccessDenied|UnauthorizedOperation|UnauthorizedAccess|NotAuthorized|Forbidden"; "i"))
select(.eventSource == "sts.amazonaws.com" and .eventName == "GetCallerIdentity" and ((.userIdentity.type != "AssumedRole") or ((.userAgent // "") | test("trufflehog"; "i"))))
select((.userIdentity.arn // "") | test(":assumed-role/(aws:ec2-instance/|.+/i-[0-9a-f]{8,17}$)")) | select(.sourceIPAddress != "AWS Internal" and ((.sourceIPAddress // "") | endswith(".amazonaws.com") | not) and .eventName != "RegisterManagedInstance")
select((.eventName == "ModifySnapshotAttribute" and .requestParameters.createVolumePermission.add != null) or (.eventName == "ModifyImageAttribute" and .requestParameters.launchPermission.add != null) or (.eventName | IN("ModifyDBSnapshotAttribute","ModifyDBClusterSnapshotAttribute")) and (.requestParameters.valuesToAdd // [] | length > 0))
select((.eventName | IN("AuthorizeSecurityGroupIngress","ModifySecurityGroupRules")) and ((.requestParameters // {}) | tostring | test("/0\"")))
select((.requestParameters.omitted == true) or (.responseElements.omitted == true))
select((.eventName == "ModifyInstanceAttribute" and (.requestParameters.attribute == "userData" or .requestParameters.userData != null)) or .eventName == "SendCommand" or .eventName == "StartSession")
select((.eventName | IN("ListUsers","ListRoles","ListGroups","ListAccessKeys","ListInstanceProfiles","GetAccountAuthorizationDetails","ListBuckets","GetBucketAcl","ListIdentities","GetSendQuota","ListServiceQuotas","DescribeInstances","GetCallerIdentity")))

# Everyday filters.
# --- field access and equality ---
.eventName
.eventSource
.userIdentity.arn
.userIdentity.type
.userIdentity.sessionContext.sessionIssuer.userName
.requestParameters
.responseElements
.["eventName"]
."eventName"
.userIdentity["accountId"]
.resources[0].ARN
.resources[]?.ARN
.resources[-1]
.eventName, .eventSource
.eventName?
.foo.bar.baz
select(.eventName == "ConsoleLogin")
select(.eventSource == "ec2.amazonaws.com")
select(.eventName != "DescribeInstances")
select(.userIdentity.type == "AssumedRole")
select(.userIdentity.userName == "pedro")
select(.errorCode != null)
select(.errorCode)
select(.readOnly == false)
select(.readOnly | not)
select(.sourceIPAddress == "AWS Internal")
select(.awsRegion == "us-east-1" and .eventSource == "s3.amazonaws.com")
select(.eventName == "GetObject" or .eventName == "PutObject")
select(.eventName | IN("GetSecretValue", "GetParameter", "Decrypt"))
select(.eventName as $n | ["RunInstances", "StopInstances"] | index($n))
select(.userIdentity.accountId != .recipientAccountId)
select(.eventType == "AwsConsoleSignIn") | .responseElements.ConsoleLogin
# --- alternative operator and defaults ---
.userIdentity.userName // "N/A"
.userIdentity.userName // .userIdentity.principalId // "?"
.errorCode // "OK"
.requestParameters.bucketName // empty
(.userIdentity.sessionContext.attributes.mfaAuthenticated // "false") == "true"
.readOnly // "unknown"
[.eventTime, .eventName, .userIdentity.userName // "N/A", .sourceIPAddress // "N/A"]
.missing // false // null // 0
(.errorCode // "") | length
.responseElements // {} | keys
# --- regex: test / match / capture / sub / gsub / splits / scan ---
select(.eventName | test("^Describe"))
select((.eventName // "") | test("^(List|Describe|Get)"))
select((.userAgent // "") | test("aws-cli"; "i"))
select((.userAgent // "") | test("BOTO3"; "ix"))
select((.errorCode // "") | test("denied"; "i"))
select((.sourceIPAddress // "") | test("^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$"))
(.userIdentity.arn // "") | test(":assumed-role/")
.eventName | test("[")
.eventName | match("[A-Z][a-z]+")
.eventName | [match("[A-Z][a-z]+"; "g") | .string]
(.userIdentity.arn // "") | match("arn:aws:([a-z]+)::([0-9]+):(.*)") | .captures | map(.string)
(.userIdentity.arn // "") | capture("arn:aws:iam::(?<account>[0-9]+):(?<kind>[a-z-]+)/(?<name>.*)")
(.userAgent // "") | capture("(?<tool>[A-Za-z-]+)/(?<version>[0-9.]+)")
.eventSource // "" | sub("\\.amazonaws\\.com$"; "")
(.userIdentity.arn // "") | sub("^arn:aws:[a-z]+::"; "")
(.userAgent // "") | gsub("[0-9]"; "#")
(.userAgent // "") | gsub("\\s+"; " ")
.eventName | gsub("(?<up>[A-Z])"; "_\(.up | ascii_downcase)")
.eventName | sub("(?<first>.)"; "\(.first)-")
(.userIdentity.arn // "") | [splits(":")]
(.userAgent // "") | [scan("[0-9]+\\.[0-9]+")]
.eventName | ascii_downcase | test("describe")
.eventTime | test("T")
.eventName | test("instance"; "i")
(.sourceIPAddress // "") | test("^10\\.|^192\\.168\\.|^172\\.(1[6-9]|2[0-9]|3[01])\\.")
(.userIdentity.principalId // "") | split(":") | .[1] // empty
# --- contains / inside / startswith / endswith / ltrimstr ---
select((.eventName // "") | startswith("Create"))
select((.eventName // "") | endswith("Policy"))
select((.userAgent // "") | contains("console"))
select((.requestParameters // {}) | tostring | contains("0.0.0.0/0"))
select(.userIdentity | contains({type: "IAMUser"}))
select(.requestParameters | contains({withDecryption: true}))
(.eventSource // "") | inside("ec2.amazonaws.com s3.amazonaws.com")
["ec2.amazonaws.com"] | inside(["ec2.amazonaws.com", "s3.amazonaws.com"])
.resources // [] | contains([{type: "AWS::S3::Object"}])
(.eventSource // "") | ltrimstr("ec2.")
(.eventSource // "") | rtrimstr(".amazonaws.com")
.eventName | startswith("Get") and endswith("Value")
.eventName | startswith(1)
# --- case, split, join ---
.eventName | ascii_downcase
.eventName | ascii_upcase
(.eventSource // "") | split(".") | .[0]
(.eventSource // "") | split(".")
(.userIdentity.arn // "") | split("/") | last
(.userIdentity.arn // "") | split("/")[-2]
(.userIdentity.arn // "") | split(":") | join("|")
[.eventName, .eventSource, .awsRegion] | join(",")
[.eventName, .readOnly, .errorCode] | join(" ")
[.eventName, {}] | join(",")
(.eventName // "") | split("") | length
(.eventName // "") | explode | implode
(.userAgent // "") | split(" ") | map(select(length > 0)) | first
# --- tostring / tonumber / type / length ---
.readOnly | tostring
.requestParameters | tostring
.userIdentity | tojson
.eventVersion | tonumber
.eventVersion | tonumber * 100 | floor
.recipientAccountId | tonumber
.eventName | tonumber
.requestParameters.maxResults | tostring
.eventName | type
.requestParameters | type
[.[] | type] | unique
.eventName | length
.userIdentity | length
.resources | length
.readOnly | length
keys | length
.requestParameters.instanceType | tojson | fromjson
(.userIdentity | tojson | length) > 100
# --- has / in / keys / to_entries / with_entries ---
has("errorCode")
.userIdentity | has("sessionContext")
select(has("vpcEndpointId"))
"errorCode" | in({"errorCode": 1})
.eventName | in({"ConsoleLogin": true, "GetObject": true})
keys
keys_unsorted
.userIdentity | keys
.requestParameters | keys?
.resources | has(0)
.eventName | has("x")
to_entries | map(select(.value == null)) | map(.key)
.userIdentity | to_entries | map("\(.key)=\(.value)") | join(" ")
with_entries(select(.key | startswith("p_") | not)) | keys
with_entries(.value |= type)
.userIdentity | with_entries(select(.value | type == "string"))
[to_entries[] | select(.value | type == "object") | .key]
.tlsDetails // {} | to_entries | from_entries
del(.userIdentity) | keys
del(.requestParameters, .responseElements) | length
pick(.eventName, .userIdentity.type)
map_values(type)
.userIdentity | map_values(length)?
# --- recursion and paths ---
[..|strings] | length
[..|strings | select(test("^arn:aws:"))] | unique
[..|numbers]
[..|booleans] | length
[..|select(type == "object" and has("ARN")) | .ARN]
[.. | scalars] | length
[paths] | length
[paths(type == "string")] | length
# leaf_paths was removed in jq 1.8: both engines must reject it.
[leaf_paths] | length
[paths(scalars) | join(".")?]
[paths(scalars)] == [paths(type != "object" and type != "array")]
[paths | map(tostring) | join(".")] | .[0:5]
getpath(["userIdentity", "arn"])
getpath(["requestParameters", "bucketName"])
getpath(["a", 0, "b"])
[paths(..) ] | length
[getpath(["userIdentity", "type"], ["eventName"])]
.userIdentity | [paths]
[.. | .userName? // empty]
[recurse | objects | keys[]] | unique | length
first(.. | strings | select(test("^i-[0-9a-f]+$")))
[limit(3; .. | strings)]
# --- any / all / length-based ---
any(.[]; . == null)
all(.[]; . != null)
[.resources[]? | .type] | any(. == "AWS::S3::Bucket")
[.resources[]?.accountId] | all(. == "123456789012")
any(.. | strings; test("password"; "i"))
select([.requestParameters[]?] | length > 3)
.resources | any
[true, false] | all
(.resources // []) | map(.ARN) | length
# --- arithmetic ---
.eventVersion | tonumber + 1
(.eventVersion | tonumber) * 2
(.resources | length) + (.userIdentity | length)
.eventName + "@" + .eventSource
.eventName + null
.eventName + 1
.eventName - "Get"
[.eventName] + [.eventSource]
[.eventName, .eventSource, .eventName] - [.eventName]
.userIdentity + {extra: 1} | keys
.userIdentity * {sessionContext: {attributes: {x: 1}}} | .sessionContext
(.eventVersion | tonumber) / 0.5
(.eventVersion | tonumber) % 1
.eventName / "e"
.eventName * 2
10 / 3
7 % 3, -7 % 3, 5 % -2
1e1000
0.1 + 0.2
3.0, 1.50, 100, -0, 2e3
[1, 2.5, -3] | add
[.requestParameters.maxResults // 0] | add / 2
.eventName | length / 3 | floor
[range(0; (.eventName | length); 3)]
-(.eventName | length)
(.readOnly | if . then 1 else 0 end) + 1
# --- comparisons across types ---
.readOnly < .eventName
.requestParameters > .eventName
null < false, false < true, true < 0, 0 < "a", "a" < [], [] < {}
[.eventName, .readOnly, .errorCode, .resources, .userIdentity] | sort | map(type)
.eventTime > "2020-01-01"
.eventTime >= "2024-01-01T00:00:00Z" and .eventTime < "2025-01-01T00:00:00Z"
.userIdentity == .userIdentity
{a: 1, b: 2} == {b: 2, a: 1}
1 == 1.0
[.eventName] == [.eventName]
.eventVersion >= "1.08"
# --- if / elif / else ---
if .errorCode then "FAIL: \(.errorCode)" else "ok" end
if .readOnly then "read" elif .readOnly == false then "write" else "unknown" end
if .userIdentity.type == "Root" then "ROOT" elif .userIdentity.type == "IAMUser" then .userIdentity.userName else .userIdentity.arn end
if (.eventName // "") | startswith("Delete") then {danger: .eventName} else empty end
if . then 1 end
if .resources then .resources | length else 0 end
# --- try / catch / optional ---
try .eventName.foo catch "bad"
try (.eventTime | fromdateiso8601) catch "unparsable"
try error("custom: \(.eventName)") catch .
try error catch type
try error({code: .eventName}) catch .code
.eventName | try test(1) catch "not a regex"
[.[] | try tonumber catch "x"] | length
(.requestParameters | .[]?) // "none"
.eventName[0:3]
.eventName[]?
[.resources[]?]
.userIdentity.sessionContext.attributes?.mfaAuthenticated
error("stop here")
error
error(null)
.eventName | error
# --- variables, reduce, foreach, def ---
.eventName as $n | .eventSource as $s | "\($s):\($n)"
.userIdentity as {type: $t, accountId: $a} | [$t, $a]
.resources as [$first] | $first.ARN?
. as {eventName: $e, userIdentity: {type: $t}} | {$e, $t}
reduce (.. | strings) as $s (0; . + ($s | length))
reduce .resources[]? as $r ({}; .[$r.type // "?"] += 1)
reduce to_entries[] as $e ({}; if ($e.value | type) == "string" then .[$e.key] = $e.value else . end) | length
[foreach (.eventName | explode[]) as $c (0; . + 1)] | last
def svc: (.eventSource // "") | split(".")[0]; svc
def nz: if . == null or . == "" then empty else . end; (.userIdentity.userName | nz) // "anon"
def f(x): x * 2; f(.eventName | length)
[.eventName, .eventSource] as [$a, $b] | $b + "/" + $a
$__loc__
[limit(2; .[])] | length
first(.[])
[.[]] | last
nth(1; .eventName, .eventSource, .awsRegion)
until(. > 100; . * 2)?
[.eventName | while(length > 0; .[1:])] | length
[recurse(if . < 3 then . + 1 else empty end)]?
# --- sorting and grouping inside a record ---
keys | sort_by(length) | first
[.resources[]?] | sort_by(.ARN)
[.resources[]?] | group_by(.type) | map({type: .[0].type, n: length})
[.resources[]?] | unique_by(.type) | map(.type)
[.resources[]?] | min_by(.ARN)
[.resources[]?] | max_by(.ARN)
to_entries | sort_by(.key) | map(.key) | .[:3]
[..|strings] | sort | unique | length
[..|strings] | group_by(length) | map(length) | add
[.[] | tostring] | min, max
keys | reverse | first
[..|numbers] | sort | .[0]
[..|strings] | map(length) | add / length
# --- dates ---
.eventTime | fromdateiso8601
.eventTime | fromdate
.eventTime | fromdateiso8601 | todate
.eventTime | fromdateiso8601 | todateiso8601
.eventTime | strptime("%Y-%m-%dT%H:%M:%SZ")
.eventTime | strptime("%Y-%m-%dT%H:%M:%SZ") | mktime
.eventTime | strptime("%Y-%m-%dT%H:%M:%SZ") | mktime | strftime("%Y-%m-%d %H:%M")
.eventTime | fromdateiso8601 | strftime("%A, %B %d, %Y")
.eventTime | fromdateiso8601 | strftime("%H") | tonumber
.eventTime | fromdateiso8601 | gmtime
.eventTime | fromdateiso8601 | gmtime | todate
(.eventTime | fromdateiso8601) - ("2024-01-01T00:00:00Z" | fromdateiso8601) | . / 86400 | floor
select((.eventTime // "") | fromdateiso8601? > 1700000000)
.eventTime | .[0:10]
.eventTime | split("T")[0]
.eventTime | fromdateiso8601 | . + 3600 | todate
1700000000 | todate
1700000000.5 | todate
"2024-02-29T12:00:00Z" | fromdate | strftime("%j %U %a %b")
.eventTime | strptime("%Y-%m-%d")
"2024-01-01T00:00:00Z" | strptime("%Y-%m-%dT%H:%M:%SZ") | mktime
# --- formats ---
[.eventTime, .eventName, .userIdentity.type] | @tsv
[.eventTime, .eventName, .userIdentity.type] | @csv
[.eventName, .readOnly, .errorCode] | @csv
[.eventName, .readOnly, 1.5] | @tsv
[.userAgent // ""] | @tsv
[.userIdentity] | @csv
.userIdentity | @json
.eventName | @text
.eventName | @base64
.eventName | @base64 | @base64d
.userAgent // "" | @uri
.eventName | @sh
[.eventName, .eventSource] | @sh
.userAgent // "" | @html
"<a href='\(.eventName)'>&</a>" | @html
@json "event=\(.eventName) src=\(.eventSource)"
@uri "https://console.aws.amazon.com/cloudtrail/home?q=\(.eventName)"
@sh "echo \(.eventName)"
@base64 "\(.eventName)"
@tsv "\([.eventName, .awsRegion])"
.requestParameters | @base64
"dGVzdA==" | @base64d
"not base64!" | @base64d
.userIdentity | @text
{a: [1, "x"]} | @csv
# --- string interpolation ---
"\(.eventTime) \(.eventName) by \(.userIdentity.arn // "?")"
"\(.userIdentity)"
"\(.readOnly) \(.errorCode) \(.resources)"
"\(.eventName | ascii_downcase)-\(.awsRegion)"
"nested \("inner \(.eventSource)")"
"\(1 + 2) \(null) \([1, {"a": "b"}])"
# --- object construction and projections ---
{eventName, eventSource}
{eventName, user: .userIdentity.userName}
{(.eventName // "none"): .eventTime}
{"time": .eventTime, "ip": .sourceIPAddress}
{name: .eventName, type: .userIdentity.type, err: (.errorCode // null)}
{a: (1, 2), b: (3, 4)}
{$__loc__}
.eventName as $n | {$n, len: ($n | length)}
{(.eventName): 1}
# A constant non-string key is rejected when jq compiles the program.
{(1): .eventName}
{user: .userIdentity | {type, arn}}
{eventTime, eventName, src: .sourceIPAddress} | to_entries | map(.value) | @tsv
[.eventTime, .eventName, .sourceIPAddress]
[.eventName, (.resources[]? | .ARN)]
[.userIdentity | .type, .arn]
[.[] | select(type == "string")] | length
[.userIdentity.sessionContext.attributes[]?]
{} | .a.b.c = 1
.userIdentity.userName = "redacted" | .userIdentity
.userIdentity |= del(.sessionContext) | .userIdentity | keys
.eventName |= ascii_downcase | .eventName
.extra += 1 | .extra
.resources[0].ARN = "x" | .resources
to_entries | map(select(.key | test("^event"))) | from_entries
[.[] | numbers] | add

#@ mode document
# Five programs from the brief, verbatim (TryHackMe-style walkthrough filters on a whole trail file).
.Records[] | select(.eventSource == "s3.amazonaws.com" and .requestParameters.bucketName=="wareville-care4wares")
.Records[] | select(.eventSource == "s3.amazonaws.com" and .requestParameters.bucketName=="wareville-care4wares") | [.eventTime, .eventName, .userIdentity.userName // "N/A",.requestParameters.bucketName // "N/A", .requestParameters.key // "N/A", .sourceIPAddress // "N/A"]
["Event_Time", "Event_Name", "User_Name", "Bucket_Name", "Key", "Source_IP"],(.Records[] | select(.eventSource == "s3.amazonaws.com" and .requestParameters.bucketName=="wareville-care4wares") | [.eventTime, .eventName, .userIdentity.userName // "N/A",.requestParameters.bucketName // "N/A", .requestParameters.key // "N/A", .sourceIPAddress // "N/A"]) | @tsv
["Event_Time", "Event_Source", "Event_Name", "User_Name", "Source_IP"],(.Records[] | select(.userIdentity.userName == "glitch") | [.eventTime, .eventSource, .eventName, .userIdentity.userName // "N/A", .sourceIPAddress // "N/A"]) | @tsv
.Records[] |select(.eventSource=="iam.amazonaws.com" and .eventName== "AttachUserPolicy" )
# The same shapes with values that occur in the shared datasets, so they select something.
.Records[] | select(.eventSource == "s3.amazonaws.com") | [.eventTime, .eventName, .userIdentity.userName // "N/A", .requestParameters.bucketName // "N/A", .requestParameters.key // "N/A", .sourceIPAddress // "N/A"] | @tsv
["Event_Time", "Event_Source", "Event_Name", "User_Name", "Source_IP"],(.Records[] | select(.userIdentity.userName == "pedro") | [.eventTime, .eventSource, .eventName, .userIdentity.userName // "N/A", .sourceIPAddress // "N/A"]) | @tsv
["Event_Time", "Event_Name", "User_Name"],(.Records[] | select(.eventSource == "iam.amazonaws.com") | [.eventTime, .eventName, .userIdentity.userName // "N/A"]) | @csv
.Records | length
.Records | map(.eventName) | unique
.Records[0]
.Records[-1].eventTime
.Records | first | keys
[.Records[] | .userIdentity.type] | group_by(.) | map({(.[0] // "null"): length}) | add
.Records | map(select(.errorCode)) | length
.Records | sort_by(.eventTime) | .[0].eventTime, .[-1].eventTime
.Records | [.[] | .eventSource] | unique | join(", ")
.Records[] | .eventName
.Events[]?
.Records | to_entries[] | select(.value.eventName == "ConsoleLogin") | .key
reduce .Records[] as $r ({}; .[$r.eventSource // "none"] += 1)
.Records | group_by(.awsRegion) | map([.[0].awsRegion, length] | @tsv) | .[]
[.Records[] | select(.readOnly == false)] | length
.Records[] | select(.eventName == "ConsoleLogin") | {user: .userIdentity.arn, result: .responseElements.ConsoleLogin}

#@ mode slurp
# The three aggregate hunts of the guide, section 5, each joined onto one line.
# AssumeRole bursts: actors assuming many roles / many times
[.[] | select(.eventSource=="sts.amazonaws.com" and ((.eventName//"")|startswith("AssumeRole")) and .userIdentity.type!="AWSService")] | group_by(.userIdentity.arn // .userIdentity.principalId) | map({actor:(.[0].userIdentity.arn // .[0].userIdentity.principalId), calls:length, roles:(map(.requestParameters.roleArn)|unique|length), first:(map(.eventTime)|min), last:(map(.eventTime)|max)}) | map(select(.calls >= 5 or .roles >= 3))
# Access-denied storm per actor (recon / privilege probing)
[.[] | select((.errorCode//"")|test("AccessDenied|UnauthorizedOperation|UnauthorizedAccess|NotAuthorized|Forbidden";"i"))] | group_by(.userIdentity.arn // .userIdentity.principalId // "?") | map({actor:(.[0].userIdentity.arn // .[0].userIdentity.principalId), denied:length, apis:(map(.eventSource+":"+.eventName)|unique)}) | sort_by(-.denied)
# Enumeration breadth: distinct read APIs per actor
[.[] | select(.readOnly==true and ((.eventName//"")|test("^(List|Describe|Get)")))] | group_by(.userIdentity.arn // .userIdentity.principalId // "?") | map({actor:(.[0].userIdentity.arn // .[0].userIdentity.principalId), distinct_apis:(map(.eventName)|unique|length), calls:length}) | map(select(.distinct_apis >= 10))
# More whole-file views.
length
map(.eventName) | unique | length
group_by(.eventSource) | map({source: .[0].eventSource, n: length}) | sort_by(-.n) | .[:5]
[.[] | .userIdentity.arn // empty] | unique
map(select(.errorCode != null)) | group_by(.errorCode) | map({code: .[0].errorCode, n: length})
sort_by(.eventTime) | map(.eventTime) | first, last
min_by(.eventTime) | .eventName
max_by(.eventTime) | .eventName
unique_by(.eventName) | length
[.[] | .sourceIPAddress] | unique | map(select(. != null))
map(.eventTime // empty | fromdateiso8601?) | min, max
map(select((.eventTime // "") | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T"))) | map(.eventTime | .[0:10]) | group_by(.) | map({day: .[0], n: length})
map(.userIdentity.type) | group_by(.) | map({type: .[0], n: length})
[.[] | select(.eventName == "ConsoleLogin")] | length
reduce .[] as $e ({}; .[$e.eventName // "?"] += 1) | to_entries | sort_by(-.value, .key) | .[:5] | from_entries
map(.eventSource) | map(select(. != null)) | map(split(".")[0]) | unique
[.[] | keys[]] | unique | length
any(.[]; .userIdentity.type == "Root")
all(.[]; has("eventName"))
map(.eventVersion) | unique
map(.eventName) | .[0:3]
map(.resources // [] | length) | add
first(.[] | select(.errorCode)) | .eventID
limit(2; .[] | .eventName)
[.[] | select(.readOnly == true)] | length
