# trailtui's jq prelude: rules R1–R5 of the CloudTrail guide as jq functions of one record.
#
# trailtui puts these definitions in scope of every filter, and "copy as jq command" prepends this
# file, so a pivot such as `select(actor_key == "role:111122223333:Admin")` runs unchanged in jq 1.8.
# It is plain jq (it also runs in jq 1.6 and 1.7) with no regular expressions, and it computes exactly what
# trailtui/engine/identity.py computes; tests/test_prelude_vs_jq.py checks that on every record it can find.
#
# Only non-empty strings count as values: a missing key, null, "", a number or an object where a
# string is expected are all "absent", and no function raises on odd input.
#
# Functions for filters (all take a CloudTrail record as input):
#   actor_key            R1 "same user" key: "role:<acct>:<role>", "sso-user:<name>", "user:<acct>:<name>",
#                        "root:<acct>", "federated:<acct>:<name>", "samluser:<idp>:<name>",
#                        "webidentityuser:<idp>:<name>", "idc:<store>:<userId>", "service:<invokedBy>",
#                        "account:<acct>:<principalId>" or "<type>:<acct>:<arn|name|id>"; null for Insight
#                        records and records without userIdentity.
#   actor_name           R2 display name: "Role/session", "name [PermissionSet]", "root (alias)", "—" …
#   access_keys          R3 array of AKIA/ASIA key ids: signing key, minted, created, changed (deduplicated).
#   has_access_key($k)   true when $k is one of access_keys.
#   session_keys         R4 array: own session ("signin:<arn>", "key:<ASIA…>" or "arn:<arn>@<creationDate>"),
#                        then "key:<ASIA…>" of credentials the event minted.
#   has_session($s)      true when $s is one of session_keys.
#   ip_key               R5 "ip:<canonical>", "ip:<canonical>@<account>" (private ranges), "aws-internal",
#                        "service:<name>", "other:<text>"; null when sourceIPAddress is missing or blank.
#   resources            array of resource ids: resources[].ARN, "s3://<bucket>", "s3://<bucket>/<key>",
#                        EC2 "i-…" ids, roleArn/policyArn, "iam-user:<acct>:<name>", "iam-role:<acct>:<name>".
#   has_resource($r)     true when $r is one of resources.
#   event_display_name   eventName, or "<eventName> (Insight <state>)" for Insight records.
#   outcome              "Failure", the ConsoleLogin result, "Success", or "" for Insight records.
#
# Helpers (also usable in filters):
#   is_insight           true for CloudTrail Insights records.
#   record_account       recipientAccountId, else userIdentity.accountId, else null.
#   principal_account    userIdentity.accountId, else recipientAccountId, else "?" (R1's account).
#   user_type            userIdentity.type when it is a string, else "" (input: userIdentity).
#   session_name         the session part of an assumed-role ARN or principalId (input: userIdentity).
#   role_name            the issuer's userName, else the role named in the ARN (input: userIdentity).
#   permission_set       "AWSReservedSSO_<set>_<16 hex>" → "<set>".
#   nonempty             the input when it is a non-empty string, else nothing (empty).
#   field($k)            .[$k] for an object, null for anything else (never an error).
#   last_segment         text after the last "/" of a non-empty string (the whole string without "/").
#   contains_text($t)    true when the input is a string containing $t (false for non-strings).
#   is_space_codepoint   true for a code point jq 1.8's `trim` removes (tab…CR, space, U+0085, U+00A0, …).
#   trim_ws              a string without leading/trailing whitespace, like jq 1.8's `trim`.
#   dedupe               an array without repeats, first occurrence kept.
#   is_key_id            true for an AKIA…/ASIA… access key id (16–128 of A–Z, 0–9).
#   ipv4_octets          "a.b.c.d" (strict: no leading zeros, ≤ 255) → [a,b,c,d], else nothing.
#   ipv6_words           IPv6 literal → its eight 16-bit numbers, else nothing.
#   hex                  non-negative integer → lower-case hexadecimal text.
#   ipv6_text            eight numbers → RFC 5952 text.
#   ipv4_private         [a,b,c,d] in 10/8, 172.16/12, 192.168/16, 100.64/10, 127/8 or 169.254/16.
#   canonical_ip         address text → {ip: canonical text, private: boolean}, else nothing.

def field($k): if type == "object" then .[$k] else null end;

def nonempty: if type == "string" and length > 0 then . else empty end;

