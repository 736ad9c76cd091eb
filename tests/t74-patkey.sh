#!/bin/sh
# t74-patkey.sh -- a stored failure names its failregex by key
# (failregex.extra.1), not by its place in the jail's active list: adding
# a pattern to the config (here a normal one, which comes before every
# extra one in that list) changes nothing that the old rows say, and the
# new rows of the same pattern carry the same id.  `mailban test` and the
# report failures-per-filter name the key too.
. tests/lib.sh

CONF=$T/mailban.conf DB=$T/m.db
sed -e "s|^database .*|database = $DB|" conf/mailban.conf > "$CONF"
chmod 600 "$CONF"
cat > "$T/a.log" <<'EOF'
Nov 26 10:00:01 mx sm-mta[1001]: sAQB1101000001: example.com [192.0.2.110] did not issue MAIL/EXPN/VRFY/ETRN during connection to MTA
Nov 26 10:00:02 mx sm-mta[1002]: sAQB1101000002: rejecting commands from [192.0.2.111] due to pre-greeting traffic after 0 seconds
EOF
cat > "$T/b.log" <<'EOF'
Nov 26 10:05:01 mx sm-mta[1003]: sAQB1101000003: example.net [192.0.2.112] did not issue MAIL/EXPN/VRFY/ETRN during connection to MTA
EOF
rows() { sqlite3 "$DB" "SELECT id, address, jail, pattern FROM failures_named ORDER BY id"; }

ok_run "scan of the first log" mb scan -c "$CONF" --db "$DB" --now 2026-11-26T12:00:00Z "$T/a.log"
ok_eq "the rows name their keys" "1|192.0.2.110|sendmail-reject|failregex.extra.1
2|192.0.2.111|sendmail-reject|failregex.7" "$(rows)"
before=$(sqlite3 "$DB" "SELECT id, pattern FROM failures ORDER BY id")

# A new normal pattern: failregex.extra.1 moves from 24th to 25th place.
sed -e '/^failregex\.23 = /a\
failregex.24 = ^ruleset=check_relay, relay=\\[<HOST>\\], reject=550 5\\.7\\.1 Spam source$' \
    "$CONF" > "$T/conf2" && cat "$T/conf2" > "$CONF"
ok_eq "the config has the new pattern" "1" "$(grep -c '^failregex\.24 = ' "$CONF")"
ok_run "scan of the second log with the new config" \
    mb scan -c "$CONF" --db "$DB" --now 2026-11-26T12:00:00Z "$T/b.log"
ok_eq "old rows say the same, the new one names the same key" \
    "1|192.0.2.110|sendmail-reject|failregex.extra.1
2|192.0.2.111|sendmail-reject|failregex.7
3|192.0.2.112|sendmail-reject|failregex.extra.1" "$(rows)"
ok_eq "old rows keep their ids; the new row has the id of its key" "$before
3|$(sqlite3 "$DB" "SELECT pattern FROM failures WHERE id = 1")" \
    "$(sqlite3 "$DB" "SELECT id, pattern FROM failures ORDER BY id")"
ok_eq "report failures-per-filter names the keys" \
    "sendmail-reject failregex.7 1
sendmail-reject failregex.extra.1 2
sendmail-reject all 3" \
    "$(sqlite3 -separator ' ' "$DB" < sql/reports/failures-per-filter.sql 2>&1 | cut -d' ' -f1-3)"
ok_eq "mailban test names the key" \
    "1	2026-11-26T10:05:01	192.0.2.112	sendmail-reject	failregex.extra.1" \
    "$(mb test -c "$CONF" --now 2026-11-26T12:00:00Z --format tsv "$T/b.log" 2>&1)"
