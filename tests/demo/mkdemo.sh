#!/bin/sh
# mkdemo.sh -- regenerate tests/demo/mail.log (see README): genlog's normal
# traffic (seed 2026, Nov 26 10:00-10:30 UTC, one line every 5 s, no abuse,
# no localhost probes) merged by time with the hand-placed failures below.
# Output is deterministic; rerunning must leave mail.log unchanged.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/mailban-demo.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
${CC:-cc} -O2 -o "$tmp/genlog" "$here/../bench/genlog.c"
# 1795687200 = 2026-11-26T10:00:00Z
"$tmp/genlog" -s 2026 -n 360 -r 0.2 -a 0 -p 0 -t 1795687200 > "$tmp/normal"
cat > "$tmp/abuse" <<'LOG'
Nov 26 10:02:05 mx sm-mta[21001]: uAQA02aa021001: ruleset=check_rcpt, arg1=<alice@example.org>, relay=dsl-pool.example.net [192.0.2.10], reject=550 5.7.1 <alice@example.org>... Relaying denied. Proper authentication required.
Nov 26 10:03:12 mx sm-mta[21044]: uAQA03ab021044: ruleset=check_rcpt, arg1=<bob@example.net>, relay=dsl-pool.example.net [192.0.2.10], reject=550 5.7.1 <bob@example.net>... Relaying denied. Proper authentication required.
Nov 26 10:04:20 mx sm-mta[21090]: uAQA04ac021090: ruleset=check_rcpt, arg1=<nobody@example.com>, relay=dsl-pool.example.net [192.0.2.10], reject=550 5.1.1 <nobody@example.com>... User unknown
Nov 26 10:05:31 mx sm-mta[21132]: uAQA05ad021132: ruleset=check_rcpt, arg1=<carol@example.org>, relay=dsl-pool.example.net [192.0.2.10] (may be forged), reject=550 5.7.1 <carol@example.org>... Relaying denied. IP name possibly forged [192.0.2.10]
Nov 26 10:06:40 mx sm-mta[21187]: uAQA06ae021187: ruleset=check_rcpt, arg1=<dave@example.net>, relay=dsl-pool.example.net [192.0.2.10], reject=553 5.1.8 <dave@example.net>... Domain of sender address spam@nx.example.net does not exist
Nov 26 10:11:10 mx sm-mta[22310]: uAQA11ba022310: AUTH failure (LOGIN): authentication failure (-13) SASL(-13): authentication failure: checkpass failed, user=admin, relay=[IPv6:2001:db8::66]
Nov 26 10:12:20 mx sm-mta[22377]: uAQA12bb022377: AUTH failure (LOGIN): authentication failure (-13) SASL(-13): authentication failure: checkpass failed, user=info, relay=[IPv6:2001:db8::66]
Nov 26 10:13:30 mx sm-mta[22419]: uAQA13bc022419: [IPv6:2001:db8::66]: possible SMTP attack: command=AUTH, count=5
Nov 26 10:16:40 mx sm-mta[22502]: uAQA16bd022502: AUTH failure (PLAIN): authentication failure (-13) SASL(-13): authentication failure: Password verification failed, user=test@example.com, relay=host.example.org [IPv6:2001:db8::66]
Nov 26 10:17:50 mx sm-mta[22561]: uAQA17be022561: AUTH failure (LOGIN): authentication failure (-13) SASL(-13): authentication failure: checkpass failed, user=office, relay=[IPv6:2001:db8::66]
Nov 26 10:20:00 mx sm-mta[23001]: ruleset=check_relay, arg1=[203.0.113.45], arg2=203.0.113.45, relay=[203.0.113.45], reject=421 4.3.2 Connection rate limit exceeded.
Nov 26 10:21:15 mx sm-mta[23040]: uAQA21ca023040: rejecting commands from  [203.0.113.45] due to pre-greeting traffic after 0 seconds
Nov 26 10:22:30 mx sm-mta[23077]: uAQA22cb023077: vps.example.org [203.0.113.45]: EXPN root [rejected]
Nov 26 10:23:45 mx sm-mta[23101]: uAQA23cc023101: vps.example.org [203.0.113.45]: VRFY postmaster [rejected]
Nov 26 10:25:00 mx sm-mta[23150]: uAQA25cd023150: ruleset=check_rcpt, arg1=<sales@example.com>, relay=vps.example.org [203.0.113.45], reject=550 5.7.1 <sales@example.com>... Rejected: 203.0.113.45 listed at zen.dnsbl.example.org
Nov 26 10:08:00 mx sm-mta[24001]: uAQA08da024001: static.example.net [198.51.100.23] did not issue MAIL/EXPN/VRFY/ETRN during connection to MTA
Nov 26 10:10:00 mx sm-mta[24050]: uAQA10db024050: ruleset=check_rcpt, arg1=<judy@example.com>, relay=static.example.net [198.51.100.23], reject=550 5.1.1 <judy@example.com>... User unknown
Nov 26 10:12:00 mx sm-mta[24111]: uAQA12dc024111: static.example.net [198.51.100.23] did not issue MAIL/EXPN/VRFY/ETRN during connection to MTA
Nov 26 10:14:00 mx sm-mta[24160]: uAQA14dd024160: ruleset=check_rcpt, arg1=<ivan@example.com>, relay=static.example.net [198.51.100.23], reject=550 5.1.1 <ivan@example.com>... User unknown
Nov 26 10:18:05 mx sm-mta[24233]: uAQA18de024233: ruleset=check_rcpt, arg1=<erin@example.com>, relay=static.example.net [198.51.100.23], reject=553 5.1.8 <erin@example.com>... Domain of sender address erin@nx.example.net does not exist
Nov 26 10:21:00 mx sm-mta[25010]: uAQA21ea025010: [192.0.2.200]: possible SMTP attack: command=AUTH, count=5
Nov 26 10:22:00 mx sm-mta[25066]: uAQA22eb025066: AUTH failure (LOGIN): authentication failure (-13) SASL(-13): authentication failure: checkpass failed, user=root, relay=[192.0.2.200]
Nov 26 10:23:00 mx sm-mta[25112]: uAQA23ec025112: AUTH failure (LOGIN): authentication failure (-13) SASL(-13): authentication failure: checkpass failed, user=postmaster, relay=[192.0.2.200]
Nov 26 10:24:00 mx sm-mta[25170]: uAQA24ed025170: [192.0.2.200]: possible SMTP attack: command=AUTH, count=6
Nov 26 10:04:00 mx sm-mta[26001]: uAQA04fa026001: ruleset=check_rcpt, arg1=<backup@example.com>, relay=mx.example.com [127.0.1.1], reject=550 5.1.1 <backup@example.com>... User unknown
Nov 26 10:05:00 mx sm-mta[26033]: uAQA05fb026033: ruleset=check_rcpt, arg1=<backup@example.com>, relay=mx.example.com [127.0.1.1], reject=550 5.1.1 <backup@example.com>... User unknown
Nov 26 10:06:00 mx sm-mta[26070]: uAQA06fc026070: ruleset=check_rcpt, arg1=<backup@example.com>, relay=mx.example.com [127.0.1.1], reject=550 5.1.1 <backup@example.com>... User unknown
Nov 26 10:07:00 mx sm-mta[26102]: uAQA07fd026102: ruleset=check_rcpt, arg1=<backup@example.com>, relay=mx.example.com [127.0.1.1], reject=550 5.1.1 <backup@example.com>... User unknown
Nov 26 10:08:00 mx sm-mta[26140]: uAQA08fe026140: ruleset=check_rcpt, arg1=<backup@example.com>, relay=mx.example.com [127.0.1.1], reject=550 5.1.1 <backup@example.com>... User unknown
Nov 26 10:09:00 mx sm-mta[26188]: uAQA09ff026188: ruleset=check_rcpt, arg1=<backup@example.com>, relay=mx.example.com [127.0.1.1], reject=550 5.1.1 <backup@example.com>... User unknown
LOG
LC_ALL=C sort -s -k3,3 "$tmp/normal" "$tmp/abuse" > "$tmp/mail.log"
mv "$tmp/mail.log" "$here/mail.log"