def last_segment: nonempty | split("/") | last | nonempty;

def contains_text($t): type == "string" and contains($t);

def is_space_codepoint:
  (. >= 9 and . <= 13) or . == 32 or . == 133 or . == 160 or . == 5760 or (. >= 8192 and . <= 8202)
  or . == 8232 or . == 8233 or . == 8239 or . == 8287 or . == 12288;

def trim_ws:
  explode
  | . as $c
  | [range(0; length) | select($c[.] | is_space_codepoint | not)] as $kept
  | if $kept == [] then "" else .[$kept[0]:$kept[-1] + 1] | implode end;

def dedupe: reduce .[] as $x ([]; if any(.[]; . == $x) then . else . + [$x] end);

def is_insight:
  type == "object" and (.eventType == "AwsCloudTrailInsight" or .eventCategory == "Insight");

def record_account:
  (field("recipientAccountId") | nonempty) // (field("userIdentity") | field("accountId") | nonempty) // null;

# R1's account: the principal's account, else the receiving account.
def principal_account:
  (field("userIdentity") | field("accountId") | nonempty) // (field("recipientAccountId") | nonempty) // "?";

# Input: userIdentity. Last segment of an :assumed-role/ ARN, else principalId after its first ":".
def session_name:
  (field("arn") | select(contains_text(":assumed-role/")) | split("/") | last | nonempty)
  // (field("principalId") | select(contains_text(":")) | split(":")[1:] | join(":") | nonempty);

# Input: userIdentity. The issuer's userName, else the role segment of the ARN.
def role_name:
  (field("sessionContext") | field("sessionIssuer") | field("userName") | nonempty)
  // (field("arn") | nonempty
      | if contains(":assumed-role/") then split(":assumed-role/")[1] | split("/")[0] | nonempty
        elif contains(":role/") then split("/") | last | nonempty
        else empty end);

# "AWSReservedSSO_<set>_<16 hex>" → "<set>".
def permission_set:
  .[15:]
  | if length > 17 and .[-17:-16] == "_"
       and (.[-16:] | explode | all(.[]; (. >= 48 and . <= 57) or (. >= 65 and . <= 70) or (. >= 97 and . <= 102)))
    then .[:-17] else . end;

def user_type: field("type") | if type == "string" then . else "" end;

