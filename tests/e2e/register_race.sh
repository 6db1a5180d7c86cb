#!/bin/sh
# Registration races (README "Isolation and security"): NAMES new names, each
# with pending registrations by two addresses (TOKENS links per address),
# and every link of every name confirmed at once through `ayb server` with 4
# FastCGI processes.  Each name ends with exactly one owner: one
# authentication method, every confirmation by its address answered 200 and
# every one by the other address 409 "<name> has already been registered",
# and one API token per 200.  Then the confirmation links: each worked once,
# and a second round of the same links is refused as used.
. "$(dirname "$0")/lib.sh"
export LC_ALL=C   # sort and join agree on the order of race1 and race10

NAMES=32
TOKENS=4
export AYB_SERVER_PROCS=4

e2e_setup
e2e_start_server

k=1
while [ $k -le $NAMES ]; do
	i=1
	while [ $i -le $TOKENS ]; do
		for who in a b; do
			api POST /v1/register -d '' -H "entity: race$k" -H "email-address: $who$k@example.org" \
				-H 'entity-type: user'
			[ "$STATUS" = 200 ] || bail "register race$k $who: $STATUS $BODY"
		done
		i=$((i + 1))
	done
	k=$((k + 1))
done

# One curl config with every confirmation, each name's links side by side
# (a1 b1 a2 b2 ...) so that they are sent together; each body goes to a file
# of its own and the write-out names it: "<name> <address> <status> <file>".
mkdir -p "$T/out"
: >"$T/confirm.cfg"
k=1
while [ $k -le $NAMES ]; do
	email_tokens "a$k@example.org" >"$T/a"
	email_tokens "b$k@example.org" >"$T/b"
	n=0
	paste -d ' ' "$T/a" "$T/b" | while read -r ta tb; do
		n=$((n + 1))
		for pair in "a $ta" "b $tb"; do
			set -- $pair
			f=$T/out/race$k-$1$k-$n
			printf 'url = "%s/v1/confirm"
request = "POST"
data = ""
' "$URL"
			printf 'header = "authentication-token: %s"
max-time = 60
' "$2"
			printf 'output = "%s"
' "$f"
			printf 'write-out = "race%s %s%s %%{http_code} %s\\n"
next
' "$k" "$1" "$k" "$f"
		done
	done >>"$T/confirm.cfg"
	k=$((k + 1))
done
sed -i '$d' "$T/confirm.cfg"   # no "next" after the last request

# confirm_all OUT: every link at once; OUT gets "name address status body".
confirm_all() {
	curl -sS -Z --parallel-immediate --parallel-max 48 -K "$T/confirm.cfg" >"$T/raw" 2>"$T/curl.err"
	while read -r _name _addr _code _file; do
		echo "$_name $_addr $_code $(cat "$_file")"
	done <"$T/raw" >"$1"
}
confirm_all "$T/first"

total=$((NAMES * TOKENS * 2))
is "$(wc -l <"$T/first" | tr -d ' ')" "$total" "every confirmation was answered"
is "$(awk '$3 != 200 && $3 != 409' "$T/first")" "" "each with 200 or 409"
bad=$(awk '$3 == 409 && $0 != $1 " " $2 " 409 {\"type\":\"Other\",\"message\":\"" $1 \
	" has already been registered\"}"' "$T/first")
is "$bad" "" "every 409 says the name has already been registered"

# Per name: the addresses that got a 200, and the methods the store holds.
owners=$(awk '$3 == 200 { print $1, $2 }' "$T/first" | sort -u | awk '{ print $1 }' | uniq -d)
is "$owners" "" "no name was confirmed for both addresses"
is "$(awk '$3 == 200 { print $1 }' "$T/first" | sort -u | wc -l | tr -d ' ')" "$NAMES" \
	"every name has an owner"
is "$(meta_sql "SELECT e.slug FROM entity e LEFT JOIN authentication_method m ON m.entity_id = e.id
	GROUP BY e.slug HAVING count(m.id) <> 1")" "" "every name has exactly one authentication method"
meta_sql "SELECT e.slug, m.email_address FROM entity e JOIN authentication_method m
	ON m.entity_id = e.id ORDER BY e.slug" | tr '|' ' ' | sed 's/@example.org$//' >"$T/methods"
awk '$3 == 200 { print $1, $2 }' "$T/first" | sort -u >"$T/winners"
is "$(sort "$T/methods")" "$(cat "$T/winners")" "the owner is the address whose confirmations succeeded"
is "$(awk '$3 == 409 { print $1, $2 }' "$T/first" | sort -u | join - "$T/winners" | awk '$2 == $3')" \
	"" "no confirmation by the owner's address was refused"
is "$(meta_sql 'SELECT count(*) FROM api_token')" "$(grep -c ' 200 ' "$T/first")" \
	"one API token per successful confirmation"

# The same links again: those that confirmed are used up; those that lost
# were not used, and lose again.
confirm_all "$T/second"
is "$(awk '$3 != 401 && $3 != 409' "$T/second")" "" "a second round answers 401 or 409"
is "$(awk '$3 == 200 { print $1, $2 }' "$T/first" | sort | uniq -c | awk '{ s += $1 } END { print s + 0 }')" \
	"$(awk '$3 == 401' "$T/second" | wc -l | tr -d ' ')" "every link that confirmed is refused as used"
is "$(awk '$3 == 401 && $0 != $1 " " $2 " 401 {\"type\":\"Other\",\"message\":\"Invalid or expired token\"}"' \
	"$T/second")" "" "with the invalid-token error"
is "$(meta_sql 'SELECT count(*) FROM api_token')" "$(grep -c ' 200 ' "$T/first")" \
	"and no API token was minted"

tap_done
