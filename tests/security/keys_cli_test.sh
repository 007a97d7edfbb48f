#!/usr/bin/env bash
# `sluice keys` end to end: new (to a file and to stdout), hash, check.
# Usage: keys_cli_test.sh SLUICE
set -uo pipefail
sluice=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0 passed=0
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else echo "FAILED: $name"; failures=$((failures + 1)); fi
}
contains() { [[ "$1" == *"$2"* ]]; }
quiet() { "$@" >/dev/null 2>&1; }
lacks() { [[ "$1" != *"$2"* ]]; }
matches() { [[ "$1" =~ $2 ]]; }
# hash_of_key HASH KEY: whether HASH is sha256$salt$sha256(salt || KEY), computed apart.
hash_of_key() {
  python3 -c 'import hashlib,sys; a,salt,d=sys.argv[1].split("$"); sys.exit(0 if a=="sha256" and hashlib.sha256(bytes.fromhex(salt)+sys.argv[2].encode()).hexdigest()==d else 1)' "$1" "$2"
}

keys=$work/conf/keys.toml
mkdir -p "$work/conf"

# new --file: the key once on stdout, only its hash in the file (made 0600).
key=$("$sluice" keys new --tenant acme --file "$keys" 2>"$work/err"); rc=$?
check "new exits 0" test "$rc" -eq 0
check "new prints one key ($key)" matches "$key" '^sk-sluice-[A-Za-z0-9_-]{43}$'
check "new says the key is not stored" contains "$(cat "$work/err")" "not stored"
check "the file is made 0600" test "$(stat -c %a "$keys")" = 600
text=$(cat "$keys")
check "the file holds no key" lacks "$text" "$key"
check "the file holds a [[key]] for tenant acme" contains "$text" 'tenant = "acme"'
check "the default id is tenant-<8 hex>" matches "$text" 'id = "acme-[0-9a-f]{8}"'
hash=$(sed -n 's/^hash = "\(.*\)"$/\1/p' "$keys")
check "the stored hash is the key's" hash_of_key "$hash" "$key"

out=$("$sluice" keys check --file "$keys" 2>&1); rc=$?
check "check accepts it ($out)" test "$rc" -eq 0
check "check counts 1 key" contains "$out" "OK (1 key, 0 admin, 1 tenant)"

# A second key with every option, appended.
key2=$("$sluice" keys new --tenant acme --id acme-admin --model m1 --model m2 --admin \
  --rpm 60 --tpm 100000 --concurrent 4 --file "$keys" 2>/dev/null); rc=$?
check "new with every option exits 0" test "$rc" -eq 0
check "a different key" test "$key" != "$key2"
text=$(cat "$keys")
check "models written" contains "$text" 'models = ["m1", "m2"]'
check "admin written" contains "$text" 'admin = true'
check "limits written" contains "$text" $'requests_per_minute = 60\ntokens_per_minute = 100000\nmax_concurrent = 4'
out=$("$sluice" keys check --file "$keys" 2>&1); rc=$?
check "check accepts two keys ($out)" test "$rc" -eq 0
check "check counts the admin key" contains "$out" "OK (2 keys, 1 admin, 1 tenant)"

# A duplicate id is refused and the file left as it was.
cp "$keys" "$work/before.toml"
out=$("$sluice" keys new --tenant other --id acme-admin --file "$keys" 2>&1); rc=$?
check "a duplicate id exits 1" test "$rc" -eq 1
check "a duplicate id is named ($out)" contains "$out" "key 'acme-admin': duplicate id"
check "no key printed for a refused entry" lacks "$out" "sk-sluice-"
check "the file is unchanged" cmp -s "$keys" "$work/before.toml"

# An id with a space is refused before anything is written.
out=$("$sluice" keys new --tenant acme --id "a b" --file "$keys" 2>&1); rc=$?
check "a bad id exits 1 ($out)" test "$rc" -eq 1
check "the file is still unchanged" cmp -s "$keys" "$work/before.toml"
"$sluice" keys new --tenant acme --rpm -1 >/dev/null 2>&1; rc=$?
check "a negative limit is refused" test "$rc" -ne 0

# Concurrent `keys new` on one file: each entry whole, none lost (the file is locked).
for i in 1 2 3 4 5 6 7 8; do
  "$sluice" keys new --tenant par --id "par-$i" --file "$work/par.toml" >/dev/null 2>&1 &
done
wait
out=$("$sluice" keys check --file "$work/par.toml" 2>&1); rc=$?
check "8 concurrent appends give a valid file ($out)" test "$rc" -eq 0
check "with 8 keys" contains "$out" "OK (8 keys, 0 admin, 1 tenant)"

# new without --file: the key, then the entry to paste.
out=$("$sluice" keys new --tenant solo --id solo 2>/dev/null); rc=$?
check "new to stdout exits 0" test "$rc" -eq 0
first=$(printf '%s\n' "$out" | head -n 1)
check "the first line is the key" matches "$first" '^sk-sluice-[A-Za-z0-9_-]{43}$'
printf '%s\n' "$out" | tail -n +2 > "$work/solo.toml"
check "the rest is a valid keys file" quiet "$sluice" keys check --file "$work/solo.toml"
check "whose hash is the key's" hash_of_key "$(sed -n 's/^hash = "\(.*\)"$/\1/p' "$work/solo.toml")" "$first"

# hash: stdin to the stored form, salted differently each time.
h1=$(printf '%s\n' "$key" | "$sluice" keys hash); rc=$?
h2=$(printf '%s' "$key" | "$sluice" keys hash)
check "hash exits 0" test "$rc" -eq 0
check "hash matches the key" hash_of_key "$h1" "$key"
check "hash without a newline too" hash_of_key "$h2" "$key"
check "each hash has its own salt" test "$h1" != "$h2"
printf '' | "$sluice" keys hash >/dev/null 2>&1; rc=$?
check "hash of nothing exits 1" test "$rc" -eq 1

# check: every problem with file:line:column and the key; exit 1.
printf '[[key]]\nid = "x"\ntenant = "t"\nhash = "%s"\nkey = "sk-sluice-secret"\ntenent = "y"\n' "$h1" \
  > "$work/bad.toml"
out=$("$sluice" keys check --file "$work/bad.toml" 2>&1); rc=$?
check "check fails on a bad file" test "$rc" -eq 1
check "a plaintext key is named ($out)" contains "$out" "$work/bad.toml:5:1: key 'x': field 'key' would hold the key in plain text"
check "an unknown field is named" contains "$out" "$work/bad.toml:6:1: key 'x': unknown field 'tenent' (did you mean 'tenant'?)"
check "the plaintext key is not echoed" lacks "$out" "sk-sluice-secret"
"$sluice" keys check --file "$work/absent.toml" >/dev/null 2>&1; rc=$?
check "check fails on a missing file" test "$rc" -eq 1
"$sluice" keys >/dev/null 2>&1; rc=$?
check "keys needs a subcommand" test "$rc" -ne 0

echo "$passed passed, $failures failed"
[ "$failures" -eq 0 ]