def actor_key:
  if is_insight or (field("userIdentity") | type) != "object" then null
  else . as $rec | .userIdentity as $u | ($u | user_type) as $t
    | if $t == "AssumedRole" or $t == "Role" then
        (($u | role_name) // "?") as $r
        | if $r | startswith("AWSReservedSSO_") then "sso-user:" + (($u | session_name) // "?")
          else "role:" + ($rec | principal_account) + ":" + $r end
      elif $t == "IAMUser" then
        "user:" + principal_account + ":"
        + (($u.userName | nonempty) // ($u.arn | last_segment) // ($u.principalId | nonempty) // "?")
      elif $t == "Root" then "root:" + principal_account
      elif $t == "FederatedUser" then
        "federated:" + principal_account + ":" + (($u.arn | last_segment) // ($u.principalId | nonempty) // "?")
      elif $t == "SAMLUser" or $t == "WebIdentityUser" then
        ($t | ascii_downcase) + ":" + (($u.identityProvider | nonempty) // "?") + ":"
        + (($u.userName | nonempty) // ($u.principalId | nonempty) // "?")
      elif $t == "IdentityCenterUser" then
        (($u.onBehalfOf | field("identityStoreArn") | last_segment) // null) as $store
        | "idc:" + ($store // "?") + ":" + (($u.onBehalfOf | field("userId") | nonempty) // "?")
      elif $t == "AWSService" then "service:" + (($u.invokedBy | nonempty) // "?")
      elif $t == "AWSAccount" then
        "account:" + (($u.accountId | nonempty) // "?") + ":" + (($u.principalId | nonempty) // "?")
      elif $t == "" then
        (($u.invokedBy | nonempty | "service:" + .) // ("account:" + principal_account))
      else
        ($t | ascii_downcase) + ":" + principal_account + ":"
        + (($u.arn | nonempty) // ($u.userName | nonempty) // ($u.principalId | nonempty) // "?")
      end
  end;

def actor_name:
  if is_insight or (field("userIdentity") | type) != "object" then "—"
  else . as $rec | .userIdentity as $u | ($u | user_type) as $t
    | if $t == "AssumedRole" or $t == "Role" then
        (($u | role_name) // "?") as $r | (($u | session_name) // null) as $s
        | if $r | startswith("AWSReservedSSO_") then ($s // "?") + " [" + ($r | permission_set) + "]"
          elif $s then $r + "/" + $s
          else $r end
      elif $t == "IAMUser" then
        ($u.userName | nonempty) // ($u.arn | last_segment) // ($u.principalId | nonempty) // "?"
      elif $t == "Root" then
        (($u.userName | nonempty | "root (" + . + ")") // "root")
      elif $t == "FederatedUser" then
        (($u.arn | last_segment) // ($u.principalId | nonempty) // "?") + " (fed)"
      elif $t == "SAMLUser" or $t == "WebIdentityUser" then
        ($u.userName | nonempty) // ($u.principalId | nonempty) // "?"
      elif $t == "IdentityCenterUser" then
        ($rec | field("additionalEventData") | field("UserName") | nonempty)
        // ("idc:" + (($u.onBehalfOf | field("userId") | nonempty) // "?"))
      elif $t == "AWSService" then ($u.invokedBy | nonempty) // "?"
      elif $t == "AWSAccount" then "acct:" + (($u.accountId | nonempty) // "?")
      elif $t == "" then ($u.invokedBy | nonempty) // ("acct:" + principal_account)
      else ($u.userName | nonempty) // ($u.principalId | nonempty) // ($u.arn | nonempty) // "?"
      end
  end;

def is_key_id:
  type == "string" and length >= 16 and length <= 128
  and (startswith("AKIA") or startswith("ASIA"))
  and (explode | all(.[]; (. >= 65 and . <= 90) or (. >= 48 and . <= 57)));

def access_keys:
  [ (field("userIdentity") | field("accessKeyId")),
    (field("responseElements") | field("credentials") | field("accessKeyId")),
    (field("responseElements") | field("accessKey") | field("accessKeyId")),
    (field("requestParameters") | field("accessKeyId"))
    | select(is_key_id) ]
  | dedupe;

def has_access_key($k): any(access_keys[]; . == $k);

def session_keys:
  (field("userIdentity") | if type == "object" then . else null end) as $u
  | [ if $u == null then empty
      else (($u.sessionContext | field("signInSessionArn") | nonempty) // null) as $signin
        | ($u.accessKeyId) as $key
        | if $signin then "signin:" + $signin
          elif ($key | is_key_id) and ($key | startswith("ASIA")) then "key:" + $key
          else ($u.arn | nonempty) as $arn
            | ($u.sessionContext | field("attributes") | field("creationDate") | nonempty) as $created
            | "arn:" + $arn + "@" + $created
          end
      end,
      (field("responseElements") | field("credentials") | field("accessKeyId")
       | select(is_key_id and startswith("ASIA")) | "key:" + .) ]
  | dedupe;

def has_session($s): any(session_keys[]; . == $s);

def ipv4_octets:
  split(".")
  | select(length == 4)
  | map(select(length >= 1 and length <= 3
               and (explode | all(.[]; . >= 48 and . <= 57))
               and (length == 1 or (startswith("0") | not)))
        | tonumber)
  | select(length == 4 and all(.[]; . <= 255));

def hex:
  if . < 16 then "0123456789abcdef"[.:. + 1] else ((. / 16 | floor) | hex) + (. % 16 | hex) end;

def ipv6_words:
  split(":")
  | select(length >= 3)
  | (if .[-1] | contains(".") then
       (.[-1] | ipv4_octets) as $o | .[:-1] + [(($o[0] * 256 + $o[1]) | hex), (($o[2] * 256 + $o[3]) | hex)]
     else . end)
  | select(length <= 9)
  | . as $p
  | [range(1; length - 1) | select($p[.] == "")] as $gaps
  | select(($gaps | length) <= 1)
  | (if ($gaps | length) == 1 then
       # "::" stands for at least one zero word; it may also swallow the empty first or last part.
       ($gaps[0] - (if $p[0] == "" then 1 else 0 end)) as $hi
       | (length - $gaps[0] - 1 - (if $p[-1] == "" then 1 else 0 end)) as $lo
       | select(($p[0] != "" or $hi == 0) and ($p[-1] != "" or $lo == 0) and $hi + $lo <= 7)
       | {hi: $hi, skipped: (8 - $hi - $lo), parts: ($p[:$hi] + $p[length - $lo:])}
     else
       select(length == 8) | {hi: 8, skipped: 0, parts: .}
     end)
  | . as $g
  | [ $g.parts[]
      | select(length >= 1 and length <= 4
               and (explode | all(.[]; (. >= 48 and . <= 57) or (. >= 65 and . <= 70) or (. >= 97 and . <= 102))))
      | reduce (ascii_downcase | explode[]) as $c (0; . * 16 + (if $c >= 97 then $c - 87 else $c - 48 end)) ]
  | select(length == ($g.parts | length))
  | .[:$g.hi] + [range(0; $g.skipped) | 0] + .[$g.hi:];

def ipv6_text:
  . as $w
  | reduce range(0; 8) as $i ({best: -1, best_len: 0, start: -1};
      if $w[$i] == 0 then
        (if .start < 0 then .start = $i else . end)
        | if $i - .start + 1 > .best_len then .best = .start | .best_len = $i - .start + 1 else . end
      else .start = -1 end)
  | ($w | map(hex)) as $h
  | if .best_len >= 2 then ($h[:.best] | join(":")) + "::" + ($h[.best + .best_len:] | join(":"))
    else $h | join(":") end;

def ipv4_private:
  .[0] as $a | .[1] as $b
  | $a == 10 or $a == 127 or ($a == 172 and $b >= 16 and $b <= 31) or ($a == 192 and $b == 168)
    or ($a == 100 and $b >= 64 and $b <= 127) or ($a == 169 and $b == 254);

def canonical_ip:
  if contains(":") | not then
    . as $text | ipv4_octets | {ip: $text, private: ipv4_private}
  else
    ipv6_words
    | if .[:6] == [0, 0, 0, 0, 0, 65535] then
        [(.[6] / 256 | floor), .[6] % 256, (.[7] / 256 | floor), .[7] % 256]
        | {ip: (map(tostring) | join(".")), private: ipv4_private}
      else
        {ip: ipv6_text,
         private: ((.[0] >= 64512 and .[0] <= 65023) or (.[0] >= 65152 and .[0] <= 65215)
                   or . == [0, 0, 0, 0, 0, 0, 0, 1])}
      end
  end;

def ip_key:
  . as $rec
  | (field("sourceIPAddress") | if type == "string" then trim_ws else "" end) as $s
  | if $s == "" then null
    elif $s == "AWS Internal" then "aws-internal"
    else
      first(($s | canonical_ip
             | "ip:" + .ip + (if .private then "@" + (($rec | record_account) // "") else "" end)),
            ($s | ascii_downcase | select(endswith(".amazonaws.com")) | "service:" + .),
            "other:" + $s)
    end;

def resources:
  . as $rec
  | field("requestParameters") as $params
  | [ (field("resources") | if type == "array" then .[] else empty end | field("ARN") | nonempty),
      ($params | field("bucketName") | nonempty
       | ("s3://" + .), (($params.key | nonempty) as $key | "s3://" + . + "/" + $key)),
      ($params | field("instanceId") | select(type == "string" and startswith("i-"))),
      (($params, ($rec | field("responseElements")))
       | field("instancesSet") | field("items") | if type == "array" then .[] else empty end
       | field("instanceId") | select(type == "string" and startswith("i-"))),
      ($params | field("roleArn") | nonempty),
      ($params | field("policyArn") | nonempty),
      (select(field("eventSource") == "iam.amazonaws.com")
       | ((record_account // "?") as $acct
          | ($params | field("userName") | nonempty | "iam-user:" + $acct + ":" + .),
            ($params | field("roleName") | nonempty | "iam-role:" + $acct + ":" + .))) ]
  | dedupe;

def has_resource($r): any(resources[]; . == $r);

def event_display_name:
  if is_insight then
    ((.insightDetails | field("eventName") | nonempty) // null) as $name
    | ($name // "?") + " (Insight " + ((.insightDetails | field("state") | nonempty) // "?") + ")"
  else (field("eventName") | nonempty) // "" end;

def outcome:
  if type != "object" or is_insight then ""
  elif [.errorCode, .errorMessage] | any(.[]; type == "string" and length > 0) then "Failure"
  else (.responseElements | field("ConsoleLogin") | nonempty) // "Success" end;

# leaf_paths was removed from jq 1.8's builtins; investigators' saved filters still use it.
def leaf_paths: paths(scalars);
